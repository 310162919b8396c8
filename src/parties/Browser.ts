/**
 * The shopper's browser: the checkout pages of the merchant's site.
 *
 * It keeps nothing durable but its session cookie and a page-load counter (what `sessionStorage`
 * would hold): a refresh loses the cart, the order on screen and any request in flight. It sends
 * one request at a time to the merchant, retries it until answered, and while a payment is under
 * way polls the order until it is paid or declined. It shows "approved" only when the merchant
 * says the order is paid.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { RequestId, type OrderId, type PartyId, type SessionId, type Timestamp_ms } from "../domain/Ids.js"
import { DecodeError, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import {
  BrowserRequest,
  CreateOrder,
  GetOrder,
  MAX_ORDER_LINES,
  MerchantResponse,
  OrderLine,
  PayNow,
  SelectDelivery,
  SetShippingAddress,
  type DeliveryOption,
  type OrderStatus,
  type OrderView,
  type ShippingAddress
} from "../messages/BrowserMerchant.js"
import type { Payer } from "../messages/Common.js"
import { guard, send, transitioned, unchanged, type Machine, type Packet, type Receive, type Step, type Tick, type Transition } from "../machine/Machine.js"
import { RETRY_BASE_ms } from "../machine/Outbox.js"

/** How often the browser asks for the order while its payment is under way. @since 0.1.0 */
export const POLL_INTERVAL_ms = 2_000

/** The page the shopper sees. @since 0.1.0 */
export type Screen = "Shopping" | "Confirming" | "Loading" | "Checkout" | "ReadyToPay" | "Paying" | "Approved" | "Declined"

/** The one request a browser has in flight. @category models @since 0.1.0 */
export interface InFlight {
  readonly requestId: RequestId
  readonly packet: Packet
  readonly nextAttempt_ms: number
}

/** The browser's state. Only `sessionId` and `loads` survive a refresh. @category models @since 0.1.0 */
export interface BrowserState {
  readonly me: PartyId
  readonly merchant: PartyId
  readonly sessionId: SessionId
  readonly loads: number
  readonly sent: number
  readonly screen: Screen
  readonly cart: ReadonlyArray<OrderLine>
  readonly order: OrderView | null
  readonly inFlight: InFlight | null
  readonly nextPoll_ms: number
  /** Why the merchant refused the last request, if it did. */
  readonly notice: string | null
}

/** The shopper puts a product in the cart. @category inputs @since 0.1.0 */
export interface AddToCart {
  readonly _tag: "AddToCart"
  readonly now_ms: Timestamp_ms
  readonly line: OrderLine
}
/** The shopper confirms the cart as an order. @category inputs @since 0.1.0 */
export interface ConfirmOrder {
  readonly _tag: "ConfirmOrder"
  readonly now_ms: Timestamp_ms
}
/** The shopper picks a delivery option. @category inputs @since 0.1.0 */
export interface ChooseDelivery {
  readonly _tag: "ChooseDelivery"
  readonly now_ms: Timestamp_ms
  readonly option: DeliveryOption
}
/** The shopper enters the shipping address. @category inputs @since 0.1.0 */
export interface EnterAddress {
  readonly _tag: "EnterAddress"
  readonly now_ms: Timestamp_ms
  readonly address: ShippingAddress
}
/** The shopper clicks "pay now" with their bank account. @category inputs @since 0.1.0 */
export interface ClickPayNow {
  readonly _tag: "ClickPayNow"
  readonly now_ms: Timestamp_ms
  readonly payer: Payer
}
/** After a refresh, the shopper opens their order again (from its confirmation link). @category inputs @since 0.1.0 */
export interface OpenOrder {
  readonly _tag: "OpenOrder"
  readonly now_ms: Timestamp_ms
  readonly orderId: OrderId
}

/** Everything the shopper can do. @since 0.1.0 */
export type ShopperAction = AddToCart | ConfirmOrder | ChooseDelivery | EnterAddress | ClickPayNow | OpenOrder

/** The browser's inputs. @category inputs @since 0.1.0 */
export type BrowserInput = Receive | Tick | ShopperAction

/** A fresh browser on the merchant's shop, with an empty cart. @since 0.1.0 */
export const initial = (me: PartyId, merchant: PartyId, sessionId: SessionId, loads = 1): BrowserState => ({
  me,
  merchant,
  sessionId,
  loads,
  sent: 0,
  screen: "Shopping",
  cart: [],
  order: null,
  inFlight: null,
  nextPoll_ms: 0,
  notice: null
})

const SCREEN_OF: Readonly<Record<OrderStatus, Screen>> = {
  open: "Checkout",
  ready: "ReadyToPay",
  paying: "Paying",
  paid: "Approved",
  declined: "Declined"
}

const ORDER_STATUSES: ReadonlyArray<OrderStatus> = ["open", "ready", "paying", "paid", "declined"]

const onView = (from: Screen, statuses: ReadonlyArray<OrderStatus>): ReadonlyArray<Transition> =>
  statuses.map((status) => ({ entity: "checkout", from, on: `OrderView (${status})`, to: SCREEN_OF[status] }))

/** The browser's transitions, as data. @since 0.1.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "checkout", from: "Shopping", on: "AddToCart", to: "Shopping" },
  { entity: "checkout", from: "Shopping", on: "ConfirmOrder", to: "Confirming" },
  { entity: "checkout", from: "Shopping", on: "OpenOrder", to: "Loading" },
  { entity: "checkout", from: "Checkout", on: "ChooseDelivery", to: "Checkout" },
  { entity: "checkout", from: "Checkout", on: "EnterAddress", to: "Checkout" },
  { entity: "checkout", from: "ReadyToPay", on: "ChooseDelivery", to: "ReadyToPay" },
  { entity: "checkout", from: "ReadyToPay", on: "EnterAddress", to: "ReadyToPay" },
  { entity: "checkout", from: "ReadyToPay", on: "ClickPayNow", to: "Paying" },
  { entity: "checkout", from: "Declined", on: "ClickPayNow", to: "Paying" },
  { entity: "checkout", from: "Confirming", on: "RequestRefused", to: "Shopping" },
  { entity: "checkout", from: "Loading", on: "RequestRefused", to: "Shopping" },
  { entity: "checkout", from: "Paying", on: "RequestRefused", to: "ReadyToPay" },
  { entity: "checkout", from: "Paying", on: "RequestRefused", to: "Declined" },
  // The order can change behind this page (another tab paid it, or a payment was declined), so
  // an answer about the order may carry any status and the page follows it.
  ...(["Confirming", "Loading", "Checkout", "ReadyToPay", "Paying"] as const).flatMap((screen) => onView(screen, ORDER_STATUSES))
]

const decodeResponse = Schema.decodeUnknownExit(MerchantResponse, { onExcessProperty: "error" })
const encodeRequest = Schema.encodeSync(BrowserRequest)

/** Sends a new request, making it the one in flight. */
const request = (
  state: BrowserState,
  now_ms: Timestamp_ms,
  make: (ids: { readonly requestId: RequestId; readonly sessionId: SessionId }) => BrowserRequest
): { readonly state: BrowserState; readonly packet: Packet } => {
  const requestId = RequestId.make(`r${state.loads}.${state.sent + 1}`)
  const body = make({ requestId, sessionId: state.sessionId })
  const packet: Packet = { from: state.me, to: state.merchant, channel: "session", payload: encodeRequest(body) }
  return { state: { ...state, sent: state.sent + 1, inFlight: { requestId, packet, nextAttempt_ms: now_ms + RETRY_BASE_ms }, notice: null }, packet }
}

const requireIdle = (state: BrowserState, input: string, screens: ReadonlyArray<Screen>): Effect.Effect<void, Rejection> =>
  state.inFlight === null && screens.includes(state.screen)
    ? Effect.void
    : Effect.fail(new OutOfOrder({ entity: "checkout", state: state.inFlight === null ? state.screen : `${state.screen} (waiting)`, input }))

const move = (state: BrowserState, on: string, to: Screen, sent: { readonly state: BrowserState; readonly packet: Packet }): Step<BrowserState> => ({
  state: { ...sent.state, screen: to },
  outputs: [transitioned({ party: state.me, entity: "checkout", id: state.sessionId, from: state.screen, on, to }), send(sent.packet)]
})

const onAction = (state: BrowserState, input: ShopperAction): Effect.Effect<Step<BrowserState>, Rejection> =>
  Effect.gen(function* () {
    const orderId = state.order?.orderId
    switch (input._tag) {
      case "AddToCart": {
        yield* requireIdle(state, input._tag, ["Shopping"])
        if (state.cart.length >= MAX_ORDER_LINES) return yield* new OutOfOrder({ entity: "cart", state: "full", input: input._tag })
        const cart = [...state.cart, input.line]
        return {
          state: { ...state, cart },
          outputs: [transitioned({ party: state.me, entity: "checkout", id: state.sessionId, from: "Shopping", on: "AddToCart", to: "Shopping" })]
        }
      }
      case "ConfirmOrder": {
        yield* requireIdle(state, input._tag, ["Shopping"])
        if (state.cart.length === 0) return yield* new OutOfOrder({ entity: "cart", state: "empty", input: input._tag })
        return move(state, input._tag, "Confirming", request(state, input.now_ms, (ids) => new CreateOrder({ ...ids, lines: state.cart })))
      }
      case "OpenOrder": {
        yield* requireIdle(state, input._tag, ["Shopping"])
        return move(state, input._tag, "Loading", request(state, input.now_ms, (ids) => new GetOrder({ ...ids, orderId: input.orderId })))
      }
      case "ChooseDelivery":
      case "EnterAddress": {
        yield* requireIdle(state, input._tag, ["Checkout", "ReadyToPay"])
        if (orderId === undefined) return yield* new OutOfOrder({ entity: "checkout", state: state.screen, input: input._tag })
        const sent = request(state, input.now_ms, (ids) =>
          input._tag === "ChooseDelivery"
            ? new SelectDelivery({ ...ids, orderId, option: input.option })
            : new SetShippingAddress({ ...ids, orderId, address: input.address })
        )
        return move(state, input._tag, state.screen, sent)
      }
      case "ClickPayNow": {
        yield* requireIdle(state, input._tag, ["ReadyToPay", "Declined"])
        const order = state.order
        if (order === null) return yield* new OutOfOrder({ entity: "checkout", state: state.screen, input: input._tag })
        const sent = request(state, input.now_ms, (ids) => new PayNow({ ...ids, orderId: order.orderId, total: order.total, payer: input.payer }))
        return move(state, input._tag, "Paying", sent)
      }
    }
  })

const onResponse = (state: BrowserState, packet: Packet, now_ms: Timestamp_ms): Effect.Effect<Step<BrowserState>, Rejection> =>
  Effect.gen(function* () {
    const decoded = decodeResponse(packet.payload)
    if (decoded._tag === "Failure") return yield* new DecodeError({ detail: "not a merchant response" })
    const body = decoded.value
    if (packet.from !== state.merchant || state.inFlight === null || body.requestId !== state.inFlight.requestId) {
      return yield* new UnknownReference({ kind: "request", id: body.requestId })
    }
    const idle = { ...state, inFlight: null, nextPoll_ms: now_ms + POLL_INTERVAL_ms }
    if (body._tag === "RequestRefused") {
      // Back to the screen the shopper came from: the shop, or the screen of the order as last shown
      // (a refused "pay now" returns to ReadyToPay or Declined rather than polling from Paying).
      const back: Screen =
        state.screen === "Confirming" || state.screen === "Loading" || state.order === null ? "Shopping" : SCREEN_OF[state.order.status]
      const outputs =
        back === state.screen ? [] : [transitioned({ party: state.me, entity: "checkout", id: state.sessionId, from: state.screen, on: "RequestRefused", to: back })]
      return { state: { ...idle, screen: back, notice: body.reason }, outputs }
    }
    const to = SCREEN_OF[body.status]
    return {
      state: { ...idle, screen: to, order: body, cart: state.screen === "Confirming" ? [] : state.cart },
      outputs: [transitioned({ party: state.me, entity: "checkout", id: state.sessionId, from: state.screen, on: `OrderView (${body.status})`, to })]
    }
  })

const onTick = (state: BrowserState, now_ms: Timestamp_ms): Step<BrowserState> => {
  if (state.inFlight !== null) {
    if (state.inFlight.nextAttempt_ms > now_ms) return unchanged(state)
    return { state: { ...state, inFlight: { ...state.inFlight, nextAttempt_ms: now_ms + RETRY_BASE_ms } }, outputs: [send(state.inFlight.packet)] }
  }
  const order = state.order
  if (state.screen !== "Paying" || order === null || state.nextPoll_ms > now_ms) return unchanged(state)
  const sent = request(state, now_ms, (ids) => new GetOrder({ ...ids, orderId: order.orderId }))
  return { state: sent.state, outputs: [send(sent.packet)] }
}

/** The browser's pure step. It signs nothing, so it needs no service. @since 0.1.0 */
export const step = (state: BrowserState, input: BrowserInput): Effect.Effect<Step<BrowserState>> => {
  switch (input._tag) {
    case "Tick":
      return Effect.succeed(onTick(state, input.now_ms))
    case "Receive":
      return guard(state.me, state, "Receive", onResponse(state, input.packet, input.now_ms))
    default:
      return guard(state.me, state, input._tag, onAction(state, input))
  }
}

/** The browser after a refresh: only the session cookie survives, and the page-load counter moves on. @since 0.1.0 */
export const restart = (state: BrowserState): BrowserState => initial(state.me, state.merchant, state.sessionId, state.loads + 1)

/** The browser as a {@link Machine}. @since 0.1.0 */
export const Browser: Machine<BrowserState, BrowserInput> = { kind: "Browser", transitions, step, restart }
