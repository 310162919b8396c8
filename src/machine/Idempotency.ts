/**
 * Idempotency records: every request id with a fingerprint of its body and, once decided, the
 * answer sent for it.
 *
 * A repeat of a recorded request (same id, same canonical body) gets the recorded answer again,
 * byte for byte; the same id with another body is an `IdempotencyConflict`. Records are durable:
 * a crash must not make a party forget what it already answered.
 *
 * @since 0.1.0
 */
import { canonicalJson } from "../crypto/Canonical.js"
import type { Packet } from "./Machine.js"
import { Table } from "./Table.js"

/** One recorded request. @category models @since 0.1.0 */
export interface IdempotencyRecord {
  /** The canonical JSON of the request's encoded body. */
  readonly fingerprint: string
  /** The answer sent, once there is one. */
  readonly answer: Packet | null
}

/** Records by request id. @category models @since 0.1.0 */
export type IdempotencyRecords = Table<IdempotencyRecord>

/** No records. @since 0.4.0 */
export const empty: IdempotencyRecords = Table.empty()

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

/** The records with `id` recorded, with its answer if it has one yet. @since 0.1.0 */
export const record = (records: IdempotencyRecords, id: string, encodedBody: unknown, answer: Packet | null): IdempotencyRecords =>
  records.set(id, { fingerprint: fingerprint(encodedBody), answer })

/** The records with the answer to an already recorded `id` filled in. @since 0.1.0 */
export const answer = (records: IdempotencyRecords, id: string, packet: Packet): IdempotencyRecords => {
  const existing = records.get(id)
  return existing === undefined ? records : records.set(id, { ...existing, answer: packet })
}
