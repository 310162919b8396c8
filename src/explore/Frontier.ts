/**
 * One thread's part of an exploration: its world, the fingerprints of its states, how each of its
 * states was reached, and its queue, level by level. The explorer on one thread has one frontier
 * (`Explorer.ts`); on worker threads, each worker has one and all share the set of states seen
 * (`Parallel.ts`).
 *
 * @since 0.5.0
 */
import { checkQuiescent, checkSafety, InvariantViolation } from "../harness/Invariants.js"
import { quiescenceRounds } from "../harness/Quiescence.js"
import type { World, WorldSnapshot } from "../harness/World.js"
import { apply, describeAction, enabled, initialRemaining, judgeReached, recordingAfter, spareOf, unchanged, type Action, type Recording, type Remaining } from "./Actions.js"
import type { ExploreSettings, Violation } from "./Explorer.js"
import { fingerprinter, worldOf, type Fingerprinter } from "./Fingerprint.js"
import { StepMemory } from "./StepMemo.js"
import { goalsMet, type Goal } from "./Goals.js"
import { Links, packBudgets, type SavedLinks, type StateSet } from "./Visited.js"

/** A state in the queue with its world: the world, what its path has left, what the attacker recorded, and its number (for its path, `Visited.ts`). */
interface Node {
  readonly snapshot: WorldSnapshot
  readonly remaining: Remaining
  readonly recording: Recording
  readonly number: number
}

/** A state in the queue: with its world, or as its number alone, its world rebuilt by walking its path when its turn comes (`Frontier`'s doc). */
type Queued = Node | number

/** A queued state's number. */
const numberOf = (queued: Queued): number => (typeof queued === "number" ? queued : queued.number)

/**
 * How many queued states a frontier keeps with their worlds unless told otherwise
 * (`ExploreSettings.queuedWorlds`): on `settle-k1`, about 560 MB of a thread's heap.
 *
 * @category explorer
 * @since 0.5.0
 */
export const QUEUED_WORLDS = 1_000_000

/**
 * What a checkpoint keeps of a frontier between two levels (`Checkpoint.ts`): its counts, how each
 * of its states was reached, the paths of the states it was given, and its next level's states
 * by number, their worlds to be rebuilt from their paths.
 *
 * @category explorer
 * @since 0.5.0
 */
export interface SavedFrontier extends SavedLinks {
  readonly transitions: number
  readonly livenessChecks: number
  readonly met: ReadonlyArray<Goal>
  readonly roots: ReadonlyArray<readonly [number, ReadonlyArray<number>]>
  readonly level: Int32Array
}

/** A state the set of states seen was too full to take (`StateSet.offer`), and how it was reached: offered again once the set has room. */
interface Waiting {
  readonly key: string
  readonly spare: number
  readonly snapshot: WorldSnapshot
  readonly remaining: Remaining
  readonly recording: Recording
  readonly parent: number
  readonly choice: number
}

/** Liveness from a quiet world: faults stop, everything is delivered and time passes, as at the end of a harness run; then every payment must be final and agreed. @category explorer @since 0.5.0 */
export const checkLiveness = (world: World): void => {
  quiescenceRounds(world)
  world.advance("quiescence: every hold reaches its expiry", world.core.Issuer.HOLD_TTL_ms)
  quiescenceRounds(world)
  checkQuiescent(world, "the world quiesced")
}

/** What a thrown error says, as a violation's name and findings. */
const violationOf = (error: unknown): { readonly invariant: string; readonly findings: ReadonlyArray<string> } =>
  error instanceof InvariantViolation ? { invariant: error.invariant, findings: error.findings } : { invariant: "crash", findings: [String(error)] }

/** Where a walk along a path stands, beside its world: what the path has left and the attacker's recording. */
interface Along {
  readonly remaining: Remaining
  readonly recording: Recording
}

/** Takes step `step` of a path in `world`, standing at `along`: the `choice`-th action enabled there (kept in `taken`); returns where the walk stands after it. */
const stepAlong = (world: World, settings: ExploreSettings, documents: Fingerprinter["documents"], along: Along, step: number, choice: number, taken: Array<Action>, judge: boolean): Along => {
  const actions = enabled(world, settings.scope, along.remaining, () => documents(world.snapshot()), along.recording)
  const action = actions[choice]
  if (action === undefined) throw new NotAPath(`step ${step + 1} of the path takes action ${choice}, but ${actions.length} are enabled there: not a path of scope ${settings.scope.name}`)
  taken.push(action)
  const remaining = apply(world, along.remaining, action, judge)
  return { remaining, recording: recordingAfter(world, along.recording, remaining) }
}

/** Where every walk starts: the scope's first world, which `world` must be at, with the whole budget. */
const startOf = (world: World, settings: ExploreSettings): Along => {
  const remaining = initialRemaining(settings.scope)
  return { remaining, recording: recordingAfter(world, [], remaining) }
}

/**
 * Walks `path` (action indexes) from the scope's first world in `world`, as {@link Frontier} would
 * reach its end, and returns what the path has left, the attacker's recording and the actions
 * taken. Throws what an action throws, or {@link NotAPath} if the path names an action its state
 * does not enable. With `judge` false, the safety invariants are not checked on the way: for a
 * path whose states were judged when they were first reached.
 *
 * @category explorer
 * @since 0.5.0
 */
export const walk = (
  world: World,
  settings: ExploreSettings,
  documents: Fingerprinter["documents"],
  path: ReadonlyArray<number>,
  taken: Array<Action> = [],
  judge = true
): { readonly remaining: Remaining; readonly recording: Recording } => {
  let along = startOf(world, settings)
  for (const [step, choice] of path.entries()) along = stepAlong(world, settings, documents, along, step, choice, taken, judge)
  return along
}

/** Orders paths as words over their action indexes, so that paths with a long prefix in common come together. */
const byPrefix = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  const shorter = Math.min(a.length, b.length)
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0)
  return a.length - b.length
}

/** How many first actions two paths have in common. */
const sharedPrefix = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** A replayed path that names an action its state does not enable. @category explorer @since 0.5.0 */
export class NotAPath extends Error {}

/**
 * One thread's part of an exploration (see the module's doc): it expands each state of its level
 * in turn, checking liveness on quiet ones and every invariant after every action, offers each
 * state reached to the set of states seen, and queues the new ones for the next level.
 *
 * **The queue's memory.** A queued state's world costs about 560 bytes of heap (on `settle-k1`;
 * its party states are shared with other worlds, `Fingerprint.ts`), and a large scope queues
 * millions. So a frontier keeps the worlds of at most `queuedWorlds` queued states
 * ({@link QUEUED_WORLDS} by default), and queues any more as their numbers alone, 8 bytes each:
 * its links already say how each state was reached. When such a state's turn comes, its world is
 * rebuilt by walking its path without judging (its states were judged when first reached), on
 * from the world at the end of the prefix it shares with the path walked before: a level is
 * queued in the order of its parents', so neighbours share all but their last few actions.
 * Machines are deterministic, so the walk reaches the very world first reached.
 *
 * @category explorer
 * @since 0.5.0
 */
export class Frontier {
  /** Actions taken, including those that led to a state already seen. */
  transitions = 0
  /** Quiet states whose liveness was checked. */
  livenessChecks = 0
  /** The scope's goals that some state this frontier reached met. */
  readonly met = new Set<Goal>()
  /** The first violation this frontier found, with its path. */
  violation: Violation | null = null

  readonly #settings: ExploreSettings
  readonly #world: World
  /** The scope's first world, which every path starts from. */
  readonly #first: WorldSnapshot
  readonly #fingerprints: Fingerprinter
  /** The steps its world's machines remember, aged at each level (`StepMemo.ts`). */
  readonly #steps = new StepMemory()
  #links = new Links()
  /** The paths to the states this frontier was given ({@link seed}), by their numbers. */
  readonly #roots = new Map<number, ReadonlyArray<number>>()
  #level: Array<Queued | undefined> = []
  #at = 0
  #next: Array<Queued> = []
  #waiting: Array<Waiting> = []
  /** How many queued states, in this level and the next, are kept with their worlds. */
  #held = 0
  /** The worlds along the last path walked (`#walkTo`), the first world first, and that path's actions. */
  readonly #trail: Array<Along & { readonly snapshot: WorldSnapshot }>
  readonly #trailPath: Array<number> = []

  /** A frontier of `settings`' scope; `grows` when it alone adds to its set of states seen, which then grows as it fills. */
  constructor(
    settings: ExploreSettings,
    readonly grows: boolean
  ) {
    this.#settings = settings
    this.#world = worldOf(settings, this.#steps)
    this.#first = this.#world.snapshot()
    this.#fingerprints = fingerprinter(this.#world)
    this.#trail = [{ ...startOf(this.#world, settings), snapshot: this.#first }]
    for (const goal of goalsMet(this.#world)) this.met.add(goal)
  }

  /** States queued and not yet expanded, in this level and the next. */
  get queued(): number {
    return this.left + this.#next.length
  }

  /** States of this level not yet expanded. */
  get left(): number {
    return this.#level.length - this.#at
  }

  /** States reached that the set of states seen had no room for yet: {@link offerWaiting} once it has. */
  get waiting(): number {
    return this.#waiting.length
  }

  /** Hands over the last `count` states of this level not yet expanded (all of them by default): takes them out of it, as paths from the scope's first world, for other frontiers to {@link seed} from. */
  handOver(count = Infinity): ReadonlyArray<ReadonlyArray<number>> {
    return this.#level.splice(Math.max(this.#at, this.#level.length - count)).map((queued) => {
      if (typeof queued === "object") this.#held--
      return this.pathTo(numberOf(queued as Queued))
    })
  }

  /** The path of action indexes from the scope's first world to state `state` of this frontier. */
  pathTo(state: number): ReadonlyArray<number> {
    return [...(this.#roots.get(this.#links.rootOf(state)) ?? []), ...this.#links.pathTo(state)]
  }

  /**
   * Queues, for this level, the state at the end of each path (the first world for the empty
   * path), offered to `seen` if given, else already in the set of states seen. A path's states
   * were judged when first reached, so it is walked without judging them again; the first world
   * is judged here. The paths are walked in the order of their action indexes, each on from the
   * world at the end of the longest prefix it shares with the one before (`#walkTo`), and queued
   * in that order.
   */
  seed(paths: ReadonlyArray<ReadonlyArray<number>>, seen?: StateSet): void {
    for (const path of [...paths].sort(byPrefix)) {
      const { remaining, recording } = this.#walkTo(path)
      if (path.length === 0 && !this.#judgedFirst()) return
      const snapshot = this.#world.snapshot()
      seen?.add(this.#fingerprints.fingerprint(snapshot, remaining, recording), packBudgets(spareOf(remaining)))
      const number = this.#links.push(-1, -1)
      this.#roots.set(number, path)
      this.#level.push(this.#queued(snapshot, remaining, recording, number))
    }
  }

  /**
   * Expands the states of this level until none is left, `stop` says so (checked after each new
   * state: the exploration is over) or `pause` does (checked before each state: the rest of the
   * level is {@link left} whole, to expand later or {@link handOver}); `onNew` is told of each new
   * state.
   */
  expand(seen: StateSet, stop: () => boolean, onNew?: () => void, pause?: () => boolean): void {
    const world = this.#world
    const { documents, fingerprint } = this.#fingerprints
    for (; this.#at < this.#level.length && pause?.() !== true; this.#at++) {
      const queued = this.#level[this.#at] as Queued
      // An expanded state's world goes: memory grows with the queue, not with every state seen.
      this.#level[this.#at] = undefined
      let node: Node
      if (typeof queued === "object") {
        node = queued
        this.#held--
      } else {
        try {
          node = { ...this.#walkTo(this.pathTo(queued)), snapshot: world.snapshot(), number: queued }
        } catch (error) {
          this.violation = { ...violationOf(error), path: this.pathTo(queued) }
          return
        }
      }
      world.restore(node.snapshot)
      if (node.snapshot.inFlight.length === 0) {
        this.livenessChecks++
        try {
          checkLiveness(world)
        } catch (error) {
          this.violation = { ...violationOf(error), path: this.pathTo(node.number) }
          return
        }
        world.restore(node.snapshot)
      }
      const actions = enabled(world, this.#settings.scope, node.remaining, () => documents(node.snapshot), node.recording)
      for (let choice = 0; choice < actions.length; choice++) {
        world.restore(node.snapshot)
        this.transitions++
        const action = actions[choice] as Action
        let remaining: Remaining
        try {
          // Judged below, once its fingerprint says the world is new: a world seen before was judged then.
          remaining = apply(world, node.remaining, action, false)
        } catch (error) {
          this.#brokenAt(error, node.number, choice)
          return
        }
        const snapshot = world.snapshot()
        if ((action._tag === "Replay" || action._tag === "Forge" || action._tag === "Impersonate") && unchanged(node.snapshot, snapshot)) continue
        const recording = recordingAfter(world, node.recording, remaining)
        let key: string
        try {
          key = fingerprint(snapshot, remaining, recording)
        } catch (error) {
          // The fingerprint encodes every party's state with its codec: a state the store would refuse.
          this.violation = { invariant: "storable", findings: [error instanceof Error ? error.message : String(error)], path: [...this.pathTo(node.number), choice] }
          return
        }
        let added: boolean
        try {
          added = this.#offer(seen, { key, spare: packBudgets(spareOf(remaining)), snapshot, remaining, recording, parent: node.number, choice }, { before: node.snapshot, action })
        } catch (error) {
          this.#brokenAt(error, node.number, choice)
          return
        }
        if (added) {
          onNew?.()
          if (stop()) {
            this.#at++
            return
          }
        }
      }
    }
  }

  /** What a checkpoint keeps of this frontier ({@link SavedFrontier}); only between levels, once {@link nextLevel} moved on and before anything of the new level is expanded. */
  saved(): SavedFrontier {
    if (this.#at !== 0 || this.#next.length > 0 || this.#waiting.length > 0 || this.violation !== null) throw new Error("a frontier is saved between levels only, with no violation")
    return {
      ...this.#links.saved(),
      transitions: this.transitions,
      livenessChecks: this.livenessChecks,
      met: [...this.met],
      roots: [...this.#roots],
      level: Int32Array.from(this.#level, (queued) => numberOf(queued as Queued))
    }
  }

  /** Takes up where the frontier `saved` was saved: its counts, links and level, every queued world to be rebuilt from its path. For a frontier that has done nothing yet. */
  resume(saved: SavedFrontier): void {
    if (this.#links.length > 0 || this.#level.length > 0) throw new Error("only a frontier that has done nothing yet takes up a saved one")
    this.#links = new Links(saved)
    for (const [number, path] of saved.roots) this.#roots.set(number, path)
    this.#level = Array.from(saved.level)
    this.transitions = saved.transitions
    this.livenessChecks = saved.livenessChecks
    for (const goal of saved.met) this.met.add(goal)
  }

  /** Offers again each state the set had no room for; the caller made room. */
  offerWaiting(seen: StateSet): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const state of waiting) {
      this.#world.restore(state.snapshot)
      try {
        this.#offer(seen, state)
      } catch (error) {
        this.#brokenAt(error, state.parent, state.choice)
        return
      }
    }
  }

  /** Moves on to the next level, once this one is expanded and nothing waits, forgetting the steps and interned objects only the last used; returns how many states it has. */
  nextLevel(): number {
    this.#level = this.#next
    this.#at = 0
    this.#next = []
    this.#steps.age()
    this.#fingerprints.forgetInterned()
    return this.#level.length
  }

  /**
   * Puts the world at the end of `path` and returns where the walk stands, walking without
   * judging on from the world at the end of the prefix `path` shares with the path walked
   * before: the trail keeps the worlds along that one.
   */
  #walkTo(path: ReadonlyArray<number>): Along {
    const trail = this.#trail
    const kept = sharedPrefix(this.#trailPath, path)
    trail.length = kept + 1
    this.#trailPath.length = kept
    const resume = trail[kept] as Along & { readonly snapshot: WorldSnapshot }
    this.#world.restore(resume.snapshot)
    let along: Along = resume
    for (let step = kept; step < path.length; step++) {
      const choice = path[step] ?? -1
      along = stepAlong(this.#world, this.#settings, this.#fingerprints.documents, along, step, choice, [], false)
      const snapshot = this.#fingerprints.internedParties(this.#world.snapshot())
      this.#world.restore(snapshot)
      trail.push({ ...along, snapshot })
      this.#trailPath.push(choice)
    }
    return along
  }

  /** A state to queue: with its world, interned, while fewer than `queuedWorlds` queued states hold theirs; else its number alone. */
  #queued(snapshot: WorldSnapshot, remaining: Remaining, recording: Recording, number: number): Queued {
    if (this.#held >= (this.#settings.queuedWorlds ?? QUEUED_WORLDS)) return number
    this.#held++
    return { snapshot: this.#fingerprints.interned(snapshot), remaining, recording, number }
  }

  /** Keeps what `error` says as the violation of the state that action `choice` of state `parent` reached. */
  #brokenAt(error: unknown, parent: number, choice: number): void {
    this.violation = { ...violationOf(error), path: [...this.pathTo(parent), choice] }
  }

  /** Checks every safety invariant on the first world, which no action reached (`#offer` judges the others); false, with the violation kept, if one is broken. */
  #judgedFirst(): boolean {
    try {
      checkSafety(this.#world, "the first world")
      return true
    } catch (error) {
      this.violation = { ...violationOf(error), path: [] }
      return false
    }
  }

  /**
   * Offers a state reached (the world is at it) to the set; queues it if new, keeps it waiting if
   * the set is full; true if new. A new state's world is judged (throwing what an invariant
   * throws): a world with the fingerprint of one seen before is that world, judged then. Given
   * how it was `reached` (the world before it and the action), not judged again if the action
   * left what the invariants read as it was (`judgeReached`).
   */
  #offer(seen: StateSet, state: Waiting, reached?: { readonly before: WorldSnapshot; readonly action: Action }): boolean {
    if (this.grows) seen.makeRoom()
    const offered = seen.offer(state.key, state.spare)
    if (offered === "full") this.#waiting.push(state)
    if (offered !== "new") return false
    if (reached === undefined) checkSafety(this.#world, "a state reached")
    else judgeReached(this.#world, reached.before, describeAction(reached.action))
    for (const goal of goalsMet(this.#world)) this.met.add(goal)
    const { snapshot, remaining, recording } = state
    this.#next.push(this.#queued(snapshot, remaining, recording, this.#links.push(state.parent, state.choice)))
    return true
  }
}
