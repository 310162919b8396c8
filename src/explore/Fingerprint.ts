/**
 * How the explorer tells states apart and keeps them small: a fresh world of a scope, each
 * party's stored document, the fingerprint of a state, and the interning of the worlds it queues.
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
 * **The queue holds each distinct party state once.** Worlds reached by different interleavings
 * hold equal party states (and packets, and models) in different objects; a world is queued with
 * each replaced by the first of its digest seen (`Fingerprinter.interned`), so the queue's
 * memory grows with the distinct party states, not with their combinations: `pay2-k1` at 200,000
 * states, 988 MB peak before, 299 MB after. The explorer starts the interning afresh at each
 * level (`forgetInterned`): the worlds queued then hold their objects, and the others can go.
 *
 * @since 0.5.0
 */
import { hash } from "node:crypto"
import { memoizedEd25519 } from "../crypto/Memoized.js"
import type { Packet } from "../machine/Machine.js"
import { World, type WorldSnapshot } from "../harness/World.js"
import { syncRunner } from "../drivers/Runner.js"
import { machinesOf } from "../harness/Coverage.js"
import { rememberingSteps, StepMemory } from "./StepMemo.js"
import type { Table } from "../machine/Table.js"
import type { PartyKind, StateOf } from "../state/State.js"
import { hashedBudgetsOf, packetKey, type Recording, type Remaining } from "./Actions.js"
import type { ExploreSettings } from "./Explorer.js"

/** A fresh world of the scope (its topology, no random faults), its machines' steps remembered in `memory`. */
export const worldOf = (settings: ExploreSettings, memory = new StepMemory()): World => {
  // The same packets are delivered in many states: their signatures are checked once (Memoized.ts).
  const crypto = memoizedEd25519(settings.crypto)
  // The same party state meets the same packet in many worlds: its step is computed once (StepMemo.ts).
  const machines = machinesOf(settings.core).map((machine) => rememberingSteps(machine, memory))
  return new World(settings.core, crypto, syncRunner(crypto), { scope: settings.scope.topology, dropRate: 0, duplicateRate: 0, replayRate: 0 }, machines)
}

/** How the explorer sees a world's states: each party's encoded document, and the fingerprint of a state with what its path has left (but its spare budgets, `SPARE_BUDGETS`) and the attacker's recording. @category explorer @since 0.5.0 */
export interface Fingerprinter {
  readonly documents: (snapshot: WorldSnapshot) => ReadonlyArray<unknown>
  readonly fingerprint: (snapshot: WorldSnapshot, remaining: Remaining, recording?: Recording) => string
  /** The same world, its party states, packets and model replaced by the first of each seen with the same digest: a queue of worlds then holds each distinct party state once, however many worlds combine it with others. */
  readonly interned: (snapshot: WorldSnapshot) => WorldSnapshot
  /** The same world, its party states and packets interned but not its model: for the worlds of a walk (`Frontier.ts`), whose next steps are remembered by party state and packet object (`StepMemo.ts`) and whose model is digested only at the walk's end. */
  readonly internedParties: (snapshot: WorldSnapshot) => WorldSnapshot
  /** Starts the interning afresh: a party state, packet or model that no queued world holds can then be collected, with what is remembered of it (its digests). */
  readonly forgetInterned: () => void
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
  const digest = (text: string): string => hash("sha256", text, "base64")
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
  /** A packet's digest (`packetKey`): a fingerprint hashes each packet's few dozen bytes, not its whole signed envelope. */
  const packetDigest = (packet: Packet): string => packetKey(world, packet)
  // The model holds Schema class instances (amounts, challenges): digested as their JSON.
  const modelDigests = new WeakMap<object, string>()
  const modelDigest = (model: object): string => remembered(modelDigests, model, () => digest(Canonical.canonicalJson(JSON.parse(JSON.stringify(model)) as unknown)))
  /** The digest of the budgets a fingerprint hashes, by what-the-path-has-left object: most actions leave it as it was. A digest, not the canonical text, which is built of many short strings joined, several dozen bytes each, and a queued state holds one. */
  const budgetDigests = new WeakMap<Remaining, string>()
  const budgetDigest = (remaining: Remaining): string => remembered(budgetDigests, remaining, () => digest(Canonical.canonicalJson(hashedBudgetsOf(remaining))))
  const documents = (snapshot: WorldSnapshot): ReadonlyArray<unknown> =>
    snapshot.states.map((state, i) => {
      const kind = world.kinds.get(ids[i] ?? "") ?? ""
      return State.isPartyKind(kind) ? State.encodeState(kind, state as StateOf<typeof kind>) : state
    })
  const fingerprint = (snapshot: WorldSnapshot, remaining: Remaining, recording: Recording = []): string => {
    // One line per part, hashed at once. The spare budgets are not hashed: the set of states seen compares them (Visited.ts).
    const lines = [
      ...snapshot.states.map((state, i) => stateDigest(state as object, ids[i] ?? "")),
      ...snapshot.inFlight.map(packetDigest).sort(),
      "recorded",
      ...recording.map(({ packet }) => packetDigest(packet)),
      modelDigest(snapshot.model),
      `${snapshot.now_ms} ${String(snapshot.lies)} ${budgetDigest(remaining)}`
    ]
    return digest(lines.join("\n"))
  }
  // Interning: worlds reached by different interleavings hold equal party states in different objects.
  const internedStates = new Map<string, unknown>()
  const internedPackets = new Map<string, Packet>()
  const internedModels = new Map<string, WorldSnapshot["model"]>()
  const internedParties = (snapshot: WorldSnapshot): WorldSnapshot => ({
    ...snapshot,
    states: snapshot.states.map((state, i) => internedOf(internedStates, stateDigest(state as object, ids[i] ?? ""), state)),
    inFlight: snapshot.inFlight.map((packet) => internedOf(internedPackets, packetDigest(packet), packet))
  })
  const interned = (snapshot: WorldSnapshot): WorldSnapshot => ({ ...internedParties(snapshot), model: internedOf(internedModels, modelDigest(snapshot.model), snapshot.model) })
  const forgetInterned = (): void => {
    internedStates.clear()
    internedPackets.clear()
    internedModels.clear()
  }
  return { documents, fingerprint, interned, internedParties, forgetInterned }
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
