/**
 * The merchant's stored state: its configuration in the header, and its orders, payments, order
 * index, back-office operations and outbox as tables.
 *
 * | table | key | row |
 * | --- | --- | --- |
 * | `orders` | order id | {@link MerchantOrderRow} |
 * | `payments` | payment id | {@link MerchantPaymentRow} |
 * | `created` | `session/requestId` of the `CreateOrder` | the order id it made |
 * | `operations` | operation id | {@link MerchantOperationRow} |
 * | `outbox` | request id | {@link OutboxEntryRow} |
 *
 * @since 0.3.0
 */
import * as Outbox from "../machine/Outbox.js"
import { Schema } from "effect"
import { OperationId, OrderId, PartyId, PaymentId, RequestId, SessionId, Timestamp_ms } from "../domain/Ids.js"
import { Currency } from "../domain/Money.js"
import { DisplayName } from "../domain/Text.js"
import { DeliveryOption, OrderLine, ShippingAddress } from "../messages/BrowserMerchant.js"
import { AuthorizationStatus, OperationStatus } from "../messages/Common.js"
import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from "../messages/MerchantGateway.js"
import type { PartyIdentity } from "../machine/Party.js"
import type { MerchantConfig, MerchantOrder, MerchantPayment, MerchantState } from "../parties/Merchant.js"
import type { MerchantOperation } from "../parties/MerchantOperations.js"
import { Bound, exactly, Int, OutboxEntryRow } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/** What the merchant sells and how it is paid. @since 0.3.0 */
export const MerchantConfigRow = exactly<MerchantConfig>()(
  Schema.Struct({
    gateway: PartyId,
    payeeName: DisplayName,
    currency: Currency,
    catalog: Schema.Record(Schema.String, Int),
    deliveryFees: Schema.Record(DeliveryOption, Int),
    outboxLimit: Schema.optionalKey(Bound(Outbox.OUTBOX_LIMIT))
  })
)

/** The merchant's header: its configuration. @since 0.3.0 */
export const MerchantHeader = Schema.Struct({ config: MerchantConfigRow })

/** One order. @since 0.3.0 */
export const MerchantOrderRow = exactly<MerchantOrder>()(
  Schema.Struct({
    id: OrderId,
    sessionId: SessionId,
    createdBy: Schema.String,
    lines: Schema.Array(OrderLine),
    delivery: Schema.NullOr(DeliveryOption),
    address: Schema.NullOr(ShippingAddress),
    state: Schema.Literals(["Open", "Ready", "Paying", "Paid", "Declined"]),
    payments: Schema.Array(PaymentId)
  })
)

/** One payment attempt. @since 0.3.0 */
export const MerchantPaymentRow = exactly<MerchantPayment>()(
  Schema.Struct({
    request: AuthorizePayment,
    payNowRequestId: RequestId,
    state: Schema.Literals(["Authorizing", "Authorized", "Declined", "Captured", "Voided"]),
    status: Schema.NullOr(AuthorizationStatus),
    holdExpiresAt_ms: Schema.NullOr(Timestamp_ms),
    captured_minor: Int,
    refunded_minor: Int,
    voided: Schema.Boolean,
    operations: Schema.Array(OperationId)
  })
)

/** One capture, void or refund the merchant asked for. @since 0.3.0 */
export const MerchantOperationRow = exactly<MerchantOperation>()(
  Schema.Struct({
    request: Schema.Union([CapturePayment, VoidPayment, RefundPayment]),
    state: Schema.Literals(["Pending", "Accepted", "Refused"]),
    status: Schema.NullOr(OperationStatus)
  })
)

/** The merchant's tables and their rows. @since 0.3.0 */
export const merchantTables = {
  orders: MerchantOrderRow,
  payments: MerchantPaymentRow,
  created: OrderId,
  operations: MerchantOperationRow,
  outbox: OutboxEntryRow
}

/** The merchant's codec. @since 0.3.0 */
export const codec: PartyCodec<
  MerchantState,
  PartyIdentity,
  typeof MerchantHeader.Type,
  { readonly [N in keyof typeof merchantTables]: (typeof merchantTables)[N]["Type"] }
> = {
  kind: "Merchant",
  header: MerchantHeader,
  tables: merchantTables,
  indexes: { outbox: Outbox.dueAt },
  split: ({ identity, config, ...tables }) => ({ party: identity.id, header: { config }, tables }),
  join: ({ header, tables }, identity) => ({ identity, config: header.config, ...tables })
}
