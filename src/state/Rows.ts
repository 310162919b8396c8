/**
 * The Schemas of the values several parties keep: packets, outbox entries, idempotency records,
 * the ledger's accounts, holds and journal entries, and a bank's settlement terms.
 *
 * Each Schema's decoded type is exactly the type the machines use (checked when this module
 * compiles, with {@link exactly}), so a field added to a party's state without its Schema breaks
 * the build rather than the stored data. Messages are not redefined here: a field that holds a
 * message uses the message's own Schema from `src/messages`.
 *
 * @since 0.3.0
 */
import { Result, Schema } from "effect"
import { KeyId, PartyId } from "../domain/Ids.js"
import { Currency, Money } from "../domain/Money.js"
import { holdDueAt, type Account, type Entry, type Hold } from "../ledger/Ledger.js"
import { BrowserRequest, MerchantResponse } from "../messages/BrowserMerchant.js"
import { SignedMessage } from "../messages/Signed.js"
import type { IdempotencyRecord } from "../machine/Idempotency.js"
import type { Packet } from "../machine/Machine.js"
import type { OutboxEntry } from "../machine/Outbox.js"
import type { SettlementTerms } from "../settlement/Instruction.js"

/** Whether `A` and `B` are the same type, each assignable to the other. @since 0.3.0 */
export type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/**
 * Returns `schema` unchanged, and fails to compile unless its decoded type is exactly `T`:
 * `exactly<MerchantOrder>()(Schema.Struct({ ... }))`.
 *
 * @since 0.3.0
 */
export const exactly =
  <T>() =>
  <S extends Schema.Top>(schema: S & (Exactly<S["Type"], T> extends true ? unknown : { readonly "the Schema's type is not exactly": T })): S =>
    schema

/** The parse options every stored value is decoded with: a field the Schema does not name is an error. @since 0.3.0 */
export const STRICT = { onExcessProperty: "error" } as const

/** A whole number: counters, amounts in minor units and times in milliseconds. @since 0.3.0 */
export const Int = Schema.Int

/** A configured bound: a whole number from 1 to `maximum`, the most the protocol allows. @since 0.6.0 */
export const Bound = (maximum: number) => Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum })))

const SignedWire = Schema.Struct({ body: SignedMessage, signer: KeyId, signature: Schema.Uint8ArrayFromBase64Url })
const SessionBody = Schema.Union([BrowserRequest, MerchantResponse])
const decodeSignedWire = Schema.decodeUnknownResult(SignedWire, STRICT)
const decodeSessionBody = Schema.decodeUnknownResult(SessionBody, STRICT)

/** A packet's payload is what its channel carries: a signed envelope of a protocol message, or a session message. */
const payloadIssue = (packet: { readonly channel: "session" | "signed"; readonly payload: unknown }): string | undefined => {
  const decoded: Result.Result<unknown, Schema.SchemaError> =
    packet.channel === "signed" ? decodeSignedWire(packet.payload) : decodeSessionBody(packet.payload)
  return Result.isFailure(decoded) ? `a ${packet.channel} packet's payload: ${decoded.failure.message}` : undefined
}

/**
 * A packet as a party keeps it (in its outbox, its idempotency records, a browser's request in
 * flight). The payload is kept as it is, byte for byte (a retry resends the very same bytes), and
 * checked on the way in: a `signed` payload must be an envelope of a protocol message, a `session`
 * payload a browser request or a merchant response.
 *
 * @since 0.3.0
 */
export const PacketRow = exactly<Packet>()(
  Schema.Struct({
    from: PartyId,
    to: PartyId,
    channel: Schema.Literals(["session", "signed"]),
    payload: Schema.Unknown
  }).pipe(Schema.check(Schema.makeFilter(payloadIssue, { expected: "a packet whose payload its channel carries" })))
)

/** One outbox entry: the request resent until answered. @since 0.3.0 */
export const OutboxEntryRow = exactly<OutboxEntry>()(
  Schema.Struct({
    packet: PacketRow,
    attempts: Int,
    nextAttempt_ms: Int
  })
)

/** One idempotency record: a request's fingerprint and the answer sent for it. @since 0.3.0 */
export const IdempotencyRecordRow = exactly<IdempotencyRecord>()(
  Schema.Struct({
    fingerprint: Schema.String,
    answer: Schema.NullOr(PacketRow),
    retainUntil_ms: Schema.NullOr(Int)
  })
)

/** One ledger account and its four counters. @since 0.3.0 */
export const AccountRow = exactly<Account>()(
  Schema.Struct({
    id: Schema.String,
    currency: Currency,
    debitsMustNotExceedCredits: Schema.Boolean,
    debitsPosted: Int,
    creditsPosted: Int,
    debitsPending: Int,
    creditsPending: Int
  })
)

/** What a hold and a journal entry both say: which account pays which, in what currency, how much. */
const movement = { id: Schema.String, debit: Schema.String, credit: Schema.String, currency: Currency, amount_minor: Int }

/** One two-phase hold on a ledger. @since 0.3.0 */
export const HoldRow = exactly<Hold>()(
  Schema.Struct({
    ...movement,
    captured_minor: Int,
    expiresAt_ms: Int,
    status: Schema.Literals(["pending", "voided", "expired", "closed"])
  })
)

/** One posted entry of a ledger's journal. @since 0.3.0 */
export const EntryRow = exactly<Entry>()(
  Schema.Struct({
    ...movement,
    kind: Schema.Literals(["transfer", "capture"]),
    seq: Int
  })
)

/** Where a bank settles: its clearing house and what it holds at the settlement bank. @since 0.3.0 */
export const settlementTermsFields = {
  clearingHouse: Schema.NullOr(PartyId),
  settlement: Schema.Array(Money)
}

/** A bank's {@link SettlementTerms}. @since 0.3.0 */
export const SettlementTermsRow = exactly<SettlementTerms>()(Schema.Struct(settlementTermsFields))

/** The three tables a ledger is kept in: its accounts, its holds and its journal, each by id. @since 0.3.0 */
export const ledgerTables = { accounts: AccountRow, holds: HoldRow, journal: EntryRow }

/** The ledger's tables that keep a deadline index: its holds, by a pending hold's expiry. @since 0.4.0 */
export const ledgerIndexes = { holds: holdDueAt }
