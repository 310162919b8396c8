/**
 * The merchant's server: it keeps orders, prices them from its catalog, and asks its gateway for
 * the money with requests signed by its registered key.
 *
 * Browser requests arrive on the shopper's session and are answered with an `OrderView` or a
 * `RequestRefused`. "Pay now" starts a payment only if the order is ready, the total the shopper
 * saw is the order's total, and the order has no live payment: a double click, or a second tab,
 * gets the payment already under way. The `AuthorizePayment` is kept in the outbox and retried
 * with the same payment id until the gateway's signed `AuthorizationResult` for that payment and
 * amount arrives; the order is marked paid on nothing else.
 *
 * @since 0.1.0
 */
import { getOwn } from "../domain/Records.js"
import { Effect, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { OrderId, PaymentId, type OperationId, type PartyId, type RequestId, type SessionId, type Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { DecodeError, IdempotencyConflict, InvalidRequest, Mismatch, OutOfOrder, UnknownReference, explain, type Rejection } from "../domain/Rejection.js"
import type { DisplayName } from "../domain/Text.js"
import {
  BrowserRequest,
  MerchantResponse,
  OrderView,
  PaymentView,
  RequestRefused,
  type CreateOrder,
  type DeliveryOption,
  type OrderLine,
  type OrderStatus,
  type PayNow,
  type ShippingAddress
} from "../messages/BrowserMerchant.js"
import { Payee } from "../messages/Common.js"
import type { AuthorizationStatus } from "../messages/Common.js"
import { AuthorizationResult, AuthorizePayment, OperationResult } from "../messages/MerchantGateway.js"
import { codecOf } from "../messages/Signed.js"
import { fingerprint } from "../machine/Idempotency.js"
import { guard, send, transitioned, type Machine, type Output, type Packet, type Receive, type Step, type Tick, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { Table } from "../machine/Table.js"
import { openPacket, sealPacket, type PartyIdentity } from "../machine/Party.js"
import { onBackOffice, onOperationResult, operationTransitions, type BackOffice, type MerchantOperation } from "./MerchantOperations.js"

/**
 * How long the gateway and the issuer may start on a payment request after the merchant made it
 * (5 minutes): long enough for the shopper to answer the challenge on their phone.
 *
 * @since 0.1.0
 */
export const AUTHORIZATION_TTL_ms = 300_000

/** What the merchant sells and how it is paid. @category models @since 0.1.0 */
export interface MerchantConfig {
  readonly gateway: PartyId
  readonly payeeName: typeof DisplayName.Type
  readonly currency: Money.Currency
  /** Unit price in minor units, by SKU. */
  readonly catalog: Readonly<Record<string, number>>
  /** Delivery fee in minor units, by option. */
  readonly deliveryFees: Readonly<Record<DeliveryOption, number>>
  /**
   * The most requests to the gateway it keeps in flight (payments and operations not yet
   * answered); beyond it, a new payment or operation is refused until one is answered.
   * {@link Outbox.OUTBOX_LIMIT} when absent; a test world lowers it to reach the bound.
   */
  readonly outboxLimit?: number
}

/** Where an order stands at the merchant. @since 0.1.0 */
export type OrderState = "Open" | "Ready" | "Paying" | "Paid" | "Declined"

/** One order. @category models @since 0.1.0 */
export interface MerchantOrder {
  readonly id: OrderId
  readonly sessionId: SessionId
  /** The `CreateOrder` request that made it, for idempotency. */
  readonly createdBy: string
  readonly lines: ReadonlyArray<OrderLine>
  readonly delivery: DeliveryOption | null
  readonly address: ShippingAddress | null
  readonly state: OrderState
  /** Every payment attempt, oldest first; the last one is the current one. */
  readonly payments: ReadonlyArray<PaymentId>
}

/** Where a payment stands at the merchant. @since 0.1.0 */
export type MerchantPaymentState = "Authorizing" | "Authorized" | "Declined" | "Captured" | "Voided"

/** One payment attempt. @category models @since 0.1.0 */
export interface MerchantPayment {
  readonly request: AuthorizePayment
  /**
   * The browser's id for the `PayNow` that started this attempt. A late copy of that request
   * (a duplicate, or a retry that arrives after the attempt was declined) starts nothing: it gets
   * the order's view, as any repeat does.
   */
  readonly payNowRequestId: RequestId
  readonly state: MerchantPaymentState
  readonly status: AuthorizationStatus | null
  readonly holdExpiresAt_ms: Timestamp_ms | null
  /** What the gateway confirmed captured, in minor units. */
  readonly captured_minor: number
  /** What the gateway confirmed refunded, in minor units. */
  readonly refunded_minor: number
  /** Whether the gateway confirmed a void. */
  readonly voided: boolean
  /** The captures, voids and refunds asked for, oldest first. */
  readonly operations: ReadonlyArray<OperationId>
}

/** The merchant's state. All of it is durable (a database and its outbox table). @category models @since 0.1.0 */
export interface MerchantState {
  readonly identity: PartyIdentity
  readonly config: MerchantConfig
  readonly orders: Table<MerchantOrder>
  readonly payments: Table<MerchantPayment>
  /** Which order each `session/requestId` of a `CreateOrder` made. */
  readonly created: Table<OrderId>
  /** Captures, voids and refunds by operation id. */
  readonly operations: Table<MerchantOperation>
  readonly outbox: Outbox.Outbox
}

/** The merchant's inputs: packets from the browser and the gateway, its back office, and time. @category inputs @since 0.1.0 */
export type MerchantInput = Receive | Tick | BackOffice

/** A merchant with no orders yet. @since 0.1.0 */
export const initial = (identity: PartyIdentity, config: MerchantConfig): MerchantState => ({
  identity,
  config,
  orders: Table.empty(),
  payments: Table.empty(),
  created: Table.empty(),
  operations: Table.empty(),
  outbox: Outbox.empty
})

/** The merchant's transitions, as data. @since 0.1.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "order", from: "None", on: "CreateOrder", to: "Open" },
  { entity: "order", from: "Open", on: "SelectDelivery", to: "Open" },
  { entity: "order", from: "Open", on: "SelectDelivery", to: "Ready" },
  { entity: "order", from: "Open", on: "SetShippingAddress", to: "Open" },
  { entity: "order", from: "Open", on: "SetShippingAddress", to: "Ready" },
  { entity: "order", from: "Ready", on: "SelectDelivery", to: "Ready" },
  { entity: "order", from: "Ready", on: "SetShippingAddress", to: "Ready" },
  { entity: "order", from: "Declined", on: "SelectDelivery", to: "Declined" },
  { entity: "order", from: "Declined", on: "SetShippingAddress", to: "Declined" },
  { entity: "order", from: "Ready", on: "PayNow", to: "Paying" },
  { entity: "order", from: "Declined", on: "PayNow", to: "Paying" },
  { entity: "order", from: "Paying", on: "AuthorizationResult (approved)", to: "Paid" },
  { entity: "order", from: "Paying", on: "AuthorizationResult (declined)", to: "Declined" },
  { entity: "payment", from: "None", on: "PayNow", to: "Authorizing" },
  { entity: "payment", from: "Authorizing", on: "AuthorizationResult (approved)", to: "Authorized" },
  { entity: "payment", from: "Authorizing", on: "AuthorizationResult (declined)", to: "Declined" },
  ...operationTransitions
]

/** The signed messages the merchant accepts: the gateway's results. @since 0.2.0 */
export const Accepts = codecOf(Schema.Union([AuthorizationResult, OperationResult]))
const decodeBrowserRequest = Schema.decodeUnknownExit(BrowserRequest, { onExcessProperty: "error" })
const encodeBrowserRequest = Schema.encodeSync(BrowserRequest)
const encodeResponse = Schema.encodeSync(MerchantResponse)


/** The order's subtotal, delivery fee and total, in the merchant's currency. @since 0.1.0 */
export const totals = (config: MerchantConfig, order: Pick<MerchantOrder, "lines" | "delivery">) => {
  const subtotal = order.lines.reduce((sum, line) => sum + (config.catalog[line.sku] ?? 0) * line.quantity, 0)
  const fee = order.delivery === null ? 0 : config.deliveryFees[order.delivery]
  return { subtotal: Money.money(subtotal, config.currency), total: Money.money(subtotal + fee, config.currency) }
}

const STATUS_OF: Readonly<Record<OrderState, OrderStatus>> = { Open: "open", Ready: "ready", Paying: "paying", Paid: "paid", Declined: "declined" }

const viewOf = (state: MerchantState, order: MerchantOrder, requestId: RequestId): OrderView => {
  const current = order.payments.at(-1)
  const payment = current === undefined ? undefined : state.payments.get(current)
  const { subtotal, total } = totals(state.config, order)
  return new OrderView({
    requestId,
    orderId: order.id,
    lines: order.lines,
    subtotal,
    delivery: order.delivery,
    address: order.address,
    total,
    status: STATUS_OF[order.state],
    payment: current === undefined || payment === undefined ? null : new PaymentView({ paymentId: current, status: payment.status ?? "pending" })
  })
}

const reply = (state: MerchantState, to: PartyId, body: OrderView | RequestRefused): Packet => ({
  from: state.identity.id,
  to,
  channel: "session",
  payload: encodeResponse(body)
})

const orderFor = (state: MerchantState, sessionId: SessionId, orderId: OrderId): Effect.Effect<MerchantOrder, Rejection> => {
  const order = state.orders.get(orderId)
  // An order of another session is reported as unknown, so sessions cannot probe each other's orders.
  return order === undefined || order.sessionId !== sessionId
    ? Effect.fail(new UnknownReference({ kind: "order", id: orderId }))
    : Effect.succeed(order)
}

const withOrder = (state: MerchantState, order: MerchantOrder): MerchantState => ({ ...state, orders: state.orders.set(order.id, order) })

const onCreateOrder = (state: MerchantState, from: PartyId, body: CreateOrder): Effect.Effect<Step<MerchantState>, Rejection> =>
  Effect.gen(function* () {
    const key = `${body.sessionId}/${body.requestId}`
    const existing = state.created.get(key)
    if (existing !== undefined) {
      const order = state.orders.get(existing)
      if (order === undefined || order.createdBy !== fingerprint(encodeBrowserRequest(body))) {
        return yield* new IdempotencyConflict({ requestId: body.requestId })
      }
      return { state, outputs: [send(reply(state, from, viewOf(state, order, body.requestId)))] }
    }
    const unknown = body.lines.find((line) => getOwn(state.config.catalog, line.sku) === undefined)
    if (unknown !== undefined) return yield* new InvalidRequest({ detail: `unknown product ${unknown.sku}` })
    const largest = body.lines.reduce((sum, line) => sum + (state.config.catalog[line.sku] ?? 0) * line.quantity, 0) + Math.max(...Object.values(state.config.deliveryFees))
    if (largest > Money.MAX_AMOUNT_MINOR) return yield* new InvalidRequest({ detail: "the order's total would exceed the largest amount a payment can carry" })
    const id = OrderId.make(`ord-${state.orders.size + 1}`)
    const order: MerchantOrder = {
      id,
      sessionId: body.sessionId,
      createdBy: fingerprint(encodeBrowserRequest(body)),
      lines: body.lines,
      delivery: null,
      address: null,
      state: "Open",
      payments: []
    }
    const next = { ...withOrder(state, order), created: state.created.set(key, id) }
    return {
      state: next,
      outputs: [
        transitioned({ party: state.identity.id, entity: "order", id, from: "None", on: "CreateOrder", to: "Open" }),
        send(reply(next, from, viewOf(next, order, body.requestId)))
      ]
    }
  })

const onUpdate = (
  state: MerchantState,
  from: PartyId,
  body: { readonly _tag: "SelectDelivery" | "SetShippingAddress"; readonly requestId: RequestId; readonly sessionId: SessionId; readonly orderId: OrderId },
  change: Partial<Pick<MerchantOrder, "delivery" | "address">>
): Effect.Effect<Step<MerchantState>, Rejection> =>
  Effect.gen(function* () {
    const order = yield* orderFor(state, body.sessionId, body.orderId)
    if (order.state === "Paying" || order.state === "Paid") {
      return yield* new OutOfOrder({ entity: `order ${order.id}`, state: order.state, input: body._tag })
    }
    const updated = { ...order, ...change }
    const complete = updated.delivery !== null && updated.address !== null
    const to: OrderState = order.state === "Open" && complete ? "Ready" : order.state
    const next = withOrder(state, { ...updated, state: to })
    return {
      state: next,
      outputs: [
        transitioned({ party: state.identity.id, entity: "order", id: order.id, from: order.state, on: body._tag, to }),
        send(reply(next, from, viewOf(next, next.orders.get(order.id) ?? updated, body.requestId)))
      ]
    }
  })

const onPayNow = (state: MerchantState, from: PartyId, body: PayNow, now_ms: Timestamp_ms): Effect.Effect<Step<MerchantState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const order = yield* orderFor(state, body.sessionId, body.orderId)
    const repeat = order.payments.some((id) => state.payments.get(id)?.payNowRequestId === body.requestId)
    if (repeat || order.state === "Paying" || order.state === "Paid") {
      // A double click, a retry or a second tab: the order keeps its one live payment. A late
      // copy of the click that started an earlier attempt must not start another after a decline.
      return { state, outputs: [send(reply(state, from, viewOf(state, order, body.requestId)))] }
    }
    if (order.state === "Open") return yield* new OutOfOrder({ entity: `order ${order.id}`, state: order.state, input: "PayNow" })
    const { total } = totals(state.config, order)
    if (!Money.equals(total, body.total)) return yield* new Mismatch({ id: order.id, field: "total" })
    if (total.amount_minor === 0) return yield* new InvalidRequest({ detail: "the order's total is zero: there is nothing to pay" })
    if (!Outbox.hasRoom(state.outbox, state.config.outboxLimit)) return yield* new InvalidRequest({ detail: "too many payments in flight, try again later" })
    const me = state.identity.id
    const paymentId = PaymentId.make(`${order.id}.p${order.payments.length + 1}`)
    const request = new AuthorizePayment({
      id: paymentId,
      from: me,
      to: state.config.gateway,
      orderId: order.id,
      amount: total,
      payer: body.payer,
      payee: new Payee({ merchant: me, name: state.config.payeeName }),
      expiresAt_ms: (now_ms + AUTHORIZATION_TTL_ms) as Timestamp_ms
    })
    const packet = yield* sealPacket(state.identity, request)
    const payments = state.payments.set(paymentId, { request, payNowRequestId: body.requestId, state: "Authorizing" as const, status: null, holdExpiresAt_ms: null, captured_minor: 0, refunded_minor: 0, voided: false, operations: [] })
    const paying: MerchantOrder = { ...order, state: "Paying", payments: [...order.payments, paymentId] }
    const next = { ...withOrder(state, paying), payments, outbox: Outbox.add(state.outbox, paymentId, packet, now_ms) }
    return {
      state: next,
      outputs: [
        transitioned({ party: me, entity: "order", id: order.id, from: order.state, on: "PayNow", to: "Paying" }),
        transitioned({ party: me, entity: "payment", id: paymentId, from: "None", on: "PayNow", to: "Authorizing" }),
        send(packet),
        send(reply(next, from, viewOf(next, paying, body.requestId)))
      ]
    }
  })

const onBrowser = (state: MerchantState, packet: Packet, now_ms: Timestamp_ms): Effect.Effect<Step<MerchantState>, Rejection, Ed25519> => {
  const decoded = decodeBrowserRequest(packet.payload)
  if (decoded._tag === "Failure") return Effect.fail(new DecodeError({ detail: "not a browser request this merchant understands" }))
  const body = decoded.value
  const handled: Effect.Effect<Step<MerchantState>, Rejection, Ed25519> = (() => {
    switch (body._tag) {
      case "CreateOrder":
        return onCreateOrder(state, packet.from, body)
      case "SelectDelivery":
        return onUpdate(state, packet.from, body, { delivery: body.option })
      case "SetShippingAddress":
        return onUpdate(state, packet.from, body, { address: body.address })
      case "PayNow":
        return onPayNow(state, packet.from, body, now_ms)
      case "GetOrder":
        return Effect.map(orderFor(state, body.sessionId, body.orderId), (order) => ({
          state,
          outputs: [send(reply(state, packet.from, viewOf(state, order, body.requestId)))]
        }))
    }
  })()
  // A refused shopper request still gets an answer, so the browser stops retrying it.
  return Effect.catch(handled, (rejection: Rejection) =>
    Effect.succeed({
      state,
      outputs: [
        { _tag: "Rejected", party: state.identity.id, input: body._tag, rejection } satisfies Output,
        send(reply(state, packet.from, new RequestRefused({ requestId: body.requestId, reason: explain(rejection).slice(0, 200) })))
      ]
    })
  )
}

const onResult = (state: MerchantState, body: AuthorizationResult): Effect.Effect<Step<MerchantState>, Rejection> =>
  Effect.gen(function* () {
    const payment = state.payments.get(body.id)
    if (payment === undefined) return yield* new UnknownReference({ kind: "payment", id: body.id })
    if (body.from !== state.config.gateway) return yield* new Mismatch({ id: body.id, field: "gateway" })
    if ((body.status === "approved") !== (body.holdExpiresAt_ms !== null)) return yield* new Mismatch({ id: body.id, field: "holdExpiresAt_ms" })
    if (body.orderId !== payment.request.orderId) return yield* new Mismatch({ id: body.id, field: "orderId" })
    if (!Money.equals(body.amount, payment.request.amount)) return yield* new Mismatch({ id: body.id, field: "amount" })
    if (payment.state !== "Authorizing") return yield* new OutOfOrder({ entity: `payment ${body.id}`, state: payment.state, input: "AuthorizationResult" })
    const order = state.orders.get(payment.request.orderId)
    if (order === undefined) return yield* new UnknownReference({ kind: "order", id: payment.request.orderId })
    const approved = body.status === "approved"
    const on = `AuthorizationResult (${approved ? "approved" : "declined"})`
    const paymentState: MerchantPaymentState = approved ? "Authorized" : "Declined"
    const orderState: OrderState = approved ? "Paid" : "Declined"
    const me = state.identity.id
    return {
      state: {
        ...withOrder(state, { ...order, state: orderState }),
        payments: state.payments.set(body.id, { ...payment, state: paymentState, status: body.status, holdExpiresAt_ms: body.holdExpiresAt_ms }),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs: [
        transitioned({ party: me, entity: "payment", id: body.id, from: "Authorizing", on, to: paymentState }),
        transitioned({ party: me, entity: "order", id: order.id, from: order.state, on, to: orderState })
      ]
    }
  })

/** The merchant's pure step. @since 0.1.0 */
export const step = (state: MerchantState, input: MerchantInput): Effect.Effect<Step<MerchantState>, never, Ed25519> => {
  if (input._tag === "Tick") return Effect.succeed(Outbox.resendDue(state, input.now_ms))
  if (input._tag !== "Receive") return guard(state.identity.id, state, input._tag, onBackOffice(state, input))
  const { packet } = input
  if (packet.channel === "session") return guard(state.identity.id, state, "Receive", onBrowser(state, packet, input.now_ms))
  return guard(
    state.identity.id,
    state,
    "Receive",
    Effect.flatMap(openPacket(Accepts, state.identity, packet), ({ body }) => (body._tag === "AuthorizationResult" ? onResult(state, body) : onOperationResult(state, body)))
  )
}

/** The merchant after a crash: everything is durable, and every unanswered payment request is due again. @since 0.1.0 */
export const restart = (state: MerchantState): MerchantState => ({ ...state, outbox: Outbox.afterRestart(state.outbox) })

/** The merchant as a {@link Machine}. @since 0.1.0 */
export const Merchant: Machine<MerchantState, MerchantInput> = { kind: "Merchant", transitions, step, restart }
