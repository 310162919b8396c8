/**
 * Fields and value types shared by the messages of several hops.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, PartyId } from "../domain/Ids.js"
import { DisplayName } from "../domain/Text.js"

/**
 * How a payment ended at the issuer: `approved`, or the reason it was declined. The same value
 * travels from the issuer to the gateway, to the merchant and to the browser.
 *
 * - `declined_by_shopper`: the shopper declined the challenge on their phone.
 * - `insufficient_funds`: the account's available balance is below the amount.
 * - `challenge_expired`: the shopper did not answer the challenge before it expired.
 * - `request_expired`: the request reached the gateway or the issuer after its expiry.
 * - `unknown_account`: the issuer has no such account.
 * - `no_enrolled_device`: the account has no phone enrolled to approve payments.
 * - `currency_not_supported`: the account is held in another currency.
 *
 * @since 0.1.0
 */
export const AuthorizationStatus = Schema.Literals([
  "approved",
  "declined_by_shopper",
  "insufficient_funds",
  "challenge_expired",
  "request_expired",
  "unknown_account",
  "no_enrolled_device",
  "currency_not_supported"
])
/** @since 0.1.0 */
export type AuthorizationStatus = typeof AuthorizationStatus.Type

/**
 * Who is paid: the merchant's party id, and the name the shopper sees on their phone. The phone
 * signs over both ("dynamic linking"): an approval for one payee never approves another.
 *
 * @category models
 * @since 0.1.0
 */
export class Payee extends Schema.Class<Payee>("Payee")({
  merchant: PartyId,
  name: DisplayName
}) {}

/**
 * Who pays: the shopper's bank and account there. It stands for the card number or account
 * credential a shopper types in at checkout.
 *
 * @category models
 * @since 0.1.0
 */
export class Payer extends Schema.Class<Payer>("Payer")({
  issuer: PartyId,
  account: AccountId
}) {}

/**
 * What a merchant can do with an authorized payment: capture (all or part of the hold), void (release
 * what is still held), or refund (part or all of what was captured).
 *
 * @since 0.2.0
 */
export const OperationKind = Schema.Literals(["capture", "void", "refund"])
/** @since 0.2.0 */
export type OperationKind = typeof OperationKind.Type

/**
 * How an operation on an authorized payment ended: `accepted`, or why it was refused. The issuer
 * decides captures and voids (it holds the money); the gateway decides refunds (it pays for them).
 *
 * - `exceeds_remaining`: a capture beyond what the hold still reserves, or a refund beyond what was
 *   captured and not yet refunded (refunds still in flight count).
 * - `hold_closed`: the hold was voided or fully captured already.
 * - `hold_expired`: the hold expired before the capture or void arrived.
 * - `unknown_payment`: no approved payment of this merchant has that id.
 * - `request_expired`: the request arrived after its expiry.
 *
 * @since 0.2.0
 */
export const OperationStatus = Schema.Literals(["accepted", "exceeds_remaining", "hold_closed", "hold_expired", "unknown_payment", "request_expired"])
/** @since 0.2.0 */
export type OperationStatus = typeof OperationStatus.Type
