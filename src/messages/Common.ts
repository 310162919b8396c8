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
