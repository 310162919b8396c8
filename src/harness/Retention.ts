/**
 * Retention, checked at the end of every run (spec 4.9, "Retention"). Once the world is quiet,
 * the clock moves to the end of the retention window of every request ever sent and every party
 * ticks, so every record and challenge past its window is pruned. Then:
 *
 * - **nothing is left due**: no party keeps a row its own deadline index says was due by now (a
 *   record or a phone's challenge kept past its window, a retry not sent, a hold not released);
 * - **a replay after pruning changes nothing**: every packet that carries an expiry and that a
 *   party ever sent (requests, challenges and challenge answers: what an attacker on the wire has
 *   recorded; the attacker's own forgeries are not among them) is delivered again to
 *   the party it was sent to, with whatever that causes; every party's stored state must be byte
 *   for byte what it was, and every safety invariant must still hold. A party that took such a
 *   copy for a new request (declined it, recorded it, forwarded it) changes its state, and fails;
 * - **a used id stays used**: when a party is compromised, the attacker signs with its key a new
 *   request under the id of every request the insider ever sent and had answered (so its recipient
 *   took it), fresh and not stale (what an insider may do once the records are pruned). Each names
 *   something its recipient keeps for good
 *   (a gateway's payment or operation, an issuer's authorization, a challenge's answer), so each
 *   must be refused and every party's stored state stay byte for byte what it was. An issuer's
 *   operation requests are the exception: a void or a refused operation leaves no journal entry, so
 *   a request under its id is judged on its own (a void finds its hold closed, and what an acquirer
 *   does with its own authorizations is its own affair); for those only safety is checked.
 *
 * The harness's clock never runs past a request's retention while it waits for an answer (the
 * protocol's assumption, see {@link retentionHorizon}), so this is the first time it does.
 */
import type { PartyId } from "../domain/Ids.js"
import { insiderPacket } from "./Insider.js"
import type { Packet } from "../machine/Machine.js"
import type { Table } from "../machine/Table.js"
import type { StateOf } from "../state/State.js"
import { checkSafety, countCheck, InvariantViolation } from "./Invariants.js"
import { deliverAll, QUIESCENCE_SPAN_ms } from "./Quiescence.js"
import type { World } from "./World.js"

/** The `expiresAt_ms` of a signed packet's body, if it has one. */
export const expiryOf = (packet: Packet): number | undefined => {
  const expires = (packet.payload as { readonly body?: { readonly expiresAt_ms?: unknown } } | null)?.body?.expiresAt_ms
  return typeof expires === "number" ? expires : undefined
}

/**
 * The end of retention of a request on the wire (spec 4.9): its expiry plus the retention window
 * of `world`'s core, if the packet's body carries an expiry.
 *
 * @category harness
 * @since 0.5.0
 */
export const endOfRetention = (world: World, packet: Packet): number | undefined => {
  const expires = expiryOf(packet)
  return expires === undefined ? undefined : world.core.Retention.retainedUntil(expires)
}

/**
 * The latest time the clock may reach now: a millisecond before the end of the retention window
 * of the oldest request an honest party still waits to have answered by another honest party.
 * The protocol assumes every request is answered within its window (spec 4.9); the harness's
 * clock moves never break that assumption, they stop short of this time. What waits on the
 * insider is out of scope, as everywhere.
 */
export const retentionHorizon = (world: World): number => {
  const { retainedUntil } = world.core.Retention
  const insider = world.directory.compromised?.id
  let horizon = Number.POSITIVE_INFINITY
  for (const [id] of world.kinds) {
    if (id === insider) continue
    const outbox = (world.net.state<{ readonly outbox?: { values(): ReadonlyArray<{ readonly packet: Packet }> } }>(id as PartyId)).outbox
    for (const { packet } of outbox?.values() ?? []) {
      const expires = expiryOf(packet)
      if (expires !== undefined && packet.to !== insider) horizon = Math.min(horizon, retainedUntil(expires) - 1)
    }
  }
  return horizon
}

/**
 * The latest time a run's commands may move the clock to: {@link QUIESCENCE_SPAN_ms} (320 s)
 * before the {@link retentionHorizon}. Liveness asks that once faults stop, fair delivery gets
 * every waiting request answered, and the protocol assumes that happens within the request's
 * retention window; retries need time in that window to fall due. A clock moved to the horizon
 * itself, with a request's last retry dropped there, would leave none: the clock could not move,
 * nothing would be sent again, and the request would wait for good, a failure of the harness, not
 * of the protocol (a 100,000-run campaign found one). Quiescence and the retention check may go
 * on to the horizon.
 */
export const faultHorizon = (world: World): number => retentionHorizon(world) - QUIESCENCE_SPAN_ms

/** Every party's state as its store would hold it, by party id. */
const stored = (world: World): Map<string, string> => {
  const { State, Canonical } = world.core
  const documents = new Map<string, string>()
  for (const [id, kind] of world.kinds) {
    if (State.isPartyKind(kind)) documents.set(id, Canonical.canonicalJson(State.encodeState(kind, world.net.state<StateOf<typeof kind>>(id as PartyId))))
  }
  return documents
}

/** The rows of every party's indexed tables that were due by now, which the tick that just ran should have handled. */
const leftDue = (world: World): ReadonlyArray<string> => {
  const { State } = world.core
  const findings: Array<string> = []
  for (const [id, kind] of world.kinds) {
    if (!State.isPartyKind(kind)) continue
    const { tables } = State.split(kind, world.net.state<StateOf<typeof kind>>(id as PartyId))
    for (const [name, table] of Object.entries(tables as Record<string, Table<unknown>>)) {
      if (!table.indexed) continue
      const due = table.dueBy(world.net.now_ms)
      if (due.length > 0) findings.push(`${id} keeps ${due.length} row(s) of ${name} due by now: ${due.slice(0, 3).map(([key]) => key).join(", ")}`)
    }
  }
  return findings
}

/**
 * Fails the run with an {@link InvariantViolation} named `retention` when, once the world has aged
 * past every request's retention window, a row is left due or a replay changes a party's state.
 * Does nothing (and counts `retention:skipped`) while an honest party still waits on a request:
 * the world is then not quiet, which liveness reports, unless the request waits on the insider.
 */
export const checkRetention = (world: World, after: string): void => {
  const expiring = world.recorded().filter((packet) => expiryOf(packet) !== undefined)
  const latest = Math.max(world.net.now_ms, ...expiring.map((packet) => world.core.Retention.retainedUntil(expiryOf(packet) ?? 0)))
  if (retentionHorizon(world) < latest) {
    world.count("retention:skipped, a request still waits")
    return
  }
  world.advance("retention: the clock moves to the end of every request's retention window, every party ticks", latest - world.net.now_ms)
  countCheck("retention")
  const due = leftDue(world)
  if (due.length > 0) throw new InvariantViolation("retention", after, due)
  deliverAll(world)
  const before = stored(world)
  const unique = new Map(expiring.map((packet) => [world.core.Canonical.canonicalJson(packet), packet]))
  for (const packet of unique.values()) world.receive(`retention: replay ${packet.from} -> ${packet.to} after its retention`, packet.to, packet)
  deliverAll(world)
  requireUnchanged(world, before, after, `${unique.size} requests were replayed after their retention`)
  checkSafety(world, `${after}, and replays after retention`)
  checkUsedIds(world, after, [...unique.values()])
}

/**
 * Fails the run when a party's stored state is not what `before` holds, saying what was done;
 * `insider`'s own state is not judged (what a compromised party does to itself is out of scope,
 * DESIGN section 8: its machine takes the answers to the requests the attacker signed with its key).
 */
const requireUnchanged = (world: World, before: Map<string, string>, after: string, what: string, insider?: string): void => {
  const now = stored(world)
  const changed = [...before].filter(([id, document]) => id !== insider && now.get(id) !== document).map(([id]) => `${id}'s state changed when ${what}`)
  if (changed.length > 0) throw new InvariantViolation("retention", after, changed)
}

/** An issuer's operation requests: the one kind of request whose id may name nothing kept (see the module's doc). */
const JUDGED_ANEW = new Set(["CaptureRequest", "VoidRequest", "RefundRequest"])

/** The insider signs a fresh request under every id it used, after the records are pruned; see the module's doc. */
const checkUsedIds = (world: World, after: string, expiring: ReadonlyArray<Packet>): void => {
  const insider = world.directory.compromised
  if (insider === null) return
  const fresh = (packet: Packet): Record<string, unknown> => ({
    ...(packet.payload as { readonly body: Record<string, unknown> }).body,
    expiresAt_ms: world.net.now_ms + 60_000
  })
  const idOf = (packet: Packet): unknown => (packet.payload as { readonly body?: { readonly id?: unknown } } | null)?.body?.id
  const answered = new Set(world.recorded().map((answer) => `${answer.from}>${answer.to}:${String(idOf(answer))}`))
  const used = expiring.filter((packet) => packet.from === insider.id && answered.has(`${packet.to}>${packet.from}:${String(idOf(packet))}`))
  for (const judged of [false, true]) {
    const before = stored(world)
    for (const packet of used.filter((p) => JUDGED_ANEW.has(String(fresh(p)["_tag"])) === judged)) {
      world.receive(`retention: ${insider.id} sends a new request under a used id to ${packet.to}`, packet.to, world.run(insiderPacket(world.core, insider, fresh(packet))))
    }
    deliverAll(world)
    if (!judged) requireUnchanged(world, before, after, `${insider.id} sent new requests under ids it had used`, insider.id)
    checkSafety(world, `${after}, and new requests under used ids`)
  }
}
