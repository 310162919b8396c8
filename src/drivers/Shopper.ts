/**
 * Scripted shoppers: drive a browser and a phone on an {@link InMemoryNetwork} through a checkout,
 * as the demo, the benchmarks and the tests do.
 *
 * @since 0.1.0
 */
import type { AccountId, ChallengeId, PartyId, Timestamp_ms } from "../domain/Ids.js"
import { OrderLine, ShippingAddress } from "../messages/BrowserMerchant.js"
import { Payer } from "../messages/Common.js"
import type { Decision } from "../messages/IssuerPhone.js"
import type { BrowserState } from "../parties/Browser.js"
import { CHALLENGE_TTL_ms } from "../parties/Issuer.js"
import type { PhoneState } from "../parties/Phone.js"
import type { InMemoryNetwork } from "./InMemoryNetwork.js"
import { ids, skus } from "./Topology.js"

/** The address the scripted shopper ships to. @since 0.1.0 */
export const address = new ShippingAddress({ name: "Alice Example", line1: "1 Tea Street", city: "Leeds", postalCode: "LS1 1AA", country: "GB" })

const at = (net: InMemoryNetwork, delta_ms: number): Timestamp_ms => (net.now_ms + delta_ms) as Timestamp_ms

/** The shopper takes a moment between clicks: 250 ms pass and every party ticks. */
const think = (net: InMemoryNetwork): void => net.advanceTo(at(net, 250))

/**
 * Fills a cart, confirms the order, picks delivery and sets the address, each step delivered to
 * quiescence, leaving the browser (the standard topology's, unless `browser` names another) on
 * "ready to pay".
 *
 * @since 0.1.0
 */
export const readyToPay = (net: InMemoryNetwork, browser: PartyId = ids.browser): BrowserState => {
  net.input(browser, { _tag: "AddToCart", now_ms: net.now_ms, line: new OrderLine({ sku: skus.mug, quantity: 2 }) })
  net.input(browser, { _tag: "AddToCart", now_ms: net.now_ms, line: new OrderLine({ sku: skus.tea, quantity: 1 }) })
  think(net)
  net.input(browser, { _tag: "ConfirmOrder", now_ms: net.now_ms })
  net.runUntilQuiet()
  think(net)
  net.input(browser, { _tag: "ChooseDelivery", now_ms: net.now_ms, option: "standard" })
  net.runUntilQuiet()
  think(net)
  net.input(browser, { _tag: "EnterAddress", now_ms: net.now_ms, address })
  net.runUntilQuiet()
  think(net)
  return net.state<BrowserState>(browser)
}

/** The shopper clicks "pay now" on `browser` with `payer`'s account; nothing is delivered yet. @since 0.1.0 */
export const clickPayNow = (net: InMemoryNetwork, payer: { readonly issuer: PartyId; readonly account: AccountId }, browser: PartyId = ids.browser): void => {
  net.input(browser, { _tag: "ClickPayNow", now_ms: net.now_ms, payer: new Payer(payer) })
}

/**
 * The whole checkout up to the click on "pay now", on the standard browser unless `browser` names
 * another, delivered to quiescence: the challenge is then waiting on the shopper's phone. Returns
 * the browser's state.
 *
 * @since 0.1.0
 */
export const checkoutAndPay = (net: InMemoryNetwork, payer: { readonly issuer: PartyId; readonly account: AccountId }, browser: PartyId = ids.browser): BrowserState => {
  readyToPay(net, browser)
  clickPayNow(net, payer, browser)
  net.runUntilQuiet()
  return net.state<BrowserState>(browser)
}

/**
 * The id of a challenge waiting on `phone` (the one that expires first), if any: read off the
 * deadline index, where a pending challenge is due at its expiry, at most `CHALLENGE_TTL_ms`
 * ahead, and a finished one only at the end of its retention, 30 days after its expiry.
 *
 * @since 0.1.0
 */
export const pendingChallenge = (net: InMemoryNetwork, phone: PartyId): ChallengeId | undefined =>
  net.state<PhoneState>(phone).challenges.dueBy(net.now_ms + CHALLENGE_TTL_ms).find(([, c]) => c.state === "Pending")?.[1].challenge.id

/** The shopper answers the waiting challenge on `phone`, and the answer travels to quiescence. @since 0.1.0 */
export const answerOnPhone = (net: InMemoryNetwork, phone: PartyId, decision: Decision): void => {
  const challengeId = pendingChallenge(net, phone)
  if (challengeId === undefined) throw new Error(`Shopper: no challenge waiting on ${phone}`)
  net.advanceTo(at(net, 1_500))
  net.input(phone, { _tag: "Answer", now_ms: net.now_ms, challengeId, decision })
  net.runUntilQuiet()
}

/** Lets `delta_ms` pass (every party ticks), then delivers to quiescence: retries, polls and expiries happen. @since 0.1.0 */
export const wait = (net: InMemoryNetwork, delta_ms: number): void => {
  net.advanceTo(at(net, delta_ms))
  net.runUntilQuiet()
}
