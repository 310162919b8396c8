/**
 * The browser machine, one input at a time: every shopper action on every screen (and refused on
 * every other), the merchant's answers (and stale, foreign or garbled ones refused), refusals,
 * retries, polling while paying, and a refresh. Every transition of `Browser.transitions` is
 * asserted, and the last test checks that the file covered the table.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ids, session } from "../../src/drivers/Topology.js"
import { PartyId, type RequestId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import {
  BrowserRequest,
  CreateOrder,
  GetOrder,
  MAX_ORDER_LINES,
  MerchantResponse,
  OrderLine,
  OrderView,
  PaymentView,
  PayNow,
  RequestRefused,
  SelectDelivery,
  SetShippingAddress,
  type OrderStatus
} from "../../src/messages/BrowserMerchant.js"
import * as Browser from "../../src/parties/Browser.js"
import type { BrowserInput, BrowserState, Screen, ShopperAction } from "../../src/parties/Browser.js"
import { at, Coverage, expectRejected, expectSent, expectUnchanged, receive as receiveAt, run, sent, sentOne, standardState, tick, transitionsIn } from "../support/fixtures.js"
import { address, lines, mug, NOW_ms, ORD, P1, payer, SUBTOTAL_minor, tea, TOTAL_minor } from "../support/checkoutScenarios.js"

const coverage = new Coverage(ids.browser, Browser.transitions)
const step = (state: BrowserState, input: BrowserInput): Step<BrowserState> => coverage.observe(run(Browser.step(state, input)))

const decodeRequest = Schema.decodeUnknownSync(BrowserRequest)
const encodeResponse = Schema.encodeSync(MerchantResponse)

const PAYMENT_OF: Readonly<Record<OrderStatus, PaymentView | null>> = {
  open: null,
  ready: null,
  paying: new PaymentView({ paymentId: P1, status: "pending" }),
  paid: new PaymentView({ paymentId: P1, status: "approved" }),
  declined: new PaymentView({ paymentId: P1, status: "declined_by_shopper" })
}

/** The merchant's view of ord-1 in `status`, answering `requestId`. */
const viewFor = (requestId: RequestId, status: OrderStatus): OrderView =>
  new OrderView({
    requestId,
    orderId: ORD,
    lines,
    subtotal: Money.money(SUBTOTAL_minor, "EUR"),
    delivery: status === "open" ? null : "standard",
    address: status === "open" ? null : address,
    total: Money.money(status === "open" ? SUBTOTAL_minor : TOTAL_minor, "EUR"),
    status,
    payment: PAYMENT_OF[status]
  })

const fromMerchant = (body: MerchantResponse, from: PartyId = ids.merchant): Packet => ({ from, to: ids.browser, channel: "session", payload: encodeResponse(body) })
/** The Receive of `packet`, at NOW_ms unless a test says otherwise. */
const receive = (packet: Packet, now_ms: number = NOW_ms): BrowserInput => receiveAt(packet, now_ms)

const inFlightId = (state: BrowserState): RequestId => {
  if (state.inFlight === null) throw new Error("no request in flight")
  return state.inFlight.requestId
}
/** The merchant answers the request in flight with ord-1 in `status`. */
const answer = (state: BrowserState, status: OrderStatus, now_ms: Timestamp_ms = NOW_ms): Step<BrowserState> =>
  step(state, receive(fromMerchant(viewFor(inFlightId(state), status)), now_ms))
const refuse = (state: BrowserState, reason = "the shop is closed"): Step<BrowserState> =>
  step(state, receive(fromMerchant(new RequestRefused({ requestId: inFlightId(state), reason }))))

const act = (state: BrowserState, action: ShopperAction): Step<BrowserState> => step(state, action)
const addToCart = (line: OrderLine = mug): ShopperAction => ({ _tag: "AddToCart", now_ms: NOW_ms, line })
const confirmOrder: ShopperAction = { _tag: "ConfirmOrder", now_ms: NOW_ms }
const openOrder: ShopperAction = { _tag: "OpenOrder", now_ms: NOW_ms, orderId: ORD }
const chooseDelivery: ShopperAction = { _tag: "ChooseDelivery", now_ms: NOW_ms, option: "standard" }
const enterAddress: ShopperAction = { _tag: "EnterAddress", now_ms: NOW_ms, address }
const clickPayNow: ShopperAction = { _tag: "ClickPayNow", now_ms: NOW_ms, payer }
const ACTIONS: ReadonlyArray<ShopperAction> = [addToCart(), confirmOrder, openOrder, chooseDelivery, enterAddress, clickPayNow]
const ALLOWED: Readonly<Record<ShopperAction["_tag"], ReadonlyArray<Screen>>> = {
  AddToCart: ["Shopping"],
  ConfirmOrder: ["Shopping"],
  OpenOrder: ["Shopping"],
  ChooseDelivery: ["Checkout", "ReadyToPay"],
  EnterAddress: ["Checkout", "ReadyToPay"],
  ClickPayNow: ["ReadyToPay", "Declined"]
}

/** The one request a step sends, decoded. */
const requestOf = (result: Step<BrowserState>): BrowserRequest => {
  const packet = sentOne(result)
  expect(packet).toMatchObject({ from: ids.browser, to: ids.merchant, channel: "session" })
  return decodeRequest(packet.payload)
}

const fresh = (): BrowserState => standardState<BrowserState>(ids.browser)
const withCart = (): BrowserState => act(act(fresh(), addToCart(mug)).state, addToCart(tea)).state
const confirming = (): BrowserState => act(withCart(), confirmOrder).state
const loading = (state: BrowserState = fresh()): BrowserState => act(state, openOrder).state
/** On `screen`, idle, with ord-1's view in the matching status. */
const idleOn = (status: OrderStatus): BrowserState => answer(loading(), status).state
const checkout = (): BrowserState => answer(confirming(), "open").state
const readyToPay = (): BrowserState => idleOn("ready")
/** Paying, with the PayNow in flight. */
const payingInFlight = (): BrowserState => act(readyToPay(), clickPayNow).state
/** Paying, idle: the merchant answered the PayNow at NOW_ms. */
const payingIdle = (): BrowserState => answer(payingInFlight(), "paying").state

const SCREENS: ReadonlyArray<readonly [Screen, () => BrowserState]> = [
  ["Shopping", withCart],
  ["Confirming", confirming],
  ["Loading", () => loading()],
  ["Checkout", checkout],
  ["ReadyToPay", readyToPay],
  ["Paying", payingIdle],
  ["Approved", () => idleOn("paid")],
  ["Declined", () => idleOn("declined")]
]

describe("Browser", () => {
  describe("AddToCart", () => {
    it("step - should put a line in the cart and stay Shopping, sending nothing", () => {
      const before = fresh()
      const result = act(before, addToCart(mug))
      coverage.expect(result, { entity: "checkout", id: session, from: "Shopping", on: "AddToCart", to: "Shopping" })
      expect(result.state.cart).toEqual([mug])
      expect(sent(result)).toEqual([])
    })

    it("step - should refuse a line beyond MAX_ORDER_LINES with OutOfOrder", () => {
      let before = fresh()
      for (let i = 0; i < MAX_ORDER_LINES; i++) before = act(before, addToCart()).state
      expect(before.cart).toHaveLength(MAX_ORDER_LINES)
      const rejected = expectRejected(act(before, addToCart()), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ entity: "cart", state: "full" })
    })
  })

  describe("ConfirmOrder", () => {
    it("step - should send CreateOrder with the cart and wait on Confirming", () => {
      const before = withCart()
      const result = act(before, confirmOrder)
      coverage.expect(result, { entity: "checkout", id: session, from: "Shopping", on: "ConfirmOrder", to: "Confirming" })
      const request = requestOf(result)
      expect(request).toEqual(new CreateOrder({ requestId: "r1.1" as RequestId, sessionId: session, lines }))
      expect(result.state.inFlight?.requestId).toBe("r1.1")
    })

    it("step - should refuse to confirm an empty cart with OutOfOrder", () => {
      const before = fresh()
      const rejected = expectRejected(act(before, confirmOrder), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ entity: "cart", state: "empty" })
    })
  })

  describe("OpenOrder", () => {
    it("step - should ask for the order with GetOrder and wait on Loading", () => {
      const result = act(fresh(), openOrder)
      coverage.expect(result, { entity: "checkout", id: session, from: "Shopping", on: "OpenOrder", to: "Loading" })
      expect(requestOf(result)).toEqual(new GetOrder({ requestId: "r1.1" as RequestId, sessionId: session, orderId: ORD }))
    })
  })

  describe("ChooseDelivery and EnterAddress", () => {
    for (const [screen, setup] of [
      ["Checkout", checkout],
      ["ReadyToPay", readyToPay]
    ] as const) {
      it(`step - should send SelectDelivery for the order and stay on ${screen}`, () => {
        const result = act(setup(), { _tag: "ChooseDelivery", now_ms: NOW_ms, option: "express" })
        coverage.expect(result, { entity: "checkout", id: session, from: screen, on: "ChooseDelivery", to: screen })
        expect(requestOf(result)).toMatchObject(new SelectDelivery({ requestId: inFlightId(result.state), sessionId: session, orderId: ORD, option: "express" }))
      })

      it(`step - should send SetShippingAddress for the order and stay on ${screen}`, () => {
        const result = act(setup(), enterAddress)
        coverage.expect(result, { entity: "checkout", id: session, from: screen, on: "EnterAddress", to: screen })
        expect(requestOf(result)).toEqual(new SetShippingAddress({ requestId: inFlightId(result.state), sessionId: session, orderId: ORD, address }))
      })
    }

    it("step - should refuse a second update while the first is in flight with OutOfOrder", () => {
      const before = act(checkout(), chooseDelivery).state
      for (const action of [enterAddress, chooseDelivery]) {
        const rejected = expectRejected(act(before, action), before, "OutOfOrder")
        expect(rejected.rejection).toMatchObject({ entity: "checkout", state: "Checkout (waiting)", input: action._tag })
      }
    })
  })

  describe("ClickPayNow", () => {
    it("step - should send PayNow with the total the shopper saw and move to Paying", () => {
      const result = act(readyToPay(), clickPayNow)
      coverage.expect(result, { entity: "checkout", id: session, from: "ReadyToPay", on: "ClickPayNow", to: "Paying" })
      expect(requestOf(result)).toEqual(
        new PayNow({ requestId: inFlightId(result.state), sessionId: session, orderId: ORD, total: Money.money(TOTAL_minor, "EUR"), payer })
      )
    })

    it("step - should let the shopper pay again after a decline", () => {
      const result = act(idleOn("declined"), clickPayNow)
      coverage.expect(result, { entity: "checkout", id: session, from: "Declined", on: "ClickPayNow", to: "Paying" })
      expect(requestOf(result)).toMatchObject({ _tag: "PayNow", orderId: ORD })
    })

    it("step - should refuse a double click while its PayNow is in flight with OutOfOrder", () => {
      const before = payingInFlight()
      const rejected = expectRejected(act(before, clickPayNow), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ state: "Paying (waiting)", input: "ClickPayNow" })
      expect(rejected.input).toBe("ClickPayNow")
    })
  })

  describe("actions on the wrong screen", () => {
    for (const [screen, setup] of SCREENS) {
      for (const action of ACTIONS.filter((a) => !ALLOWED[a._tag].includes(screen))) {
        it(`step - should refuse ${action._tag} on ${screen} with OutOfOrder`, () => {
          const before = setup()
          expect(before.screen).toBe(screen)
          const rejected = expectRejected(act(before, action), before, "OutOfOrder")
          expect(rejected.rejection).toMatchObject({ entity: "checkout", input: action._tag })
          expect((rejected.rejection as { state: string }).state.startsWith(screen)).toBe(true)
        })
      }
    }
  })

  describe("OrderView", () => {
    it("step - should show the new order on Checkout after Confirming and empty the cart", () => {
      const before = confirming()
      const result = answer(before, "open")
      coverage.expect(result, { entity: "checkout", id: session, from: "Confirming", on: "OrderView (open)", to: "Checkout" })
      expect(result.state).toMatchObject({ screen: "Checkout", cart: [], inFlight: null, order: viewFor(inFlightId(before), "open") })
      expect(sent(result)).toEqual([])
    })

    const LOADED: ReadonlyArray<readonly [OrderStatus, Screen]> = [
      ["open", "Checkout"],
      ["ready", "ReadyToPay"],
      ["paying", "Paying"],
      ["paid", "Approved"],
      ["declined", "Declined"]
    ]
    for (const [status, screen] of LOADED) {
      it(`step - should reach ${screen} after a refresh when OpenOrder finds the order ${status}`, () => {
        const refreshed = Browser.restart(payingInFlight())
        const result = answer(act(refreshed, openOrder).state, status)
        coverage.expect(result, { entity: "checkout", id: session, from: "Loading", on: `OrderView (${status})`, to: screen })
        expect(result.state.screen).toBe(screen)
        expect(result.state.order?.status).toBe(status)
      })
    }

    for (const status of ["open", "ready"] as const) {
      it(`step - should move from Checkout to ${status === "open" ? "Checkout" : "ReadyToPay"} on an update answered ${status}`, () => {
        const result = answer(act(checkout(), chooseDelivery).state, status)
        coverage.expect(result, { entity: "checkout", id: session, from: "Checkout", on: `OrderView (${status})`, to: status === "open" ? "Checkout" : "ReadyToPay" })
      })
    }

    for (const [status, screen] of [
      ["ready", "ReadyToPay"],
      ["paying", "Paying"],
      ["paid", "Approved"]
    ] as const) {
      it(`step - should move from ReadyToPay to ${screen} on an update answered ${status}`, () => {
        const result = answer(act(readyToPay(), enterAddress).state, status)
        coverage.expect(result, { entity: "checkout", id: session, from: "ReadyToPay", on: `OrderView (${status})`, to: screen })
      })
    }

    for (const [status, screen] of [
      ["paying", "Paying"],
      ["paid", "Approved"],
      ["declined", "Declined"]
    ] as const) {
      it(`step - should move from Paying to ${screen} when the payment is ${status}`, () => {
        const result = answer(payingInFlight(), status)
        coverage.expect(result, { entity: "checkout", id: session, from: "Paying", on: `OrderView (${status})`, to: screen })
        expect(result.state.inFlight).toBeNull()
      })
    }

    const WAITING: ReadonlyArray<readonly [string, () => BrowserState]> = [
      ["Confirming", () => confirming()],
      ["Loading", () => act(Browser.restart(payingInFlight()), openOrder).state],
      ["Checkout", () => act(checkout(), chooseDelivery).state],
      ["ReadyToPay", () => act(readyToPay(), enterAddress).state],
      ["Paying", () => payingInFlight()]
    ]
    for (const [from, waiting] of WAITING) {
      for (const [status, screen] of LOADED) {
        it(`step - should follow the order from ${from} to ${screen} when the answer says ${status}, whatever changed it behind the page`, () => {
          const result = answer(waiting(), status)
          coverage.expect(result, { entity: "checkout", id: session, from, on: `OrderView (${status})`, to: screen })
          expect(result.state.order?.status).toBe(status)
        })
      }
    }

    it("step - should refuse an answer to a request that is no longer in flight with UnknownReference", () => {
      const first = act(checkout(), chooseDelivery)
      const staleId = inFlightId(first.state)
      const answered = answer(first.state, "open").state
      const before = act(answered, enterAddress).state
      const rejected = expectRejected(step(before, receive(fromMerchant(viewFor(staleId, "paid")))), before, "UnknownReference")
      expect(rejected.rejection).toMatchObject({ kind: "request", id: staleId })
      expect(rejected.input).toBe("Receive")
    })

    it("step - should refuse any answer when nothing is in flight with UnknownReference", () => {
      const before = idleOn("ready")
      expectRejected(step(before, receive(fromMerchant(viewFor(before.order?.requestId ?? ("x" as RequestId), "paid")))), before, "UnknownReference")
    })

    it("step - should refuse an answer from another party than its merchant with UnknownReference", () => {
      const before = payingInFlight()
      const forged = fromMerchant(viewFor(inFlightId(before), "paid"), PartyId.make("merchant-evil"))
      expectRejected(step(before, receive(forged)), before, "UnknownReference")
    })

    it("step - should refuse garbage and non-responses with DecodeError", () => {
      const before = payingInFlight()
      const good = fromMerchant(viewFor(inFlightId(before), "paid"))
      const payloads: ReadonlyArray<unknown> = [
        "garbage",
        42,
        { ...(good.payload as object), extra: 1 },
        { ...(good.payload as object), status: "refunded" },
        Schema.encodeSync(BrowserRequest)(new GetOrder({ requestId: inFlightId(before), sessionId: session, orderId: ORD }))
      ]
      for (const payload of payloads) expectRejected(step(before, receive({ ...good, payload })), before, "DecodeError")
    })
  })

  describe("RequestRefused", () => {
    it("step - should go back from Confirming to Shopping with the reason, keeping the cart", () => {
      const result = refuse(confirming(), "unknown product sku-mug")
      coverage.expect(result, { entity: "checkout", id: session, from: "Confirming", on: "RequestRefused", to: "Shopping" })
      expect(result.state).toMatchObject({ screen: "Shopping", notice: "unknown product sku-mug", inFlight: null, cart: lines, order: null })
    })

    it("step - should go back from Loading to Shopping with the reason", () => {
      const result = refuse(loading(), "unknown order ord-1")
      coverage.expect(result, { entity: "checkout", id: session, from: "Loading", on: "RequestRefused", to: "Shopping" })
      expect(result.state).toMatchObject({ screen: "Shopping", notice: "unknown order ord-1", inFlight: null })
    })

    const STAYS: ReadonlyArray<readonly [Screen, string, () => BrowserState]> = [
      ["Checkout", "an update", () => act(checkout(), chooseDelivery).state],
      ["ReadyToPay", "an update", () => act(readyToPay(), enterAddress).state],
      ["Paying", "a poll", () => step(payingIdle(), tick((NOW_ms + Browser.POLL_INTERVAL_ms) as Timestamp_ms)).state]
    ]
    for (const [screen, what, setup] of STAYS) {
      it(`step - should stay on ${screen} with the reason when ${what} is refused`, () => {
        const before = setup()
        expect(before.inFlight).not.toBeNull()
        const result = refuse(before, "no")
        expect(result.outputs).toEqual([])
        expect(result.state).toMatchObject({ screen, notice: "no", inFlight: null, order: before.order })
      })
    }

    it("step - should go back from Paying to ReadyToPay when the PayNow is refused, and not poll", () => {
      const result = refuse(payingInFlight(), "invalid request: too many payments in flight, try again later")
      coverage.expect(result, { entity: "checkout", id: session, from: "Paying", on: "RequestRefused", to: "ReadyToPay" })
      expect(result.state).toMatchObject({ screen: "ReadyToPay", inFlight: null })
      expect(step(result.state, tick(at(60_000))).outputs).toEqual([])
    })

    it("step - should go back from Paying to Declined when the retry of a declined payment is refused", () => {
      const result = refuse(act(idleOn("declined"), clickPayNow).state, "no")
      coverage.expect(result, { entity: "checkout", id: session, from: "Paying", on: "RequestRefused", to: "Declined" })
      expect(result.state.screen).toBe("Declined")
    })

    it("step - should clear the notice with the next request", () => {
      const refused = refuse(confirming(), "no").state
      expect(refused.notice).toBe("no")
      expect(act(refused, confirmOrder).state.notice).toBeNull()
    })
  })

  describe("Tick", () => {
    it("step - should resend the request in flight, same packet and id, every RETRY_BASE_ms until answered", () => {
      const asked = act(checkout(), chooseDelivery)
      const [packet] = sent(asked) as [Packet]
      const early = step(asked.state, tick((NOW_ms + RETRY_BASE_ms - 1) as Timestamp_ms))
      expectUnchanged(early, asked.state)
      const retried = step(asked.state, tick((NOW_ms + RETRY_BASE_ms) as Timestamp_ms))
      expectSent(retried, [packet])
      expect(retried.state.inFlight?.requestId).toBe(asked.state.inFlight?.requestId)
      const again = step(retried.state, tick((NOW_ms + 2 * RETRY_BASE_ms) as Timestamp_ms))
      expect(sent(again)).toEqual([packet])
      const answered = answer(again.state, "open").state
      expect(step(answered, tick(at(60_000))).outputs).toEqual([])
    })

    it("step - should poll GetOrder every POLL_INTERVAL_ms while Paying", () => {
      const before = payingIdle()
      expect(before.nextPoll_ms).toBe(NOW_ms + Browser.POLL_INTERVAL_ms)
      const early = step(before, tick((NOW_ms + Browser.POLL_INTERVAL_ms - 1) as Timestamp_ms))
      expectUnchanged(early, before)
      const poll_ms = (NOW_ms + Browser.POLL_INTERVAL_ms) as Timestamp_ms
      const poll = step(before, tick(poll_ms))
      const request = requestOf(poll)
      expect(request).toEqual(new GetOrder({ requestId: inFlightId(poll.state), sessionId: session, orderId: ORD }))
      expect(request.requestId).not.toBe(before.order?.requestId)
      expect(transitionsIn(poll)).toEqual([])
      // While the poll is unanswered, ticks retry it rather than start another.
      const retry = step(poll.state, tick((poll_ms + RETRY_BASE_ms) as Timestamp_ms))
      expect(requestOf(retry).requestId).toBe(request.requestId)
      const stillPaying = answer(retry.state, "paying", (poll_ms + RETRY_BASE_ms) as Timestamp_ms)
      coverage.expect(stillPaying, { entity: "checkout", id: session, from: "Paying", on: "OrderView (paying)", to: "Paying" })
      const next_ms = poll_ms + RETRY_BASE_ms + Browser.POLL_INTERVAL_ms
      expect(step(stillPaying.state, tick((next_ms - 1) as Timestamp_ms)).outputs).toEqual([])
      const nextPoll = step(stillPaying.state, tick(next_ms as Timestamp_ms))
      expect(requestOf(nextPoll)._tag).toBe("GetOrder")
      expect(inFlightId(nextPoll.state)).not.toBe(request.requestId)
    })

    it("step - should not poll on any other screen", () => {
      for (const [screen, setup] of SCREENS.filter(([s]) => s !== "Paying" && s !== "Confirming" && s !== "Loading")) {
        const before = setup()
        const result = step(before, tick(at(3_600_000)))
        expect(result.state, screen).toBe(before)
        expect(result.outputs).toEqual([])
      }
    })
  })

  describe("restart", () => {
    it("restart - should lose everything but the session and count the page load", () => {
      const before = payingInFlight()
      const refreshed = Browser.restart(before)
      expect(refreshed).toEqual(Browser.initial(ids.browser, ids.merchant, session, before.loads + 1))
      expect(refreshed).toMatchObject({ screen: "Shopping", cart: [], order: null, inFlight: null, loads: 2, sessionId: session })
    })

    it("restart - should never reuse a request id from before the refresh", () => {
      const before = payingInFlight()
      const oldIds = new Set<string>([before.order?.requestId ?? "", inFlightId(before)])
      const refreshed = act(Browser.restart(before), openOrder).state
      expect(inFlightId(refreshed)).toBe("r2.1")
      expect(oldIds.has(inFlightId(refreshed))).toBe(false)
      const twice = act(Browser.restart(Browser.restart(before)), openOrder).state
      expect(inFlightId(twice)).toBe("r3.1")
    })

    it("restart - should refuse the answer to a request sent before the refresh with UnknownReference", () => {
      const old = payingInFlight()
      const lateAnswer = fromMerchant(viewFor(inFlightId(old), "paid"))
      const before = act(Browser.restart(old), openOrder).state
      expectRejected(step(before, receive(lateAnswer)), before, "UnknownReference")
    })
  })

  describe("transitions", () => {
    it("transitions - should all have been exercised by the tests above", () => {
      expect(coverage.unasserted()).toEqual([])
    })
  })
})
