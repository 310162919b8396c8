/**
 * Hop 2, merchant and gateway (acquirer): the merchant's signed request for money and the
 * gateway's signed answer.
 *
 * The merchant's server proves who it is by signing with the key it registered with the gateway;
 * the gateway forwards only for merchants whose key it has. The payment id is the request's
 * idempotency key: a retry reuses it and gets the recorded answer.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OrderId, PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import { PaymentAmount } from "../domain/Money.js"
import { AuthorizationStatus, Payee, Payer } from "./Common.js"

/**
 * The merchant asks the gateway to authorize `amount` from `payer` to `payee`. Signed by the
 * merchant.
 *
 * @category messages
 * @since 0.1.0
 */
export class AuthorizePayment extends Schema.TaggedClass<AuthorizePayment>()("AuthorizePayment", {
  id: PaymentId,
  from: PartyId,
  to: PartyId,
  orderId: OrderId,
  amount: PaymentAmount,
  payer: Payer,
  payee: Payee,
  expiresAt_ms: Timestamp_ms
}) {}

/**
 * The gateway's answer to {@link AuthorizePayment} `id`: approved (funds held until
 * `holdExpiresAt_ms`) or declined with a reason. Signed by the gateway; the merchant marks an
 * order paid on nothing else.
 *
 * @category messages
 * @since 0.1.0
 */
export class AuthorizationResult extends Schema.TaggedClass<AuthorizationResult>()("AuthorizationResult", {
  id: PaymentId,
  from: PartyId,
  to: PartyId,
  orderId: OrderId,
  amount: PaymentAmount,
  status: AuthorizationStatus,
  holdExpiresAt_ms: Schema.NullOr(Timestamp_ms)
}) {}
