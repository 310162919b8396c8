/**
 * Hop 4, issuer and phone: strong customer authentication on the shopper's banking app.
 *
 * The issuer pushes a signed {@link Challenge}; the shopper approves or declines on the phone,
 * which signs a {@link ChallengeApproval} or a {@link ChallengeDecline} with its enrolled device key
 * over the challenge, the payment, the exact amount and currency, the payee and the account (PSD2
 * "dynamic linking"): a signature for one payment can never approve another. The issuer confirms with a
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

const answerFields = {
  id: ChallengeId,
  from: PartyId,
  to: PartyId,
  account: AccountId,
  paymentId: PaymentId,
  amount: PaymentAmount,
  payee: Payee,
  expiresAt_ms: Timestamp_ms
}

/**
 * The shopper approves challenge `id`: signed by the phone's enrolled device key over every field
 * of the payment it approves. Approval and decline carry the same fields and differ only in their
 * type, which the signature binds through its domain tag: without the tag, a recorded decline
 * would pass for an approval.
 *
 * @category messages
 * @since 0.1.0
 */
export class ChallengeApproval extends Schema.TaggedClass<ChallengeApproval>()("ChallengeApproval", answerFields) {}

/**
 * The shopper declines challenge `id`: signed by the phone's enrolled device key, with the same
 * fields as a {@link ChallengeApproval}.
 *
 * @category messages
 * @since 0.1.0
 */
export class ChallengeDecline extends Schema.TaggedClass<ChallengeDecline>()("ChallengeDecline", answerFields) {}

/** The shopper's answer to a challenge: an approval or a decline. @category messages @since 0.1.0 */
export const ChallengeAnswer = Schema.Union([ChallengeApproval, ChallengeDecline])
/** @since 0.1.0 */
export type ChallengeAnswer = typeof ChallengeAnswer.Type

/** The fields of a challenge answer, whichever the decision. @category models @since 0.1.0 */
export type ChallengeAnswerFields = Omit<ConstructorParameters<typeof ChallengeApproval>[0], "_tag">

/** The answer that carries `decision`. @since 0.1.0 */
export const challengeAnswer = (decision: Decision, fields: ChallengeAnswerFields): ChallengeAnswer =>
  decision === "approve" ? new ChallengeApproval(fields) : new ChallengeDecline(fields)

/** The decision an answer carries. @since 0.1.0 */
export const decisionOf = (answer: ChallengeAnswer): Decision => (answer._tag === "ChallengeApproval" ? "approve" : "decline")

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
