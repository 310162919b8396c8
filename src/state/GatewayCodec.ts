/**
 * The gateway's stored state: its configuration, its id counters and its queue of clearing items
 * not yet submitted in the header; its payments, operations, records, submissions, settlements,
 * outbox and ledger as tables.
 *
 * | table | key | row |
 * | --- | --- | --- |
 * | `payments` | `merchant/paymentId` | {@link GatewayPaymentRow} |
 * | `byAuthorization` | authorization id | the payment's key |
 * | `records` | `merchant/paymentId` | {@link IdempotencyRecordRow} |
 * | `operations` | `merchant/operationId` | {@link GatewayOperationRow} |
 * | `byOperation` | the gateway's operation id | the merchant operation's key |
 * | `operationRecords` | `merchant/operationId` | {@link IdempotencyRecordRow} |
 * | `submissions` | submission id | {@link GatewaySubmissionRow} |
 * | `settlements` | `clearingHouse/instructionId` | {@link IdempotencyRecordRow} |
 * | `settledItems` | `acquirer/itemId` | the instruction id that settled it |
 * | `outbox` | request id | {@link OutboxEntryRow} |
 * | `accounts`, `holds`, `journal` | id | the acquirer's ledger ({@link ledgerTables}) |
 *
 * The unsubmitted clearing items stay in the header: they are a queue, in order, drained into a
 * submission on the next tick with a clearing house to submit to.
 *
 * @since 0.3.0
 */
import * as Idempotency from "../machine/Idempotency.js"
import * as Outbox from "../machine/Outbox.js"
import { Schema } from "effect"
import { AuthorizationId, CycleNumber, OperationId } from "../domain/Ids.js"
import { ClearingItem, MAX_CLEARING_ITEMS } from "../messages/Clearing.js"
import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from "../messages/MerchantGateway.js"
import type { PartyIdentity } from "../machine/Party.js"
import type { GatewayConfig, GatewayPayment, GatewayState } from "../parties/Gateway.js"
import type { GatewaySubmission } from "../parties/GatewayClearing.js"
import type { GatewayOperation } from "../parties/GatewayOperations.js"
import { Bound, exactly, IdempotencyRecordRow, Int, ledgerIndexes, ledgerTables, OutboxEntryRow, settlementTermsFields } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/** How the gateway clears and what it charges. @since 0.3.0 */
export const GatewayConfigRow = exactly<GatewayConfig>()(Schema.Struct({ ...settlementTermsFields, feeBps: Int, submissionItems: Schema.optionalKey(Bound(MAX_CLEARING_ITEMS)) }))

/** The gateway's header: its configuration, its id counters and the clearing items waiting for a submission, oldest first. @since 0.3.0 */
export const GatewayHeader = Schema.Struct({
  config: GatewayConfigRow,
  issued: Int,
  operationsIssued: Int,
  unsubmitted: Schema.Array(ClearingItem),
  ledgerPosted: Int
})

/** One payment the gateway accepted. @since 0.3.0 */
export const GatewayPaymentRow = exactly<GatewayPayment>()(
  Schema.Struct({
    request: AuthorizePayment,
    authorizationId: AuthorizationId,
    state: Schema.Literals(["Forwarding", "Approved", "Declined", "Captured", "Voided"]),
    decidedBy: Schema.NullOr(Schema.String),
    captured_minor: Int,
    refunded_minor: Int,
    refundsInFlight_minor: Int
  })
)

/** One merchant operation and the gateway's own id for it. @since 0.3.0 */
export const GatewayOperationRow = exactly<GatewayOperation>()(
  Schema.Struct({
    request: Schema.Union([CapturePayment, VoidPayment, RefundPayment]),
    forwardedAs: Schema.NullOr(OperationId),
    state: Schema.Literals(["Forwarding", "Accepted", "Refused"]),
    decidedBy: Schema.NullOr(Schema.String)
  })
)

/** One clearing submission. @since 0.3.0 */
export const GatewaySubmissionRow = exactly<GatewaySubmission>()(
  Schema.Struct({
    items: Schema.Array(ClearingItem),
    cycle: Schema.NullOr(CycleNumber)
  })
)

/** The gateway's tables and their rows. @since 0.3.0 */
export const gatewayTables = {
  payments: GatewayPaymentRow,
  byAuthorization: Schema.String,
  records: IdempotencyRecordRow,
  operations: GatewayOperationRow,
  byOperation: Schema.String,
  operationRecords: IdempotencyRecordRow,
  submissions: GatewaySubmissionRow,
  settlements: IdempotencyRecordRow,
  settledItems: Schema.String,
  outbox: OutboxEntryRow,
  ...ledgerTables
}

/** The gateway's codec. @since 0.3.0 */
export const codec: PartyCodec<
  GatewayState,
  PartyIdentity,
  typeof GatewayHeader.Type,
  { readonly [N in keyof typeof gatewayTables]: (typeof gatewayTables)[N]["Type"] }
> = {
  kind: "Gateway",
  header: GatewayHeader,
  tables: gatewayTables,
  indexes: { outbox: Outbox.dueAt, records: Idempotency.retainUntil, operationRecords: Idempotency.retainUntil, ...ledgerIndexes },
  split: ({ identity, config, issued, operationsIssued, unsubmitted, ledger: { posted, ...ledger }, ...tables }) => ({
    party: identity.id,
    header: { config, issued, operationsIssued, unsubmitted, ledgerPosted: posted },
    tables: { ...tables, ...ledger }
  }),
  join: ({ header: { ledgerPosted, ...header }, tables: { accounts, holds, journal, ...tables } }, identity) => ({ identity, ...header, ...tables, ledger: { accounts, holds, journal, posted: ledgerPosted } })
}
