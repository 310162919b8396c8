/**
 * `checkout-protocol bugs`: plants each seeded bug in a copy of the core and runs the harness at
 * its default budget with seeds 1..N (or N seeds from `--first-seed`, to split a long run).
 * Prints, per bug, how many seeds caught it, the median number of runs until the first failure,
 * and the longest shrunk counterexample (commands). Exits 1 if a
 * bug escapes on any seed or shrinks beyond its bound. With several bugs, each runs in a child
 * process of its own (a mutant is a module tree of its own), as many at once as `--jobs` says.
 *
 * @since 0.3.0
 */
import { Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { spawn } from "node:child_process"
import { availableParallelism } from "node:os"
import { BUGS, bugNamed } from "../bugs/Catalog.js"
import type { Bug } from "../bugs/Mutant.js"
import { boundOf, BugRow, proveBug, rowFails } from "../bugs/Proof.js"
import { countFlag, jsonFlag, knownBug } from "./Options.js"

const flags = {
  seeds: countFlag("seeds", 20, 1, "seeds per bug: 1..N, or N from --first-seed"),
  firstSeed: countFlag("first-seed", 1, 1, "the first seed: N seeds from this one, to split a long run"),
  only: Flag.String("only").pipe(knownBug, Flag.optional, Flag.withDescription("run this one bug only, in this process")),
  jobs: countFlag("jobs", availableParallelism(), 1, "bugs proved at once, each in its own process"),
  json: jsonFlag,
  row: Flag.Boolean("row").pipe(Flag.withDefault(false), Flag.withHidden, Flag.withDescription("print the one bug's row as JSON (used by the child processes)"))
}

/** Runs one bug in a child process of this command and reads its row back. */
const proveInChild = (bug: Bug, seeds: number, firstSeed: number): Promise<BugRow> =>
  new Promise((resolve, reject) => {
    const script = process.argv[1]
    if (script === undefined) return reject(new Error("no script to run the child process with"))
    const child = spawn(process.execPath, [...process.execArgv, script, "bugs", "--only", bug.name, "--seeds", String(seeds), "--first-seed", String(firstSeed), "--row"], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => {
      try {
        resolve(Schema.decodeUnknownSync(BugRow)(JSON.parse(out)))
      } catch {
        // A mutant that crashes the harness itself counts as not caught, with the crash as its example.
        resolve({ bug: bug.name, caught: 0, seeds, firstSeed, escapedOn: Array.from({ length: seeds }, (_, i) => firstSeed + i), medianRuns: null, shrunkSteps: null, caughtBy: [], wall_s: 0, example: `the bug's process exited with ${code}:\n${err.slice(-3000)}` })
      }
    })
  })

/** Maps `items` through `f`, at most `width` at a time, keeping their order. */
const inParallel = async <T, R>(items: ReadonlyArray<T>, width: number, f: (item: T) => Promise<R>): Promise<Array<R>> => {
  const results: Array<R> = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      const item = items[i]
      if (item !== undefined) results[i] = await f(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return results
}

/** Prints the rows as a Markdown table, or as JSON, and the failures' examples on standard error. */
const printRows = (rows: ReadonlyArray<BugRow>, json: boolean): void => {
  if (json) {
    console.log(JSON.stringify(rows.map(({ wall_s: _wall, example: _example, ...row }) => row)))
  } else {
    const seeds = rows[0] === undefined ? "" : ` (seeds ${rows[0].firstSeed} to ${rows[0].firstSeed + rows[0].seeds - 1})`
    console.log(`| bug | caught${seeds} | median runs to catch | longest shrunk counterexample (commands) | caught by |`)
    console.log("| --- | --- | --- | --- | --- |")
    for (const r of rows) console.log(`| ${r.bug} | ${r.caught}/${r.seeds} | ${r.medianRuns ?? "-"} | ${r.shrunkSteps ?? "-"} | ${r.caughtBy.join(", ")} |`)
  }
  const failed = rows.filter(rowFails)
  if (failed.length === 0) return
  process.stderr.write(`\nNot caught on every seed, or shrunk beyond its bound: ${failed.map((r) => `${r.bug} (at most ${boundOf(r.bug)} commands${r.escapedOn.length === 0 ? "" : `; escaped on seed${r.escapedOn.length === 1 ? "" : "s"} ${r.escapedOn.join(", ")}`})`).join(", ")}\n`)
  for (const r of failed) if (r.example !== null) process.stderr.write(`\n--- ${r.bug}\n${r.example.slice(0, 4000)}\n`)
  process.exitCode = 1
}

/** The `bugs` subcommand's work. */
const runBugs = async (options: { readonly seeds: number; readonly firstSeed: number; readonly only: Option.Option<string>; readonly jobs: number; readonly json: boolean; readonly row: boolean }): Promise<void> => {
  if (options.row && Option.isSome(options.only)) {
    console.log(JSON.stringify(await proveBug(bugNamed(options.only.value), options.seeds, options.firstSeed)))
    return
  }
  const selected = Option.match(options.only, { onNone: () => BUGS, onSome: (name) => [bugNamed(name)] })
  const rows = await inParallel(selected, options.jobs, async (bug) => {
    const row = selected.length === 1 ? await proveBug(bug, options.seeds, options.firstSeed) : await proveInChild(bug, options.seeds, options.firstSeed)
    if (!options.json) process.stderr.write(`${row.bug}: caught ${row.caught}/${row.seeds}, median runs ${row.medianRuns}, shrunk to ${row.shrunkSteps} (${row.wall_s} s)\n`)
    return row
  })
  printRows(rows, options.json)
}

/**
 * The `bugs` subcommand.
 *
 * @category commands
 * @since 0.3.0
 */
export const bugsCommand = Command.make("bugs", flags, (options) => Effect.promise(() => runBugs(options))).pipe(
  Command.withDescription(
    "Prove the harness can fail: plant each seeded bug of the catalog in a copy of the core and run the harness on seeds 1..N (or N seeds from --first-seed). " +
      "Exits 1 if a bug escapes on any seed or its counterexample shrinks beyond its bound."
  )
)
