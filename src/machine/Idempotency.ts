/**
 * Idempotency records: every request id with a fingerprint of its body and, once decided, the
 * answer sent for it.
 *
 * A repeat of a recorded request (same id, same canonical body) gets the recorded answer again,
 * byte for byte; the same id with another body is an `IdempotencyConflict`. Records are durable:
 * a crash must not make a party forget what it already answered. A record of a request with an
 * expiry is kept until the retention window after it (`Retention.ts`), then {@link prune}d; a
 * record of one without (a clearing submission, a settlement instruction) is kept for good.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { canonicalJson } from "../crypto/Canonical.js"
import type { Timestamp_ms } from "../domain/Ids.js"
import { IdempotencyConflict, type Stale } from "../domain/Rejection.js"
import { requireRetained } from "./Retention.js"
import type { Packet } from "./Machine.js"
import { Table, type DueAt } from "./Table.js"

/** One recorded request. @category models @since 0.1.0 */
export interface IdempotencyRecord {
  /** The canonical JSON of the request's encoded body. */
  readonly fingerprint: string
  /** The answer sent, once there is one. */
  readonly answer: Packet | null
  /** When the record may be pruned (`Retention.retainedUntil` of the request's expiry), or `null` to keep it for good. */
  readonly retainUntil_ms: number | null
}

/** Records by request id. @category models @since 0.1.0 */
export type IdempotencyRecords = Table<IdempotencyRecord>

/** No records, kept for good. @since 0.4.0 */
export const empty: IdempotencyRecords = Table.empty()

/** The deadline index of records that are pruned: when each may go. @since 0.4.0 */
export const retainUntil: DueAt<IdempotencyRecord> = (record) => record.retainUntil_ms

/** No records, indexed by {@link retainUntil} so that {@link prune} finds the ones due. @since 0.4.0 */
export const emptyRetained: IdempotencyRecords = Table.empty(retainUntil)

/** The records without those whose retention ended by `now_ms`. @since 0.4.0 */
export const prune = (records: IdempotencyRecords, now_ms: number): IdempotencyRecords =>
  records.dueBy(now_ms).reduce((kept, [id]) => kept.remove(id), records)

/** What a request is, seen against the records. @category models @since 0.1.0 */
export type Seen =
  | { readonly _tag: "New" }
  | { readonly _tag: "Repeat"; readonly answer: Packet | null }
  | { readonly _tag: "Conflict" }

/** The fingerprint of an encoded body. @since 0.1.0 */
export const fingerprint = (encodedBody: unknown): string => canonicalJson(encodedBody)

/** Classifies a request id and body against the records. @since 0.1.0 */
export const classify = (records: IdempotencyRecords, id: string, encodedBody: unknown): Seen => {
  const record = records.get(id)
  if (record === undefined) return { _tag: "New" }
  return record.fingerprint === fingerprint(encodedBody) ? { _tag: "Repeat", answer: record.answer } : { _tag: "Conflict" }
}

/** A request that may be taken: new, or a repeat with its recorded answer. @category models @since 0.4.0 */
export type Admitted = Exclude<Seen, { readonly _tag: "Conflict" }>

/**
 * Admits a request that expires, recorded under `id` until its retention ends: `Stale` once that
 * time has come, **before** the lookup, so a copy gets the same refusal whether its record was
 * pruned yet or not; `IdempotencyConflict` for the same id with another body.
 *
 * `kept` says whether the party keeps for good something a request under `id` made (a payment,
 * an operation, an authorization, a journal entry). Once the record is pruned that is what
 * remembers the id: a request under it that is not stale cannot be a copy of the pruned one (a
 * copy is stale by then), so it is another body under a used id, an `IdempotencyConflict`, and is
 * never taken for new (which would overwrite what the first one made).
 *
 * @since 0.4.0
 */
export const admit = (
  records: IdempotencyRecords,
  id: string,
  request: { readonly id: string; readonly expiresAt_ms: Timestamp_ms },
  encodedBody: unknown,
  now_ms: Timestamp_ms,
  kept: boolean
): Effect.Effect<Admitted, Stale | IdempotencyConflict> =>
  Effect.flatMap(requireRetained(request, now_ms), () => {
    const seen = classify(records, id, encodedBody)
    return seen._tag === "Conflict" || (seen._tag === "New" && kept) ? Effect.fail(new IdempotencyConflict({ requestId: request.id })) : Effect.succeed(seen)
  })

/** The records with `id` recorded, with its answer if it has one yet, kept until `retainUntil_ms` (`null`: for good). @since 0.1.0 */
export const record = (
  records: IdempotencyRecords,
  id: string,
  encodedBody: unknown,
  answer: Packet | null,
  retainUntil_ms: number | null
): IdempotencyRecords => records.set(id, { fingerprint: fingerprint(encodedBody), answer, retainUntil_ms })

/** The records with the answer to an already recorded `id` filled in. @since 0.1.0 */
export const answer = (records: IdempotencyRecords, id: string, packet: Packet): IdempotencyRecords => {
  const existing = records.get(id)
  return existing === undefined ? records : records.set(id, { ...existing, answer: packet })
}
