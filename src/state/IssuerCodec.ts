/**
 * The issuer's stored state: where it settles, the scheme's merchant directory and its challenge
 * counter in the header; its customers, authorizations, challenges, records, settlements, outbox
 * and ledger as tables.
 *
 * | table | key | row |
 * | --- | --- | --- |
 * | `customers` | account id | {@link CustomerAccountRow} |
 * | `authorizations` | `gateway/authorizationId` | {@link IssuerAuthorizationRow} |
 * | `challenges` | challenge id | {@link IssuerChallengeRow} |
 * | `records` | `gateway/authorizationId`, `gateway/operationId` | {@link IdempotencyRecordRow} |
 * | `settlements` | `clearingHouse/instructionId` | {@link IdempotencyRecordRow} |
 * | `settledItems` | `acquirer/itemId` | the instruction id that settled it |
 * | `outbox` | request id | {@link OutboxEntryRow} |
 * | `accounts`, `holds`, `journal` | id | the bank's ledger ({@link ledgerTables}): customers' deposits, holds and postings |
 *
 * @since 0.3.0
 */
import * as Idempotency from "../machine/Idempotency.js"
import * as Outbox from "../machine/Outbox.js"
import { Schema } from "effect"
import { ChallengeId, PartyId, Timestamp_ms } from "../domain/Ids.js"
import { Currency } from "../domain/Money.js"
import { AuthorizationStatus } from "../messages/Common.js"
import { AuthorizationRequest } from "../messages/GatewayIssuer.js"
import { Challenge } from "../messages/IssuerPhone.js"
import type { PartyIdentity } from "../machine/Party.js"
import { challengeDueAt, type CustomerAccount, type IssuerAuthorization, type IssuerChallenge, type IssuerState } from "../parties/Issuer.js"
import { exactly, IdempotencyRecordRow, Int, ledgerIndexes, ledgerTables, OutboxEntryRow } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/** The issuer's header: its clearing house, the scheme's merchant directory (`null`: none) and how many challenges it issued. @since 0.3.0 */
export const IssuerHeader = Schema.Struct({
  clearingHouse: Schema.NullOr(PartyId),
  acquirers: Schema.NullOr(Schema.Record(Schema.String, PartyId)),
  issued: Int,
  ledgerPosted: Int
})

/** A customer account: its currency and enrolled phones. @since 0.3.0 */
export const CustomerAccountRow = exactly<CustomerAccount>()(Schema.Struct({ currency: Currency, devices: Schema.Array(PartyId) }))

/** One authorization request the issuer accepted. @since 0.3.0 */
export const IssuerAuthorizationRow = exactly<IssuerAuthorization>()(
  Schema.Struct({
    request: AuthorizationRequest,
    state: Schema.Literals(["Challenging", "Held", "Declined", "HoldExpired", "Captured", "Voided"]),
    status: Schema.NullOr(AuthorizationStatus),
    challengeId: Schema.NullOr(ChallengeId),
    refunded_minor: Int
  })
)

/** One challenge pushed to a phone. @since 0.3.0 */
export const IssuerChallengeRow = exactly<IssuerChallenge>()(
  Schema.Struct({
    challenge: Challenge,
    authorization: Schema.String,
    state: Schema.Literals(["Pending", "Approved", "Declined", "Expired"]),
    answeredAt_ms: Schema.NullOr(Timestamp_ms),
    answer: Schema.NullOr(IdempotencyRecordRow)
  })
)

/** The issuer's tables and their rows. @since 0.3.0 */
export const issuerTables = {
  customers: CustomerAccountRow,
  authorizations: IssuerAuthorizationRow,
  challenges: IssuerChallengeRow,
  records: IdempotencyRecordRow,
  settlements: IdempotencyRecordRow,
  settledItems: Schema.String,
  outbox: OutboxEntryRow,
  ...ledgerTables
}

/** The issuer's codec. @since 0.3.0 */
export const codec: PartyCodec<
  IssuerState,
  PartyIdentity,
  typeof IssuerHeader.Type,
  { readonly [N in keyof typeof issuerTables]: (typeof issuerTables)[N]["Type"] }
> = {
  kind: "Issuer",
  header: IssuerHeader,
  tables: issuerTables,
  indexes: { challenges: challengeDueAt, records: Idempotency.retainUntil, outbox: Outbox.dueAt, ...ledgerIndexes },
  split: ({ identity, clearingHouse, acquirers, issued, ledger: { posted, ...ledger }, ...tables }) => ({
    party: identity.id,
    header: { clearingHouse, acquirers, issued, ledgerPosted: posted },
    tables: { ...tables, ...ledger }
  }),
  join: ({ header: { ledgerPosted, ...header }, tables: { accounts, holds, journal, ...tables } }, identity) => ({ identity, ...header, ...tables, ledger: { accounts, holds, journal, posted: ledgerPosted } })
}
