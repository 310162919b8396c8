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
 *   copy for a new request (declined it, recorded it, forwarded it) changes its state, and fails.
 *
 * The harness's clock never runs past a request's retention while it waits for an answer (the
 * protocol's assumption, see {@link retentionHorizon}), so this is the first time it does.
 */
import type { PartyId } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import type { Table } from "../machine/Table.js"
import type { StateOf } from "../state/State.js"
import { checkSafety, countCheck, InvariantViolation } from "./Invariants.js"
import { deliverAll } from "./Quiescence.js"
import type { World } from "./World.js"

/** The `expiresAt_ms` of a signed packet's body, if it has one. */
export const expiryOf = (packet: Packet): number | undefined => {
  const expires = (packet.payload as { readonly body?: { readonly expiresAt_ms?: unknown } } | null)?.body?.expiresAt_ms
  return typeof expires === "number" ? expires : undefined
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
  const after_ = stored(world)
  const changed = [...before].filter(([id, document]) => after_.get(id) !== document).map(([id]) => `${id}'s state changed when ${unique.size} requests were replayed after their retention`)
  if (changed.length > 0) throw new InvariantViolation("retention", after, changed)
  checkSafety(world, `${after}, and replays after retention`)
}
