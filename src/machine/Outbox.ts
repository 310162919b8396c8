/**
 * The outbox: requests sent and not yet answered, resent until they are.
 *
 * A party puts every request it sends into its durable outbox under the request's id, and takes
 * it out when the answer arrives. On every `Tick` the entries whose retry time has come are sent
 * again, byte for byte, with the same id, backing off from {@link RETRY_BASE_ms} to
 * {@link RETRY_MAX_ms}. After a crash, every entry is due at once. Retries are how the protocol
 * survives dropped messages; the receivers' idempotency is how it survives the retries.
 *
 * @since 0.1.0
 */
import { send, type Packet, type Step } from "./Machine.js"
import { Table } from "./Table.js"

/** The first retry interval. @since 0.1.0 */
export const RETRY_BASE_ms = 3_000
/** The longest retry interval; backoff doubles up to it. @since 0.1.0 */
export const RETRY_MAX_ms = 16_000
/** The most entries an outbox holds unless its party's configuration says fewer; a party refuses new work beyond it. @since 0.1.0 */
export const OUTBOX_LIMIT = 10_000

/** One unanswered request. @category models @since 0.1.0 */
export interface OutboxEntry {
  readonly packet: Packet
  readonly attempts: number
  readonly nextAttempt_ms: number
}

/** A party's outbox, keyed by request id, indexed by the time of each entry's next retry. @category models @since 0.1.0 */
export type Outbox = Table<OutboxEntry>

/** When an entry is next due: its next retry. @since 0.4.0 */
export const dueAt = (entry: OutboxEntry): number => entry.nextAttempt_ms

/** An empty outbox. @since 0.1.0 */
export const empty: Outbox = Table.empty(dueAt)

/** An outbox of `entries`, indexed by their retry times. @since 0.4.0 */
export const from = (entries: Iterable<readonly [string, OutboxEntry]>): Outbox => Table.from(entries, dueAt)

/** Whether the outbox has room for another request, at most `limit` ({@link OUTBOX_LIMIT} by default) in all. @since 0.1.0 */
export const hasRoom = (outbox: Outbox, limit: number = OUTBOX_LIMIT): boolean => outbox.size < limit

/** The outbox with `packet` added under `key`, first retry one interval after `now_ms`. @since 0.1.0 */
export const add = (outbox: Outbox, key: string, packet: Packet, now_ms: number): Outbox =>
  outbox.set(key, { packet, attempts: 1, nextAttempt_ms: now_ms + RETRY_BASE_ms })

/** The outbox without `key`: its request was answered. @since 0.1.0 */
export const acknowledge = (outbox: Outbox, key: string): Outbox => outbox.remove(key)

/** Whether `key` is still waiting for its answer. @since 0.1.0 */
export const isPending = (outbox: Outbox, key: string): boolean => outbox.has(key)

/**
 * The packets due for a retry at `now_ms` (earliest first), and the outbox with their next retry
 * scheduled. Costs what is due, not the outbox's size.
 *
 * @since 0.1.0
 */
export const due = (outbox: Outbox, now_ms: number): { readonly outbox: Outbox; readonly packets: ReadonlyArray<Packet> } => {
  const packets: Array<Packet> = []
  let next = outbox
  for (const [key, entry] of outbox.dueBy(now_ms)) {
    packets.push(entry.packet)
    const backoff_ms = Math.min(RETRY_BASE_ms * 2 ** Math.min(entry.attempts, 10), RETRY_MAX_ms)
    next = next.set(key, { packet: entry.packet, attempts: entry.attempts + 1, nextAttempt_ms: now_ms + backoff_ms })
  }
  return { outbox: next, packets }
}

/**
 * The Tick step of a party whose only timer is its outbox: every request due at `now_ms` is sent
 * again; nothing else changes.
 *
 * @since 0.1.0
 */
export const resendDue = <S extends { readonly outbox: Outbox }>(state: S, now_ms: number): Step<S> => {
  const { outbox, packets } = due(state.outbox, now_ms)
  return packets.length === 0 ? { state, outputs: [] } : { state: { ...state, outbox }, outputs: packets.map(send) }
}

/** The outbox after a restart: every entry due at once. @since 0.1.0 */
export const afterRestart = (outbox: Outbox): Outbox => outbox.map((entry) => ({ ...entry, nextAttempt_ms: 0 }))
