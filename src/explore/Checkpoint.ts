/**
 * Checkpoints: an exploration on worker threads saves where it stands between two levels, so that
 * a run of many hours survives its process (stopped at Ctrl-C, or at the end of a session) and
 * takes up again where it left off, as TLC's `-recover` does.
 *
 * A checkpoint is a folder: the set of states seen as its words (`states.bin`: 20 bytes a slot),
 * one file per worker (`worker-N.bin`: its counts, how each of its states was reached, the paths
 * of the states it was given, and its next level's states by number, 8 bytes a state, 4 a
 * queued one and 4 an action of a given path), and `run.json` (the scope, the code, the level and the counts of the thread that
 * explored the first levels). No world is saved: a worker rebuilds each queued world by walking
 * its path (`Frontier.ts`). `run.json` is written last, and a checkpoint is written beside the
 * last one and then put in its place, so a process stopped while writing leaves a checkpoint
 * whole.
 *
 * A checkpoint is taken up only by the same code (a digest of every file of the code's folders:
 * a changed core walks the saved paths to other worlds), the same scope, the same number of
 * workers (each worker's states are numbered by its own links) and a machine of the same byte
 * order. Every file is decoded and checked before anything is taken from it.
 *
 * @since 0.5.0
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs"
import { endianness } from "node:os"
import { join, relative } from "node:path"
import type { SavedFrontier } from "./Frontier.js"
import { GoalSchema } from "./Goals.js"
import { SET_BYTES, type SharedStates } from "./Visited.js"

/** The version of the checkpoint files this code writes and reads: 2 since `run.json` counts the states taken within levels. @category explorer @since 0.5.0 */
export const CHECKPOINT_FORMAT = 2

/** A checkpoint that cannot be taken up: none in the folder, another scope's, code's or number of workers', or files that do not decode. @category explorer @since 0.5.0 */
export class CheckpointError extends Error {}

const RunHeader = Schema.Struct({
  format: Schema.Literal(CHECKPOINT_FORMAT),
  byteOrder: Schema.String,
  scope: Schema.String,
  /** The digest of the code that wrote it ({@link codeDigest}). */
  code: Schema.String,
  workers: Schema.Int,
  /** The level the workers' saved levels are at. */
  depth: Schema.Int,
  handedOver: Schema.Int,
  taken: Schema.Int,
  /** The exploration's wall time so far, over every process that ran it. */
  wall_ms: Schema.Number,
  /** What the thread that explored the first levels counted. */
  transitions: Schema.Int,
  livenessChecks: Schema.Int,
  met: Schema.Array(GoalSchema),
  /** The states and worlds seen, as the set says: a check that the set read back is the one saved. */
  states: Schema.Int,
  worlds: Schema.Int
})

/** What `run.json` says of the run a checkpoint was taken from. @category explorer @since 0.5.0 */
export type RunHeader = typeof RunHeader.Type

const FrontierHeader = Schema.Struct({
  format: Schema.Literal(CHECKPOINT_FORMAT),
  transitions: Schema.Int,
  livenessChecks: Schema.Int,
  met: Schema.Array(GoalSchema),
  /** How many states have links, how many words the paths of the states given take (each its number, its length, then its actions), and how many are queued: the lengths of the arrays after the header. */
  links: Schema.Int,
  rootWords: Schema.Int,
  level: Schema.Int
})

/** The paths of the states a frontier was given, as words: each state's number, its path's length, then its path. */
const rootWordsOf = (roots: SavedFrontier["roots"]): Int32Array => {
  const words = new Int32Array(roots.reduce((total, [, path]) => total + 2 + path.length, 0))
  let at = 0
  for (const [number, path] of roots) {
    words[at++] = number
    words[at++] = path.length
    words.set(path, at)
    at += path.length
  }
  return words
}

/** The paths {@link rootWordsOf} wrote, read back; throws if the words do not parse. */
const rootsOf = (words: Int32Array, file: string): SavedFrontier["roots"] => {
  const roots: Array<readonly [number, ReadonlyArray<number>]> = []
  for (let at = 0; at < words.length; ) {
    const number = words[at] as number
    const length = words[at + 1] ?? -1
    if (length < 0 || at + 2 + length > words.length) throw new CheckpointError(`${file} has a path that runs past its words: not a whole checkpoint`)
    roots.push([number, Array.from(words.subarray(at + 2, at + 2 + length))])
    at += 2 + length
  }
  return roots
}

/** The most bytes read or written in one call (Node's limit is 2 GiB). */
const CHUNK = 2 ** 30

const writeAll = (fd: number, bytes: Uint8Array): void => {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at))
}

const readAll = (fd: number, into: Uint8Array, position: number, file: string): void => {
  for (let at = 0; at < into.length; ) {
    const read = readSync(fd, into, at, Math.min(CHUNK, into.length - at), position + at)
    if (read === 0) throw new CheckpointError(`${file} is shorter than its header says: not a whole checkpoint`)
    at += read
  }
}

/** Writes `parts` one after the other into `file`, made anew. */
const writeFile = (file: string, parts: ReadonlyArray<Uint8Array>): void => {
  const fd = openSync(file, "w")
  try {
    for (const part of parts) writeAll(fd, part)
  } finally {
    closeSync(fd)
  }
}

/** What `read` reads from `file`, open for it alone. */
const readingFile = <T>(file: string, read: (fd: number) => T): T => {
  const fd = openSync(file, "r")
  try {
    return read(fd)
  } finally {
    closeSync(fd)
  }
}

const bytesOf = (array: Int32Array | Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** Decodes `raw` with `schema`, or says which file is not what it should be. */
const decoded = <S extends Schema.Codec<unknown, unknown>>(schema: S, raw: string, file: string): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema as never)(JSON.parse(raw)) as S["Type"]
  } catch (error) {
    throw new CheckpointError(`${file} is not a checkpoint this code reads: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** The file of worker `index` in checkpoint folder `folder`. @category explorer @since 0.5.0 */
export const workerFile = (folder: string, index: number): string => join(folder, `worker-${index}.bin`)

/** Writes what a worker's frontier saved to `file`: a header (its length, then JSON), then its links' parents and actions, the paths of the states it was given and its level, as 32-bit words. @category explorer @since 0.5.0 */
export const writeFrontier = (file: string, saved: SavedFrontier): void => {
  const roots = rootWordsOf(saved.roots)
  const header = Buffer.from(
    JSON.stringify({ format: CHECKPOINT_FORMAT, transitions: saved.transitions, livenessChecks: saved.livenessChecks, met: saved.met, links: saved.parents.length, rootWords: roots.length, level: saved.level.length })
  )
  const length = Buffer.alloc(4)
  length.writeUInt32LE(header.length)
  writeFile(file, [length, header, bytesOf(saved.parents), bytesOf(saved.actions), bytesOf(roots), bytesOf(saved.level)])
}

/** Reads back what {@link writeFrontier} wrote, checking its header and its length. @category explorer @since 0.5.0 */
export const readFrontier = (file: string): SavedFrontier =>
  readingFile(file, (fd) => {
    const length = Buffer.alloc(4)
    readAll(fd, length, 0, file)
    const raw = Buffer.alloc(length.readUInt32LE())
    readAll(fd, raw, 4, file)
    const header = decoded(FrontierHeader, raw.toString(), file)
    const words = (count: number, at: number): Int32Array => {
      const array = new Int32Array(count)
      readAll(fd, bytesOf(array), at, file)
      return array
    }
    const start = 4 + raw.length
    const expected = start + 4 * (2 * header.links + header.rootWords + header.level)
    if (statSync(file).size !== expected) throw new CheckpointError(`${file} has ${statSync(file).size} bytes, its header says ${expected}: not a whole checkpoint`)
    const parents = words(header.links, start)
    const actions = words(header.links, start + 4 * header.links)
    const roots = rootsOf(words(header.rootWords, start + 8 * header.links), file)
    const level = words(header.level, start + 4 * (2 * header.links + header.rootWords))
    return { transitions: header.transitions, livenessChecks: header.livenessChecks, met: header.met, roots, parents, actions, level }
  })

/** The folders of a checkpoint folder: the one being written, the last whole one, and the one before while it is being replaced. */
const NEXT = "next"
const CURRENT = "current"
const PREVIOUS = "previous"

/** Makes an empty folder in `dir` to write a checkpoint into, and returns it; {@link commitCheckpoint} puts it in place once whole. @category explorer @since 0.5.0 */
export const beginCheckpoint = (dir: string): string => {
  const next = join(dir, NEXT)
  rmSync(next, { recursive: true, force: true })
  mkdirSync(next, { recursive: true })
  return next
}

/** Writes the set of states seen and then `run.json` into the folder {@link beginCheckpoint} made (the workers wrote theirs), then puts it in place of the last checkpoint. @category explorer @since 0.5.0 */
export const commitCheckpoint = (dir: string, header: Omit<RunHeader, "format" | "byteOrder">, states: SharedStates): void => {
  const next = join(dir, NEXT)
  writeFile(join(next, "states.bin"), [new Uint8Array(states.counters), new Uint8Array(states.table)])
  writeFileSync(join(next, "run.json"), JSON.stringify({ format: CHECKPOINT_FORMAT, byteOrder: endianness(), ...header }))
  rmSync(join(dir, PREVIOUS), { recursive: true, force: true })
  if (existsSync(join(dir, CURRENT))) renameSync(join(dir, CURRENT), join(dir, PREVIOUS))
  renameSync(next, join(dir, CURRENT))
  rmSync(join(dir, PREVIOUS), { recursive: true, force: true })
}

/** A checkpoint read back: what `run.json` says, the set of states seen, and its folder, where each worker's file is ({@link workerFile}). @category explorer @since 0.5.0 */
export interface Checkpoint {
  readonly header: RunHeader
  readonly states: SharedStates
  readonly folder: string
}

/**
 * Reads the newest whole checkpoint in `dir` (one whose `run.json` was written), checking that it
 * is of `scope`, written by code of digest `code` on `workers` workers, on a machine of this byte
 * order, and that its set of states is whole; throws {@link CheckpointError} if not.
 *
 * @category explorer
 * @since 0.5.0
 */
export const readCheckpoint = (dir: string, expected: { readonly scope: string; readonly code: string; readonly workers: number }): Checkpoint => {
  const folder = [NEXT, CURRENT, PREVIOUS].map((name) => join(dir, name)).find((f) => existsSync(join(f, "run.json")))
  if (folder === undefined) throw new CheckpointError(`no checkpoint in ${dir}: an exploration run with --checkpoint ${dir} writes one at the end of a level, once its levels are dealt out to worker threads`)
  const header = decoded(RunHeader, readFileSync(join(folder, "run.json"), "utf8"), join(folder, "run.json"))
  const refuse = (what: string): never => {
    throw new CheckpointError(`the checkpoint in ${folder} ${what}`)
  }
  if (header.scope !== expected.scope) refuse(`is of scope ${header.scope}, not ${expected.scope}`)
  if (header.code !== expected.code) refuse("was written by other code: its paths may lead elsewhere in this core (run again from the start)")
  if (header.workers !== expected.workers) refuse(`was written by ${header.workers} worker${header.workers === 1 ? "" : "s"}: take it up with --workers ${header.workers}`)
  if (header.byteOrder !== endianness()) refuse(`was written on a machine of byte order ${header.byteOrder}, this one is ${endianness()}`)
  const file = join(folder, "states.bin")
  const size = statSync(file).size
  const { slot, counters } = SET_BYTES
  if (size < counters || (size - counters) % slot !== 0) refuse(`has a set of states of ${size} bytes, not its counters and whole slots`)
  const states: SharedStates = { counters: new SharedArrayBuffer(counters), table: new SharedArrayBuffer(size - counters) }
  readingFile(file, (fd) => {
    readAll(fd, new Uint8Array(states.counters), 0, file)
    readAll(fd, new Uint8Array(states.table), counters, file)
  })
  const [held, worlds] = new Int32Array(states.counters)
  if (held !== header.states || worlds !== header.worlds) refuse(`has a set of ${held} states and ${worlds} worlds, its run.json says ${header.states} and ${header.worlds}`)
  for (let index = 0; index < header.workers; index++) if (!existsSync(workerFile(folder, index))) refuse(`has no file for worker ${index}`)
  return { header, states, folder }
}

/**
 * The digest of the code in `folders`: every file in them, by its path within its folder and its
 * bytes. A checkpoint is taken up only by the code that wrote it.
 *
 * @category explorer
 * @since 0.5.0
 */
export const codeDigest = (folders: ReadonlyArray<string>): string => {
  const digest = createHash("sha256")
  for (const folder of folders)
    for (const file of filesIn(folder)) {
      digest.update(`${relative(folder, file)}\n`)
      digest.update(readFileSync(file))
    }
  return digest.digest("base64")
}

/** Every file under `folder`, sorted by path. */
const filesIn = (folder: string): ReadonlyArray<string> =>
  readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => (entry.isDirectory() ? filesIn(join(folder, entry.name)) : entry.isFile() ? [join(folder, entry.name)] : []))
