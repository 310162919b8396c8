/**
 * The merchant's back office, one input at a time: captures, voids and refunds of an authorized
 * payment sent as signed requests and retried, the local checks against the figures the gateway
 * confirmed, and the gateway's signed `OperationResult` (and every mismatch of it) refused or
 * accepted. Every operation transition of `Merchant.transitions` is asserted, and the last test
 * checks that the file covered that part of the table.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { open } from "../../src/crypto/Envelope.js"
import { ids } from "../../src/drivers/Topology.js"
import { OperationId, PartyId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { OUTBOX_LIMIT, RETRY_BASE_ms, from as outboxOf } from "../../src/machine/Outbox.js"
import type { OperationKind, OperationStatus } from "../../src/messages/Common.js"
import { CapturePayment, OperationResult, RefundPayment, VoidPayment } from "../../src/messages/MerchantGateway.js"
import { codecOf } from "../../src/messages/Signed.js"
import * as Merchant from "../../src/parties/Merchant.js"
import type { MerchantInput, MerchantState } from "../../src/parties/Merchant.js"
import type { BackOffice } from "../../src/parties/MerchantOperations.js"
import {
  at,
  Coverage,
  expectRejected,
  expectSent,
  expectUnchanged,
  impostorOf,
  mutateBody,
  receive as receiveAt,
  run,
  seal,
  sent,
  sentOne,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import { checkoutScenarios, gateway, HOLD_UNTIL_ms, P1, TOTAL_minor } from "../support/checkoutScenarios.js"
import { merchantParts } from "../support/transitionParts.js"

/** This file covers the operations' part of the table; Merchant.test.ts the rest. */
const coverage = new Coverage(ids.merchant, Merchant.transitions, merchantParts.operations)
const step = (state: MerchantState, input: MerchantInput): Step<MerchantState> => coverage.observe(run(Merchant.step(state, input)))

/** Payment ord-1.p1 Authorizing, Authorized for TOTAL_minor (its hold until HOLD_UNTIL_ms) or Declined. */
const { paying, paid: authorized, declined } = checkoutScenarios(step)

const op = (n: number, payment: PaymentId = P1): OperationId => OperationId.make(`${payment}.o${n}`)
const O1 = op(1)
const O2 = op(2)
const O3 = op(3)
/** When the back office acts in these tests. */
const NOW_ms = at(60_000)
/** The Receive of `packet`, at NOW_ms unless a test says otherwise. */
const receive = (packet: Packet, now_ms: number = NOW_ms): MerchantInput => receiveAt(packet, now_ms)

const capture = (amount_minor: number, now_ms: Timestamp_ms = NOW_ms, paymentId = P1): BackOffice => ({ _tag: "Capture", now_ms, paymentId, amount_minor })
const voidIt = (now_ms: Timestamp_ms = NOW_ms, paymentId = P1): BackOffice => ({ _tag: "Void", now_ms, paymentId })
const refund = (amount_minor: number, now_ms: Timestamp_ms = NOW_ms, paymentId = P1): BackOffice => ({ _tag: "Refund", now_ms, paymentId, amount_minor })

const resultBody = (
  id: OperationId,
  operation: OperationKind,
  amount_minor: number,
  status: OperationStatus = "accepted",
  over: Partial<ConstructorParameters<typeof OperationResult>[0]> = {}
): OperationResult =>
  new OperationResult({ id, from: ids.gateway, to: ids.merchant, paymentId: P1, operation, amount: Money.money(amount_minor, "EUR"), status, ...over })

/** The gateway's signed result delivered to the merchant. */
const withResult = (state: MerchantState, body: OperationResult): Step<MerchantState> => step(state, receive(seal(gateway, body), at(70_000)))

/** The step of a back-office request that was sent, and the one signed packet it sent. */
const asked = (state: MerchantState, input: BackOffice): { readonly result: Step<MerchantState>; readonly packet: Packet } => {
  const result = step(state, input)
  return { result, packet: sentOne(result) }
}
/** The state after a back-office request was sent. */
const after = (state: MerchantState, input: BackOffice): MerchantState => asked(state, input).result.state

/** Payment ord-1.p1 with capture o1 of `amount_minor` accepted. */
const captured = (amount_minor = TOTAL_minor): MerchantState => withResult(after(authorized(), capture(amount_minor)), resultBody(O1, "capture", amount_minor)).state

const Operations = codecOf(Schema.Union([CapturePayment, VoidPayment, RefundPayment]))
/** Opens a request the merchant sent as the gateway does: it must verify under the merchant's registered key. */
const openRequest = (packet: Packet) => run(open(Operations, packet.payload, { me: ids.gateway, registry: gateway.registry }))

/** Asserts the back office was refused with `tag` and nothing was sent; returns the rejection. */
const refused = (before: MerchantState, input: BackOffice, tag: "InvalidRequest" | "UnknownReference") => {
  const result = step(before, input)
  const rejected = expectRejected(result, before, tag)
  expect(rejected.input).toBe(input._tag)
  expect(sent(result)).toEqual([])
  return rejected.rejection
}

describe("MerchantOperations", () => {
  describe("Capture, Void and Refund", () => {
    it("step - should send a signed CapturePayment under operation id <paymentId>.o1 and keep it in the outbox", () => {
      const { result, packet } = asked(authorized(), capture(TOTAL_minor))
      coverage.expect(result, { entity: "operation", id: O1, from: "None", on: "Capture", to: "Pending" })
      expect(transitionsIn(result)).toHaveLength(1)
      expect(packet).toMatchObject({ from: ids.merchant, to: ids.gateway, channel: "signed" })
      const { body, signer } = openRequest(packet)
      expect(signer).toBe("merchant-1.k1")
      expect(body).toEqual(
        new CapturePayment({
          id: O1,
          from: ids.merchant,
          to: ids.gateway,
          paymentId: P1,
          amount: Money.money(TOTAL_minor, "EUR"),
          expiresAt_ms: (NOW_ms + Merchant.AUTHORIZATION_TTL_ms) as Timestamp_ms
        })
      )
      expect(result.state.operations.get(O1)).toMatchObject({ state: "Pending", status: null, request: body })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Authorized", captured_minor: 0, refunded_minor: 0, voided: false, operations: [O1] })
      expect(result.state.outbox.keys()).toEqual([O1])
    })

    it("step - should send a signed VoidPayment", () => {
      const { result, packet } = asked(authorized(), voidIt())
      coverage.expect(result, { entity: "operation", id: O1, from: "None", on: "Void", to: "Pending" })
      expect(openRequest(packet).body).toEqual(
        new VoidPayment({ id: O1, from: ids.merchant, to: ids.gateway, paymentId: P1, expiresAt_ms: (NOW_ms + Merchant.AUTHORIZATION_TTL_ms) as Timestamp_ms })
      )
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Authorized", voided: false })
      expect(result.state.outbox.keys()).toEqual([O1])
    })

    it("step - should send a signed RefundPayment for part of what was captured, as operation .o2", () => {
      const { result, packet } = asked(captured(), refund(1_000))
      coverage.expect(result, { entity: "operation", id: O2, from: "None", on: "Refund", to: "Pending" })
      expect(openRequest(packet).body).toEqual(
        new RefundPayment({
          id: O2,
          from: ids.merchant,
          to: ids.gateway,
          paymentId: P1,
          amount: Money.money(1_000, "EUR"),
          expiresAt_ms: (NOW_ms + Merchant.AUTHORIZATION_TTL_ms) as Timestamp_ms
        })
      )
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", captured_minor: TOTAL_minor, refunded_minor: 0, operations: [O1, O2] })
      expect(result.state.outbox.keys()).toEqual([O2])
    })

    it("step - should let concurrent requests go out, checked against confirmed figures only", () => {
      // Two clerks refund at once: each is within what was captured, together they are not. The
      // gateway, which counts refunds in flight, decides; the merchant sends both.
      const first = asked(captured(), refund(3_000))
      const second = asked(first.result.state, refund(3_000))
      expect(openRequest(second.packet).body).toMatchObject({ _tag: "RefundPayment", id: O3, amount: { amount_minor: 3_000 } })
      expect(second.result.state.outbox.keys()).toEqual([O2, O3])
      expect(second.result.state.payments.get(P1)).toMatchObject({ refunded_minor: 0, operations: [O1, O2, O3] })
      // The same for two full captures, and a void racing them: the issuer decides.
      const twice = after(after(authorized(), capture(TOTAL_minor)), capture(TOTAL_minor))
      const { packet } = asked(twice, voidIt())
      expect(openRequest(packet).body).toMatchObject({ _tag: "VoidPayment", id: O3 })
    })

    it("step - should number operations per payment", () => {
      const state = after(after(authorized(), capture(100)), voidIt())
      expect(state.payments.get(P1)?.operations).toEqual([O1, O2])
      expect(state.operations.keys()).toEqual([O1, O2])
    })

    it("step - should accept a capture one millisecond before the hold expires", () => {
      const { packet } = asked(authorized(), capture(1, (HOLD_UNTIL_ms - 1) as Timestamp_ms))
      expect(openRequest(packet).body).toMatchObject({ _tag: "CapturePayment", amount: { amount_minor: 1 } })
    })

    it("step - should accept a capture of exactly what the hold has left, and a refund of exactly what is refundable", () => {
      const partly = captured(1_000)
      expect(openRequest(asked(partly, capture(TOTAL_minor - 1_000)).packet).body).toMatchObject({ amount: { amount_minor: TOTAL_minor - 1_000 } })
      expect(openRequest(asked(partly, refund(1_000)).packet).body).toMatchObject({ _tag: "RefundPayment", amount: { amount_minor: 1_000 } })
    })
  })

  describe("local refusals", () => {
    it("step - should refuse an operation on a payment it does not have with UnknownReference", () => {
      const before = authorized()
      const other = PaymentId.make("ord-1.p9")
      for (const input of [capture(100, NOW_ms, other), voidIt(NOW_ms, other), refund(100, NOW_ms, other)]) {
        expect(refused(before, input, "UnknownReference")).toMatchObject({ kind: "payment", id: other })
      }
    })

    it("step - should refuse every operation on a payment that is not authorized with InvalidRequest", () => {
      for (const [before, state] of [
        [paying().state, "authorizing"],
        [declined(), "declined"]
      ] as const) {
        for (const input of [capture(100), voidIt(), refund(100)]) {
          expect(refused(before, input, "InvalidRequest")).toMatchObject({ detail: expect.stringContaining(`payment is ${state}`) })
        }
      }
    })

    it("step - should refuse a capture, a second void, or a refund of nothing on a voided payment with InvalidRequest", () => {
      const before = withResult(after(authorized(), voidIt()), resultBody(O1, "void", TOTAL_minor)).state
      expect(before.payments.get(P1)).toMatchObject({ state: "Voided", voided: true })
      expect(refused(before, capture(100), "InvalidRequest")).toMatchObject({ detail: expect.stringContaining("voided") })
      expect(refused(before, voidIt(), "InvalidRequest")).toMatchObject({ detail: "void refused: payment is voided" })
      expect(refused(before, refund(1), "InvalidRequest")).toMatchObject({ detail: "refund refused: payment is voided" })
    })

    it("step - should refuse a capture or a second void once a partly captured payment is voided, but still refund it", () => {
      const partly = captured(1_000)
      const before = withResult(after(partly, voidIt()), resultBody(O2, "void", TOTAL_minor - 1_000)).state
      expect(before.payments.get(P1)).toMatchObject({ state: "Captured", voided: true, captured_minor: 1_000 })
      expect(refused(before, capture(100), "InvalidRequest")).toMatchObject({ detail: "capture refused: payment is voided" })
      expect(refused(before, voidIt(), "InvalidRequest")).toMatchObject({ detail: "void refused: payment is already voided" })
      expect(openRequest(asked(before, refund(1_000)).packet).body).toMatchObject({ _tag: "RefundPayment", id: O3 })
    })

    it("step - should refuse an amount that is not a positive integer of minor units with InvalidRequest", () => {
      const before = captured(1_000)
      for (const amount_minor of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
        for (const input of [capture(amount_minor), refund(amount_minor)]) {
          expect(refused(before, input, "InvalidRequest")).toMatchObject({ detail: expect.stringContaining("positive integer") })
        }
      }
    })

    it("step - should refuse a capture beyond what the hold has left with InvalidRequest", () => {
      expect(refused(authorized(), capture(TOTAL_minor + 1), "InvalidRequest")).toMatchObject({ detail: "capture refused: more than the hold has left" })
      refused(captured(1_000), capture(TOTAL_minor - 1_000 + 1), "InvalidRequest")
      refused(captured(), capture(1), "InvalidRequest")
    })

    it("step - should refuse a capture at or after the hold's expiry with InvalidRequest", () => {
      const before = authorized()
      for (const now_ms of [HOLD_UNTIL_ms, HOLD_UNTIL_ms + 1]) {
        expect(refused(before, capture(1, now_ms as Timestamp_ms), "InvalidRequest")).toMatchObject({ detail: "capture refused: the hold has expired" })
      }
    })

    it("step - should refuse a refund beyond what was captured and not refunded with InvalidRequest", () => {
      expect(refused(authorized(), refund(1), "InvalidRequest")).toMatchObject({ detail: "refund refused: more than was captured and not refunded" })
      refused(captured(1_000), refund(1_001), "InvalidRequest")
      const partlyRefunded = withResult(after(captured(1_000), refund(600)), resultBody(O2, "refund", 600)).state
      expect(partlyRefunded.payments.get(P1)).toMatchObject({ captured_minor: 1_000, refunded_minor: 600 })
      refused(partlyRefunded, refund(401), "InvalidRequest")
      expect(openRequest(asked(partlyRefunded, refund(400)).packet).body).toMatchObject({ amount: { amount_minor: 400 } })
    })

    it("step - should refuse any request when the outbox is full with InvalidRequest", () => {
      const base = authorized()
      const entry = { packet: { from: ids.merchant, to: ids.gateway, channel: "signed" as const, payload: null }, attempts: 1, nextAttempt_ms: 0 }
      const before: MerchantState = { ...base, outbox: outboxOf(Array.from({ length: OUTBOX_LIMIT }, (_, i) => [`x${i}`, entry] as const)) }
      expect(refused(before, capture(100), "InvalidRequest")).toMatchObject({ detail: expect.stringContaining("too many requests") })
    })

    it("step - should hold no more requests in flight than its configured outboxLimit: the second refused while the first is unanswered, taken once it is", () => {
      const base = authorized()
      const one: MerchantState = { ...base, config: { ...base.config, outboxLimit: 1 } }
      const first = asked(one, capture(100))
      expect(refused(first.result.state, voidIt(), "InvalidRequest")).toMatchObject({ detail: "too many requests in flight, try again later" })
      const two: MerchantState = { ...first.result.state, config: { ...base.config, outboxLimit: 2 } }
      expect(asked(two, voidIt()).result.state.outbox.size).toBe(2)
    })
  })

  describe("Tick", () => {
    it("step - should resend an unanswered operation byte for byte once RETRY_BASE_ms has passed", () => {
      const { result, packet } = asked(authorized(), capture(TOTAL_minor))
      const state = result.state
      const early = step(state, tick(NOW_ms + RETRY_BASE_ms - 1))
      expectUnchanged(early, state)
      const due = step(state, tick(NOW_ms + RETRY_BASE_ms))
      expectSent(due, [packet])
      expect(transitionsIn(due)).toEqual([])
      expect(due.state.operations).toBe(state.operations)
    })

    it("step - should resend nothing once the result arrived, accepted or refused", () => {
      const refusedVoid = withResult(after(authorized(), voidIt()), resultBody(O1, "void", 0, "hold_expired")).state
      for (const state of [captured(), refusedVoid]) {
        const result = step(state, tick(NOW_ms + 1_000_000))
        expectUnchanged(result, state)
      }
    })

    it("restart - should make an unanswered operation due at once", () => {
      const { result, packet } = asked(authorized(), capture(100))
      const restarted = Merchant.restart(result.state)
      expect(restarted.operations).toBe(result.state.operations)
      expect(sent(step(restarted, tick(NOW_ms)))).toEqual([packet])
    })
  })

  describe("OperationResult", () => {
    it("step - should accept a full capture: the operation Accepted and the payment Captured", () => {
      const before = after(authorized(), capture(TOTAL_minor))
      const result = withResult(before, resultBody(O1, "capture", TOTAL_minor))
      coverage.expect(result, { entity: "operation", id: O1, from: "Pending", on: "OperationResult (accepted)", to: "Accepted" })
      coverage.expect(result, { entity: "payment", id: P1, from: "Authorized", on: "OperationResult (capture accepted)", to: "Captured" })
      expect(transitionsIn(result)).toHaveLength(2)
      expect(sent(result)).toEqual([])
      expect(result.state.operations.get(O1)).toMatchObject({ state: "Accepted", status: "accepted" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", captured_minor: TOTAL_minor, refunded_minor: 0, voided: false })
      expect(result.state.outbox.entries()).toEqual([])
    })

    it("step - should add a second partial capture to the first (Captured -> Captured)", () => {
      const before = after(captured(1_000), capture(2_000))
      const result = withResult(before, resultBody(O2, "capture", 2_000))
      coverage.expect(result, { entity: "payment", id: P1, from: "Captured", on: "OperationResult (capture accepted)", to: "Captured" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", captured_minor: 3_000 })
    })

    it("step - should mark a payment with nothing captured Voided on an accepted void", () => {
      const result = withResult(after(authorized(), voidIt()), resultBody(O1, "void", TOTAL_minor))
      coverage.expect(result, { entity: "operation", id: O1, from: "Pending", on: "OperationResult (accepted)", to: "Accepted" })
      coverage.expect(result, { entity: "payment", id: P1, from: "Authorized", on: "OperationResult (void accepted)", to: "Voided" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Voided", voided: true, captured_minor: 0 })
      expect(result.state.outbox.entries()).toEqual([])
    })

    it("step - should keep a partly captured payment Captured on an accepted void, marking it voided", () => {
      const result = withResult(after(captured(1_000), voidIt()), resultBody(O2, "void", TOTAL_minor - 1_000))
      coverage.expect(result, { entity: "payment", id: P1, from: "Captured", on: "OperationResult (void accepted)", to: "Captured" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", voided: true, captured_minor: 1_000 })
    })

    it("step - should add an accepted refund to what was refunded (Captured -> Captured)", () => {
      const result = withResult(after(captured(), refund(1_000)), resultBody(O2, "refund", 1_000))
      coverage.expect(result, { entity: "payment", id: P1, from: "Captured", on: "OperationResult (refund accepted)", to: "Captured" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", captured_minor: TOTAL_minor, refunded_minor: 1_000 })
      const again = withResult(after(result.state, refund(500)), resultBody(O3, "refund", 500))
      expect(again.state.payments.get(P1)).toMatchObject({ refunded_minor: 1_500 })
    })

    it("step - should take a capture accepted before a void whose result arrived first (Voided -> Captured)", () => {
      // The issuer captured o1 and then voided the rest for o2; the results crossed on the way back.
      const before = after(after(authorized(), capture(1_000)), voidIt())
      const voided = withResult(before, resultBody(O2, "void", TOTAL_minor - 1_000))
      expect(voided.state.payments.get(P1)).toMatchObject({ state: "Voided", voided: true })
      const result = withResult(voided.state, resultBody(O1, "capture", 1_000))
      coverage.expect(result, { entity: "payment", id: P1, from: "Voided", on: "OperationResult (capture accepted)", to: "Captured" })
      expect(result.state.payments.get(P1)).toMatchObject({ state: "Captured", voided: true, captured_minor: 1_000 })
      expect(result.state.outbox.entries()).toEqual([])
    })

    it("step - should keep a voided payment Voided when a second void is said accepted too (Voided -> Voided), as only a compromised acquirer says", () => {
      // Two voids went out before either result came back; an honest gateway refuses the second, the hold being closed.
      const voided = withResult(after(after(authorized(), voidIt()), voidIt()), resultBody(O1, "void", TOTAL_minor))
      expect(voided.state.payments.get(P1)).toMatchObject({ state: "Voided", voided: true })
      const result = withResult(voided.state, resultBody(O2, "void", TOTAL_minor))
      coverage.expect(result, { entity: "operation", id: O2, from: "Pending", on: "OperationResult (accepted)", to: "Accepted" })
      coverage.expect(result, { entity: "payment", id: P1, from: "Voided", on: "OperationResult (void accepted)", to: "Voided" })
      expect(result.state.payments.get(P1)).toEqual(voided.state.payments.get(P1))
      expect(result.state.outbox.entries()).toEqual([])
    })

    it("step - should record a refusal without moving the payment's figures", () => {
      const statuses: ReadonlyArray<readonly [BackOffice, OperationKind, OperationStatus]> = [
        [capture(TOTAL_minor), "capture", "hold_expired"],
        [capture(TOTAL_minor), "capture", "exceeds_remaining"],
        [voidIt(), "void", "hold_closed"],
        [capture(TOTAL_minor), "capture", "request_expired"]
      ]
      for (const [input, kind, status] of statuses) {
        const before = after(authorized(), input)
        const result = withResult(before, resultBody(O1, kind, 0, status))
        coverage.expect(result, { entity: "operation", id: O1, from: "Pending", on: "OperationResult (refused)", to: "Refused" })
        expect(transitionsIn(result)).toHaveLength(1)
        expect(result.state.operations.get(O1)).toMatchObject({ state: "Refused", status })
        expect(result.state.payments).toBe(before.payments)
        expect(result.state.outbox.entries()).toEqual([])
      }
      const refundRefused = withResult(after(captured(), refund(1_000)), resultBody(O2, "refund", 0, "exceeds_remaining"))
      expect(refundRefused.state.payments.get(P1)).toMatchObject({ state: "Captured", refunded_minor: 0 })
    })

    it("step - should take a repeat of the result it already took as harmless: the same state, no output", () => {
      const captureResult = resultBody(O1, "capture", TOTAL_minor)
      const accepted = withResult(after(authorized(), capture(TOTAL_minor)), captureResult).state
      const refusal = resultBody(O1, "void", 0, "hold_closed")
      const refusedState = withResult(after(authorized(), voidIt()), refusal).state
      for (const [state, body] of [
        [accepted, captureResult],
        [refusedState, refusal]
      ] as const) {
        const repeat = withResult(state, body)
        expectUnchanged(repeat, state)
      }
    })

    it("step - should refuse a result contradicting the one it took with OutOfOrder", () => {
      const accepted = withResult(after(authorized(), capture(TOTAL_minor)), resultBody(O1, "capture", TOTAL_minor)).state
      const late = expectRejected(withResult(accepted, resultBody(O1, "capture", 0, "hold_expired")), accepted, "OutOfOrder")
      expect(late.rejection).toMatchObject({ entity: `operation ${O1}`, state: "Accepted", input: "OperationResult" })
      const refusedState = withResult(after(authorized(), voidIt()), resultBody(O1, "void", 0, "hold_expired")).state
      expect(expectRejected(withResult(refusedState, resultBody(O1, "void", TOTAL_minor)), refusedState, "OutOfOrder").rejection).toMatchObject({ state: "Refused" })
    })

    it("step - should refuse a result for an operation it never asked for with UnknownReference", () => {
      const before = after(authorized(), capture(TOTAL_minor))
      const rejected = expectRejected(withResult(before, resultBody(op(9), "capture", TOTAL_minor)), before, "UnknownReference")
      expect(rejected.rejection).toMatchObject({ kind: "operation", id: op(9) })
    })

    const mismatches: ReadonlyArray<readonly [string, OperationResult, string]> = [
      ["another payment", resultBody(O1, "capture", TOTAL_minor, "accepted", { paymentId: PaymentId.make("ord-1.p2") }), "paymentId"],
      ["another kind of operation", resultBody(O1, "refund", TOTAL_minor), "operation"],
      ["a void of the capture", resultBody(O1, "void", TOTAL_minor), "operation"],
      ["another amount accepted", resultBody(O1, "capture", TOTAL_minor - 1), "amount"],
      ["more than was asked accepted", resultBody(O1, "capture", TOTAL_minor + 1), "amount"],
      ["another currency", resultBody(O1, "capture", TOTAL_minor, "accepted", { amount: Money.money(TOTAL_minor, "USD") }), "amount"],
      ["a refusal in another currency", resultBody(O1, "capture", 0, "hold_expired", { amount: Money.money(0, "GBP") }), "amount"]
    ]
    for (const [what, body, field] of mismatches) {
      it(`step - should refuse a result for ${what} with Mismatch (${field})`, () => {
        const before = after(authorized(), capture(TOTAL_minor))
        expect(expectRejected(withResult(before, body), before, "Mismatch").rejection).toMatchObject({ id: O1, field })
      })
    }

    it("step - should refuse a result from a gateway other than the one it asked with Mismatch (gateway)", () => {
      const base = after(authorized(), capture(TOTAL_minor))
      const before: MerchantState = { ...base, config: { ...base.config, gateway: PartyId.make("gateway-2") } }
      expect(expectRejected(withResult(before, resultBody(O1, "capture", TOTAL_minor)), before, "Mismatch").rejection).toMatchObject({ field: "gateway" })
    })

    it("step - should refuse a result whose status was changed after signing with BadSignature", () => {
      const before = after(authorized(), capture(TOTAL_minor))
      const forged = mutateBody(seal(gateway, resultBody(O1, "capture", 0, "hold_expired")), (body) => {
        body.status = "accepted"
        body.amount.amount_minor = TOTAL_minor
      })
      expectRejected(step(before, receive(forged)), before, "BadSignature")
    })

    it("step - should refuse a result signed by another key under the gateway's key id with BadSignature", () => {
      const before = after(authorized(), capture(TOTAL_minor))
      expectRejected(step(before, receive(seal(impostorOf(ids.gateway), resultBody(O1, "capture", TOTAL_minor)))), before, "BadSignature")
    })

    it("step - should refuse a result addressed to another merchant with WrongRecipient", () => {
      const before = after(authorized(), capture(TOTAL_minor))
      expectRejected(withResult(before, resultBody(O1, "capture", TOTAL_minor, "accepted", { to: PartyId.make("merchant-2") })), before, "WrongRecipient")
    })
  })

  describe("transitions", () => {
    it("transitions - should all of the operations' part have been exercised by the tests above", () => {
      expect(coverage.unasserted()).toEqual([])
    })
  })
})
