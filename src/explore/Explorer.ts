/**
 * The explorer: every reachable state of a small scope, breadth-first, over the real core.
 *
 * From the world of a scope (`Scopes.ts`), it takes every enabled action (`Actions.ts`) from
 * every state it has not seen, checking every safety invariant and the declared transitions after
 * each, that every party's state encodes as its store would hold it (the fingerprint encodes it),
 * and liveness on every quiet state (nothing in flight): from there, faults stop and fair
 * delivery with time passing must finish every payment, with every party agreeing, exactly as
 * the harness's end of run asks. Breadth-first, the first violation found has a shortest path.
 * Once every state is visited, each of the scope's goals (`Goals.ts`) must have been met in some
 * state, or the exploration fails as `vacuity`: a core that approves or captures nothing breaks
 * no invariant.
 *
 * **Fingerprints** (`Fingerprint.ts`): two worlds are the same state when their fingerprints are
 * equal, a SHA-256 of what every party's store would hold, the packets in flight as a multiset,
 * the clock, the model and what the path has left of its budgets.
 *
 * **A replay or forgery that changes nothing is not a new state.** A replayed or forged packet that
 * its recipient refuses leaves every party, the wire and the model as they were, with one less to spend:
 * everything reachable from there is reachable from the state before it, so the explorer counts
 * the transition and does not queue the state.
 *
 * **A state with less left of a spare budget is covered by the same world with more.** The spare
 * budgets (drops, duplicates, crashes, clock moves: `SPARE_BUDGETS`) only enable actions, so a
 * world reached with a drop spent can do no more than the same world reached with the drop
 * still in hand. The set of states seen keeps each world with the budgets it was seen with, and
 * a state is new only if no state seen has its world and at least as much of every spare budget
 * (`Visited.ts`). A covering state was seen first, so at the same depth or less: what is
 * reachable from the covered one is reachable from it in as many steps or fewer, and
 * counterexamples stay shortest. The world of a covered state is one already checked, so no
 * invariant, liveness check or goal is lost.
 *
 * **On several threads** (`Parallel.ts`), each worker expands its share of every level and all
 * share the set of states seen; one thread or several, the expansion is `Frontier.ts`'s.
 *
 * @since 0.5.0
 */
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Core } from "../harness/Core.js"
import type { World } from "../harness/World.js"
import { fingerprinter, worldOf } from "./Fingerprint.js"
import { checkLiveness, Frontier, walk } from "./Frontier.js"
import { goalsOf, type Goal } from "./Goals.js"
import type { ExploreScope } from "./Scopes.js"
import { StateSet } from "./Visited.js"
import type { Action } from "./Actions.js"

/** What the explorer needs: the core (or a mutant of it), its crypto, the scope, and a bound. @category explorer @since 0.5.0 */
export interface ExploreSettings {
  readonly core: Core
  readonly crypto: Layer.Layer<Ed25519>
  readonly scope: ExploreScope
  /** Stop after this many distinct states (the result then says it is incomplete). */
  readonly maxStates: number
  /** How many queued states a thread keeps with their worlds; it queues any more as numbers and rebuilds their worlds by walking their paths (`Frontier.ts`). `QUEUED_WORLDS` unless given. */
  readonly queuedWorlds?: number
  /** Reports how far the exploration got, each time it has seen `every` more distinct states. */
  readonly progress?: { readonly every: number; readonly report: (sofar: Progress) => void }
}

/** How far an exploration has got: what a long run reports while it goes. @category explorer @since 0.5.0 */
export interface Progress {
  readonly states: number
  readonly transitions: number
  readonly depth: number
  /** States seen and not yet expanded. */
  readonly frontier: number
  readonly wall_ms: number
}

/** A violation, with the shortest path to it: the index of each action among those enabled at its state. @category explorer @since 0.5.0 */
export interface Violation {
  readonly invariant: string
  readonly findings: ReadonlyArray<string>
  readonly path: ReadonlyArray<number>
}

/** What an exploration found. @category explorer @since 0.5.0 */
export interface Exploration {
  readonly scope: string
  /** Distinct states reached: a world (a fingerprint) once for each time it was reached with spare budgets no earlier visit of it covers (`Visited.ts`). */
  readonly states: number
  /** Distinct worlds reached: fingerprints, whatever the spare budgets they were reached with. */
  readonly worlds: number
  /** Actions taken, including those that led to a state already seen. */
  readonly transitions: number
  /** The deepest level reached. */
  readonly depth: number
  /** Quiet states whose liveness was checked. */
  readonly livenessChecks: number
  /** The scope's goals that some visited state met (`Goals.ts`). */
  readonly goalsMet: ReadonlyArray<Goal>
  /** Whether every reachable state was visited (false when `maxStates` stopped it, or a violation did). */
  readonly complete: boolean
  readonly violation: Violation | null
  readonly wall_ms: number
  /** Distinct states per minute of wall time. */
  readonly statesPerMinute: number
  /** The process's peak resident memory, in bytes. */
  readonly peakRss_bytes: number
  /** The threads that expanded states: 1, or the workers once a level was shared out among them (`Parallel.ts`). */
  readonly threads: number
  /** States one worker handed to another between levels, to even out the next (`Parallel.ts`); 0 on one thread. */
  readonly handedOver: number
  /** States a worker done with its share of a level took from a busy one, within the level (`Parallel.ts`); 0 on one thread. */
  readonly taken: number
}

/** What the threads of an exploration found: actions taken, quiet states checked, goals met and the violation, if any (a `Frontier` is one). @category explorer @since 0.5.0 */
export interface Tally {
  readonly transitions: number
  readonly livenessChecks: number
  readonly met: ReadonlySet<Goal>
  readonly violation: Violation | null
}

/** The vacuity violation if a complete exploration met some goal of the scope in no state, else `violation`. */
const withVacuity = (scope: ExploreScope, met: ReadonlySet<Goal>, complete: boolean, violation: Violation | null): Violation | null => {
  const unmet = goalsOf(scope).filter((goal) => !met.has(goal))
  if (!complete || violation !== null || unmet.length === 0) return violation
  return { invariant: "vacuity", findings: unmet.map((goal) => `no reachable state has ${goal === "approved" ? "an approved payment" : goal === "settled" ? "a settled cycle" : `an accepted ${goal}`}`), path: [] }
}

/**
 * The report of an exploration of `settings.scope` that ended at `depth` with the states in `seen`
 * and what `tally` says, begun at `started` (`performance.now()`) and run on `threads` threads
 * that handed `handedOver` states to one another between levels and took `taken` within them; a
 * complete one that met some goal of the scope in no state fails as `vacuity`.
 *
 * @category explorer
 * @since 0.5.0
 */
export const explorationOf = (
  settings: ExploreSettings,
  seen: StateSet,
  tally: Tally,
  end: { readonly depth: number; readonly complete: boolean; readonly started: number; readonly threads: number; readonly handedOver: number; readonly taken: number }
): Exploration => {
  const wall_ms = performance.now() - end.started
  return {
    scope: settings.scope.name,
    states: seen.size,
    worlds: seen.worlds,
    transitions: tally.transitions,
    depth: end.depth,
    livenessChecks: tally.livenessChecks,
    goalsMet: [...tally.met],
    complete: end.complete,
    violation: withVacuity(settings.scope, tally.met, end.complete, tally.violation),
    wall_ms,
    statesPerMinute: (seen.size / Math.max(wall_ms, 1)) * 60_000,
    peakRss_bytes: process.resourceUsage().maxRSS * 1024,
    threads: end.threads,
    handedOver: end.handedOver,
    taken: end.taken
  }
}

/**
 * Explores every state of `settings.scope` reachable from its first world, breadth-first, until
 * none is left, a violation is found, or `maxStates` distinct states were seen.
 *
 * @category explorer
 * @since 0.5.0
 */
export const explore = (settings: ExploreSettings): Exploration => {
  const started = performance.now()
  const seen = new StateSet()
  const frontier = new Frontier(settings, true)
  frontier.seed([[]], seen)
  let depth = 0
  const stop = (): boolean => seen.size >= settings.maxStates
  const onNew = (): void => {
    if (settings.progress !== undefined && seen.size % settings.progress.every === 0)
      settings.progress.report({ states: seen.size, transitions: frontier.transitions, depth, frontier: frontier.queued, wall_ms: performance.now() - started })
  }
  const finish = (complete: boolean): Exploration => explorationOf(settings, seen, frontier, { depth, complete, started, threads: 1, handedOver: 0, taken: 0 })
  for (;;) {
    frontier.expand(seen, stop, onNew)
    if (frontier.violation !== null || stop()) return finish(false)
    if (frontier.nextLevel() === 0) return finish(true)
    depth++
  }
}

/**
 * Replays a path of action indexes from the scope's first world, keeping the trace; throws what
 * the last action (or the liveness check after it, if the path ends on a quiet state) threw.
 * Returns the world, for its readable trace and diagram, and the actions the path took.
 *
 * @category explorer
 * @since 0.5.0
 */
export const replay = (settings: ExploreSettings, path: ReadonlyArray<number>): { readonly world: World; readonly error: unknown; readonly actions: ReadonlyArray<Action> } => {
  const world = worldOf(settings)
  const { documents } = fingerprinter(world)
  const taken: Array<Action> = []
  try {
    walk(world, settings, documents, path, taken)
    documents(world.snapshot())
    if (world.net.inFlight.length === 0) checkLiveness(world)
  } catch (error) {
    return { world, error, actions: taken }
  }
  return { world, error: null, actions: taken }
}
