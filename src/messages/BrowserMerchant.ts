/**
 * Hop 1, browser and merchant: the shopper's checkout on the merchant's site.
 *
 * These messages travel on the shopper's authenticated session (TLS and a session cookie in a real
 * deployment) and are not signed. Each request carries the browser's `requestId`, and the
 * merchant answers every request with an {@link OrderView} or a {@link RequestRefused} naming it.
 * The browser keeps nothing durable: after a refresh it finds its order again with
 * {@link GetOrder}.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OrderId, PaymentId, RequestId, SessionId, Sku } from "../domain/Ids.js"
import { Money } from "../domain/Money.js"
import { BoundedText, DisplayName } from "../domain/Text.js"
import { AuthorizationStatus, Payer } from "./Common.js"

/** The most lines one order may have. @since 0.1.0 */
export const MAX_ORDER_LINES = 20
/** The most units of one product per line. @since 0.1.0 */
export const MAX_QUANTITY = 99

/** One product and how many of it. @category models @since 0.1.0 */
export class OrderLine extends Schema.Class<OrderLine>("OrderLine")({
  sku: Sku,
  quantity: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: MAX_QUANTITY })))
}) {}

/** The delivery options a merchant offers. @since 0.1.0 */
export const DeliveryOption = Schema.Literals(["standard", "express"])
/** @since 0.1.0 */
export type DeliveryOption = typeof DeliveryOption.Type

/** Where the goods go. @category models @since 0.1.0 */
export class ShippingAddress extends Schema.Class<ShippingAddress>("ShippingAddress")({
  name: DisplayName,
  line1: BoundedText(120),
  city: BoundedText(80),
  postalCode: BoundedText(16),
  country: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{2}$/, { expected: "an ISO 3166-1 alpha-2 code" })))
}) {}

const request = { requestId: RequestId, sessionId: SessionId }

/** Confirm the cart as an order. @category messages @since 0.1.0 */
export class CreateOrder extends Schema.TaggedClass<CreateOrder>()("CreateOrder", {
  ...request,
  lines: Schema.Array(OrderLine).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_ORDER_LINES)))
}) {}

/** Choose how the order is delivered. @category messages @since 0.1.0 */
export class SelectDelivery extends Schema.TaggedClass<SelectDelivery>()("SelectDelivery", {
  ...request,
  orderId: OrderId,
  option: DeliveryOption
}) {}

/** Set the shipping address. @category messages @since 0.1.0 */
export class SetShippingAddress extends Schema.TaggedClass<SetShippingAddress>()("SetShippingAddress", {
  ...request,
  orderId: OrderId,
  address: ShippingAddress
}) {}

/**
 * "Pay now": pay the order's total, as the shopper saw it, from the named bank account. The
 * merchant refuses it if the total differs from the order's. A double click sends it twice; the
 * order still gets one payment.
 *
 * @category messages
 * @since 0.1.0
 */
export class PayNow extends Schema.TaggedClass<PayNow>()("PayNow", {
  ...request,
  orderId: OrderId,
  total: Money,
  payer: Payer
}) {}

/** Ask for the order and its payment's status (polling, and finding the order after a refresh). @category messages @since 0.1.0 */
export class GetOrder extends Schema.TaggedClass<GetOrder>()("GetOrder", {
  ...request,
  orderId: OrderId
}) {}

/** Every browser-to-merchant request. @category messages @since 0.1.0 */
export const BrowserRequest = Schema.Union([CreateOrder, SelectDelivery, SetShippingAddress, PayNow, GetOrder])
/** @since 0.1.0 */
export type BrowserRequest = typeof BrowserRequest.Type

/** Where an order stands, as the shopper sees it. @since 0.1.0 */
export const OrderStatus = Schema.Literals(["open", "ready", "paying", "paid", "declined"])
/** @since 0.1.0 */
export type OrderStatus = typeof OrderStatus.Type

/** The payment the order currently has, if any. @category models @since 0.1.0 */
export class PaymentView extends Schema.Class<PaymentView>("PaymentView")({
  paymentId: PaymentId,
  status: Schema.Union([Schema.Literal("pending"), AuthorizationStatus])
}) {}

/**
 * The merchant's answer to every request: the order as it now stands.
 *
 * @category messages
 * @since 0.1.0
 */
export class OrderView extends Schema.TaggedClass<OrderView>()("OrderView", {
  requestId: RequestId,
  orderId: OrderId,
  lines: Schema.Array(OrderLine).pipe(Schema.check(Schema.isMaxLength(MAX_ORDER_LINES))),
  subtotal: Money,
  delivery: Schema.NullOr(DeliveryOption),
  address: Schema.NullOr(ShippingAddress),
  total: Money,
  status: OrderStatus,
  payment: Schema.NullOr(PaymentView)
}) {}

/** The merchant refused a request; `reason` says why in words the shop can show. @category messages @since 0.1.0 */
export class RequestRefused extends Schema.TaggedClass<RequestRefused>()("RequestRefused", {
  requestId: RequestId,
  reason: BoundedText(200)
}) {}

/** Every merchant-to-browser response. @category messages @since 0.1.0 */
export const MerchantResponse = Schema.Union([OrderView, RequestRefused])
/** @since 0.1.0 */
export type MerchantResponse = typeof MerchantResponse.Type
