/**
 * The checkout the browser's and the merchant's tests share: order ord-1 of the standard session,
 * two mugs and a tea for standard delivery to Alice's address, paid from Alice's account at
 * issuer-1 as payment ord-1.p1; the browser's requests for it, the gateway's signed
 * AuthorizationResult, and builders that step a merchant through it. Every step goes through the
 * `step` a test file passes in, so its transition coverage sees (and checks) every transition the
 * builders make.
 *
 * API: the constants and body builders below, and `checkoutScenarios(step)` for the builders that
 * run steps.
 */
import { Schema } from "effect"
import { expect } from "vitest"
import { accounts, ids, session, skus } from "../../src/drivers/Topology.js"
import { OrderId, PaymentId, RequestId, type PartyId } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import {
  BrowserRequest,
  CreateOrder,
  OrderLine,
  PayNow,
  SelectDelivery,
  SetShippingAddress,
  ShippingAddress,
  type DeliveryOption
} from "../../src/messages/BrowserMerchant.js"
import { Payer, type AuthorizationStatus } from "../../src/messages/Common.js"
import { AuthorizationResult } from "../../src/messages/MerchantGateway.js"
import type { MerchantInput, MerchantState } from "../../src/parties/Merchant.js"
import { at, identity, parties, receive, seal, sent, standardState } from "./fixtures.js"

export const ORD = OrderId.make("ord-1")
export const P1 = PaymentId.make("ord-1.p1")
export const mug = new OrderLine({ sku: skus.mug, quantity: 2 })
export const tea = new OrderLine({ sku: skus.tea, quantity: 1 })
export const lines: ReadonlyArray<OrderLine> = [mug, tea]
/** 2 x 12.50 + 8.99 */
export const SUBTOTAL_minor = 3_399
/** The subtotal plus standard delivery (4.90). */
export const TOTAL_minor = 3_889
export const address = new ShippingAddress({ name: "Alice Example", line1: "1 Tea Street", city: "Leeds", postalCode: "LS1 1AA", country: "GB" })
export const payer = new Payer({ issuer: ids.issuer, account: accounts.alice })
/** When the shopper acts, unless a test says otherwise. */
export const NOW_ms = at(1_000)
/** When the gateway's AuthorizationResult arrives. */
export const AUTHORIZED_ms = at(10_000)
/** When an approved payment's hold expires. */
export const HOLD_UNTIL_ms = at(7 * 24 * 3_600_000)

/** The gateway as the merchant's tests sign its results. */
export const gateway = identity(parties.gateway, [parties.merchant, parties.issuer])

/** The browser's request id `r-<n>`. */
export const rid = (n: number | string): RequestId => RequestId.make(`r-${n}`)

/** A browser request's JSON-ready form, as the session channel carries it. */
export const encodeRequest = Schema.encodeSync(BrowserRequest)
/** The session packet carrying `body` from the browser (or another party) to the merchant. */
export const fromBrowser = (body: BrowserRequest, from: PartyId = ids.browser): Packet => ({ from, to: ids.merchant, channel: "session", payload: encodeRequest(body) })

export const createOrder = (requestId: RequestId, sessionId = session, orderLines = lines) => new CreateOrder({ requestId, sessionId, lines: orderLines })
export const selectDelivery = (requestId: RequestId, option: DeliveryOption = "standard", sessionId = session, orderId = ORD) =>
  new SelectDelivery({ requestId, sessionId, orderId, option })
export const setAddress = (requestId: RequestId, sessionId = session, orderId = ORD) => new SetShippingAddress({ requestId, sessionId, orderId, address })
export const payNow = (requestId: RequestId, total_minor = TOTAL_minor, sessionId = session, orderId = ORD) =>
  new PayNow({ requestId, sessionId, orderId, total: Money.money(total_minor, "EUR"), payer })

/** The gateway's AuthorizationResult for ord-1.p1; an approval holds until HOLD_UNTIL_ms. */
export const authorizationResult = (status: AuthorizationStatus, over: Partial<ConstructorParameters<typeof AuthorizationResult>[0]> = {}): AuthorizationResult =>
  new AuthorizationResult({
    id: P1,
    from: ids.gateway,
    to: ids.merchant,
    orderId: ORD,
    amount: Money.money(TOTAL_minor, "EUR"),
    status,
    holdExpiresAt_ms: status === "approved" ? HOLD_UNTIL_ms : null,
    ...over
  })

/** The builders that step a merchant, each step through `step`. */
export const checkoutScenarios = (step: (state: MerchantState, input: MerchantInput) => Step<MerchantState>) => {
  /** The standard topology's merchant, with no orders. */
  const fresh = (): MerchantState => standardState<MerchantState>(ids.merchant)
  /** `state` after the browser's `bodies`, one after the other, at NOW_ms. */
  const feed = (state: MerchantState, ...bodies: ReadonlyArray<BrowserRequest>): MerchantState =>
    bodies.reduce((s, body) => step(s, receive(fromBrowser(body), NOW_ms)).state, state)
  /** ord-1 of the standard session, Open. */
  const opened = (): MerchantState => feed(fresh(), createOrder(rid("c")))
  /** ord-1, Ready with standard delivery. */
  const ready = (): MerchantState => feed(opened(), selectDelivery(rid("d")), setAddress(rid("a")))
  /** ord-1 Paying with payment ord-1.p1 Authorizing, asked for at NOW_ms; the AuthorizePayment sent. */
  const paying = (): { readonly state: MerchantState; readonly authorize: Packet } => {
    const result = step(ready(), receive(fromBrowser(payNow(rid("p"))), NOW_ms))
    const signed = sent(result).filter((p) => p.channel === "signed")
    expect(signed).toHaveLength(1)
    return { state: result.state, authorize: signed[0]! }
  }
  /** The gateway's signed AuthorizationResult for ord-1.p1 delivered at AUTHORIZED_ms. */
  const withResult = (state: MerchantState, status: AuthorizationStatus, over: Partial<ConstructorParameters<typeof AuthorizationResult>[0]> = {}) =>
    step(state, receive(seal(gateway, authorizationResult(status, over)), AUTHORIZED_ms))
  /** ord-1 Paid, its payment ord-1.p1 Authorized until HOLD_UNTIL_ms. */
  const paid = (): MerchantState => withResult(paying().state, "approved").state
  /** ord-1 and its payment ord-1.p1 Declined. */
  const declined = (): MerchantState => withResult(paying().state, "insufficient_funds").state

  return { fresh, feed, opened, ready, paying, withResult, paid, declined }
}
