/**
 * Hops 5 and 6, clearing and settlement: the acquirer submits its captures and refunds to the
 * clearing house, which nets them per bank at the end of each cycle and instructs every bank
 * involved to post its net position.
 *
 * A capture moves money from the shopper's bank (the issuer) to the merchant's (the acquirer); a
 * refund moves it back. Banks do not pay each other item by item: at the close of a cycle the
 * clearing house adds up each bank's items into one net position per currency, moves that much
 * between the banks' accounts at the settlement bank, and sends each bank a signed
 * `SettlementInstruction` listing the items, which the bank reconciles with its own books before
 * posting and confirming.
 *
 * Every item carries the issuer's evidence that it accepted that very operation: the key id and
 * signature of the issuer's signed `OperationResponse` (an {@link IssuerSignature}). The clearing
 * house cannot see the issuer's books, but it can check that signature, so an acquirer (honest,
 * mistaken or compromised) can clear only what an issuer accepted: {@link acceptanceOf} rebuilds
 * the signed response from the item alone.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { AuthorizationId, CycleNumber, InstructionId, KeyId, OperationId, PartyId, SubmissionId } from "../domain/Ids.js"
import { Currency, MAX_AMOUNT_MINOR, PaymentAmount } from "../domain/Money.js"
import { OperationResponse } from "./GatewayIssuer.js"

/** The most items one submission or one instruction carries. @since 0.2.0 */
export const MAX_CLEARING_ITEMS = 500

/**
 * An Ed25519 signature as an envelope carries it: 64 bytes in unpadded base64url, 86 characters,
 * the last one with its 4 unused bits zero, so each signature has exactly one text (the one
 * `Envelope.seal` writes).
 *
 * @since 0.3.0
 */
export const SignatureText = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{85}[AQgw]$/, { expected: "a 64-byte signature in canonical unpadded base64url (86 characters)" }))
)
/** @since 0.3.0 */
export type SignatureText = typeof SignatureText.Type

/**
 * The issuer's evidence for a clearing item: the key id (`keyId`) and signature (`signature`) of
 * the envelope in which the issuer answered the operation `accepted`. The signature covers the
 * signing bytes of {@link acceptanceOf} the item, so it is the issuer's own signature on its
 * acceptance of exactly that operation, kind, authorization and amount, to that acquirer.
 *
 * @category models
 * @since 0.3.0
 */
export class IssuerSignature extends Schema.Class<IssuerSignature>("IssuerSignature")({
  keyId: KeyId,
  signature: SignatureText
}) {}

/**
 * One capture or refund to clear: the gateway's operation id (unique per acquirer), who pays whom,
 * the authorization it belongs to, the amount, and the issuer's signature on its acceptance of
 * that operation (see {@link acceptanceOf}). A capture is owed by the issuer to the acquirer; a
 * refund by the acquirer to the issuer.
 *
 * @category models
 * @since 0.2.0
 */
export class ClearingItem extends Schema.Class<ClearingItem>("ClearingItem")({
  id: OperationId,
  kind: Schema.Literals(["capture", "refund"]),
  acquirer: PartyId,
  issuer: PartyId,
  authorizationId: AuthorizationId,
  amount: PaymentAmount,
  issuerSignature: IssuerSignature
}) {}

/**
 * The issuer's signed answer an item stands for, rebuilt from the item alone: the
 * `OperationResponse` `id` from `issuer` to `acquirer` on `authorizationId`, operation `kind`,
 * `amount`, status `accepted`. Its signing bytes are the very bytes the issuer signed when it
 * accepted the operation, so `issuerSignature` verifies over them under the issuer's key, and over
 * nothing an item with another field could rebuild.
 *
 * @since 0.3.0
 */
export const acceptanceOf = (item: Pick<ClearingItem, "id" | "kind" | "acquirer" | "issuer" | "authorizationId" | "amount">): OperationResponse =>
  new OperationResponse({
    id: item.id,
    from: item.issuer,
    to: item.acquirer,
    authorizationId: item.authorizationId,
    operation: item.kind,
    amount: item.amount,
    status: "accepted"
  })

const Items = Schema.Array(ClearingItem).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_CLEARING_ITEMS)))

/**
 * The acquirer submits captures and refunds for clearing. Each item is cleared in exactly one
 * cycle: the one open when the submission first arrives. A retry of the same `id` gets the same
 * receipt. Signed by the gateway.
 *
 * @category messages
 * @since 0.2.0
 */
export class ClearingSubmission extends Schema.TaggedClass<ClearingSubmission>()("ClearingSubmission", {
  id: SubmissionId,
  from: PartyId,
  to: PartyId,
  items: Items
}) {}

/** The clearing house accepted submission `id` into cycle `cycle`. Signed by the clearing house. @category messages @since 0.2.0 */
export class SubmissionReceipt extends Schema.TaggedClass<SubmissionReceipt>()("SubmissionReceipt", {
  id: SubmissionId,
  from: PartyId,
  to: PartyId,
  cycle: CycleNumber
}) {}

/**
 * A bank's net position in one currency for one cycle, in minor units: positive when it receives,
 * negative when it pays. Across the banks of a cycle the positions sum to zero.
 *
 * @since 0.2.0
 */
export const Position = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: -MAX_AMOUNT_MINOR, maximum: MAX_AMOUNT_MINOR })))

/**
 * The clearing house tells bank `to` its net `position` in `currency` for cycle `cycle`, already
 * moved on its account at the settlement bank, with the items it nets. The bank reconciles every
 * item with its own books, posts the position once, and confirms. Signed by the clearing house.
 *
 * @category messages
 * @since 0.2.0
 */
export class SettlementInstruction extends Schema.TaggedClass<SettlementInstruction>()("SettlementInstruction", {
  id: InstructionId,
  from: PartyId,
  to: PartyId,
  cycle: CycleNumber,
  currency: Currency,
  position: Position,
  items: Items
}) {}

/** Bank `from` has posted settlement instruction `id`. Signed by that bank (an issuer or an acquirer). @category messages @since 0.2.0 */
export class SettlementConfirmation extends Schema.TaggedClass<SettlementConfirmation>()("SettlementConfirmation", {
  id: InstructionId,
  from: PartyId,
  to: PartyId,
  cycle: CycleNumber
}) {}
