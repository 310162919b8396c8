/**
 * Builders shared by the gateway's tests: a gateway with or without a clearing house, merchants'
 * payments approved by the issuer, their captures, voids and refunds forwarded and answered.
 * Every step goes through the `step` a test file passes in, so its transition coverage sees (and
 * checks) every transition the builders make. The payment's values and the issuer's messages are
 * in `messages.ts`.
 *
 * API: the parties, constants and body builders below, and `gatewayScenarios(step)` for the
 * builders that run steps.
 */
import { expect } from "vitest"
import * as Topology from "../../src/drivers/Topology.js"
import { OperationId, OrderId, type AuthorizationId, type PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { Payee, Payer, type OperationStatus } from "../../src/messages/Common.js"
import type { AuthorizationRequest, CaptureRequest, RefundRequest, VoidRequest } from "../../src/messages/GatewayIssuer.js"
import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from "../../src/messages/MerchantGateway.js"
import * as Gateway from "../../src/parties/Gateway.js"
import { bodyOf, identity, makeParty, parties, receive, seal, sentOne, type TestParty } from "./fixtures.js"
import { AMOUNT_minor, authorizationResponse, operationResponse, PAY_1, T0 } from "./messages.js"

const { merchant, gateway, issuer, clearing } = parties

/** A second merchant the gateway has registered. */
export const merchant2 = makeParty("merchant-2", "merchant")
/** A second issuer the gateway has registered. */
export const issuer2 = makeParty("issuer-2", "issuer")
/** A second clearing house whose key the gateway holds, though it clears with `clearing-1`. */
export const clearing2 = makeParty("clearing-2", "clearing")

/** When payments are authorized. */
export const AUTHORIZED_ms = T0 + 1_000
/** When merchants' operations arrive, unless a test says otherwise. */
export const OPERATE_ms = T0 + 10_000
/** When merchants' operation requests expire. */
export const OPERATION_EXPIRES_ms = (T0 + 300_000) as Timestamp_ms
/** When issuers' answers arrive. */
export const ANSWER_ms = T0 + 20_000
/** When merchants' AuthorizePayment requests expire. */
export const PAYMENT_EXPIRES_ms = (T0 + 60_000) as Timestamp_ms
/** What the gateway holds at the settlement bank in the clearing configuration. */
export const SETTLEMENT_OPENING_minor = 1_000_000
/** The clearing configuration: clearing-1, 1.5% fees, EUR settlement funds. */
export const CLEARING: Gateway.GatewayConfig = {
  clearingHouse: clearing.id,
  feeBps: 150,
  settlement: [Money.money(SETTLEMENT_OPENING_minor, "EUR")]
}

/** A gateway trusting both merchants, both issuers and both clearing houses. */
export const freshGateway = (config: Gateway.GatewayConfig = Gateway.NO_CLEARING): Gateway.GatewayState =>
  Gateway.initial(identity(gateway, [merchant, merchant2, issuer, issuer2, clearing, clearing2]), config)

/** A payment to authorize: whose, its id and amount, and its issuer. */
export interface PaymentSpec {
  readonly merchant: TestParty
  readonly paymentId: PaymentId
  readonly amount_minor: number
  readonly issuer: TestParty
}

export const PAYMENT_1: PaymentSpec = { merchant, paymentId: PAY_1, amount_minor: AMOUNT_minor, issuer }

/** The merchant's AuthorizePayment for `p`, with `over` changing any field. */
export const authorizeBody = (p: PaymentSpec = PAYMENT_1, over: Partial<ConstructorParameters<typeof AuthorizePayment>[0]> = {}): AuthorizePayment =>
  new AuthorizePayment({
    id: p.paymentId,
    from: p.merchant.id,
    to: gateway.id,
    orderId: OrderId.make(`order-${p.paymentId}`),
    amount: Money.money(p.amount_minor, "EUR"),
    payer: new Payer({ issuer: p.issuer.id, account: Topology.accounts.alice }),
    payee: new Payee({ merchant: p.merchant.id, name: "Teapot & Co" }),
    expiresAt_ms: PAYMENT_EXPIRES_ms,
    ...over
  })

/** The merchant's operation `<paymentId>.o<n>`'s common fields. */
const opFields = (n: number, over: { readonly from?: TestParty; readonly paymentId?: PaymentId; readonly expiresAt_ms?: Timestamp_ms }) => {
  const paymentId = over.paymentId ?? PAY_1
  return {
    id: OperationId.make(`${paymentId}.o${n}`),
    from: (over.from ?? merchant).id,
    to: gateway.id,
    paymentId,
    expiresAt_ms: over.expiresAt_ms ?? OPERATION_EXPIRES_ms
  }
}
type OpOver = Parameters<typeof opFields>[1]

/** A merchant's CapturePayment `<paymentId>.o<n>`. */
export const capturePayment = (n: number, amount_minor: number, over: OpOver & { readonly currency?: Money.Currency } = {}): CapturePayment =>
  new CapturePayment({ ...opFields(n, over), amount: Money.money(amount_minor, over.currency ?? "EUR") })
/** A merchant's VoidPayment `<paymentId>.o<n>`. */
export const voidPayment = (n: number, over: OpOver = {}): VoidPayment => new VoidPayment(opFields(n, over))
/** A merchant's RefundPayment `<paymentId>.o<n>`. */
export const refundPayment = (n: number, amount_minor: number, over: OpOver & { readonly currency?: Money.Currency } = {}): RefundPayment =>
  new RefundPayment({ ...opFields(n, over), amount: Money.money(amount_minor, over.currency ?? "EUR") })

/** The party that signs as `id`, among the merchants the builders use. */
export const merchantNamed = (id: string): TestParty => (id === merchant2.id ? merchant2 : merchant)
/** The party that signs as `id`, among the issuers the builders use. */
const issuerNamed = (id: string): TestParty => (id === issuer2.id ? issuer2 : issuer)

/** The builders that step a gateway, each step through `step`. */
export const gatewayScenarios = (step: (state: Gateway.GatewayState, input: Gateway.GatewayInput) => Step<Gateway.GatewayState>) => {
  const deliver = (state: Gateway.GatewayState, packet: Packet, now_ms: number = OPERATE_ms): Step<Gateway.GatewayState> => step(state, receive(packet, now_ms))

  /** `state` with payment `p` approved by its issuer; the authorization id it was forwarded under. */
  const approve = (state: Gateway.GatewayState, p: PaymentSpec = PAYMENT_1): { readonly state: Gateway.GatewayState; readonly authorizationId: AuthorizationId } => {
    const forwarded = deliver(state, seal(p.merchant, authorizeBody(p)), T0)
    const request = bodyOf(sentOne(forwarded)) as AuthorizationRequest
    const response = authorizationResponse("approved", { id: request.id, from: p.issuer.id, paymentId: p.paymentId, amount: request.amount })
    const approved = deliver(forwarded.state, seal(p.issuer, response), AUTHORIZED_ms)
    expect(approved.state.payments.get(`${p.merchant.id}/${p.paymentId}`)?.state).toBe("Approved")
    return { state: approved.state, authorizationId: request.id }
  }

  /** A fresh gateway with `pay-1` approved. */
  const approved = (config: Gateway.GatewayConfig = Gateway.NO_CLEARING): Gateway.GatewayState => approve(freshGateway(config)).state

  /** Delivers a merchant's operation that the gateway forwards; the step, the packet and the forwarded body. */
  const forward = (state: Gateway.GatewayState, body: CapturePayment | VoidPayment | RefundPayment, now_ms: number = OPERATE_ms) => {
    const result = deliver(state, seal(merchantNamed(body.from), body), now_ms)
    const packet = sentOne(result)
    return { result, state: result.state, packet, forwarded: bodyOf(packet) as CaptureRequest | VoidRequest | RefundRequest }
  }

  /** Delivers the issuer's answer to a forwarded operation. */
  const answer = (
    state: Gateway.GatewayState,
    forwarded: CaptureRequest | VoidRequest | RefundRequest,
    status: OperationStatus = "accepted",
    moved_minor?: number
  ): Step<Gateway.GatewayState> => deliver(state, seal(issuerNamed(forwarded.to), operationResponse(forwarded, status, moved_minor)), ANSWER_ms)

  /** `state` with `body` forwarded and accepted by the issuer (a void releasing `moved_minor`). */
  const accepted = (state: Gateway.GatewayState, body: CapturePayment | VoidPayment | RefundPayment, moved_minor?: number): Gateway.GatewayState => {
    const { state: forwarding, forwarded } = forward(state, body)
    const result = answer(forwarding, forwarded, "accepted", moved_minor)
    expect(result.state.operations.get(`${body.from}/${body.id}`)?.state).toBe("Accepted")
    return result.state
  }

  /** A fresh gateway with `pay-1` approved and capture `pay-1.o1` of `amount_minor` accepted (as `op-1`). */
  const captured = (amount_minor: number = AMOUNT_minor, config: Gateway.GatewayConfig = Gateway.NO_CLEARING): Gateway.GatewayState =>
    accepted(approved(config), capturePayment(1, amount_minor))

  return { deliver, approve, approved, forward, answer, accepted, captured }
}
