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
 * **Fingerprints.** Two worlds are the same state when their fingerprints are equal: a SHA-256 of
 * every party's durable state as its store encodes it (the state codecs of `src/state/`: its
 * header and each table's rows as canonical JSON, digested table by table), the packets in flight as a sorted multiset (their order is not state: any
 * packet may be delivered next), the clock, the reference model (what the people decided), what
 * the path has left of its budgets but the spare ones, and, while it may still replay or forge, the attacker's recording. Ids are not renumbered and parties of one role are not
 * permuted: the standard topology has one party per role but the customers, and the insider
 * scopes' second merchant or acquirer is the attacker's, not interchangeable with the first, so
 * symmetry would buy little. The clock is kept exact, not relative to deadlines: sound, at the cost of some states
 * that differ only in time.
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
 * **The queue holds each distinct party state once.** Worlds reached by different interleavings
 * hold equal party states (and packets, and models) in different objects; a world is queued with
 * each replaced by the first of its digest seen (`Fingerprinter.interned`), so the queue's
 * memory grows with the distinct party states, not with their combinations: `pay2-k1` at 200,000
 * states, 988 MB peak before, 299 MB after.
 *
 * @since 0.5.0
 */
import { createHash } from "node:crypto"
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { memoizedEd25519 } from "../crypto/Memoized.js"
import type { Packet } from "../machine/Machine.js"
import type { Core } from "../harness/Core.js"
import { checkQuiescent, InvariantViolation } from "../harness/Invariants.js"
import { quiescenceRounds } from "../harness/Quiescence.js"
import { World, type WorldSnapshot } from "../harness/World.js"
import { syncRunner } from "../drivers/Runner.js"
import type { Table } from "../machine/Table.js"
import type { PartyKind, StateOf } from "../state/State.js"
import { apply, enabled, initialRemaining, packetKey, recordingAfter, hashedBudgetsOf, spareOf, unchanged, type Action, type Recording, type Remaining } from "./Actions.js"
import { goalsMet, goalsOf, type Goal } from "./Goals.js"
import type { ExploreScope } from "./Scopes.js"
import { Links, packBudgets, StateSet } from "./Visited.js"

/** What the explorer needs: the core (or a mutant of it), its crypto, the scope, and a bound. @category explorer @since 0.5.0 */
export interface ExploreSettings {
  readonly core: Core
  readonly crypto: Layer.Layer<Ed25519>
  readonly scope: ExploreScope
  /** Stop after this many distinct states (the result then says it is incomplete). */
  readonly maxStates: number
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
}

/** A state in the queue: the world, what its path has left, what the attacker recorded, and its number (for its path, `Visited.ts`). */
interface Node {
  readonly snapshot: WorldSnapshot
  readonly remaining: Remaining
  readonly recording: Recording
  readonly number: number
}

/** A fresh world of the scope (its topology, no random faults). */
export const worldOf = (settings: ExploreSettings): World => {
  // The same packets are delivered in many states: their signatures are checked once (Memoized.ts).
  const crypto = memoizedEd25519(settings.crypto)
  return new World(settings.core, crypto, syncRunner(crypto), { scope: settings.scope.topology, dropRate: 0, duplicateRate: 0, replayRate: 0 })
}

/** How the explorer sees a world's states: each party's encoded document, and the fingerprint of a state with what its path has left (but its spare budgets, `SPARE_BUDGETS`) and the attacker's recording. @category explorer @since 0.5.0 */
export interface Fingerprinter {
  readonly documents: (snapshot: WorldSnapshot) => ReadonlyArray<unknown>
  readonly fingerprint: (snapshot: WorldSnapshot, remaining: Remaining, recording?: Recording) => string
  /** The same world, its party states, packets and model replaced by the first of each seen with the same digest: a queue of worlds then holds each distinct party state once, however many worlds combine it with others. */
  readonly interned: (snapshot: WorldSnapshot) => WorldSnapshot
}

/**
 * The fingerprints of `world`'s states (see the module's doc). Work is kept by object, since
 * states, their tables, rows and packets are immutable values: a party an action did not touch
 * keeps its state object, and one it touched keeps every table it did not write, and every row.
 * So each party state, table and row is encoded (through its codec) and digested once, and a
 * fingerprint hashes the parties' digests.
 *
 * @category explorer
 * @since 0.5.0
 */
export const fingerprinter = (world: World): Fingerprinter => {
  const { State, Canonical } = world.core
  const ids = [...world.kinds.keys()]
  const digest = (text: string): string => createHash("sha256").update(text).digest("base64")
  /** Each table's rows' digests (of their canonical JSON), by row object: a digest, not the text, is kept, so the cache costs a few dozen bytes a row. A row that is not an object, such as an id, is cheap to digest again. */
  const rowDigests = new Map<string, WeakMap<object, string>>()
  const rowDigest = (kind: PartyKind, table: string, row: unknown): string => {
    const encode = (): string => digest(Canonical.canonicalJson(State.encodeRow(kind, table as never, row as never)))
    if (typeof row !== "object" || row === null) return encode()
    const tag = `${kind}.${table}`
    if (!rowDigests.has(tag)) rowDigests.set(tag, new WeakMap())
    return remembered(rowDigests.get(tag) as WeakMap<object, string>, row, encode)
  }
  /** A table's digest: of each key, quoted, and its row's digest, a line each, in the table's order of keys. */
  const tableDigests = new WeakMap<object, string>()
  const tableDigest = (kind: PartyKind, table: string, rows: Table<unknown>): string =>
    remembered(tableDigests, rows, () => digest(rows.entries().map(([key, row]) => `${Canonical.canonicalJson(key)}:${rowDigest(kind, table, row)}`).join("\n")))
  /** A party's digest: its kind, id and encoded header, then each table of its codec by name and digest; equal for equal stored documents only. */
  const stateDigests = new WeakMap<object, string>()
  const stateDigest = (state: object, id: string): string =>
    remembered(stateDigests, state, () => {
      const kind = world.kinds.get(id) ?? ""
      if (!State.isPartyKind(kind)) return digest(Canonical.canonicalJson(state))
      const parts = State.split(kind, state as StateOf<typeof kind>)
      const lines = [Canonical.canonicalJson({ kind, party: parts.party, header: State.encodeHeader(kind, parts.header as never) })]
      const tables = parts.tables as Readonly<Record<string, Table<unknown>>>
      for (const table of State.tableNames(kind)) {
        // A table left out and an empty one are stored alike (no rows): both are written as nothing.
        const rows = tables[table]
        lines.push(table, rows === undefined || rows.size === 0 ? "" : tableDigest(kind, table, rows))
      }
      return digest(lines.join("\n"))
    })
  const canonicalPacket = (packet: Packet): string => packetKey(world, packet)
  // The model holds Schema class instances (amounts, challenges): digested as their JSON.
  const modelDigests = new WeakMap<object, string>()
  const modelDigest = (model: object): string => remembered(modelDigests, model, () => digest(Canonical.canonicalJson(JSON.parse(JSON.stringify(model)) as unknown)))
  const documents = (snapshot: WorldSnapshot): ReadonlyArray<unknown> =>
    snapshot.states.map((state, i) => {
      const kind = world.kinds.get(ids[i] ?? "") ?? ""
      return State.isPartyKind(kind) ? State.encodeState(kind, state as StateOf<typeof kind>) : state
    })
  const fingerprint = (snapshot: WorldSnapshot, remaining: Remaining, recording: Recording = []): string => {
    const hash = createHash("sha256")
    snapshot.states.forEach((state, i) => hash.update(stateDigest(state as object, ids[i] ?? "")).update("\n"))
    for (const packet of snapshot.inFlight.map(canonicalPacket).sort()) hash.update(packet).update("\n")
    hash.update("recorded\n")
    for (const { key } of recording) hash.update(key).update("\n")
    hash.update(modelDigest(snapshot.model)).update("\n")
    // The spare budgets are not hashed: the set of states seen compares them (Visited.ts).
    return hash.update(Canonical.canonicalJson({ now_ms: snapshot.now_ms, lies: snapshot.lies, budgets: hashedBudgetsOf(remaining) })).digest("base64")
  }
  // Interning: worlds reached by different interleavings hold equal party states in different objects.
  const internedStates = new Map<string, unknown>()
  const internedPackets = new Map<string, Packet>()
  const internedModels = new Map<string, WorldSnapshot["model"]>()
  const interned = (snapshot: WorldSnapshot): WorldSnapshot => ({
    ...snapshot,
    states: snapshot.states.map((state, i) => internedOf(internedStates, stateDigest(state as object, ids[i] ?? ""), state)),
    inFlight: snapshot.inFlight.map((packet) => internedOf(internedPackets, canonicalPacket(packet), packet)),
    model: internedOf(internedModels, modelDigest(snapshot.model), snapshot.model)
  })
  return { documents, fingerprint, interned }
}

/** The value kept in `map` under `key`, or `value`, then kept there. */
const internedOf = <V>(map: Map<string, V>, key: string, value: V): V => {
  const known = map.get(key)
  if (known !== undefined) return known
  map.set(key, value)
  return value
}

/** What `compute` gives for `key`, computed once and kept in `cache`. */
const remembered = <K extends object, V>(cache: WeakMap<K, V>, key: K, compute: () => V): V => {
  const known = cache.get(key)
  if (known !== undefined) return known
  const value = compute()
  cache.set(key, value)
  return value
}

/** Liveness from a quiet world: faults stop, everything is delivered and time passes, as at the end of a harness run; then every payment must be final and agreed. */
const checkLiveness = (world: World): void => {
  quiescenceRounds(world)
  world.advance("quiescence: every hold reaches its expiry", world.core.Issuer.HOLD_TTL_ms)
  quiescenceRounds(world)
  checkQuiescent(world, "the world quiesced")
}

/** What a thrown error says, as a violation's name and findings. */
const violationOf = (error: unknown): { readonly invariant: string; readonly findings: ReadonlyArray<string> } =>
  error instanceof InvariantViolation ? { invariant: error.invariant, findings: error.findings } : { invariant: "crash", findings: [String(error)] }

/**
 * Explores every state of `settings.scope` reachable from its first world, breadth-first, until
 * none is left, a violation is found, or `maxStates` distinct states were seen.
 *
 * @category explorer
 * @since 0.5.0
 */
export const explore = (settings: ExploreSettings): Exploration => {
  const started = performance.now()
  const world = worldOf(settings)
  const { documents: documentsOf, fingerprint, interned } = fingerprinter(world)
  const remaining0 = initialRemaining(settings.scope)
  const first: Node = { snapshot: world.snapshot(), remaining: remaining0, recording: recordingAfter(world, [], remaining0), number: 0 }
  // A state seen keeps its fingerprint and link (Visited.ts); only the queue keeps whole worlds,
  // level by level: the states of the level being expanded, and those they lead to.
  const seen = new StateSet()
  const links = new Links()
  seen.add(fingerprint(first.snapshot, first.remaining, first.recording), packBudgets(spareOf(first.remaining)))
  links.push(-1, -1)
  let level: Array<Node | undefined> = [first]
  let next: Array<Node | undefined> = []
  let transitions = 0
  let depth = 0
  let livenessChecks = 0
  let violation: Violation | null = null
  const met = new Set<Goal>(goalsMet(world))
  const finish = (complete: boolean): Exploration => {
    const unmet = goalsOf(settings.scope).filter((goal) => !met.has(goal))
    if (complete && violation === null && unmet.length > 0) violation = { invariant: "vacuity", findings: unmet.map((goal) => `no reachable state has ${goal === "approved" ? "an approved payment" : goal === "settled" ? "a settled cycle" : `an accepted ${goal}`}`), path: [] }
    const wall_ms = performance.now() - started
    return {
      scope: settings.scope.name,
      states: seen.size,
      worlds: seen.worlds,
      transitions,
      depth,
      livenessChecks,
      goalsMet: [...met],
      complete,
      violation,
      wall_ms,
      statesPerMinute: (seen.size / Math.max(wall_ms, 1)) * 60_000,
      peakRss_bytes: process.resourceUsage().maxRSS * 1024
    }
  }
  for (let at = 0; at < level.length || next.length > 0; at++) {
    if (at === level.length) {
      ;[level, next, at, depth] = [next, [], 0, depth + 1]
    }
    const node = level[at] as Node
    // An expanded state's world goes: memory grows with the queue, not with every state seen.
    level[at] = undefined
    world.restore(node.snapshot)
    if (node.snapshot.inFlight.length === 0) {
      livenessChecks++
      try {
        checkLiveness(world)
      } catch (error) {
        violation = { ...violationOf(error), path: links.pathTo(node.number) }
        return finish(false)
      }
      world.restore(node.snapshot)
    }
    const actions = enabled(world, settings.scope, node.remaining, () => documentsOf(node.snapshot), node.recording)
    for (let choice = 0; choice < actions.length; choice++) {
      world.restore(node.snapshot)
      transitions++
      const action = actions[choice] as Action
      let remaining: Remaining
      try {
        remaining = apply(world, node.remaining, action)
      } catch (error) {
        violation = { ...violationOf(error), path: [...links.pathTo(node.number), choice] }
        return finish(false)
      }
      const snapshot = world.snapshot()
      if ((action._tag === "Replay" || action._tag === "Forge" || action._tag === "Impersonate") && unchanged(node.snapshot, snapshot)) continue
      const recording = recordingAfter(world, node.recording, remaining)
      let key: string
      try {
        key = fingerprint(snapshot, remaining, recording)
      } catch (error) {
        // The fingerprint encodes every party's state with its codec: a state the store would refuse.
        violation = { invariant: "storable", findings: [error instanceof Error ? error.message : String(error)], path: [...links.pathTo(node.number), choice] }
        return finish(false)
      }
      if (!seen.add(key, packBudgets(spareOf(remaining)))) continue
      for (const goal of goalsMet(world)) met.add(goal)
      next.push({ snapshot: interned(snapshot), remaining, recording, number: links.push(node.number, choice) })
      if (settings.progress !== undefined && seen.size % settings.progress.every === 0)
        settings.progress.report({ states: seen.size, transitions, depth, frontier: level.length - at - 1 + next.length, wall_ms: performance.now() - started })
      if (seen.size >= settings.maxStates) return finish(false)
    }
  }
  return finish(true)
}

/** A replayed path that names an action its state does not enable. @category explorer @since 0.5.0 */
export class NotAPath extends Error {}

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
  let remaining = initialRemaining(settings.scope)
  let recording = recordingAfter(world, [], remaining)
  const taken: Array<Action> = []
  try {
    for (const [step, choice] of path.entries()) {
      const actions = enabled(world, settings.scope, remaining, () => documents(world.snapshot()), recording)
      const action = actions[choice]
      if (action === undefined) throw new NotAPath(`step ${step + 1} of the path takes action ${choice}, but ${actions.length} are enabled there: not a path of scope ${settings.scope.name}`)
      taken.push(action)
      remaining = apply(world, remaining, action)
      recording = recordingAfter(world, recording, remaining)
    }
    documents(world.snapshot())
    if (world.net.inFlight.length === 0) checkLiveness(world)
  } catch (error) {
    return { world, error, actions: taken }
  }
  return { world, error: null, actions: taken }
}

