/**
 * The gateway (acquirer): vouches for merchants, routes their payments to the shoppers' banks,
 * and relays the answers.
 *
 * It accepts an `AuthorizePayment` only from a merchant whose key it has registered, only for
 * that merchant as payee, and forwards it to the issuer named in the payer as a signed
 * `AuthorizationRequest`, retried until the issuer answers. The issuer's answer, checked against
 * the request, becomes the `AuthorizationResult` recorded and sent to the merchant; a retry of
 * the same payment id gets that recorded result again.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { AuthorizationId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { Mismatch, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import type { AuthorizationStatus } from "../messages/Common.js"
import * as Ledger from "../ledger/Ledger.js"
import { IssuerSignature, SettlementInstruction, SubmissionReceipt, type ClearingItem, type MAX_CLEARING_ITEMS } from "../messages/Clearing.js"
import { AuthorizationRequest, AuthorizationResponse, OperationResponse } from "../messages/GatewayIssuer.js"
import { AuthorizationResult, AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from "../messages/MerchantGateway.js"
import { codecOf } from "../messages/Signed.js"
import * as Idempotency from "../machine/Idempotency.js"
import { retainedUntil } from "../machine/Retention.js"
import { guard, send, transitioned, type Machine, type Receive, type Step, type Tick, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { Table } from "../machine/Table.js"
import { encodeSigned, openPacket, sealPacket, type PartyIdentity } from "../machine/Party.js"
import { instructionTransition, NO_SETTLEMENT, type SettlementTerms, type SettlingBank } from "../settlement/Instruction.js"
import { clearingTransitions, onInstruction, onSubmissionReceipt, submitDue, type GatewaySubmission } from "./GatewayClearing.js"
import { acquirerBooks, onMerchantOperation, onOperationResponse, operationTransitions, type GatewayOperation } from "./GatewayOperations.js"

/** Where a payment stands at the gateway. @since 0.1.0 */
export type GatewayPaymentState = "Forwarding" | "Approved" | "Declined" | "Captured" | "Voided"

/** One payment the gateway has accepted. @category models @since 0.1.0 */
export interface GatewayPayment {
  readonly request: AuthorizePayment
  readonly authorizationId: AuthorizationId
  readonly state: GatewayPaymentState
  /** The fingerprint of the issuer's response that decided the payment, once one did. */
  readonly decidedBy: string | null
  /** What the issuer captured so far, in minor units. */
  readonly captured_minor: number
  /** What the issuer refunded so far, in minor units. */
  readonly refunded_minor: number
  /** Refunds forwarded and not yet answered: they count against what may still be refunded. */
  readonly refundsInFlight_minor: number
}

/** How the gateway clears (it submits captures and refunds to its clearing house) and what it charges. @category models @since 0.2.0 */
export interface GatewayConfig extends SettlementTerms {
  /** Its fee on each settled capture, in basis points (150 is 1.5%), rounded down to the minor unit. */
  readonly feeBps: number
  /**
   * The most items it puts in one clearing submission, {@link MAX_CLEARING_ITEMS} when absent. It
   * must be no more than the clearing house takes from one bank in one currency in a cycle
   * (`ClearingBounds.cycleItems`), or a submission may never fit a cycle.
   */
  readonly submissionItems?: number
}

/** A gateway that does not clear and charges nothing. @since 0.2.0 */
export const NO_CLEARING: GatewayConfig = { ...NO_SETTLEMENT, feeBps: 0 }

/** The gateway's state. All of it is durable. @category models @since 0.1.0 */
export interface GatewayState extends SettlingBank {
  readonly identity: PartyIdentity
  readonly config: GatewayConfig
  /** The acquirer's books: merchants' pending and settled funds, fees, and its settlement account. */
  readonly ledger: Ledger.Ledger
  /** Merchants' captures, voids and refunds by `merchant/operationId`. */
  readonly operations: Table<GatewayOperation>
  /** Which merchant operation each of the gateway's own operation ids forwards. */
  readonly byOperation: Table<string>
  /** Merchants' operation requests by `merchant/operationId`, with the results sent. */
  readonly operationRecords: Idempotency.IdempotencyRecords
  /** Captures and refunds the issuer accepted that are not yet in a submission, oldest first. */
  readonly unsubmitted: ReadonlyArray<ClearingItem>
  /** Clearing submissions by id. */
  readonly submissions: Table<GatewaySubmission>
  /** Payments by `merchant/paymentId`. */
  readonly payments: Table<GatewayPayment>
  /** Which payment each authorization id belongs to. */
  readonly byAuthorization: Table<string>
  /** Merchants' requests by `merchant/paymentId`, with the results sent. */
  readonly records: Idempotency.IdempotencyRecords
  readonly outbox: Outbox.Outbox
  /** How many authorization ids have been issued. */
  readonly issued: number
  /** How many operation ids have been issued. */
  readonly operationsIssued: number
}

/** The gateway's inputs. @category inputs @since 0.1.0 */
export type GatewayInput = Receive | Tick

/** A gateway with no payments yet. @since 0.1.0 */
export const initial = (identity: PartyIdentity, config: GatewayConfig = NO_CLEARING): GatewayState => ({
  identity,
  config,
  ledger: config.settlement.reduce((ledger, m) => acquirerBooks(ledger, m.currency, m.amount_minor), Ledger.empty),
  payments: Table.empty(),
  byAuthorization: Table.empty(),
  records: Idempotency.emptyRetained,
  operations: Table.empty(),
  byOperation: Table.empty(),
  operationRecords: Idempotency.emptyRetained,
  unsubmitted: [],
  submissions: Table.empty(),
  settlements: Table.empty(),
  settledItems: Table.empty(),
  outbox: Outbox.empty,
  issued: 0,
  operationsIssued: 0
})

/** The gateway's transitions, as data. @since 0.1.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "payment", from: "None", on: "AuthorizePayment", to: "Forwarding" },
  { entity: "payment", from: "None", on: "AuthorizePayment (expired)", to: "Declined" },
  { entity: "payment", from: "None", on: "AuthorizePayment (no route to issuer)", to: "Declined" },
  { entity: "payment", from: "Forwarding", on: "AuthorizationResponse (approved)", to: "Approved" },
  { entity: "payment", from: "Forwarding", on: "AuthorizationResponse (declined)", to: "Declined" },
  ...operationTransitions,
  ...clearingTransitions,
  instructionTransition
]

/** The signed messages the gateway accepts. @since 0.2.0 */
export const Accepts = codecOf(
  Schema.Union([AuthorizePayment, AuthorizationResponse, CapturePayment, VoidPayment, RefundPayment, OperationResponse, SubmissionReceipt, SettlementInstruction])
)


const paymentKey = (merchant: PartyId, id: string): string => `${merchant}/${id}`

const UNDECIDED = { decidedBy: null, captured_minor: 0, refunded_minor: 0, refundsInFlight_minor: 0 } as const

const onAuthorizePayment = (
  state: GatewayState,
  body: AuthorizePayment,
  now_ms: Timestamp_ms
): Effect.Effect<Step<GatewayState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = paymentKey(body.from, body.id)
    const encoded = encodeSigned(body)
    const seen = yield* Idempotency.admit(state.records, key, body, encoded, now_ms, state.payments.has(key))
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    if (body.payee.merchant !== body.from) return yield* new Mismatch({ id: body.id, field: "payee" })
    const me = state.identity.id
    const issuerKnown = Object.values(state.identity.registry).some((k) => k.owner === body.payer.issuer && k.role === "issuer" && k.status === "active")
    if (now_ms >= body.expiresAt_ms || !issuerKnown) {
      const status: AuthorizationStatus = issuerKnown ? "request_expired" : "unknown_account"
      const result = yield* sealPacket(state.identity, resultFor(state, body, status, null))
      const authorizationId = AuthorizationId.make(`auth-${state.issued + 1}`)
      return {
        state: {
          ...state,
          issued: state.issued + 1,
          payments: state.payments.set(key, { request: body, authorizationId, state: "Declined", ...UNDECIDED }),
          records: Idempotency.record(state.records, key, encoded, result, retainedUntil(body.expiresAt_ms))
        },
        outputs: [
          transitioned({
            party: me,
            entity: "payment",
            id: key,
            from: "None",
            on: issuerKnown ? "AuthorizePayment (expired)" : "AuthorizePayment (no route to issuer)",
            to: "Declined"
          }),
          send(result)
        ]
      }
    }
    const authorizationId = AuthorizationId.make(`auth-${state.issued + 1}`)
    const forward = yield* sealPacket(
      state.identity,
      new AuthorizationRequest({
        id: authorizationId,
        from: me,
        to: body.payer.issuer,
        paymentId: body.id,
        account: body.payer.account,
        amount: body.amount,
        payee: body.payee,
        expiresAt_ms: body.expiresAt_ms
      })
    )
    return {
      state: {
        ...state,
        issued: state.issued + 1,
        payments: state.payments.set(key, { request: body, authorizationId, state: "Forwarding", ...UNDECIDED }),
        byAuthorization: state.byAuthorization.set(authorizationId, key),
        records: Idempotency.record(state.records, key, encoded, null, retainedUntil(body.expiresAt_ms)),
        outbox: Outbox.add(state.outbox, authorizationId, forward, now_ms)
      },
      outputs: [transitioned({ party: me, entity: "payment", id: key, from: "None", on: "AuthorizePayment", to: "Forwarding" }), send(forward)]
    }
  })

const resultFor = (
  state: GatewayState,
  request: AuthorizePayment,
  status: AuthorizationStatus,
  holdExpiresAt_ms: Timestamp_ms | null
): AuthorizationResult =>
  new AuthorizationResult({
    id: request.id,
    from: state.identity.id,
    to: request.from,
    orderId: request.orderId,
    amount: request.amount,
    status,
    holdExpiresAt_ms
  })

const onAuthorizationResponse = (
  state: GatewayState,
  body: AuthorizationResponse
): Effect.Effect<Step<GatewayState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = state.byAuthorization.get(body.id)
    const payment = key === undefined ? undefined : state.payments.get(key)
    if (key === undefined || payment === undefined) return yield* new UnknownReference({ kind: "authorization", id: body.id })
    if (body.from !== payment.request.payer.issuer) return yield* new Mismatch({ id: body.id, field: "issuer" })
    if (body.paymentId !== payment.request.id) return yield* new Mismatch({ id: body.id, field: "paymentId" })
    if (!Money.equals(body.amount, payment.request.amount)) return yield* new Mismatch({ id: body.id, field: "amount" })
    if ((body.status === "approved") !== (body.holdExpiresAt_ms !== null)) return yield* new Mismatch({ id: body.id, field: "holdExpiresAt_ms" })
    const response = Idempotency.fingerprint(encodeSigned(body))
    if (payment.state !== "Forwarding") {
      // The issuer answers every retry of the request with the same response: a copy of the one
      // that decided is a harmless repeat; any other answer contradicts it.
      if (response === payment.decidedBy) return { state, outputs: [] }
      return yield* new OutOfOrder({ entity: `payment ${key}`, state: payment.state, input: "AuthorizationResponse" })
    }
    const approved = body.status === "approved"
    const next: GatewayPaymentState = approved ? "Approved" : "Declined"
    const result = yield* sealPacket(state.identity, resultFor(state, payment.request, body.status, body.holdExpiresAt_ms))
    return {
      state: {
        ...state,
        payments: state.payments.set(key, { ...payment, state: next, decidedBy: response }),
        records: Idempotency.answer(state.records, key, result),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs: [
        transitioned({
          party: state.identity.id,
          entity: "payment",
          id: key,
          from: "Forwarding",
          on: `AuthorizationResponse (${approved ? "approved" : "declined"})`,
          to: next
        }),
        send(result)
      ]
    }
  })

/** The gateway without the idempotency records whose retention ended (`Retention.ts`). */
const pruned = (state: GatewayState, now_ms: Timestamp_ms): GatewayState => {
  const records = Idempotency.prune(state.records, now_ms)
  const operationRecords = Idempotency.prune(state.operationRecords, now_ms)
  return records === state.records && operationRecords === state.operationRecords ? state : { ...state, records, operationRecords }
}

/** The gateway's pure step. @since 0.1.0 */
export const step = (state: GatewayState, input: GatewayInput): Effect.Effect<Step<GatewayState>, never, Ed25519> => {
  if (input._tag === "Tick") {
    const resent = Outbox.resendDue(pruned(state, input.now_ms), input.now_ms)
    return Effect.map(submitDue(resent.state, input.now_ms), (submitted) => ({ state: submitted.state, outputs: [...resent.outputs, ...submitted.outputs] }))
  }
  return guard(
    state.identity.id,
    state,
    input._tag,
    Effect.flatMap(openPacket(Accepts, state.identity, input.packet), ({ body, signer, signature }) => {
      switch (body._tag) {
        case "AuthorizePayment":
          return onAuthorizePayment(state, body, input.now_ms)
        case "AuthorizationResponse":
          return onAuthorizationResponse(state, body)
        case "OperationResponse":
          return onOperationResponse(state, body, new IssuerSignature({ keyId: signer, signature }))
        case "SubmissionReceipt":
          return onSubmissionReceipt(state, body)
        case "SettlementInstruction":
          return onInstruction(state, body)
        default:
          return onMerchantOperation(state, body, input.now_ms)
      }
    })
  )
}

/** The gateway after a crash: everything is durable, and every unanswered request is due again. @since 0.1.0 */
export const restart = (state: GatewayState): GatewayState => ({ ...state, outbox: Outbox.afterRestart(state.outbox) })

/** The gateway as a {@link Machine}. @since 0.1.0 */
export const Gateway: Machine<GatewayState, GatewayInput> = { kind: "Gateway", transitions, step, restart }
