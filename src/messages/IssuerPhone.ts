/**
 * Hop 4, issuer and phone: strong customer authentication on the shopper's banking app.
 *
 * The issuer pushes a signed {@link Challenge}; the shopper approves or declines on the phone,
 * which signs a {@link ChallengeAnswer} with its enrolled device key over the challenge, the
 * payment, the exact amount and currency, the payee and the account (PSD2 "dynamic linking"):
 * a signature for one payment can never approve another. The issuer confirms with a
 * {@link ChallengeReceipt}.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, ChallengeId, PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import { PaymentAmount } from "../domain/Money.js"
import { AuthorizationStatus, Payee } from "./Common.js"

/** What the shopper decided. @since 0.1.0 */
export const Decision = Schema.Literals(["approve", "decline"])
/** @since 0.1.0 */
export type Decision = typeof Decision.Type

/**
 * The issuer asks the phone enrolled for `account` to approve a payment. Signed by the issuer,
 * whose key the banking app pins.
 *
 * @category messages
 * @since 0.1.0
 */
export class Challenge extends Schema.TaggedClass<Challenge>()("Challenge", {
  id: ChallengeId,
  from: PartyId,
  to: PartyId,
  account: AccountId,
  paymentId: PaymentId,
  amount: PaymentAmount,
  payee: Payee,
  expiresAt_ms: Timestamp_ms
}) {}

/**
 * The shopper's answer to challenge `id`, signed by the phone's enrolled device key over every
 * field of the payment it approves or declines.
 *
 * @category messages
 * @since 0.1.0
 */
export class ChallengeAnswer extends Schema.TaggedClass<ChallengeAnswer>()("ChallengeAnswer", {
  id: ChallengeId,
  from: PartyId,
  to: PartyId,
  account: AccountId,
  paymentId: PaymentId,
  amount: PaymentAmount,
  payee: Payee,
  decision: Decision,
  expiresAt_ms: Timestamp_ms
}) {}

/**
 * The issuer's confirmation of how challenge `id` ended, so the app can tell the shopper.
 * Signed by the issuer.
 *
 * @category messages
 * @since 0.1.0
 */
export class ChallengeReceipt extends Schema.TaggedClass<ChallengeReceipt>()("ChallengeReceipt", {
  id: ChallengeId,
  from: PartyId,
  to: PartyId,
  status: AuthorizationStatus
}) {}
