/**
 * `checkout-protocol explore`: every reachable state of a small scope, breadth-first, over the
 * real core (`src/explore/`). Prints distinct states, transitions, depth, liveness checks, the
 * rate and memory, and "no violation" or the shortest counterexample with the command that
 * replays it; with `--json`, one object. A long exploration says how far it got on stderr every
 * 50,000 states. `--workers N` shares each level among N worker threads. `--checkpoint DIR`
 * saves where the exploration stands between levels, every 10 minutes or as told, and
 * `--resume` takes it up from there (`src/explore/Checkpoint.ts`). `--replay` runs one path and
 * prints its trace. A scope that is not one of the
 * list exits 2, naming them all; a violation exits 1.
 *
 * @since 0.5.0
 */
import { Effect, Option } from "effect"
import { fileURLToPath } from "node:url"
import { CliError, Command, Flag } from "effect/cli"
import * as Reference from "../index.js"
import { bugNamed } from "../bugs/Catalog.js"
import { importMutant, plant } from "../bugs/Mutant.js"
import { replay, type Exploration, type ExploreSettings, type Progress } from "../explore/Explorer.js"
import { CheckpointError, codeDigest } from "../explore/Checkpoint.js"
import { NotAPath, QUEUED_WORLDS } from "../explore/Frontier.js"
import { exploreInWorkers } from "../explore/Parallel.js"
import { counterexampleReport } from "../explore/Report.js"
import { SCOPES, scopeNamed, type ExploreScope } from "../explore/Scopes.js"
import { BACKENDS } from "../harness/Job.js"
import { backendFlag, countFlag, jsonFlag, knownBug, parsedFlag } from "./Options.js"

/** The most distinct states an exploration visits unless told otherwise. */
const DEFAULT_MAX_STATES = 1_000_000

/** Parses `--replay`'s comma-separated indexes, or says what is wrong. */
const parsePath = (text: string): ReadonlyArray<number> | string => {
  const parts = text.split(",").filter((p) => p.trim() !== "")
  const path = parts.map((p) => Number(p.trim()))
  return path.every((n) => Number.isInteger(n) && n >= 0) ? path : `--replay takes action indexes such as 3,0,12; got ${JSON.stringify(text)}`
}

const flags = {
  scope: Flag.Literals("scope", SCOPES.map((s) => s.name) as [string, ...Array<string>]).pipe(
    Flag.withDescription(`the scope to explore: ${SCOPES.map((s) => `${s.name} (${s.description})`).join("; ")}`)
  ),
  json: jsonFlag,
  backend: backendFlag,
  maxStates: countFlag("max-states", DEFAULT_MAX_STATES, 1, "stop after this many distinct states"),
  queuedWorlds: countFlag("queued-worlds", QUEUED_WORLDS, 0, "how many queued states each thread keeps with their worlds (about 560 bytes each); it queues any more as numbers, 8 bytes each, and rebuilds their worlds by walking their paths (as fast on settle-k1, 1.75 times as slow on pay2-replay)"),
  workers: countFlag("workers", 1, 1, "worker threads to share each level among, once a level is large enough (the same worlds as one; this thread explores the first levels)"),
  checkpoint: Flag.String("checkpoint").pipe(
    Flag.optional,
    Flag.withDescription("save where the exploration stands in this folder at the end of a level, every --checkpoint-minutes: the set of states seen and each worker's links and queue (about 30 bytes a state); --resume takes it up")
  ),
  checkpointMinutes: countFlag("checkpoint-minutes", 10, 0, "the least time between two checkpoints"),
  resume: Flag.Boolean("resume").pipe(Flag.withDefault(false), Flag.withDescription("take up the checkpoint in the --checkpoint folder, written by this code for this scope and number of workers, instead of starting afresh")),
  bug: Flag.String("bug").pipe(knownBug, Flag.optional, Flag.withDescription("plant this seeded bug in a copy of the core first")),
  replay: parsedFlag("replay", parsePath, "replay a path a counterexample printed (action indexes, comma-separated) and print its trace")
}

/** The summary lines of an exploration. */
const summaryLines = (e: Exploration): ReadonlyArray<string> => [
  `scope:            ${e.scope}`,
  `states:           ${e.states} distinct${e.complete ? " (every reachable state)" : e.violation === null ? " (stopped at --max-states: incomplete)" : ""}`,
  `worlds:           ${e.worlds} (states that differ in more than their spare budgets)`,
  `transitions:      ${e.transitions}`,
  `depth:            ${e.depth}`,
  `liveness checks:  ${e.livenessChecks} quiet states`,
  `goals met:        ${e.goalsMet.join(", ") || "none"}`,
  `wall time:        ${(e.wall_ms / 1000).toFixed(1)} s`,
  `states per minute: ${Math.round(e.statesPerMinute)}${e.threads === 1 ? "" : ` (${e.threads} worker threads, ${e.handedOver} states handed between them at the ends of levels, ${e.taken} taken within levels)`}`,
  `peak memory:      ${Math.round(e.peakRss_bytes / 1_048_576)} MiB`,
  e.violation === null ? (e.complete ? "no violation" : "no violation so far") : `violation:        ${e.violation.invariant}`
]

/** How many new distinct states between two progress lines. */
const PROGRESS_EVERY = 50_000

/** One line on stderr for each stage of a long exploration, so that a run stopped early still says how far it got. */
const reportProgress = (p: Progress): void => {
  process.stderr.write(`explore: ${p.states} states, ${p.transitions} transitions, depth ${p.depth}, ${p.frontier} in the queue, ${(p.wall_ms / 1000).toFixed(0)} s, ${Math.round(process.memoryUsage().rss / 1_048_576)} MiB\n`)
}

/** Runs one invocation of `explore`. */
const runExplore = async (options: {
  readonly scope: string
  readonly json: boolean
  readonly backend: keyof typeof BACKENDS
  readonly maxStates: number
  readonly queuedWorlds: number
  readonly workers: number
  readonly checkpoint: Option.Option<string>
  readonly checkpointMinutes: number
  readonly resume: boolean
  readonly bug: Option.Option<string>
  readonly replay: Option.Option<ReadonlyArray<number>>
}): Promise<void> => {
  const scope = scopeNamed(options.scope) as ExploreScope
  const bug = Option.getOrNull(options.bug)
  const mutant = bug === null ? undefined : plant({ ...bugNamed(bug), name: `explore-${bug}` })
  const core = mutant === undefined ? Reference : await importMutant(mutant)
  const settings: ExploreSettings = { core, crypto: BACKENDS[options.backend], scope, maxStates: options.maxStates, queuedWorlds: options.queuedWorlds, progress: { every: PROGRESS_EVERY, report: reportProgress } }
  if (Option.isSome(options.replay)) {
    const { world, error } = replay(settings, options.replay.value)
    if (error instanceof NotAPath) throw error
    console.log(world.traceLines().join("\n"))
    console.log(error === null ? "no violation" : `violation: ${error instanceof Error ? error.message : String(error)}`)
    if (error !== null) process.exitCode = 1
    return
  }
  const dir = Option.getOrNull(options.checkpoint)
  if (options.resume && dir === null) throw new CheckpointError("--resume takes up the checkpoint of a --checkpoint folder: name it")
  // The code exploring: this build's folder, and the planted mutant's.
  const checkpoint = dir === null ? undefined : { dir, code: codeDigest([fileURLToPath(new URL("..", import.meta.url)), ...(mutant === undefined ? [] : [mutant])]), every_ms: options.checkpointMinutes * 60_000, resume: options.resume }
  // Even with one worker, a large exploration runs on a worker thread: this one stays free to stop at Ctrl-C.
  const exploration = await exploreInWorkers(settings, { backend: options.backend, ...(mutant === undefined ? {} : { mutant }) }, { workers: options.workers, ...(checkpoint === undefined ? {} : { checkpoint }) })
  if (options.json) console.log(JSON.stringify({ ...exploration, bug }))
  else {
    console.log(summaryLines(exploration).join("\n"))
    if (exploration.violation !== null) console.log(`\n${counterexampleReport(settings, exploration, bug)}`)
  }
  if (exploration.violation !== null) process.exitCode = 1
}

/**
 * The `explore` subcommand.
 *
 * @category commands
 * @since 0.5.0
 */
export const exploreCommand = Command.make("explore", flags, (options) =>
  Effect.tryPromise({ try: () => runExplore(options), catch: (error) => error }).pipe(
    Effect.catch((error) => (error instanceof NotAPath || error instanceof CheckpointError ? Effect.fail(new CliError.UserError({ cause: error, userMessage: error.message })) : Effect.die(error)))
  )
).pipe(
  Command.withDescription("Explore every reachable state of a small scope, breadth-first, over the real core: every invariant on every state, liveness from every quiet one, and the shortest counterexample if there is one.")
)
