/**
 * The merchant's back office: once a payment is authorized, it captures (when the goods ship,
 * all at once or in parts), voids (when the order is cancelled) and refunds (when goods come
 * back), each with a request signed by its key, retried under the same operation id until the
 * gateway's signed result arrives.
 *
 * The merchant checks a request against the figures the gateway has confirmed (what was
 * authorized, captured and refunded) and refuses the obviously impossible. It does not count
 * requests still in flight: two clerks may capture or refund at once, and it is the issuer (for
 * captures) and the gateway (for refunds) that must refuse what the hold or the captures cannot
 * cover. The merchant's own figures move only on an accepted `OperationResult`.
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { OperationId, type PaymentId, type Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { InvalidRequest, Mismatch, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import type { OperationKind, OperationStatus } from "../messages/Common.js"
import { CapturePayment, RefundPayment, VoidPayment, operationKindOf, type OperationResult, type PaymentOperation } from "../messages/MerchantGateway.js"
import { send, transitioned, type Step, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { sealPacket } from "../machine/Party.js"
import { AUTHORIZATION_TTL_ms, type MerchantPayment, type MerchantPaymentState, type MerchantState } from "./Merchant.js"

/** The back office captures `amount_minor` of payment `paymentId`. @category inputs @since 0.2.0 */
export interface Capture {
  readonly _tag: "Capture"
  readonly now_ms: Timestamp_ms
  readonly paymentId: PaymentId
  readonly amount_minor: number
}

/** The back office voids payment `paymentId`. @category inputs @since 0.2.0 */
export interface Void {
  readonly _tag: "Void"
  readonly now_ms: Timestamp_ms
  readonly paymentId: PaymentId
}

/** The back office refunds `amount_minor` of payment `paymentId`. @category inputs @since 0.2.0 */
export interface Refund {
  readonly _tag: "Refund"
  readonly now_ms: Timestamp_ms
  readonly paymentId: PaymentId
  readonly amount_minor: number
}

/** What the back office can ask for. @category inputs @since 0.2.0 */
export type BackOffice = Capture | Void | Refund

/** Where an operation stands at the merchant. @since 0.2.0 */
export type MerchantOperationState = "Pending" | "Accepted" | "Refused"

/** One capture, void or refund the merchant asked for. @category models @since 0.2.0 */
export interface MerchantOperation {
  readonly request: PaymentOperation
  readonly state: MerchantOperationState
  readonly status: OperationStatus | null
}

/** The transitions of operations, and of the payments they change. @since 0.2.0 */
export const operationTransitions: ReadonlyArray<Transition> = [
  { entity: "operation", from: "None", on: "Capture", to: "Pending" },
  { entity: "operation", from: "None", on: "Void", to: "Pending" },
  { entity: "operation", from: "None", on: "Refund", to: "Pending" },
  { entity: "operation", from: "Pending", on: "OperationResult (accepted)", to: "Accepted" },
  { entity: "operation", from: "Pending", on: "OperationResult (refused)", to: "Refused" },
  { entity: "payment", from: "Authorized", on: "OperationResult (capture accepted)", to: "Captured" },
  { entity: "payment", from: "Captured", on: "OperationResult (capture accepted)", to: "Captured" },
  // A capture the issuer took before a void whose result reached the merchant first.
  { entity: "payment", from: "Voided", on: "OperationResult (capture accepted)", to: "Captured" },
  { entity: "payment", from: "Authorized", on: "OperationResult (void accepted)", to: "Voided" },
  // A second void, sent before the first's result came back, that the gateway says it took too:
  // an honest one refuses it (the hold is closed), so only a compromised acquirer says so. The
  // payment stays voided, and no money moves at the merchant either way.
  { entity: "payment", from: "Voided", on: "OperationResult (void accepted)", to: "Voided" },
  { entity: "payment", from: "Captured", on: "OperationResult (void accepted)", to: "Captured" },
  { entity: "payment", from: "Captured", on: "OperationResult (refund accepted)", to: "Captured" }
]

const KIND: { readonly [T in BackOffice["_tag"]]: OperationKind } = { Capture: "capture", Void: "void", Refund: "refund" }

/** Why the back office's request is refused before it is sent, or `null`. */
const refusal = (payment: MerchantPayment, input: BackOffice): string | null => {
  if (payment.state !== "Authorized" && payment.state !== "Captured") return `payment is ${payment.state.toLowerCase()}`
  if (input._tag === "Void") return payment.voided ? "payment is already voided" : null
  if (!Number.isSafeInteger(input.amount_minor) || input.amount_minor <= 0) return "the amount must be a positive integer in minor units"
  if (input._tag === "Capture") {
    if (payment.voided) return "payment is voided"
    if (payment.holdExpiresAt_ms !== null && input.now_ms >= payment.holdExpiresAt_ms) return "the hold has expired"
    return input.amount_minor > payment.request.amount.amount_minor - payment.captured_minor ? "more than the hold has left" : null
  }
  return input.amount_minor > payment.captured_minor - payment.refunded_minor ? "more than was captured and not refunded" : null
}

/** The merchant's back office asks for a capture, void or refund. @since 0.2.0 */
export const onBackOffice = (state: MerchantState, input: BackOffice): Effect.Effect<Step<MerchantState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const payment = state.payments.get(input.paymentId)
    if (payment === undefined) return yield* new UnknownReference({ kind: "payment", id: input.paymentId })
    const refused = refusal(payment, input)
    if (refused !== null) return yield* new InvalidRequest({ detail: `${KIND[input._tag]} refused: ${refused}` })
    if (!Outbox.hasRoom(state.outbox, state.config.outboxLimit)) return yield* new InvalidRequest({ detail: "too many requests in flight, try again later" })
    const me = state.identity.id
    const id = OperationId.make(`${input.paymentId}.o${payment.operations.length + 1}`)
    const fields = { id, from: me, to: state.config.gateway, paymentId: input.paymentId, expiresAt_ms: (input.now_ms + AUTHORIZATION_TTL_ms) as Timestamp_ms }
    const amount = input._tag === "Void" ? null : Money.money(input.amount_minor, payment.request.amount.currency)
    const request =
      input._tag === "Void" || amount === null
        ? new VoidPayment(fields)
        : input._tag === "Capture"
          ? new CapturePayment({ ...fields, amount })
          : new RefundPayment({ ...fields, amount })
    const packet = yield* sealPacket(state.identity, request)
    return {
      state: {
        ...state,
        payments: state.payments.set(input.paymentId, { ...payment, operations: [...payment.operations, id] }),
        operations: state.operations.set(id, { request, state: "Pending", status: null }),
        outbox: Outbox.add(state.outbox, id, packet, input.now_ms)
      },
      outputs: [transitioned({ party: me, entity: "operation", id, from: "None", on: input._tag, to: "Pending" }), send(packet)]
    }
  })

/** The payment once an operation was accepted. */
const paymentAfter = (payment: MerchantPayment, body: OperationResult): MerchantPayment => {
  const moved = body.amount.amount_minor
  switch (body.operation) {
    case "capture":
      return { ...payment, state: "Captured", captured_minor: payment.captured_minor + moved }
    case "void":
      return { ...payment, state: payment.captured_minor > 0 ? "Captured" : "Voided", voided: true }
    case "refund":
      return { ...payment, refunded_minor: payment.refunded_minor + moved }
  }
}

/** The merchant takes the gateway's signed result of an operation. @since 0.2.0 */
export const onOperationResult = (state: MerchantState, body: OperationResult): Effect.Effect<Step<MerchantState>, Rejection> =>
  Effect.gen(function* () {
    const op = state.operations.get(body.id)
    if (op === undefined) return yield* new UnknownReference({ kind: "operation", id: body.id })
    const payment = state.payments.get(op.request.paymentId)
    if (payment === undefined) return yield* new UnknownReference({ kind: "payment", id: op.request.paymentId })
    if (body.from !== state.config.gateway) return yield* new Mismatch({ id: body.id, field: "gateway" })
    if (body.paymentId !== op.request.paymentId) return yield* new Mismatch({ id: body.id, field: "paymentId" })
    if (body.operation !== operationKindOf(op.request)) return yield* new Mismatch({ id: body.id, field: "operation" })
    const accepted = body.status === "accepted"
    const requested = op.request._tag === "VoidPayment" ? null : op.request.amount
    if (body.amount.currency !== payment.request.amount.currency || (accepted && requested !== null && !Money.equals(body.amount, requested))) {
      return yield* new Mismatch({ id: body.id, field: "amount" })
    }
    if (op.state !== "Pending") {
      if (op.status === body.status) return { state, outputs: [] }
      return yield* new OutOfOrder({ entity: `operation ${body.id}`, state: op.state, input: "OperationResult" })
    }
    const me = state.identity.id
    const to: MerchantPaymentState = accepted ? paymentAfter(payment, body).state : payment.state
    return {
      state: {
        ...state,
        payments: accepted ? state.payments.set(payment.request.id, paymentAfter(payment, body)) : state.payments,
        operations: state.operations.set(body.id, { ...op, state: accepted ? "Accepted" : "Refused", status: body.status }),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs: [
        transitioned({ party: me, entity: "operation", id: body.id, from: "Pending", on: `OperationResult (${accepted ? "accepted" : "refused"})`, to: accepted ? "Accepted" : "Refused" }),
        ...(accepted ? [transitioned({ party: me, entity: "payment", id: payment.request.id, from: payment.state, on: `OperationResult (${body.operation} accepted)`, to })] : [])
      ]
    }
  })
