/**
 * Hop 3, gateway and issuer: the acquirer routes the authorization to the shopper's bank.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, AuthorizationId, OperationId, PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import { Money, PaymentAmount } from "../domain/Money.js"
import { AuthorizationStatus, OperationKind, OperationStatus, Payee } from "./Common.js"

/**
 * The gateway asks the issuer to authorize `amount` from `account` to `payee`, vouching for the
 * merchant. Signed by the gateway.
 *
 * @category messages
 * @since 0.1.0
 */
export class AuthorizationRequest extends Schema.TaggedClass<AuthorizationRequest>()("AuthorizationRequest", {
  id: AuthorizationId,
  from: PartyId,
  to: PartyId,
  paymentId: PaymentId,
  account: AccountId,
  amount: PaymentAmount,
  payee: Payee,
  expiresAt_ms: Timestamp_ms
}) {}

/**
 * The issuer's answer to {@link AuthorizationRequest} `id`, sent once the shopper has answered
 * the challenge (or it expired). When approved, the funds are held until `holdExpiresAt_ms`.
 * Signed by the issuer.
 *
 * @category messages
 * @since 0.1.0
 */
export class AuthorizationResponse extends Schema.TaggedClass<AuthorizationResponse>()("AuthorizationResponse", {
  id: AuthorizationId,
  from: PartyId,
  to: PartyId,
  paymentId: PaymentId,
  amount: PaymentAmount,
  status: AuthorizationStatus,
  holdExpiresAt_ms: Schema.NullOr(Timestamp_ms)
}) {}

const operationFields = {
  id: OperationId,
  from: PartyId,
  to: PartyId,
  authorizationId: AuthorizationId,
  paymentId: PaymentId,
  expiresAt_ms: Timestamp_ms
}

/**
 * The gateway asks the issuer to capture `amount` of the hold placed for authorization
 * `authorizationId`, posting it from the customer's account. Signed by the gateway.
 *
 * @category messages
 * @since 0.2.0
 */
export class CaptureRequest extends Schema.TaggedClass<CaptureRequest>()("CaptureRequest", { ...operationFields, amount: PaymentAmount }) {}

/**
 * The gateway tells the issuer to credit `amount` back to the customer for authorization
 * `authorizationId`. The gateway has already checked it against what was captured: the acquirer
 * pays for refunds, so it is the one that refuses too much. Signed by the gateway.
 *
 * @category messages
 * @since 0.2.0
 */
export class RefundRequest extends Schema.TaggedClass<RefundRequest>()("RefundRequest", { ...operationFields, amount: PaymentAmount }) {}

/** The gateway asks the issuer to void the hold of authorization `authorizationId`. Signed by the gateway. @category messages @since 0.2.0 */
export class VoidRequest extends Schema.TaggedClass<VoidRequest>()("VoidRequest", operationFields) {}

/**
 * The issuer's answer to the capture, void or refund `id`: what moved (captured, released or
 * refunded; zero when refused) and the status. Signed by the issuer; a retry of the same `id` gets
 * the same response.
 *
 * @category messages
 * @since 0.2.0
 */
export class OperationResponse extends Schema.TaggedClass<OperationResponse>()("OperationResponse", {
  id: OperationId,
  from: PartyId,
  to: PartyId,
  authorizationId: AuthorizationId,
  operation: OperationKind,
  amount: Money,
  status: OperationStatus
}) {}
