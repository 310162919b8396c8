/**
 * The gateway's captures, voids and refunds, one input at a time: merchants' requests refused by
 * the gateway itself (recorded and answered again byte for byte) or forwarded to the issuer under
 * the gateway's own operation ids, the refund limit with refunds in flight, the issuer's answers
 * (and every mismatch of them), the acquirer's ledger entries and the clearing items they queue.
 * Every operation transition of `Gateway.transitions` is exercised, and the last test checks it.
 */
import { Result, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import { describe, expect, it } from "vitest"
import { canonicalJson } from "../../src/crypto/Canonical.js"
import { Ed25519 } from "../../src/crypto/Ed25519.js"
import { signingBytes } from "../../src/crypto/Envelope.js"
import { AuthorizationId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import * as Accounts from "../../src/ledger/Accounts.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import { acceptanceOf, IssuerSignature } from "../../src/messages/Clearing.js"
import type { OperationStatus } from "../../src/messages/Common.js"
import { CaptureRequest, RefundRequest, VoidRequest } from "../../src/messages/GatewayIssuer.js"
import { OperationResult, type CapturePayment, type RefundPayment, type VoidPayment } from "../../src/messages/MerchantGateway.js"
import { AnySigned } from "../../src/messages/Signed.js"
import * as Gateway from "../../src/parties/Gateway.js"
import {
  balance,
  bodyOf,
  Coverage,
  envelopeOf,
  expectBalanced,
  expectRejected,
  expectSent,
  expectUnchanged,
  mutateBody,
  parties,
  run,
  seal,
  sealWith,
  sent,
  sentOne,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import {
  ANSWER_ms,
  AUTHORIZED_ms,
  authorizeBody,
  capturePayment,
  freshGateway,
  gatewayScenarios,
  issuer2,
  merchant2,
  merchantNamed,
  OPERATE_ms,
  OPERATION_EXPIRES_ms,
  refundPayment,
  voidPayment
} from "../support/gatewayScenarios.js"
import { AMOUNT_minor, AUTH_1, authorizationResponse, clearingItem, OP, operationResponse, PAY_1, T0 } from "../support/messages.js"
import { gatewayParts } from "../support/transitionParts.js"

const { merchant, gateway, issuer } = parties

/** This file covers the operations' part of the table; Gateway.test.ts and GatewaySettlement.test.ts the rest. */
const coverage = new Coverage(gateway.id, Gateway.transitions, gatewayParts.operations)
const stepGateway = (state: Gateway.GatewayState, input: Gateway.GatewayInput): Step<Gateway.GatewayState> => coverage.observe(run(Gateway.step(state, input)))
const { deliver, approve, approved, forward, answer, accepted, captured } = gatewayScenarios(stepGateway)

type MerchantOperation = CapturePayment | VoidPayment | RefundPayment

const PAYMENT_KEY = `${merchant.id}/${PAY_1}`
const keyOf = (body: MerchantOperation): string => `${body.from}/${body.id}`

const receivable = (state: Gateway.GatewayState): number => balance(state, Accounts.schemeReceivable("EUR"))
const pending = (state: Gateway.GatewayState, who = merchant.id): number => balance(state, Accounts.merchantPending(who, "EUR"))

/** The one result a step sends to the merchant, decoded. */
const resultOf = (step: Step<Gateway.GatewayState>, to: string = merchant.id): OperationResult => {
  const packet = sentOne(step)
  expect(packet.to).toBe(to)
  const body = bodyOf(packet)
  expect(body).toBeInstanceOf(OperationResult)
  return body as OperationResult
}

/** Asserts the gateway refused `body` itself with `status`: recorded, answered, nothing forwarded. */
const refusedItself = (before: Gateway.GatewayState, body: MerchantOperation, status: OperationStatus, now_ms: number = OPERATE_ms) => {
  const step = deliver(before, seal(merchantNamed(body.from), body), now_ms)
  expect(transitionsIn(step)).toEqual([
    expect.objectContaining({ party: gateway.id, entity: "operation", id: keyOf(body), from: "None", on: `${body._tag} (refused)`, to: "Refused" })
  ])
  const result = resultOf(step, body.from)
  expect(result).toMatchObject({ id: body.id, from: gateway.id, to: body.from, paymentId: body.paymentId, status, amount: { amount_minor: 0 } })
  expect(step.state.operations.get(keyOf(body))).toMatchObject({ state: "Refused", forwardedAs: null })
  const packet = sentOne(step)
  expect(step.state.operationRecords.get(keyOf(body))?.answer).toEqual(packet)
  expect(step.state.outbox.entries()).toEqual(before.outbox.entries())
  expect(step.state.payments).toBe(before.payments)
  expect(step.state.ledger).toBe(before.ledger)
  expect(step.state.operationsIssued).toBe(before.operationsIssued)
  return { step, result, packet }
}

describe("GatewayOperations", () => {
  describe("forwarding", () => {
    it("step - should forward a CapturePayment as CaptureRequest op-1 for the payment's authorization (None -> Forwarding)", () => {
      const before = approved()
      const body = capturePayment(1, 1_000)
      const { result, packet, forwarded } = forward(before, body)
      expect(transitionsIn(result)).toEqual([
        expect.objectContaining({ party: gateway.id, entity: "operation", id: keyOf(body), from: "None", on: "CapturePayment", to: "Forwarding" })
      ])
      expect(packet).toMatchObject({ from: gateway.id, to: issuer.id, channel: "signed" })
      expect(forwarded).toEqual(
        new CaptureRequest({
          id: OP(1),
          from: gateway.id,
          to: issuer.id,
          authorizationId: AUTH_1,
          paymentId: PAY_1,
          amount: Money.money(1_000, "EUR"),
          expiresAt_ms: OPERATION_EXPIRES_ms
        })
      )
      expect(result.state.operations.get(keyOf(body))).toMatchObject({ state: "Forwarding", forwardedAs: OP(1), decidedBy: null })
      expect(result.state.byOperation.toRecord()).toEqual({ [OP(1)]: keyOf(body) })
      expect(result.state.operationRecords.get(keyOf(body))?.answer).toBeNull()
      expect(result.state.operationsIssued).toBe(1)
      expect(result.state.outbox.keys()).toEqual([OP(1)])
      expect(result.state.payments.entries()).toEqual(before.payments.entries())
      expect(result.state.ledger).toBe(before.ledger)
    })

    it("step - should forward a VoidPayment as a VoidRequest (None -> Forwarding)", () => {
      const body = voidPayment(1)
      const { result, forwarded } = forward(approved(), body)
      expect(transitionsIn(result)).toEqual([expect.objectContaining({ entity: "operation", id: keyOf(body), from: "None", on: "VoidPayment", to: "Forwarding" })])
      expect(forwarded).toEqual(
        new VoidRequest({ id: OP(1), from: gateway.id, to: issuer.id, authorizationId: AUTH_1, paymentId: PAY_1, expiresAt_ms: OPERATION_EXPIRES_ms })
      )
    })

    it("step - should forward a RefundPayment within what was captured as a RefundRequest, counting it in flight (None -> Forwarding)", () => {
      const body = refundPayment(2, 500)
      const { result, forwarded } = forward(captured(), body)
      expect(transitionsIn(result)).toEqual([expect.objectContaining({ entity: "operation", id: keyOf(body), from: "None", on: "RefundPayment", to: "Forwarding" })])
      expect(forwarded).toEqual(
        new RefundRequest({
          id: OP(2),
          from: gateway.id,
          to: issuer.id,
          authorizationId: AUTH_1,
          paymentId: PAY_1,
          amount: Money.money(500, "EUR"),
          expiresAt_ms: OPERATION_EXPIRES_ms
        })
      )
      expect(result.state.payments.get(PAYMENT_KEY)).toMatchObject({ captured_minor: AMOUNT_minor, refunded_minor: 0, refundsInFlight_minor: 500 })
    })

    it("step - should forward each payment's operations to its own issuer under its own authorization", () => {
      const { state: two, authorizationId } = approve(approved(), { merchant: merchant2, paymentId: PAY_1, amount_minor: 700, issuer: issuer2 })
      expect(authorizationId).toBe("auth-2")
      const { forwarded } = forward(two, capturePayment(1, 700, { from: merchant2 }))
      expect(forwarded).toMatchObject({ id: OP(1), to: issuer2.id, authorizationId: "auth-2", paymentId: PAY_1 })
      expect(forward(two, capturePayment(1, 100)).forwarded).toMatchObject({ to: issuer.id, authorizationId: AUTH_1 })
    })

    it("step - should forward operations on a voided payment for the issuer to decide", () => {
      const voided = accepted(approved(), voidPayment(1), AMOUNT_minor)
      expect(voided.payments.get(PAYMENT_KEY)?.state).toBe("Voided")
      expect(forward(voided, capturePayment(2, 100)).forwarded).toMatchObject({ _tag: "CaptureRequest", id: OP(2) })
    })

    it("step - should send nothing and change nothing on a repeat while forwarding", () => {
      const { state } = forward(approved(), capturePayment(1, 1_000))
      const repeat = deliver(state, seal(merchant, capturePayment(1, 1_000)), OPERATE_ms + 500)
      expectUnchanged(repeat, state)
    })

    it("step - should resend the forwarded request byte for byte on Tick", () => {
      const { state, packet } = forward(approved(), capturePayment(1, 1_000))
      expect(stepGateway(state, tick(OPERATE_ms + RETRY_BASE_ms - 1)).outputs).toEqual([])
      const due = stepGateway(state, tick(OPERATE_ms + RETRY_BASE_ms))
      expect(transitionsIn(due)).toEqual([])
      expectSent(due, [packet])
      const restarted = stepGateway(Gateway.restart(state), tick(OPERATE_ms))
      expectSent(restarted, [packet])
    })
  })

  describe("refused by the gateway", () => {
    it("step - should refuse operations on a payment it does not know with a signed unknown_payment result (None -> Refused)", () => {
      const before = approved()
      const other = PaymentId.make("pay-9")
      refusedItself(before, capturePayment(1, 100, { paymentId: other }), "unknown_payment")
      refusedItself(before, voidPayment(1, { paymentId: other }), "unknown_payment")
      refusedItself(before, refundPayment(1, 100, { paymentId: other }), "unknown_payment")
    })

    it("step - should refuse an operation on another merchant's payment as unknown", () => {
      // merchant-2 names pay-1, which is merchant-1's payment: payment ids are per merchant.
      const { result } = refusedItself(approved(), capturePayment(1, 100, { from: merchant2 }), "unknown_payment")
      expect(result.to).toBe(merchant2.id)
    })

    it("step - should refuse an operation on a payment still being authorized, or declined, with unknown_payment", () => {
      const forwarding = deliver(freshGateway(), seal(merchant, authorizeBody()), T0).state
      expect(forwarding.payments.get(PAYMENT_KEY)?.state).toBe("Forwarding")
      refusedItself(forwarding, capturePayment(1, 100), "unknown_payment")
      const declined = deliver(forwarding, seal(issuer, authorizationResponse("declined_by_shopper")), AUTHORIZED_ms).state
      expect(declined.payments.get(PAYMENT_KEY)?.state).toBe("Declined")
      refusedItself(declined, voidPayment(1), "unknown_payment")
    })

    it("step - should refuse a request arriving at or after its expiry with request_expired", () => {
      const before = approved()
      refusedItself(before, capturePayment(1, 100), "request_expired", OPERATION_EXPIRES_ms)
      refusedItself(before, voidPayment(1), "request_expired", OPERATION_EXPIRES_ms + 1)
    })

    it("step - should refuse a capture in another currency than the payment's with exceeds_remaining", () => {
      const { result } = refusedItself(approved(), capturePayment(1, 100, { currency: "USD" }), "exceeds_remaining")
      expect(result.amount.currency).toBe("EUR")
    })

    it("step - should refuse a refund before any capture with exceeds_remaining", () => {
      refusedItself(approved(), refundPayment(1, 1), "exceeds_remaining")
    })

    it("step - should refuse a refund beyond what was captured and not yet refunded with exceeds_remaining", () => {
      const before = captured(1_000)
      refusedItself(before, refundPayment(2, 1_001), "exceeds_remaining")
      const refunded = accepted(before, refundPayment(2, 600))
      expect(refunded.payments.get(PAYMENT_KEY)).toMatchObject({ refunded_minor: 600, refundsInFlight_minor: 0 })
      refusedItself(refunded, refundPayment(3, 401), "exceeds_remaining")
      expect(forward(refunded, refundPayment(3, 400)).forwarded).toMatchObject({ _tag: "RefundRequest", amount: { amount_minor: 400 } })
    })

    it("step - should count refunds in flight: of two concurrent refunds, the second that would exceed is refused", () => {
      const first = forward(captured(1_000), refundPayment(2, 600))
      expect(first.state.payments.get(PAYMENT_KEY)?.refundsInFlight_minor).toBe(600)
      refusedItself(first.state, refundPayment(3, 500), "exceeds_remaining")
      const second = forward(first.state, refundPayment(3, 400))
      expect(second.state.payments.get(PAYMENT_KEY)?.refundsInFlight_minor).toBe(1_000)
      refusedItself(second.state, refundPayment(4, 1), "exceeds_remaining")
    })

    it("step - should release a refund's share when the issuer refuses it", () => {
      const { state, forwarded } = forward(captured(1_000), refundPayment(2, 1_000))
      const refused = answer(state, forwarded, "exceeds_remaining")
      expect(refused.state.payments.get(PAYMENT_KEY)).toMatchObject({ refunded_minor: 0, refundsInFlight_minor: 0 })
      expect(forward(refused.state, refundPayment(3, 1_000)).forwarded).toMatchObject({ id: OP(3) })
    })

    it("step - should answer a retry of a refused request with the byte-identical recorded result, even long after", () => {
      const body = capturePayment(1, 100, { paymentId: PaymentId.make("pay-9") })
      const { step, packet } = refusedItself(approved(), body, "unknown_payment")
      const retry = deliver(step.state, seal(merchant, body), OPERATION_EXPIRES_ms + 3_600_000)
      expectUnchanged(retry, step.state, [packet])
    })

    it("step - should reject a reused operation id with another body with IdempotencyConflict", () => {
      const refusedState = refusedItself(approved(), capturePayment(1, 100, { paymentId: PaymentId.make("pay-9") }), "unknown_payment").step.state
      const conflict = seal(merchant, capturePayment(1, 200, { paymentId: PaymentId.make("pay-9") }))
      expect(expectRejected(deliver(refusedState, conflict), refusedState, "IdempotencyConflict").rejection.requestId).toBe("pay-9.o1")
      const { state } = forward(approved(), capturePayment(1, 1_000))
      expectRejected(deliver(state, seal(merchant, voidPayment(1, { paymentId: PAY_1 }))), state, "IdempotencyConflict")
      expectRejected(deliver(state, seal(merchant, capturePayment(1, 1_000, { expiresAt_ms: (OPERATION_EXPIRES_ms + 1) as Timestamp_ms }))), state, "IdempotencyConflict")
    })

    it("step - should reject a request signed by another merchant's key with WrongSigner, and a changed amount with BadSignature", () => {
      const before = approved()
      expectRejected(deliver(before, sealWith(merchant2.signing, capturePayment(1, 100))), before, "WrongSigner")
      const forged = mutateBody(seal(merchant, capturePayment(1, 100)), (body) => void (body.amount.amount_minor = 1_250))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })

    it("step - should reject a refund signed under the capture's domain tag with BadSignature", () => {
      // Capture and refund have the same fields: only the domain tag tells them apart.
      const before = captured()
      const retagged = mutateBody(seal(merchant, capturePayment(2, 100)), (body) => void (body._tag = "RefundPayment"))
      expectRejected(deliver(before, retagged), before, "BadSignature")
    })
  })

  describe("OperationResponse", () => {
    it("step - should relay an accepted capture, book it and queue its clearing item (Forwarding -> Accepted, Approved -> Captured)", () => {
      const body = capturePayment(1, 1_000)
      const { state, forwarded } = forward(approved(), body)
      const step = answer(state, forwarded)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "operation", id: keyOf(body), from: "Forwarding", on: "OperationResponse (accepted)", to: "Accepted" }),
        expect.objectContaining({ entity: "payment", id: PAYMENT_KEY, from: "Approved", on: "OperationResponse (capture accepted)", to: "Captured" })
      ])
      expect(resultOf(step)).toEqual(
        new OperationResult({ id: body.id, from: gateway.id, to: merchant.id, paymentId: PAY_1, operation: "capture", amount: Money.money(1_000, "EUR"), status: "accepted" })
      )
      expect(step.state.payments.get(PAYMENT_KEY)).toMatchObject({ state: "Captured", captured_minor: 1_000, refunded_minor: 0 })
      expect(step.state.operations.get(keyOf(body))).toMatchObject({ state: "Accepted" })
      expect(step.state.outbox.entries()).toEqual([])
      expect(receivable(step.state)).toBe(-1_000)
      expect(pending(step.state)).toBe(1_000)
      expect(balance(step.state, Accounts.merchantAccount(merchant.id, "EUR"))).toBe(0)
      expect(step.state.ledger.journal.get(`capture:${OP(1)}`)).toMatchObject({ debit: Accounts.schemeReceivable("EUR"), credit: Accounts.merchantPending(merchant.id, "EUR"), amount_minor: 1_000 })
      expectBalanced(step.state)
      expect(step.state.unsubmitted).toEqual([
        clearingItem(1, "capture", 1_000)
      ])
    })

    it("step - should book each accepted capture and refund with the issuer's signature on the response that accepted it, over the bytes the item rebuilds", () => {
      const capturing = forward(approved(), capturePayment(1, 1_000))
      const captureResponse = seal(issuer, operationResponse(capturing.forwarded))
      const afterCapture = deliver(capturing.state, captureResponse, ANSWER_ms)
      const refunding = forward(afterCapture.state, refundPayment(2, 400))
      const refundResponse = seal(issuer, operationResponse(refunding.forwarded))
      const afterRefund = deliver(refunding.state, refundResponse, ANSWER_ms)
      const items = afterRefund.state.unsubmitted
      expect(items.map((i) => [i.id, i.kind])).toEqual([
        [OP(1), "capture"],
        [OP(2), "refund"]
      ])
      for (const [item, response] of [
        [items[0]!, captureResponse],
        [items[1]!, refundResponse]
      ] as const) {
        const wire = envelopeOf(response)
        // The evidence is the envelope's own key id and signature, kept as they were verified.
        expect(item.issuerSignature).toEqual(new IssuerSignature({ keyId: issuer.signing.keyId, signature: wire.signature }))
        // The body the clearing house rebuilds from the item is byte for byte the one the issuer signed.
        const rebuilt = Schema.encodeSync(AnySigned.schema)(acceptanceOf(item))
        expect(canonicalJson(rebuilt)).toBe(canonicalJson(wire.body))
        expect(signingBytes("OperationResponse", rebuilt)).toEqual(signingBytes("OperationResponse", wire.body))
        const verified = run(Ed25519.useSync((ed) => ed.verify(issuer.key.publicKey, signingBytes("OperationResponse", rebuilt), Result.getOrThrow(Base64Url.decode(item.issuerSignature.signature)))))
        expect(verified).toBe(true)
      }
    })

    it("step - should answer a merchant's retry after the decision with the byte-identical relayed result", () => {
      const body = capturePayment(1, 1_000)
      const { state, forwarded } = forward(approved(), body)
      const decided = answer(state, forwarded)
      const retry = deliver(decided.state, seal(merchant, body), ANSWER_ms + 1_000)
      expectUnchanged(retry, decided.state, sent(decided))
    })

    it("step - should add a second capture to the first (Captured -> Captured)", () => {
      const { state, forwarded } = forward(captured(1_000), capturePayment(2, 250))
      const step = answer(state, forwarded)
      expect(transitionsIn(step)).toContainEqual(
        expect.objectContaining({ entity: "payment", from: "Captured", on: "OperationResponse (capture accepted)", to: "Captured" })
      )
      expect(step.state.payments.get(PAYMENT_KEY)).toMatchObject({ captured_minor: AMOUNT_minor })
      expect(receivable(step.state)).toBe(-AMOUNT_minor)
      expect(pending(step.state)).toBe(AMOUNT_minor)
      expect(step.state.unsubmitted.map((item) => [item.id, item.amount.amount_minor])).toEqual([
        [OP(1), 1_000],
        [OP(2), 250]
      ])
    })

    it("step - should mark a payment with nothing captured Voided on an accepted void, booking nothing (Approved -> Voided)", () => {
      const body = voidPayment(1)
      const { state, forwarded } = forward(approved(), body)
      const step = answer(state, forwarded, "accepted", AMOUNT_minor)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "operation", from: "Forwarding", on: "OperationResponse (accepted)", to: "Accepted" }),
        expect.objectContaining({ entity: "payment", id: PAYMENT_KEY, from: "Approved", on: "OperationResponse (void accepted)", to: "Voided" })
      ])
      expect(resultOf(step)).toMatchObject({ id: body.id, operation: "void", amount: { amount_minor: AMOUNT_minor, currency: "EUR" }, status: "accepted" })
      expect(step.state.payments.get(PAYMENT_KEY)?.state).toBe("Voided")
      expect(step.state.ledger).toBe(state.ledger)
      expect(step.state.unsubmitted).toEqual([])
    })

    it("step - should keep a partly captured payment Captured on an accepted void (Captured -> Captured)", () => {
      const { state, forwarded } = forward(captured(1_000), voidPayment(2))
      const step = answer(state, forwarded, "accepted", 250)
      expect(transitionsIn(step)).toContainEqual(
        expect.objectContaining({ entity: "payment", from: "Captured", on: "OperationResponse (void accepted)", to: "Captured" })
      )
      expect(resultOf(step).amount.amount_minor).toBe(250)
      expect(step.state.ledger).toBe(state.ledger)
      expect(step.state.unsubmitted).toBe(state.unsubmitted)
    })

    it("step - should take a capture accepted before a void whose response arrived first (Voided -> Captured)", () => {
      const capturing = forward(approved(), capturePayment(1, 1_000))
      const voiding = forward(capturing.state, voidPayment(2))
      const voided = answer(voiding.state, voiding.forwarded, "accepted", 250)
      expect(voided.state.payments.get(PAYMENT_KEY)?.state).toBe("Voided")
      const step = answer(voided.state, capturing.forwarded)
      expect(transitionsIn(step)).toContainEqual(
        expect.objectContaining({ entity: "payment", from: "Voided", on: "OperationResponse (capture accepted)", to: "Captured" })
      )
      expect(step.state.payments.get(PAYMENT_KEY)).toMatchObject({ state: "Captured", captured_minor: 1_000 })
      expect(pending(step.state)).toBe(1_000)
    })

    it("step - should reverse the booking on an accepted refund and queue a refund item (Captured -> Captured)", () => {
      const body = refundPayment(2, 400)
      const { state, forwarded } = forward(captured(), body)
      const step = answer(state, forwarded)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "operation", id: keyOf(body), from: "Forwarding", on: "OperationResponse (accepted)", to: "Accepted" }),
        expect.objectContaining({ entity: "payment", id: PAYMENT_KEY, from: "Captured", on: "OperationResponse (refund accepted)", to: "Captured" })
      ])
      expect(resultOf(step)).toMatchObject({ id: body.id, operation: "refund", amount: { amount_minor: 400 }, status: "accepted" })
      expect(step.state.payments.get(PAYMENT_KEY)).toMatchObject({ captured_minor: AMOUNT_minor, refunded_minor: 400, refundsInFlight_minor: 0 })
      expect(receivable(step.state)).toBe(-(AMOUNT_minor - 400))
      expect(pending(step.state)).toBe(AMOUNT_minor - 400)
      expect(step.state.ledger.journal.get(`refund:${OP(2)}`)).toMatchObject({ debit: Accounts.merchantPending(merchant.id, "EUR"), credit: Accounts.schemeReceivable("EUR") })
      expectBalanced(step.state)
      expect(step.state.unsubmitted.at(-1)).toEqual(
        clearingItem(2, "refund", 400)
      )
    })

    it("step - should relay a refusal, booking nothing (Forwarding -> Refused)", () => {
      for (const status of ["hold_expired", "hold_closed", "exceeds_remaining", "request_expired", "unknown_payment"] as const) {
        const body = capturePayment(1, 1_000)
        const { state, forwarded } = forward(approved(), body)
        const step = answer(state, forwarded, status)
        expect(transitionsIn(step)).toEqual([
          expect.objectContaining({ entity: "operation", id: keyOf(body), from: "Forwarding", on: "OperationResponse (refused)", to: "Refused" })
        ])
        expect(resultOf(step)).toMatchObject({ id: body.id, operation: "capture", amount: { amount_minor: 0 }, status })
        expect(step.state.payments.get(PAYMENT_KEY)).toMatchObject({ state: "Approved", captured_minor: 0 })
        expect(step.state.ledger).toBe(state.ledger)
        expect(step.state.unsubmitted).toEqual([])
        expect(step.state.outbox.entries()).toEqual([])
      }
    })

    it("step - should take a copy of the deciding response as a repeat: no output, the same state", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const decided = answer(state, forwarded).state
      const repeat = answer(decided, forwarded)
      expectUnchanged(repeat, decided)
    })

    it("step - should reject a response contradicting the deciding one with OutOfOrder", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const decided = answer(state, forwarded).state
      const { rejection } = expectRejected(answer(decided, forwarded, "hold_expired"), decided, "OutOfOrder")
      expect(rejection).toMatchObject({ entity: `operation ${merchant.id}/pay-1.o1`, state: "Accepted", input: "OperationResponse" })
      const refused = answer(state, forwarded, "hold_closed").state
      expect(expectRejected(answer(refused, forwarded), refused, "OutOfOrder").rejection.state).toBe("Refused")
    })

    it("step - should reject a response to an operation it never forwarded with UnknownReference", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const packet = seal(issuer, operationResponse(forwarded, "accepted", undefined, { id: OP(9) }))
      expect(expectRejected(deliver(state, packet, ANSWER_ms), state, "UnknownReference").rejection).toMatchObject({ kind: "operation", id: OP(9) })
    })

    const mismatches: ReadonlyArray<readonly [string, (f: CaptureRequest) => Packet, string]> = [
      ["from another issuer than the payer's", (f) => seal(issuer2, operationResponse(f, "accepted", undefined, { from: issuer2.id })), "issuer"],
      ["for another authorization", (f) => seal(issuer, operationResponse(f, "accepted", undefined, { authorizationId: AuthorizationId.make("auth-9") })), "authorizationId"],
      ["for another kind of operation", (f) => seal(issuer, operationResponse(f, "accepted", undefined, { operation: "refund" })), "operation"],
      ["accepting another amount", (f) => seal(issuer, operationResponse(f, "accepted", 999)), "amount"],
      ["in another currency", (f) => seal(issuer, operationResponse(f, "accepted", undefined, { amount: Money.money(1_000, "USD") })), "amount"],
      ["refusing in another currency", (f) => seal(issuer, operationResponse(f, "hold_closed", undefined, { amount: Money.money(0, "USD") })), "amount"]
    ]
    for (const [what, forge, field] of mismatches) {
      it(`step - should reject a response ${what} with Mismatch (${field})`, () => {
        const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
        expect(expectRejected(deliver(state, forge(forwarded as CaptureRequest), ANSWER_ms), state, "Mismatch").rejection).toMatchObject({ id: OP(1), field })
      })
    }

    it("step - should reject a response signed by a merchant's key with WrongSigner", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      expectRejected(deliver(state, sealWith(merchant.signing, operationResponse(forwarded)), ANSWER_ms), state, "WrongSigner")
    })

    it("step - should reject a refusal turned into an acceptance in transit with BadSignature", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const forged = mutateBody(seal(issuer, operationResponse(forwarded, "hold_expired")), (body) => {
        body.status = "accepted"
        body.amount.amount_minor = 1_000
      })
      expectRejected(deliver(state, forged, ANSWER_ms), state, "BadSignature")
    })

    it("step - should stop resending a forwarded request once it is answered", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const decided = answer(state, forwarded).state
      const later = stepGateway(decided, tick(ANSWER_ms + 10 * RETRY_BASE_ms))
      expectUnchanged(later, decided)
    })

    it("step - should take a response arriving after the request's own expiry: the issuer decided in time", () => {
      const { state, forwarded } = forward(approved(), capturePayment(1, 1_000))
      const late = deliver(state, seal(issuer, operationResponse(forwarded)), OPERATION_EXPIRES_ms + 1)
      expect(late.state.operations.get(`${merchant.id}/pay-1.o1`)?.state).toBe("Accepted")
    })
  })

  describe("transitions table", () => {
    it("transitions - should all of the operations' part have been exercised by this file", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
