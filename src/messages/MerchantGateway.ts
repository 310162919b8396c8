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
import { OperationId, OrderId, PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import { Money, PaymentAmount } from "../domain/Money.js"
import { AuthorizationStatus, OperationKind, OperationStatus, Payee, Payer } from "./Common.js"

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

const operationFields = {
  id: OperationId,
  from: PartyId,
  to: PartyId,
  paymentId: PaymentId,
  expiresAt_ms: Timestamp_ms
}

/**
 * The merchant captures `amount` of the hold of payment `paymentId`: all of it, or one of several
 * partial captures that together never exceed the hold. `id` is the capture's own idempotency key.
 * Signed by the merchant.
 *
 * @category messages
 * @since 0.2.0
 */
export class CapturePayment extends Schema.TaggedClass<CapturePayment>()("CapturePayment", { ...operationFields, amount: PaymentAmount }) {}

/**
 * The merchant refunds `amount` of what it captured on payment `paymentId`; several partial
 * refunds never exceed the captures. The same fields as {@link CapturePayment}: only the domain
 * tag in the signature tells a refund from a capture. Signed by the merchant.
 *
 * @category messages
 * @since 0.2.0
 */
export class RefundPayment extends Schema.TaggedClass<RefundPayment>()("RefundPayment", { ...operationFields, amount: PaymentAmount }) {}

/**
 * The merchant voids payment `paymentId`: whatever its hold still reserves is released to the
 * shopper. Signed by the merchant.
 *
 * @category messages
 * @since 0.2.0
 */
export class VoidPayment extends Schema.TaggedClass<VoidPayment>()("VoidPayment", operationFields) {}

/**
 * The gateway's answer to the capture, void or refund `id` of payment `paymentId`. `amount` is
 * what moved: the amount captured or refunded, or for a void the amount released; zero when
 * refused. Signed by the gateway; a retry of the same `id` gets the same result.
 *
 * @category messages
 * @since 0.2.0
 */
export class OperationResult extends Schema.TaggedClass<OperationResult>()("OperationResult", {
  id: OperationId,
  from: PartyId,
  to: PartyId,
  paymentId: PaymentId,
  operation: OperationKind,
  amount: Money,
  status: OperationStatus
}) {}

/** A merchant's capture, void or refund request. @category messages @since 0.2.0 */
export type PaymentOperation = CapturePayment | VoidPayment | RefundPayment

const KIND_OF_TAG: { readonly [T in PaymentOperation["_tag"]]: typeof OperationKind.Type } = { CapturePayment: "capture", VoidPayment: "void", RefundPayment: "refund" }

/** What kind of operation a request is. @since 0.2.0 */
export const operationKindOf = (request: PaymentOperation): typeof OperationKind.Type => KIND_OF_TAG[request._tag]
