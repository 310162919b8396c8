/**
 * Hop 3, gateway and issuer: the acquirer routes the authorization to the shopper's bank.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, AuthorizationId, PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import { PaymentAmount } from "../domain/Money.js"
import { AuthorizationStatus, Payee } from "./Common.js"

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
