/**
 * What the gateway does after an authorization: it forwards merchants' captures, voids and
 * refunds to the issuer and relays the answers, keeping the acquirer's books as it goes.
 *
 * Captures and voids are the issuer's to decide, since it holds the funds; the gateway checks only
 * that the payment is this merchant's and approved. Refunds are the gateway's to refuse: the
 * acquirer pays for them out of what it owes the merchant, so it forwards a refund only if what
 * was captured covers it together with every refund already made or still in flight. Every
 * merchant request is recorded under `merchant/operationId` and forwarded under one operation id
 * of the gateway's own, so a retry gets the recorded result and is never forwarded twice.
 *
 * When the issuer accepts a capture the acquirer books a claim on the scheme and what it will owe
 * the merchant (`scheme-receivable`, `merchant-pending`); a refund reverses them. Both become
 * clearing items, submitted to the clearing house on the next tick.
 *
 * @since 0.2.0
 */
import { Effect, Result } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { OperationId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { Mismatch, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import { fees, merchantAccount, merchantPending, openBankBooks, schemeReceivable } from "../ledger/Accounts.js"
import * as Ledger from "../ledger/Ledger.js"
import { ClearingItem, type IssuerSignature } from "../messages/Clearing.js"
import type { OperationStatus } from "../messages/Common.js"
import { CaptureRequest, RefundRequest, VoidRequest, type OperationResponse } from "../messages/GatewayIssuer.js"
import { OperationResult, operationKindOf, type PaymentOperation } from "../messages/MerchantGateway.js"
import * as Idempotency from "../machine/Idempotency.js"
import { retainedUntil } from "../machine/Retention.js"
import { send, transitioned, type Output, type Step, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { encodeSigned, sealPacket } from "../machine/Party.js"
import type { GatewayPayment, GatewayPaymentState, GatewayState } from "./Gateway.js"


/** Where a merchant's operation stands at the gateway. @since 0.2.0 */
export type GatewayOperationState = "Forwarding" | "Accepted" | "Refused"

/** One merchant operation and the gateway's own id for it at the issuer. @category models @since 0.2.0 */
export interface GatewayOperation {
  readonly request: PaymentOperation
  /** The gateway's operation id towards the issuer; `null` if the gateway refused it itself. */
  readonly forwardedAs: OperationId | null
  readonly state: GatewayOperationState
  /** The fingerprint of the issuer's response that decided it, once one did. */
  readonly decidedBy: string | null
}

/** The transitions of merchants' operations and of the payments they change. @since 0.2.0 */
export const operationTransitions: ReadonlyArray<Transition> = [
  ...(["CapturePayment", "VoidPayment", "RefundPayment"] as const).flatMap((on) => [
    { entity: "operation", from: "None", on, to: "Forwarding" },
    { entity: "operation", from: "None", on: `${on} (refused)`, to: "Refused" }
  ]),
  { entity: "operation", from: "Forwarding", on: "OperationResponse (accepted)", to: "Accepted" },
  { entity: "operation", from: "Forwarding", on: "OperationResponse (refused)", to: "Refused" },
  { entity: "payment", from: "Approved", on: "OperationResponse (capture accepted)", to: "Captured" },
  { entity: "payment", from: "Captured", on: "OperationResponse (capture accepted)", to: "Captured" },
  // A capture the issuer took before a void whose response reached the gateway first.
  { entity: "payment", from: "Voided", on: "OperationResponse (capture accepted)", to: "Captured" },
  { entity: "payment", from: "Approved", on: "OperationResponse (void accepted)", to: "Voided" },
  { entity: "payment", from: "Captured", on: "OperationResponse (void accepted)", to: "Captured" },
  { entity: "payment", from: "Captured", on: "OperationResponse (refund accepted)", to: "Captured" }
]

/**
 * The acquirer's books in `currency`: reserves, settlement account (funded with
 * `settlementOpening_minor`), scheme receivable and fee income.
 *
 * @since 0.2.0
 */
export const acquirerBooks = (ledger: Ledger.Ledger, currency: Money.Currency, settlementOpening_minor: number): Ledger.Ledger =>
  openBankBooks(ledger, currency, [schemeReceivable(currency), fees(currency)], settlementOpening_minor)

/** The books with every account a merchant's money in `currency` passes through opened, if they were not. */
const withMerchantAccounts = (ledger: Ledger.Ledger, merchant: PartyId, currency: Money.Currency): Ledger.Ledger => {
  let books = ledger.accounts.get(schemeReceivable(currency)) === undefined ? acquirerBooks(ledger, currency, 0) : ledger
  for (const id of [merchantPending(merchant, currency), merchantAccount(merchant, currency)]) {
    const opened = Ledger.openAccount(books, { id, currency, debitsMustNotExceedCredits: false })
    if (Result.isSuccess(opened)) books = opened.success
  }
  return books
}

const amountOf = (request: PaymentOperation): Money.Money | null => (request._tag === "VoidPayment" ? null : request.amount)

/** Why the gateway refuses an operation itself, or `null` to forward it. */
const refusal = (payment: GatewayPayment | undefined, request: PaymentOperation, now_ms: Timestamp_ms): OperationStatus | null => {
  if (payment === undefined || (payment.state !== "Approved" && payment.state !== "Captured" && payment.state !== "Voided")) return "unknown_payment"
  if (now_ms >= request.expiresAt_ms) return "request_expired"
  const amount = amountOf(request)
  if (amount !== null && amount.currency !== payment.request.amount.currency) return "exceeds_remaining"
  if (request._tag === "RefundPayment") {
    const refundable = payment.captured_minor - payment.refunded_minor - payment.refundsInFlight_minor
    if (request.amount.amount_minor > refundable) return "exceeds_remaining"
  }
  return null
}

const resultFor = (state: GatewayState, request: PaymentOperation, currency: Money.Currency, moved: number, status: OperationStatus): OperationResult =>
  new OperationResult({
    id: request.id,
    from: state.identity.id,
    to: request.from,
    paymentId: request.paymentId,
    operation: operationKindOf(request),
    amount: Money.money(moved, currency),
    status
  })

const forwardOf = (state: GatewayState, request: PaymentOperation, payment: GatewayPayment, id: OperationId) => {
  const fields = {
    id,
    from: state.identity.id,
    to: payment.request.payer.issuer,
    authorizationId: payment.authorizationId,
    paymentId: payment.request.id,
    expiresAt_ms: request.expiresAt_ms
  }
  switch (request._tag) {
    case "CapturePayment":
      return new CaptureRequest({ ...fields, amount: request.amount })
    case "RefundPayment":
      return new RefundRequest({ ...fields, amount: request.amount })
    case "VoidPayment":
      return new VoidRequest(fields)
  }
}

/** The gateway takes a merchant's capture, void or refund. @since 0.2.0 */
export const onMerchantOperation = (state: GatewayState, body: PaymentOperation, now_ms: Timestamp_ms): Effect.Effect<Step<GatewayState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = `${body.from}/${body.id}`
    const encoded = encodeSigned(body)
    const seen = yield* Idempotency.admit(state.operationRecords, key, body, encoded, now_ms, state.operations.has(key))
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    const me = state.identity.id
    const paymentKey = `${body.from}/${body.paymentId}`
    const payment = state.payments.get(paymentKey)
    const refused = refusal(payment, body, now_ms)
    if (refused !== null || payment === undefined) {
      const result = yield* sealPacket(state.identity, resultFor(state, body, payment?.request.amount.currency ?? amountOf(body)?.currency ?? "EUR", 0, refused ?? "unknown_payment"))
      return {
        state: {
          ...state,
          operations: state.operations.set(key, { request: body, forwardedAs: null, state: "Refused", decidedBy: null }),
          operationRecords: Idempotency.record(state.operationRecords, key, encoded, result, retainedUntil(body.expiresAt_ms))
        },
        outputs: [transitioned({ party: me, entity: "operation", id: key, from: "None", on: `${body._tag} (refused)`, to: "Refused" }), send(result)]
      }
    }
    const id = OperationId.make(`op-${state.operationsIssued + 1}`)
    const forward = yield* sealPacket(state.identity, forwardOf(state, body, payment, id))
    const inFlight = body._tag === "RefundPayment" ? body.amount.amount_minor : 0
    return {
      state: {
        ...state,
        operationsIssued: state.operationsIssued + 1,
        payments: state.payments.set(paymentKey, { ...payment, refundsInFlight_minor: payment.refundsInFlight_minor + inFlight }),
        operations: state.operations.set(key, { request: body, forwardedAs: id, state: "Forwarding", decidedBy: null }),
        byOperation: state.byOperation.set(id, key),
        operationRecords: Idempotency.record(state.operationRecords, key, encoded, null, retainedUntil(body.expiresAt_ms)),
        outbox: Outbox.add(state.outbox, id, forward, now_ms)
      },
      outputs: [transitioned({ party: me, entity: "operation", id: key, from: "None", on: body._tag, to: "Forwarding" }), send(forward)]
    }
  })

/**
 * The acquirer's entries for an accepted capture or refund, and the clearing item it becomes,
 * carrying the issuer's signature on the response that accepted it.
 */
const book = (
  state: GatewayState,
  op: GatewayOperation,
  payment: GatewayPayment,
  body: OperationResponse,
  issuerSignature: IssuerSignature
): Result.Result<{ readonly ledger: Ledger.Ledger; readonly item: ClearingItem }, Ledger.LedgerError> => {
  const merchant = op.request.from
  const currency = body.amount.currency
  const ledger = withMerchantAccounts(state.ledger, merchant, currency)
  const capture = body.operation === "capture"
  const [debit, credit] = capture ? [schemeReceivable(currency), merchantPending(merchant, currency)] : [merchantPending(merchant, currency), schemeReceivable(currency)]
  const item = new ClearingItem({
    id: body.id,
    kind: capture ? "capture" : "refund",
    acquirer: state.identity.id,
    issuer: payment.request.payer.issuer,
    authorizationId: payment.authorizationId,
    amount: body.amount,
    issuerSignature
  })
  return Result.map(Ledger.transfer(ledger, { id: `${item.kind}:${body.id}`, debit, credit, amount: body.amount }), (booked) => ({ ledger: booked, item }))
}

/** The payment after an accepted operation. */
const paymentAfter = (payment: GatewayPayment, op: GatewayOperation, body: OperationResponse): GatewayPayment => {
  const moved = body.status === "accepted" ? body.amount.amount_minor : 0
  const refund = op.request._tag === "RefundPayment" ? op.request.amount.amount_minor : 0
  const state: GatewayPaymentState =
    body.status !== "accepted" ? payment.state : body.operation === "capture" ? "Captured" : body.operation === "void" && payment.captured_minor === 0 ? "Voided" : payment.state
  return {
    ...payment,
    state,
    captured_minor: payment.captured_minor + (body.operation === "capture" ? moved : 0),
    refunded_minor: payment.refunded_minor + (body.operation === "refund" ? moved : 0),
    refundsInFlight_minor: payment.refundsInFlight_minor - refund
  }
}

/**
 * The gateway takes the issuer's answer to an operation and relays it to the merchant.
 * `issuerSignature` is the key id and signature of the envelope the answer came in, verified on
 * opening it: an accepted capture or refund is booked for clearing with it, the issuer's evidence
 * that it accepted that very operation (see `Clearing.acceptanceOf`).
 *
 * @since 0.2.0
 */
export const onOperationResponse = (state: GatewayState, body: OperationResponse, issuerSignature: IssuerSignature): Effect.Effect<Step<GatewayState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = state.byOperation.get(body.id)
    const op = key === undefined ? undefined : state.operations.get(key)
    const paymentKey = op === undefined ? undefined : `${op.request.from}/${op.request.paymentId}`
    const payment = paymentKey === undefined ? undefined : state.payments.get(paymentKey)
    if (key === undefined || op === undefined || paymentKey === undefined || payment === undefined) return yield* new UnknownReference({ kind: "operation", id: body.id })
    if (body.from !== payment.request.payer.issuer) return yield* new Mismatch({ id: body.id, field: "issuer" })
    if (body.authorizationId !== payment.authorizationId) return yield* new Mismatch({ id: body.id, field: "authorizationId" })
    if (body.operation !== operationKindOf(op.request)) return yield* new Mismatch({ id: body.id, field: "operation" })
    const requested = amountOf(op.request)
    const accepted = body.status === "accepted"
    if (body.amount.currency !== payment.request.amount.currency || (accepted && requested !== null && body.amount.amount_minor !== requested.amount_minor)) {
      return yield* new Mismatch({ id: body.id, field: "amount" })
    }
    const response = Idempotency.fingerprint(encodeSigned(body))
    if (op.state !== "Forwarding") {
      if (response === op.decidedBy) return { state, outputs: [] }
      return yield* new OutOfOrder({ entity: `operation ${key}`, state: op.state, input: "OperationResponse" })
    }
    const booking = accepted && body.operation !== "void" ? book(state, op, payment, body, issuerSignature) : undefined
    if (booking !== undefined && Result.isFailure(booking)) return yield* new Mismatch({ id: body.id, field: "ledger" })
    const booked = booking === undefined || Result.isFailure(booking) ? undefined : booking.success
    const result = yield* sealPacket(state.identity, resultFor(state, op.request, body.amount.currency, body.amount.amount_minor, body.status))
    const after = paymentAfter(payment, op, body)
    const me = state.identity.id
    const outputs: Array<Output> = [
      transitioned({ party: me, entity: "operation", id: key, from: "Forwarding", on: `OperationResponse (${accepted ? "accepted" : "refused"})`, to: accepted ? "Accepted" : "Refused" })
    ]
    if (accepted) outputs.push(transitioned({ party: me, entity: "payment", id: paymentKey, from: payment.state, on: `OperationResponse (${body.operation} accepted)`, to: after.state }))
    return {
      state: {
        ...state,
        ledger: booked?.ledger ?? state.ledger,
        unsubmitted: booked === undefined ? state.unsubmitted : [...state.unsubmitted, booked.item],
        payments: state.payments.set(paymentKey, after),
        operations: state.operations.set(key, { ...op, state: accepted ? "Accepted" : "Refused", decidedBy: response }),
        operationRecords: Idempotency.answer(state.operationRecords, key, result),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs: [...outputs, send(result)]
    }
  })
