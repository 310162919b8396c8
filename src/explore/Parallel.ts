/**
 * The explorer on worker threads: the same breadth-first exploration as `explore`, its levels
 * shared out among workers that share one set of states seen (`Visited.ts`).
 *
 * This thread explores the first levels alone, until a level has {@link SPLIT_PER_WORKER} states
 * per worker; it then deals that level's states out in turn, each as its path from the first
 * world, which the worker walks to rebuild it (worlds hold class instances, which do not cross
 * threads). From there each worker expands its own states and keeps the new ones it reaches:
 * whichever worker offers a state first owns it. Every level ends with all workers done, so
 * the levels stay breadth-first and counterexamples shortest; between levels, this thread grows
 * the shared set, which does not grow while workers add to it (a state it has no room for waits
 * in its worker and is offered again after), and evens the next level out: the most loaded
 * worker hands the least loaded some of its states, as paths again ({@link rebalancing}). Within
 * a level, a worker done with its share takes some of the states a busy one has left: the busy
 * one pauses between two states and hands them over as paths ({@link taking}).
 *
 * The worlds counted are those of one thread. The states may differ, by up to about 1% on
 * `pay2-k1`: when one world is reached in one level with two spare budgets neither of which
 * covers the other and a third that covers both, how many entries it keeps depends on which
 * worker offers first.
 *
 * Built on `node:worker_threads`, as the harness's campaigns are (`src/harness/Parallel.ts`).
 *
 * @since 0.5.0
 */
import { Schema } from "effect"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { BackendName } from "../harness/Job.js"
import { explorationOf, type Exploration, type ExploreSettings, type Tally, type Violation } from "./Explorer.js"
import { beginCheckpoint, commitCheckpoint, readCheckpoint, workerFile } from "./Checkpoint.js"
import { Frontier, QUEUED_WORLDS } from "./Frontier.js"
import type { Goal } from "./Goals.js"
import type { ExploreScope } from "./Scopes.js"
import { StateSet, type SharedStates } from "./Visited.js"

/** How many states per worker a level needs before this thread deals it out. @category explorer @since 0.5.0 */
export const SPLIT_PER_WORKER = 500

/** What a worker rebuilds its settings from: the scope, the backend by name and the mutant's folder, if any. @category explorer @since 0.5.0 */
export interface ExploreJob {
  readonly scope: ExploreScope
  readonly backend: BackendName
  /** The folder of a planted mutant (`plant` of `src/bugs/Mutant.ts`), or none for the reference core. */
  readonly mutant?: string
  readonly maxStates: number
  /** How many queued states a worker keeps with their worlds (`ExploreSettings.queuedWorlds`). */
  readonly queuedWorlds: number
}

/** What a worker is given when it starts. @category explorer @since 0.5.0 */
export interface WorkerStart {
  readonly job: ExploreJob
  /** Its index among the workers. */
  readonly index: number
  /** How many workers share the exploration. */
  readonly workers: number
  /** The exploration's shared words ({@link controlWords}). */
  readonly control: SharedArrayBuffer
}

/** Where the pause words start in the shared words of `workers` workers: after {@link STOP}'s 8 bytes and each worker's two 8-byte counts. */
const pausesAt = (workers: number): number => 8 * (1 + 2 * workers)

/** The shared words of an exploration on `workers` workers, for {@link controlWords}. @category explorer @since 0.5.0 */
export const controlFor = (workers: number): SharedArrayBuffer => new SharedArrayBuffer(pausesAt(workers) + 4 * workers)

/**
 * The shared words of an exploration: {@link STOP}; each worker's transitions and queued states,
 * which it writes for the progress lines; and each worker's pause word, which this thread sets to
 * have the worker stop between two states of its level (and clears once it answered).
 *
 * @category explorer
 * @since 0.5.0
 */
export const controlWords = (control: SharedArrayBuffer, workers: number): { readonly stopped: Int32Array; readonly perWorker: Float64Array; readonly pauses: Int32Array } => ({
  stopped: new Int32Array(control, 0, 1),
  perWorker: new Float64Array(control, 8, 2 * workers),
  pauses: new Int32Array(control, pausesAt(workers), workers)
})

/** What this thread asks a worker: take the states at the end of `paths`, hand over `count` states of its level as paths, expand its level (until it is done or paused), offer again what waited, move to its next level, or save its frontier to a checkpoint's `file` or take it up from one (`Checkpoint.ts`). @category explorer @since 0.5.0 */
export type WorkerRequest =
  | { readonly do: "seed"; readonly paths: ReadonlyArray<ReadonlyArray<number>> }
  | { readonly do: "save"; readonly file: string }
  | { readonly do: "load"; readonly file: string }
  | { readonly do: "handOver"; readonly count: number }
  | { readonly do: "expand" | "offer"; readonly states: SharedStates }
  | { readonly do: "next" }

/** The word of {@link WorkerStart.control} that, once not zero, tells every worker to stop: a violation was found or the bound on states reached. @category explorer @since 0.5.0 */
export const STOP = 0

const Counts = Schema.Struct({
  transitions: Schema.Int,
  livenessChecks: Schema.Int,
  met: Schema.Array(Schema.String),
  violation: Schema.NullOr(Schema.Struct({ invariant: Schema.String, findings: Schema.Array(Schema.String), path: Schema.Array(Schema.Int) })),
  waiting: Schema.Int,
  queued: Schema.Int,
  left: Schema.Int,
  handedOver: Schema.Array(Schema.Array(Schema.Int))
})

/** A worker's answer to each request: its totals so far, its violation if it found one, its states waiting, queued and left in its level, and the paths of the states it handed over, if asked to. @category explorer @since 0.5.0 */
export type WorkerCounts = typeof Counts.Type

/** The counts of a frontier, as a worker answers them, with the paths of the states it just handed over. @category explorer @since 0.5.0 */
export const countsOf = (frontier: Frontier, handedOver: ReadonlyArray<ReadonlyArray<number>> = []): WorkerCounts => ({
  transitions: frontier.transitions,
  livenessChecks: frontier.livenessChecks,
  met: [...frontier.met],
  violation: frontier.violation,
  waiting: frontier.waiting,
  queued: frontier.queued,
  left: frontier.left,
  handedOver
})

/**
 * What a state handed from one worker to another costs the worker that takes it, in states
 * expanded: it walks the state's path without judging or fingerprinting the states on the way,
 * each path on from the world at the end of the prefix it shares with the one before
 * (`Frontier.seed`), and a level's states handed over together share most of theirs. Measured on
 * `pay2-k1`: 3,000 states of level 14 walked in 0.35 to 0.44 of the time it took to expand them.
 *
 * @category explorer
 * @since 0.5.0
 */
export const HANDOVER_COST = 0.5

/** Fewer states than this to hand over, workers are left as they are: a handover costs two messages and a pause. @category explorer @since 0.5.0 */
export const LEAST_HANDOVER = 100

/**
 * How to even out a level: the most loaded worker hands the least loaded as many of its states
 * as leave both with as much work, counting each state handed over as {@link HANDOVER_COST}
 * states for the worker that takes it; null when that is fewer than `least` states. Each worker
 * keeps the states it reaches first, so the one that finishes a level last, alone then and
 * reaching every new state it meets, starts the next one with more: without this, one of two
 * workers on `pay2-k1` used 24% less CPU than the other past depth 24.
 *
 * @category explorer
 * @since 0.5.0
 */
export const rebalancing = (queued: ReadonlyArray<number>, least = LEAST_HANDOVER): { readonly from: number; readonly to: number; readonly count: number } | null => {
  const from = queued.indexOf(Math.max(...queued))
  const to = queued.indexOf(Math.min(...queued))
  // Evening out a gap of A - B is taking from a busy worker's A - B states left.
  const count = taking((queued[from] ?? 0) - (queued[to] ?? 0), least)
  return count === 0 ? null : { from, to, count }
}

/**
 * How many of the `left` states of a busy worker's level a worker done with its share takes:
 * enough to leave both with as much work, counting each state taken as {@link HANDOVER_COST}
 * states more for the worker that takes it; 0 when that is fewer than `least` states. States
 * differ in cost, and a level evened out by count at its start still ends on one worker: on
 * `settle-k1`, for minutes.
 *
 * @category explorer
 * @since 0.5.0
 */
export const taking = (left: number, least = LEAST_HANDOVER): number => {
  const count = Math.floor(left / (2 + HANDOVER_COST))
  return count < Math.max(least, 1) ? 0 : count
}

/** The worker script beside this module: `.ts` when run from the sources, `.js` when built. */
const workerScript = (): URL => new URL(`./ExploreWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/** A worker thread, asked one thing at a time. */
class Helper {
  readonly #thread: Worker
  readonly #ready: Promise<void>
  #answer: ((counts: WorkerCounts) => void) | undefined
  #fail: (error: Error) => void = () => undefined

  constructor(start: WorkerStart) {
    const script = workerScript()
    // From the sources, a worker loads TypeScript through tsx, which a process run by tsx passes on to its workers and a test runner does not.
    const typeScript = script.pathname.endsWith(".ts") && !process.execArgv.some((arg) => arg.includes("tsx"))
    this.#thread = new Worker(script, { workerData: start, ...(typeScript ? { execArgv: [...process.execArgv, "--import", "tsx"] } : {}) })
    this.#ready = new Promise((resolve, reject) => {
      this.#fail = reject
      this.#thread.on("message", (raw: unknown) => {
        if (raw === "ready") return resolve()
        const answer = this.#answer
        this.#answer = undefined
        try {
          answer?.(Schema.decodeUnknownSync(Counts)(raw))
        } catch (error) {
          this.#fail(error instanceof Error ? error : new Error(String(error)))
        }
      })
      this.#thread.on("error", (error) => this.#fail(error))
    })
  }

  /** Sends `request` once the worker is ready; resolves with its answer. */
  async ask(request: WorkerRequest): Promise<WorkerCounts> {
    await this.#ready
    return new Promise((resolve, reject) => {
      this.#answer = resolve
      this.#fail = reject
      this.#thread.postMessage(request)
    })
  }

  async stop(): Promise<void> {
    await this.#thread.terminate()
  }
}

/**
 * Expands a level on every worker, with the set of states seen in `expand`; each worker done with
 * its share while another is busy takes some of what that one has left: the busy one (the one
 * with the most queued, as it last said) pauses between two states and hands over as many as
 * {@link taking} says, and both go on. Returns each worker's last answer and how many states
 * were taken.
 */
const expandShared = async (
  helpers: ReadonlyArray<Helper>,
  expand: WorkerRequest,
  { stopped, perWorker, pauses }: ReturnType<typeof controlWords>,
  least: number
): Promise<{ readonly answers: ReadonlyArray<WorkerCounts>; readonly taken: number }> => {
  const stopping = (): boolean => Atomics.load(stopped, STOP) !== 0
  const answers: Array<WorkerCounts> = []
  const running = new Map<number, Promise<WorkerCounts>>()
  const start = (index: number): void => {
    running.set(index, (helpers[index] as Helper).ask(expand))
  }
  let taken = 0
  helpers.forEach((_, index) => start(index))
  while (running.size > 0) {
    const [idle, answer] = await Promise.race([...running].map(([index, asked]) => asked.then((counts) => [index, counts] as const)))
    running.delete(idle)
    answers[idle] = answer
    if (stopping() || running.size === 0) continue
    const busy = [...running.keys()].reduce((most, index) => ((perWorker[2 * index + 1] ?? 0) > (perWorker[2 * most + 1] ?? 0) ? index : most))
    Atomics.store(pauses, busy, 1)
    const paused = await (running.get(busy) as Promise<WorkerCounts>)
    Atomics.store(pauses, busy, 0)
    running.delete(busy)
    answers[busy] = paused
    const count = stopping() ? 0 : taking(paused.left, least)
    if (count > 0) {
      const paths = (await (helpers[busy] as Helper).ask({ do: "handOver", count })).handedOver
      taken += paths.length
      await (helpers[idle] as Helper).ask({ do: "seed", paths })
      start(idle)
    }
    if (paused.left > 0 && !stopping()) start(busy)
  }
  return { answers, taken }
}

/** Where an exploration on workers saves checkpoints (`Checkpoint.ts`), how often, and whether it first takes up the one there. @category explorer @since 0.5.0 */
export interface CheckpointSettings {
  readonly dir: string
  /** The digest of the code exploring (`codeDigest`): a checkpoint is taken up only by the code that wrote it. */
  readonly code: string
  /** The least time between two checkpoints: one is written at the end of the first level this long after the last (or after the start). */
  readonly every_ms: number
  readonly resume: boolean
}

/** How an exploration uses its worker threads. @category explorer @since 0.5.0 */
export interface WorkerOptions {
  readonly workers: number
  /** How many states per worker a level needs before it is dealt out ({@link SPLIT_PER_WORKER} unless given). */
  readonly splitPerWorker?: number
  /** The fewest states worth handing from one worker to another ({@link LEAST_HANDOVER} unless given). */
  readonly leastHandover?: number
  readonly checkpoint?: CheckpointSettings
}

/**
 * Explores `settings.scope` as `explore` does, on worker threads once a level is large enough
 * (see the module's doc and {@link WorkerOptions}); `job` is how the workers rebuild `settings`.
 * Between levels, workers whose levels differ enough are evened out; with `checkpoint`, where the
 * exploration stands is saved between levels, and a run told to resume takes up the last
 * checkpoint instead of starting from the first world (`Checkpoint.ts`).
 *
 * @category explorer
 * @since 0.5.0
 */
export const exploreInWorkers = async (settings: ExploreSettings, job: Omit<ExploreJob, "scope" | "maxStates" | "queuedWorlds">, options: WorkerOptions): Promise<Exploration> => {
  const { workers, splitPerWorker = SPLIT_PER_WORKER, leastHandover = LEAST_HANDOVER, checkpoint } = options
  const resumed = checkpoint?.resume === true ? readCheckpoint(checkpoint.dir, { scope: settings.scope.name, code: checkpoint.code, workers }) : undefined
  // A run taken up counts its wall time from the start of the first.
  const started = performance.now() - (resumed?.header.wall_ms ?? 0)
  const seen = new StateSet(resumed?.states)
  // The thread that explores the first levels; taken up, it has only what it counted then.
  const first = new Frontier(settings, true)
  if (resumed === undefined) first.seed([[]], seen)
  else first.resume({ ...resumed.header, parents: new Int32Array(0), actions: new Int32Array(0), roots: [], level: new Int32Array(0) })
  const control = controlFor(workers)
  const words = controlWords(control, workers)
  const { stopped, perWorker } = words
  let depth = resumed?.header.depth ?? 0
  let handedOver = resumed?.header.handedOver ?? 0
  let taken = resumed?.header.taken ?? 0
  let helpers: ReadonlyArray<Helper> = []
  let counts: ReadonlyArray<WorkerCounts> = []
  const sum = (of: (c: WorkerCounts) => number): number => counts.reduce((total, c) => total + of(c), 0)
  const finish = (complete: boolean): Exploration => {
    // The shortest path found, the first worker's of two as short.
    const found = [first.violation, ...counts.map((c) => c.violation as Violation | null)].filter((v) => v !== null)
    const tally: Tally = {
      transitions: first.transitions + sum((c) => c.transitions),
      livenessChecks: first.livenessChecks + sum((c) => c.livenessChecks),
      met: new Set<Goal>([...first.met, ...counts.flatMap((c) => c.met as ReadonlyArray<Goal>)]),
      violation: found.reduce<Violation | null>((best, v) => (best === null || v.path.length < best.path.length ? v : best), null)
    }
    return explorationOf(settings, seen, tally, { depth, complete, started, threads: Math.max(helpers.length, 1), handedOver, taken })
  }
  const atBound = (): boolean => seen.size >= settings.maxStates
  let reported = 0
  const progress = settings.progress
  const report = (): void => {
    if (progress === undefined || Math.floor(seen.size / progress.every) <= reported) return
    reported = Math.floor(seen.size / progress.every)
    let transitions = first.transitions
    let frontier = 0
    for (let i = 0; i < workers; i++) [transitions, frontier] = [transitions + (perWorker[2 * i] ?? 0), frontier + (perWorker[2 * i + 1] ?? 0)]
    progress.report({ states: seen.size, transitions, depth, frontier, wall_ms: performance.now() - started })
  }
  // This thread alone, until a level is large enough to share out.
  for (; resumed === undefined; ) {
    first.expand(seen, atBound, report)
    if (first.violation !== null || atBound()) return finish(false)
    const size = first.nextLevel()
    if (size === 0) return finish(true)
    depth++
    if (size >= splitPerWorker * workers) break
  }
  // Progress is told once the workers hold the level: before, their counts are not yet theirs.
  let timer: ReturnType<typeof setInterval> | undefined
  try {
    helpers = Array.from({ length: workers }, (_, index) => new Helper({ job: { ...job, scope: settings.scope, maxStates: settings.maxStates, queuedWorlds: settings.queuedWorlds ?? QUEUED_WORLDS }, index, workers, control }))
    if (resumed === undefined) {
      // The states dealt out are the workers' now.
      const paths = first.handOver()
      counts = await Promise.all(helpers.map((helper, index) => helper.ask({ do: "seed", paths: paths.filter((_, i) => i % workers === index) })))
    } else counts = await Promise.all(helpers.map((helper, index) => helper.ask({ do: "load", file: workerFile(resumed.folder, index) })))
    timer = setInterval(report, 1000)
    const everyone = async (request: WorkerRequest): Promise<void> => {
      counts = await Promise.all(helpers.map((helper) => helper.ask(request)))
    }
    let savedAt = performance.now()
    const save = async (to: CheckpointSettings): Promise<void> => {
      const folder = beginCheckpoint(to.dir)
      await Promise.all(helpers.map((helper, index) => helper.ask({ do: "save", file: workerFile(folder, index) })))
      const { transitions, livenessChecks } = first
      const header = { scope: settings.scope.name, code: to.code, workers, depth, handedOver, taken, wall_ms: performance.now() - started, transitions, livenessChecks, met: [...first.met], states: seen.size, worlds: seen.worlds }
      commitCheckpoint(to.dir, header, seen.shared())
      savedAt = performance.now()
    }
    for (;;) {
      seen.makeRoom()
      const expand: WorkerRequest = { do: "expand", states: seen.shared() }
      const move = rebalancing(
        counts.map((c) => c.queued),
        leastHandover
      )
      const paths = move === null ? [] : (await (helpers[move.from] as Helper).ask({ do: "handOver", count: move.count })).handedOver
      handedOver += paths.length
      if (move !== null) await (helpers[move.to] as Helper).ask({ do: "seed", paths })
      const expanded = await expandShared(helpers, expand, words, leastHandover)
      counts = expanded.answers
      taken += expanded.taken
      while (Atomics.load(stopped, STOP) === 0 && sum((c) => c.waiting) > 0) {
        seen.makeRoom()
        await everyone({ do: "offer", states: seen.shared() })
      }
      if (Atomics.load(stopped, STOP) !== 0) return finish(false)
      await everyone({ do: "next" })
      if (sum((c) => c.queued) === 0) return finish(true)
      depth++
      if (checkpoint !== undefined && performance.now() - savedAt >= checkpoint.every_ms) await save(checkpoint)
    }
  } finally {
    clearInterval(timer)
    await Promise.all(helpers.map((helper) => helper.stop()))
  }
}
