/**
 * The merchant machine, one input at a time: orders created, updated and paid from the shopper's
 * session, the signed payment request to the gateway and its retries, and the gateway's signed
 * result (and every forgery of it) refused or accepted. Every transition of
 * `Merchant.transitions` but the operations' (in MerchantOperations.test.ts) is asserted, and the
 * last test checks that the file covered that part of the table.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { open } from "../../src/crypto/Envelope.js"
import { ids, session, skus } from "../../src/drivers/Topology.js"
import { OrderId, PartyId, PaymentId, RequestId, SessionId, Sku, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Rejection } from "../../src/domain/Rejection.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { OUTBOX_LIMIT, RETRY_BASE_ms, from as outboxOf } from "../../src/machine/Outbox.js"
import { BrowserRequest, GetOrder, MerchantResponse, OrderLine, OrderView, PayNow, RequestRefused } from "../../src/messages/BrowserMerchant.js"
import { Payee } from "../../src/messages/Common.js"
import { AuthorizePayment } from "../../src/messages/MerchantGateway.js"
import { codecOf } from "../../src/messages/Signed.js"
import * as Merchant from "../../src/parties/Merchant.js"
import type { MerchantInput, MerchantState } from "../../src/parties/Merchant.js"
import {
  at,
  Coverage,
  envelopeOf,
  expectRejected,
  expectSent,
  expectUnchanged,
  identity,
  impostorOf,
  mutateBody,
  parties,
  receive as receiveAt,
  rejectionsIn,
  run,
  seal,
  sent,
  swapSignature,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import {
  address,
  AUTHORIZED_ms,
  authorizationResult,
  checkoutScenarios,
  createOrder,
  encodeRequest,
  fromBrowser,
  gateway,
  HOLD_UNTIL_ms,
  lines,
  NOW_ms,
  ORD,
  P1,
  payer,
  payNow,
  rid,
  selectDelivery,
  setAddress,
  SUBTOTAL_minor,
  TOTAL_minor
} from "../support/checkoutScenarios.js"
import { merchantParts } from "../support/transitionParts.js"

/** This file covers the orders and the authorization; MerchantOperations.test.ts the rest. */
const coverage = new Coverage(ids.merchant, Merchant.transitions, merchantParts.rest)
const step = (state: MerchantState, input: MerchantInput): Step<MerchantState> => coverage.observe(run(Merchant.step(state, input)))

const { fresh, feed, opened, ready, paying, withResult, paid, declined } = checkoutScenarios(step)

const issuer = identity(parties.issuer, [parties.gateway])
const merchantSelf = identity(parties.merchant, [parties.gateway])

const P2 = PaymentId.make("ord-1.p2")
const otherSession = SessionId.make("sess-2")

const decodeResponse = Schema.decodeUnknownSync(MerchantResponse)

/** The Receive of `packet`, at NOW_ms unless a test says otherwise. */
const receive = (packet: Packet, now_ms: number = NOW_ms): MerchantInput => receiveAt(packet, now_ms)

const getOrder = (requestId: RequestId, sessionId = session, orderId = ORD) => new GetOrder({ requestId, sessionId, orderId })

/** The responses a step sends to the browser, decoded. */
const repliesOf = (result: Step<MerchantState>): ReadonlyArray<MerchantResponse> =>
  sent(result)
    .filter((p) => p.channel === "session")
    .map((p) => {
      expect(p).toMatchObject({ from: ids.merchant, to: ids.browser })
      return decodeResponse(p.payload)
    })

/** The one OrderView a step sends to the browser. */
const viewOf = (result: Step<MerchantState>): OrderView => {
  const replies = repliesOf(result)
  expect(replies.map((r) => r._tag)).toEqual(["OrderView"])
  return replies[0] as OrderView
}

/** The signed packets a step sends to the gateway. */
const toGateway = (result: Step<MerchantState>): ReadonlyArray<Packet> => sent(result).filter((p) => p.channel === "signed")

/**
 * Asserts a refused browser request: a rejection (see `expectRejected`) of the request's type, and
 * the one thing sent a RequestRefused naming the request. Returns the reason.
 */
const expectRefused = (result: Step<MerchantState>, before: MerchantState, tag: Rejection["_tag"], request: BrowserRequest): string => {
  const rejected = expectRejected(result, before, tag)
  expect(rejected.input).toBe(request._tag)
  const replies = repliesOf(result)
  expect(replies).toHaveLength(1)
  const [refused] = replies as [MerchantResponse]
  expect(refused).toBeInstanceOf(RequestRefused)
  expect(refused.requestId).toBe(request.requestId)
  return (refused as RequestRefused).reason
}

/** Sends `request` from the browser to `before` and asserts it is refused with `tag`. */
const refusedWith = (before: MerchantState, request: BrowserRequest, tag: Rejection["_tag"]): { readonly reason: string; readonly result: Step<MerchantState> } => {
  const result = step(before, receive(fromBrowser(request)))
  return { reason: expectRefused(result, before, tag, request), result }
}

const openAuthorize = (packet: Packet) => run(open(codecOf(AuthorizePayment), packet.payload, { me: ids.gateway, registry: gateway.registry }))

describe("Merchant", () => {
  describe("CreateOrder", () => {
    it("step - should open a new order priced from the catalog and answer with its view", () => {
      const result = step(fresh(), receive(fromBrowser(createOrder(rid(1)))))
      coverage.expect(result, { entity: "order", id: ORD, from: "None", on: "CreateOrder", to: "Open" })
      const view = viewOf(result)
      expect(view).toMatchObject({ requestId: rid(1), orderId: ORD, status: "open", delivery: null, address: null, payment: null })
      expect(view.lines).toEqual(lines)
      expect(view.subtotal).toEqual(Money.money(SUBTOTAL_minor, "EUR"))
      expect(view.total).toEqual(Money.money(SUBTOTAL_minor, "EUR"))
      expect(result.state.orders.get(ORD)).toMatchObject({ state: "Open", sessionId: session, payments: [] })
      expect(toGateway(result)).toEqual([])
    })

    it("step - should answer a repeated CreateOrder with the same order and change nothing", () => {
      const before = opened()
      const result = step(before, receive(fromBrowser(createOrder(rid("c")))))
      expect(result.state).toBe(before)
      expect(transitionsIn(result)).toEqual([])
      expect(rejectionsIn(result)).toEqual([])
      expect(viewOf(result)).toMatchObject({ requestId: rid("c"), orderId: ORD, status: "open" })
    })

    it("step - should refuse the same request id with other lines with IdempotencyConflict and tell the browser", () => {
      const before = opened()
      const { reason, result } = refusedWith(before, createOrder(rid("c"), session, [new OrderLine({ sku: skus.kettle, quantity: 1 })]), "IdempotencyConflict")
      expect(reason).toContain("r-c")
      expect(rejectionsIn(result)[0]?.rejection).toMatchObject({ requestId: rid("c") })
      expect(before.orders.keys()).toEqual([ORD])
    })

    it("step - should open separate orders for the same request id in two sessions and for two request ids", () => {
      const twoSessions = feed(opened(), createOrder(rid("c"), otherSession))
      expect(twoSessions.orders.values().map((o) => [o.id, o.sessionId])).toEqual([
        [ORD, session],
        ["ord-2", otherSession]
      ])
      const twoRequests = step(opened(), receive(fromBrowser(createOrder(rid("c2")))))
      coverage.expect(twoRequests, { entity: "order", id: "ord-2", from: "None", on: "CreateOrder", to: "Open" })
    })

    it("step - should refuse an order with a product not in the catalog with InvalidRequest", () => {
      const before = opened()
      const { reason } = refusedWith(before, createOrder(rid("x"), session, [...lines, new OrderLine({ sku: Sku.make("sku-unicorn"), quantity: 1 })]), "InvalidRequest")
      expect(reason).toContain("sku-unicorn")
    })

    it("step - should refuse an order whose total could exceed the largest payment amount with InvalidRequest", () => {
      const base = opened()
      const before = { ...base, config: { ...base.config, catalog: { ...base.config.catalog, [skus.kettle]: Money.MAX_AMOUNT_MINOR / 10 } } }
      const { reason } = refusedWith(before, createOrder(rid("big"), session, [new OrderLine({ sku: skus.kettle, quantity: 11 })]), "InvalidRequest")
      expect(reason).toContain("largest amount")
    })

    it("step - should refuse a malformed session payload with DecodeError and send nothing", () => {
      const before = opened()
      const bad: ReadonlyArray<unknown> = [
        "garbage",
        null,
        { _tag: "CreateOrder", requestId: "r-1", sessionId: session, lines: [] },
        { ...encodeRequest(getOrder(rid(1))), extra: true },
        Schema.encodeSync(OrderView)(viewOf(step(before, receive(fromBrowser(getOrder(rid(1)))))))
      ]
      for (const payload of bad) {
        const result = step(before, receive({ from: ids.browser, to: ids.merchant, channel: "session", payload }))
        expectRejected(result, before, "DecodeError")
        expect(sent(result)).toEqual([])
      }
    })
  })

  describe("SelectDelivery and SetShippingAddress", () => {
    it("step - should keep an order Open when delivery is chosen before the address, and add the fee", () => {
      const result = step(opened(), receive(fromBrowser(selectDelivery(rid(2), "express"))))
      coverage.expect(result, { entity: "order", id: ORD, from: "Open", on: "SelectDelivery", to: "Open" })
      expect(viewOf(result)).toMatchObject({ requestId: rid(2), status: "open", delivery: "express", total: Money.money(SUBTOTAL_minor + 1_290, "EUR") })
    })

    it("step - should make an order Ready when delivery is chosen after the address", () => {
      const result = step(feed(opened(), setAddress(rid(1))), receive(fromBrowser(selectDelivery(rid(2)))))
      coverage.expect(result, { entity: "order", id: ORD, from: "Open", on: "SelectDelivery", to: "Ready" })
      expect(viewOf(result)).toMatchObject({ status: "ready", total: Money.money(TOTAL_minor, "EUR") })
    })

    it("step - should keep an order Open when the address is set before delivery", () => {
      const result = step(opened(), receive(fromBrowser(setAddress(rid(1)))))
      coverage.expect(result, { entity: "order", id: ORD, from: "Open", on: "SetShippingAddress", to: "Open" })
      expect(viewOf(result)).toMatchObject({ status: "open", address, delivery: null })
    })

    it("step - should make an order Ready when the address is set after delivery", () => {
      const result = step(feed(opened(), selectDelivery(rid(1))), receive(fromBrowser(setAddress(rid(2)))))
      coverage.expect(result, { entity: "order", id: ORD, from: "Open", on: "SetShippingAddress", to: "Ready" })
      expect(viewOf(result)).toMatchObject({ status: "ready", address, delivery: "standard" })
    })

    it("step - should keep a Ready order Ready on either update, repricing it", () => {
      const delivery = step(ready(), receive(fromBrowser(selectDelivery(rid(3), "express"))))
      coverage.expect(delivery, { entity: "order", id: ORD, from: "Ready", on: "SelectDelivery", to: "Ready" })
      expect(viewOf(delivery)).toMatchObject({ status: "ready", total: Money.money(SUBTOTAL_minor + 1_290, "EUR") })
      const addressed = step(ready(), receive(fromBrowser(setAddress(rid(3)))))
      coverage.expect(addressed, { entity: "order", id: ORD, from: "Ready", on: "SetShippingAddress", to: "Ready" })
      expect(viewOf(addressed)).toMatchObject({ status: "ready" })
    })

    it("step - should keep a Declined order Declined on either update", () => {
      const delivery = step(declined(), receive(fromBrowser(selectDelivery(rid(3), "express"))))
      coverage.expect(delivery, { entity: "order", id: ORD, from: "Declined", on: "SelectDelivery", to: "Declined" })
      expect(viewOf(delivery)).toMatchObject({ status: "declined", total: Money.money(SUBTOTAL_minor + 1_290, "EUR") })
      const addressed = step(declined(), receive(fromBrowser(setAddress(rid(3)))))
      coverage.expect(addressed, { entity: "order", id: ORD, from: "Declined", on: "SetShippingAddress", to: "Declined" })
      expect(viewOf(addressed)).toMatchObject({ status: "declined", payment: { paymentId: P1, status: "insufficient_funds" } })
    })

    it("step - should refuse updates while the order is Paying or Paid with OutOfOrder", () => {
      for (const before of [paying().state, paid()]) {
        const state = before.orders.get(ORD)?.state
        for (const body of [selectDelivery(rid(9), "express"), setAddress(rid(9))]) {
          const { result } = refusedWith(before, body, "OutOfOrder")
          expect(rejectionsIn(result)[0]?.rejection).toMatchObject({ state, input: body._tag })
        }
      }
    })

    it("step - should refuse every request on an order of another session as an unknown order, as if it did not exist", () => {
      const before = ready()
      const empty = fresh()
      const probes: ReadonlyArray<BrowserRequest> = [
        selectDelivery(rid(9), "express", otherSession),
        setAddress(rid(9), otherSession),
        payNow(rid(9), TOTAL_minor, otherSession),
        getOrder(rid(9), otherSession)
      ]
      for (const probe of probes) {
        const { reason, result } = refusedWith(before, probe, "UnknownReference")
        expect(reason).toBe("unknown order ord-1")
        // Byte for byte the answer to the same request on a merchant that has no order at all.
        const absent = step(empty, receive(fromBrowser(probe)))
        expect(sent(result)).toEqual(sent(absent))
        expect(result.outputs).toEqual(absent.outputs)
      }
    })

    it("step - should refuse an update of an order that does not exist with UnknownReference", () => {
      const before = opened()
      refusedWith(before, selectDelivery(rid(9), "standard", session, OrderId.make("ord-9")), "UnknownReference")
      refusedWith(before, setAddress(rid(9), session, OrderId.make("ord-9")), "UnknownReference")
    })
  })

  describe("PayNow", () => {
    it("step - should start one payment for a Ready order and send a signed AuthorizePayment to the gateway", () => {
      const result = step(ready(), receive(fromBrowser(payNow(rid("p")))))
      coverage.expect(result, { entity: "order", id: ORD, from: "Ready", on: "PayNow", to: "Paying" })
      coverage.expect(result, { entity: "payment", id: P1, from: "None", on: "PayNow", to: "Authorizing" })
      const [authorize, ...more] = toGateway(result)
      expect(more).toEqual([])
      expect(authorize).toMatchObject({ from: ids.merchant, to: ids.gateway, channel: "signed" })
      const { body, signer } = openAuthorize(authorize as Packet)
      expect(signer).toBe("merchant-1.k1")
      expect(body).toEqual(
        new AuthorizePayment({
          id: P1,
          from: ids.merchant,
          to: ids.gateway,
          orderId: ORD,
          amount: Money.money(TOTAL_minor, "EUR"),
          payer,
          payee: new Payee({ merchant: ids.merchant, name: "Teapot & Co" }),
          expiresAt_ms: (NOW_ms + Merchant.AUTHORIZATION_TTL_ms) as Timestamp_ms
        })
      )
      expect(viewOf(result)).toMatchObject({ requestId: rid("p"), status: "paying", payment: { paymentId: P1, status: "pending" } })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Authorizing", status: null })
      expect(result.state.outbox.keys()).toEqual([P1])
    })

    it("step - should refuse a total other than the order's with Mismatch", () => {
      const before = ready()
      const { result } = refusedWith(before, payNow(rid("p"), TOTAL_minor - 1), "Mismatch")
      expect(rejectionsIn(result)[0]?.rejection).toMatchObject({ id: ORD, field: "total" })
      refusedWith(before, new PayNow({ requestId: rid("q"), sessionId: session, orderId: ORD, total: Money.money(TOTAL_minor, "USD"), payer }), "Mismatch")
    })

    it("step - should refuse paying an Open order with OutOfOrder", () => {
      const before = feed(opened(), selectDelivery(rid(1)))
      const { result } = refusedWith(before, payNow(rid("p")), "OutOfOrder")
      expect(rejectionsIn(result)[0]?.rejection).toMatchObject({ state: "Open", input: "PayNow" })
    })

    it("step - should answer a double click, or a second request id, with the payment already under way", () => {
      const first = step(ready(), receive(fromBrowser(payNow(rid("p")))))
      expect(toGateway(first)).toHaveLength(1)
      const before = first.state
      for (const requestId of [rid("p"), rid("p-again"), rid("other-tab")]) {
        const result = step(before, receive(fromBrowser(payNow(requestId))))
        expect(result.state).toBe(before)
        expect(transitionsIn(result)).toEqual([])
        expect(toGateway(result)).toEqual([])
        expect(viewOf(result)).toMatchObject({ requestId, status: "paying", payment: { paymentId: P1, status: "pending" } })
      }
      expect(before.payments.keys()).toEqual([P1])
      expect(before.orders.get(ORD)?.payments).toEqual([P1])
    })

    it("step - should answer pay now on a Paid order with its view and start nothing", () => {
      const before = paid()
      const result = step(before, receive(fromBrowser(payNow(rid("late")))))
      expect(result.state).toBe(before)
      expect(toGateway(result)).toEqual([])
      expect(viewOf(result)).toMatchObject({ status: "paid", payment: { paymentId: P1, status: "approved" } })
    })

    it("step - should start a new payment .p2 when a Declined order is paid again", () => {
      const before = declined()
      const result = step(before, receive(fromBrowser(payNow(rid("retry"))), at(20_000)))
      coverage.expect(result, { entity: "order", id: ORD, from: "Declined", on: "PayNow", to: "Paying" })
      coverage.expect(result, { entity: "payment", id: P2, from: "None", on: "PayNow", to: "Authorizing" })
      const [authorize] = toGateway(result)
      expect(openAuthorize(authorize as Packet).body).toMatchObject({ id: P2, orderId: ORD, expiresAt_ms: at(20_000 + Merchant.AUTHORIZATION_TTL_ms) })
      expect(result.state.orders.get(ORD)?.payments).toEqual([P1, P2])
      expect(result.state.payments.get(P1)?.state).toBe("Declined")
      expect(viewOf(result)).toMatchObject({ status: "paying", payment: { paymentId: P2, status: "pending" } })
    })

    it("step - should start nothing on a late copy of the pay-now that started the declined attempt, and answer with the order's view", () => {
      const before = declined()
      const result = step(before, receive(fromBrowser(payNow(rid("p"))), at(20_000)))
      expect(result.state).toBe(before)
      expect(toGateway(result)).toEqual([])
      expect(viewOf(result)).toMatchObject({ status: "declined", payment: { paymentId: P1 } })
      expect(before.payments.get(P1)?.payNowRequestId).toBe(rid("p"))
    })

    it("step - should refuse to pay an order whose total is zero with InvalidRequest", () => {
      const base = ready()
      const before = { ...base, config: { ...base.config, catalog: { ...base.config.catalog, [skus.mug]: 0, [skus.tea]: 0 }, deliveryFees: { standard: 0, express: 0 } } }
      const { reason } = refusedWith(before, payNow(rid("zero"), 0), "InvalidRequest")
      expect(reason).toContain("nothing to pay")
    })

    it("step - should refuse a new payment when the outbox is full with InvalidRequest", () => {
      const base = ready()
      const entry = { packet: { from: ids.merchant, to: ids.gateway, channel: "signed" as const, payload: null }, attempts: 1, nextAttempt_ms: 0 }
      const before: MerchantState = { ...base, outbox: outboxOf(Array.from({ length: OUTBOX_LIMIT }, (_, i) => [`x${i}`, entry] as const)) }
      refusedWith(before, payNow(rid("p")), "InvalidRequest")
    })
  })

  describe("GetOrder", () => {
    it("step - should answer with the order's view and change nothing", () => {
      const before = paid()
      const result = step(before, receive(fromBrowser(getOrder(rid("g")))))
      expect(result.state).toBe(before)
      expect(viewOf(result)).toMatchObject({ requestId: rid("g"), status: "paid", delivery: "standard", address, total: Money.money(TOTAL_minor, "EUR") })
    })

    it("step - should refuse an unknown order with UnknownReference", () => {
      const before = paid()
      refusedWith(before, getOrder(rid("g"), session, OrderId.make("ord-2")), "UnknownReference")
    })
  })

  describe("AuthorizationResult", () => {
    it("step - should mark the payment Authorized and the order Paid on an approved result", () => {
      const result = withResult(paying().state, "approved")
      const on = "AuthorizationResult (approved)"
      coverage.expect(result, { entity: "payment", id: P1, from: "Authorizing", on, to: "Authorized" })
      coverage.expect(result, { entity: "order", id: ORD, from: "Paying", on, to: "Paid" })
      expect(transitionsIn(result)).toHaveLength(2)
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Authorized", status: "approved", holdExpiresAt_ms: HOLD_UNTIL_ms })
      expect(result.state.orders.get(ORD)?.state).toBe("Paid")
      expect(result.state.outbox.entries()).toEqual([])
      expect(sent(result)).toEqual([])
    })

    it("step - should mark the payment and the order Declined on a declined result", () => {
      const result = withResult(paying().state, "declined_by_shopper")
      const on = "AuthorizationResult (declined)"
      coverage.expect(result, { entity: "payment", id: P1, from: "Authorizing", on, to: "Declined" })
      coverage.expect(result, { entity: "order", id: ORD, from: "Paying", on, to: "Declined" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Declined", status: "declined_by_shopper", holdExpiresAt_ms: null })
      expect(result.state.outbox.entries()).toEqual([])
    })

    const refuses = (title: string, tag: Rejection["_tag"], forge: (state: MerchantState) => Packet, setup: () => MerchantState = () => paying().state) =>
      it(`step - should refuse ${title} with ${tag}`, () => {
        const before = setup()
        expectRejected(step(before, receive(forge(before), AUTHORIZED_ms)), before, tag)
      })

    refuses("a result signed with an unregistered key", "UnknownKey", () => seal(impostorOf(ids.gateway, "gateway-1.k2"), authorizationResult("approved")))
    refuses("a result signed by the issuer, whose key the merchant does not hold", "UnknownKey", () => seal(issuer, authorizationResult("approved", { from: ids.issuer })))
    refuses("a result signed by another key under the gateway's key id", "BadSignature", () => seal(impostorOf(ids.gateway), authorizationResult("approved")))
    refuses("a declined result turned approved after signing", "BadSignature", () =>
      mutateBody(seal(gateway, authorizationResult("insufficient_funds")), (body) => {
        body.status = "approved"
      })
    )
    refuses("a result whose amount was changed after signing", "BadSignature", () =>
      mutateBody(seal(gateway, authorizationResult("approved")), (body) => {
        body.amount.amount_minor = 1
      })
    )
    refuses("an approved result carrying the signature of another message", "BadSignature", () =>
      swapSignature(seal(gateway, authorizationResult("approved")), seal(gateway, authorizationResult("insufficient_funds")))
    )
    refuses(
      "a result signed by the issuer's key, even when the merchant holds that key",
      "WrongSigner",
      () => seal(issuer, authorizationResult("approved", { from: ids.issuer })),
      () => ({ ...paying().state, identity: identity(parties.merchant, [parties.gateway, parties.issuer]) })
    )
    refuses(
      "a result signed by the merchant's own key",
      "WrongSigner",
      () => seal(merchantSelf, authorizationResult("approved", { from: ids.merchant })),
      () => ({ ...paying().state, identity: identity(parties.merchant, [parties.gateway, parties.merchant]) })
    )
    refuses("a result signed by the gateway's key in the name of another party", "WrongSigner", () => seal(gateway, authorizationResult("approved", { from: ids.issuer })))
    refuses("a result addressed to another merchant", "WrongRecipient", () => seal(gateway, authorizationResult("approved", { to: PartyId.make("merchant-2") })))
    refuses("a result for a payment it never asked for", "UnknownReference", () => seal(gateway, authorizationResult("approved", { id: PaymentId.make("ord-1.p9") })))
    refuses("a result for another amount", "Mismatch", () => seal(gateway, authorizationResult("approved", { amount: Money.money(TOTAL_minor + 1, "EUR") })))
    refuses("a result in another currency", "Mismatch", () => seal(gateway, authorizationResult("approved", { amount: Money.money(TOTAL_minor, "USD") })))
    refuses("a result for another order", "Mismatch", () => seal(gateway, authorizationResult("approved", { orderId: OrderId.make("ord-2") })))
    refuses(
      "a result from a gateway other than the one the merchant asked",
      "Mismatch",
      () => seal(gateway, authorizationResult("approved")),
      () => ({ ...paying().state, config: { ...paying().state.config, gateway: PartyId.make("gateway-2") } })
    )
    refuses("an approval that names no hold expiry", "Mismatch", () => seal(gateway, authorizationResult("approved", { holdExpiresAt_ms: null })))
    refuses("a decline that names a hold expiry", "Mismatch", () => seal(gateway, authorizationResult("insufficient_funds", { holdExpiresAt_ms: HOLD_UNTIL_ms })))
    refuses("a duplicate of the result it already took", "OutOfOrder", () => seal(gateway, authorizationResult("approved")), paid)
    refuses("a late approval of a payment already declined", "OutOfOrder", () => seal(gateway, authorizationResult("approved")), declined)
    refuses("garbage on the signed channel", "DecodeError", (state) => ({ from: ids.gateway, to: state.identity.id, channel: "signed", payload: "garbage" }))
    refuses("an envelope with an extra field", "DecodeError", () => {
      const packet = seal(gateway, authorizationResult("approved"))
      return { ...packet, payload: { ...envelopeOf(packet), extra: 1 } }
    })
    refuses("a signed message type it does not accept", "DecodeError", () =>
      seal(
        gateway,
        new AuthorizePayment({
          id: P1,
          from: ids.gateway,
          to: ids.merchant,
          orderId: ORD,
          amount: Money.money(TOTAL_minor, "EUR"),
          payer,
          payee: new Payee({ merchant: ids.merchant, name: "Teapot & Co" }),
          expiresAt_ms: at(60_000)
        })
      )
    )

    it("step - should report the exact mismatching field", () => {
      const before = paying().state
      const amount = expectRejected(withResult(before, "approved", { amount: Money.money(1, "EUR") }), before, "Mismatch")
      expect(amount.rejection).toMatchObject({ id: P1, field: "amount" })
      const order = expectRejected(withResult(before, "approved", { orderId: OrderId.make("ord-2") }), before, "Mismatch")
      expect(order.rejection).toMatchObject({ id: P1, field: "orderId" })
    })
  })

  describe("Tick", () => {
    it("step - should resend the AuthorizePayment byte for byte once RETRY_BASE_ms has passed, backing off", () => {
      const { state, authorize } = paying()
      const early = step(state, tick((NOW_ms + RETRY_BASE_ms - 1) as Timestamp_ms))
      expectUnchanged(early, state)
      const first = step(state, tick((NOW_ms + RETRY_BASE_ms) as Timestamp_ms))
      expectSent(first, [authorize])
      expect(transitionsIn(first)).toEqual([])
      const second_ms = NOW_ms + RETRY_BASE_ms + 2 * RETRY_BASE_ms
      expect(step(first.state, tick((second_ms - 1) as Timestamp_ms)).outputs).toEqual([])
      expect(sent(step(first.state, tick(second_ms as Timestamp_ms)))).toEqual([authorize])
    })

    it("step - should not resend a request whose result arrived", () => {
      for (const state of [paid(), declined()]) {
        const result = step(state, tick(at(1_000_000)))
        expectUnchanged(result, state)
      }
    })
  })

  describe("restart", () => {
    it("restart - should keep every order and payment and make the unanswered request due at once", () => {
      const { state, authorize } = paying()
      const restarted = Merchant.restart(state)
      expect(restarted.orders).toBe(state.orders)
      expect(restarted.payments).toBe(state.payments)
      expect(sent(step(restarted, tick(NOW_ms)))).toEqual([authorize])
    })

    it("restart - should resend nothing that was acknowledged", () => {
      const restarted = Merchant.restart(paid())
      expect(step(restarted, tick(NOW_ms)).outputs).toEqual([])
    })
  })

  describe("transitions", () => {
    it("transitions - should all have been exercised by the tests above, but for the operations' (MerchantOperations.test.ts)", () => {
      expect(coverage.unasserted()).toEqual([])
    })
  })
})
