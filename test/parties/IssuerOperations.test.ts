/**
 * The issuer's captures, voids, refunds and settlement, one input at a time: the gateway's signed
 * requests decided on the hold and the ledger (captured, released, refunded, or refused with a
 * status), every response recorded and replayed byte for byte, the expiry of a partly captured
 * hold, and settlement instructions reconciled against the captures and refunds the issuer posted.
 * Every operation and instruction transition of `Issuer.transitions` is exercised, and the last
 * test checks it.
 */
import { describe, expect, it } from "vitest"
import * as Topology from "../../src/drivers/Topology.js"
import { AuthorizationId, InstructionId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import * as Accounts from "../../src/ledger/Accounts.js"
import * as Ledger from "../../src/ledger/Ledger.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { ClearingItem, SettlementInstruction } from "../../src/messages/Clearing.js"
import type { OperationStatus } from "../../src/messages/Common.js"
import { CaptureRequest, OperationResponse, RefundRequest, VoidRequest } from "../../src/messages/GatewayIssuer.js"
import type { Challenge } from "../../src/messages/IssuerPhone.js"
import * as Issuer from "../../src/parties/Issuer.js"
import { balance, bodyOf, Coverage, expectBalanced, expectPostedAndConfirmed, expectRejected, expectUnchanged, identity, makeParty, mutateBody, parties, receive, run, seal, sealWith, sent, sentOne, tick, transitionsIn } from "../support/fixtures.js"
import { AMOUNT_minor, answerTo, AUTH_1, authorizationRequest, clearingItem, CYCLE_2, OP, operationResponse, PAY_1, settlementInstruction, T0 } from "../support/messages.js"
import { issuerParts } from "../support/transitionParts.js"

const { gateway, issuer, alicePhone, clearing } = parties
/** A second gateway the issuer has registered. */
const gateway2 = makeParty("gateway-2", "gateway")
/** A second clearing house whose key the issuer holds, though it settles through `clearing-1`. */
const clearing2 = makeParty("clearing-2", "clearing")

const alice = Topology.accounts.alice
const APPROVED_ms = T0 + 1_000
const HOLD_EXPIRES_ms = APPROVED_ms + Issuer.HOLD_TTL_ms
const OPERATE_ms = T0 + 10_000
const OP_EXPIRES_ms = (T0 + 300_000) as Timestamp_ms
const SETTLE_ms = T0 + 60_000
const AUTH_KEY = `${gateway.id}/${AUTH_1}`
const HOLD = `hold:${AUTH_KEY}`
const OPENING_minor = 50_000
const SETTLEMENT_OPENING_minor = 1_000_000
const INS_1 = InstructionId.make(`cyc1:${issuer.id}:EUR`)

/** This file covers captures, voids, refunds and settlement; Issuer.test.ts the rest. */
const coverage = new Coverage(issuer.id, Issuer.transitions, issuerParts.operations)
const stepIssuer = (state: Issuer.IssuerState, input: Issuer.IssuerInput): Step<Issuer.IssuerState> => coverage.observe(run(Issuer.step(state, input)))
const deliver = (state: Issuer.IssuerState, packet: Packet, now_ms: number = OPERATE_ms): Step<Issuer.IssuerState> => stepIssuer(state, receive(packet, now_ms))

const fresh = (): Issuer.IssuerState =>
  Issuer.initial(
    identity(issuer, [gateway, gateway2, alicePhone, clearing, clearing2]),
    [{ account: alice, opening: Money.money(OPENING_minor, "EUR"), devices: [alicePhone.id] }],
    { clearingHouse: clearing.id, settlement: [Money.money(SETTLEMENT_OPENING_minor, "EUR")] }
  )

/** The step of the issuer challenging Alice's phone for `auth-1`. */
const push = (): Step<Issuer.IssuerState> => deliver(fresh(), seal(gateway, authorizationRequest()), T0)
/** The issuer with `auth-1` challenging Alice's phone. */
const challenging = (): Issuer.IssuerState => push().state

/** The issuer with `auth-1` Held: Alice approved at APPROVED_ms, the hold expiring at HOLD_EXPIRES_ms. */
const held = (): Issuer.IssuerState => {
  const pushed = push()
  const answer = answerTo(bodyOf(sentOne(pushed)) as Challenge, "approve")
  const approved = deliver(pushed.state, seal(alicePhone, answer), APPROVED_ms)
  expect(approved.state.authorizations.get(AUTH_KEY)?.state).toBe("Held")
  return approved.state
}

type OperationRequest = CaptureRequest | VoidRequest | RefundRequest
type Over = { readonly authorizationId?: AuthorizationId; readonly paymentId?: PaymentId; readonly expiresAt_ms?: number; readonly from?: typeof gateway }
const fields = (n: number, over: Over) => ({
  id: OP(n),
  from: (over.from ?? gateway).id,
  to: issuer.id,
  authorizationId: over.authorizationId ?? AUTH_1,
  paymentId: over.paymentId ?? PAY_1,
  expiresAt_ms: (over.expiresAt_ms ?? OP_EXPIRES_ms) as Timestamp_ms
})
const captureRequest = (n: number, amount_minor: number, over: Over & { readonly currency?: Money.Currency } = {}) =>
  new CaptureRequest({ ...fields(n, over), amount: Money.money(amount_minor, over.currency ?? "EUR") })
const voidRequest = (n: number, over: Over = {}) => new VoidRequest(fields(n, over))
const refundRequest = (n: number, amount_minor: number, over: Over = {}) => new RefundRequest({ ...fields(n, over), amount: Money.money(amount_minor, "EUR") })

/** The gateway's request delivered at `now_ms`; the step and the one response it sent, decoded. */
const operate = (state: Issuer.IssuerState, body: OperationRequest, now_ms: number = OPERATE_ms) => {
  const step = deliver(state, seal(body.from === gateway2.id ? gateway2 : gateway, body), now_ms)
  const packet = sentOne(step)
  expect(packet).toMatchObject({ from: issuer.id, to: body.from, channel: "signed" })
  const response = bodyOf(packet)
  expect(response).toBeInstanceOf(OperationResponse)
  return { step, state: step.state, packet, response: response as OperationResponse }
}

/** Asserts `body` was refused with `status`: the response says so, it is recorded, and nothing else moved. */
const refused = (before: Issuer.IssuerState, body: OperationRequest, status: OperationStatus, now_ms: number = OPERATE_ms) => {
  const result = operate(before, body, now_ms)
  expect(result.response).toEqual(operationResponse(body, status))
  expect(transitionsIn(result.step)).toEqual([])
  expect(result.state.ledger).toBe(before.ledger)
  expect(result.state.authorizations).toBe(before.authorizations)
  expect(result.state.records.get(`${body.from}/${body.id}`)?.answer).toEqual(result.packet)
  return result
}

const after = (state: Issuer.IssuerState, body: OperationRequest, now_ms: number = OPERATE_ms): Issuer.IssuerState => operate(state, body, now_ms).state

const available = (state: Issuer.IssuerState): number => Ledger.available(state.ledger, alice)
const schemePayable = (state: Issuer.IssuerState): number => balance(state, Accounts.schemePayable("EUR"))
const transition = (from: string, on: string, to: string) => expect.objectContaining({ party: issuer.id, entity: "authorization", id: AUTH_KEY, from, on, to })

describe("IssuerOperations", () => {
  describe("CaptureRequest", () => {
    it("step - should capture the whole hold, posting it from the customer to scheme-payable (Held -> Captured, final)", () => {
      const before = held()
      const body = captureRequest(1, AMOUNT_minor)
      const { step, response } = operate(before, body)
      expect(transitionsIn(step)).toEqual([transition("Held", "CaptureRequest (final)", "Captured")])
      expect(response).toEqual(operationResponse(body, "accepted", AMOUNT_minor))
      expect(step.state.authorizations.get(AUTH_KEY)).toMatchObject({ state: "Captured", refunded_minor: 0 })
      expect(Ledger.hold(step.state.ledger, HOLD)).toMatchObject({ captured_minor: AMOUNT_minor, status: "closed" })
      expect(balance(step.state, alice)).toBe(OPENING_minor - AMOUNT_minor)
      expect(available(step.state)).toBe(OPENING_minor - AMOUNT_minor)
      expect(schemePayable(step.state)).toBe(AMOUNT_minor)
      expect(step.state.ledger.journal.get(`capture:${gateway.id}/${OP(1)}`)).toMatchObject({ debit: alice, credit: Accounts.schemePayable("EUR"), amount_minor: AMOUNT_minor })
      expectBalanced(step.state)
    })

    it("step - should capture part of the hold and keep the rest reserved (Held -> Held, partial), then the rest (final)", () => {
      const first = operate(held(), captureRequest(1, 1_000))
      expect(transitionsIn(first.step)).toEqual([transition("Held", "CaptureRequest (partial)", "Held")])
      expect(first.response).toMatchObject({ status: "accepted", amount: { amount_minor: 1_000 } })
      expect(Ledger.hold(first.state.ledger, HOLD)).toMatchObject({ captured_minor: 1_000, status: "pending" })
      expect(balance(first.state, alice)).toBe(OPENING_minor - 1_000)
      expect(available(first.state)).toBe(OPENING_minor - AMOUNT_minor)
      expectBalanced(first.state)
      const rest = operate(first.state, captureRequest(2, 250))
      expect(transitionsIn(rest.step)).toEqual([transition("Held", "CaptureRequest (final)", "Captured")])
      expect(schemePayable(rest.state)).toBe(AMOUNT_minor)
    })

    it("step - should refuse a capture beyond what the hold still reserves with exceeds_remaining", () => {
      refused(held(), captureRequest(1, AMOUNT_minor + 1), "exceeds_remaining")
      refused(after(held(), captureRequest(1, 1_000)), captureRequest(2, 251), "exceeds_remaining")
    })

    it("step - should refuse a capture in another currency than the hold's with exceeds_remaining", () => {
      refused(held(), captureRequest(1, 1_000, { currency: "USD" }), "exceeds_remaining")
    })

    it("step - should refuse a capture after a void or a final capture with hold_closed", () => {
      refused(after(held(), voidRequest(1)), captureRequest(2, 1), "hold_closed")
      refused(after(held(), captureRequest(1, AMOUNT_minor)), captureRequest(2, 1), "hold_closed")
    })

    it("step - should refuse a capture at the hold's expiry, before the Tick expired it, with hold_expired", () => {
      const before = held()
      refused(before, captureRequest(1, 1, { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }), "hold_expired", HOLD_EXPIRES_ms)
      expect(Ledger.hold(before.ledger, HOLD)?.status).toBe("pending")
      const justBefore = operate(before, captureRequest(1, 1, { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }), HOLD_EXPIRES_ms - 1)
      expect(justBefore.response.status).toBe("accepted")
    })

    it("step - should refuse a capture after the Tick expired the hold with hold_expired", () => {
      const expired = stepIssuer(held(), tick(HOLD_EXPIRES_ms)).state
      expect(expired.authorizations.get(AUTH_KEY)?.state).toBe("HoldExpired")
      refused(expired, captureRequest(1, 1, { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }), "hold_expired", HOLD_EXPIRES_ms + 1)
    })
  })

  describe("VoidRequest", () => {
    it("step - should release the whole hold and answer with the amount released (Held -> Voided)", () => {
      const body = voidRequest(1)
      const { step, response } = operate(held(), body)
      expect(transitionsIn(step)).toEqual([transition("Held", "VoidRequest", "Voided")])
      expect(response).toEqual(operationResponse(body, "accepted", AMOUNT_minor))
      expect(step.state.authorizations.get(AUTH_KEY)?.state).toBe("Voided")
      expect(Ledger.hold(step.state.ledger, HOLD)?.status).toBe("voided")
      expect(available(step.state)).toBe(OPENING_minor)
      expect(balance(step.state, alice)).toBe(OPENING_minor)
      expect(schemePayable(step.state)).toBe(0)
      expectBalanced(step.state)
    })

    it("step - should release what is left after captures (Held -> Captured, after captures)", () => {
      const { step, response } = operate(after(held(), captureRequest(1, 1_000)), voidRequest(2))
      expect(transitionsIn(step)).toEqual([transition("Held", "VoidRequest (after captures)", "Captured")])
      expect(response).toMatchObject({ status: "accepted", amount: { amount_minor: 250 } })
      expect(available(step.state)).toBe(OPENING_minor - 1_000)
      expect(balance(step.state, alice)).toBe(OPENING_minor - 1_000)
      expect(schemePayable(step.state)).toBe(1_000)
      expectBalanced(step.state)
    })

    it("step - should refuse a second void, or a void of a fully captured hold, with hold_closed", () => {
      refused(after(held(), voidRequest(1)), voidRequest(2), "hold_closed")
      refused(after(held(), captureRequest(1, AMOUNT_minor)), voidRequest(2), "hold_closed")
    })

    it("step - should refuse a void at or after the hold's expiry with hold_expired, before and after the Tick", () => {
      const late = { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }
      refused(held(), voidRequest(1, late), "hold_expired", HOLD_EXPIRES_ms)
      refused(stepIssuer(held(), tick(HOLD_EXPIRES_ms)).state, voidRequest(1, late), "hold_expired", HOLD_EXPIRES_ms + 1)
    })
  })

  describe("RefundRequest", () => {
    it("step - should credit the customer back from scheme-payable after a final capture (Captured -> Captured)", () => {
      const captured = after(held(), captureRequest(1, AMOUNT_minor))
      const body = refundRequest(2, 400)
      const { step, response } = operate(captured, body)
      expect(transitionsIn(step)).toEqual([transition("Captured", "RefundRequest", "Captured")])
      expect(response).toEqual(operationResponse(body, "accepted", 400))
      expect(step.state.authorizations.get(AUTH_KEY)).toMatchObject({ state: "Captured", refunded_minor: 400 })
      expect(balance(step.state, alice)).toBe(OPENING_minor - AMOUNT_minor + 400)
      expect(schemePayable(step.state)).toBe(AMOUNT_minor - 400)
      expect(step.state.ledger.journal.get(`refund:${gateway.id}/${OP(2)}`)).toMatchObject({ debit: Accounts.schemePayable("EUR"), credit: alice, amount_minor: 400 })
      expectBalanced(step.state)
      const again = operate(step.state, refundRequest(3, 100))
      expect(again.state.authorizations.get(AUTH_KEY)?.refunded_minor).toBe(500)
    })

    it("step - should refund after a partial capture while the rest is still held (Held -> Held)", () => {
      const { step } = operate(after(held(), captureRequest(1, 1_000)), refundRequest(2, 1_000))
      expect(transitionsIn(step)).toEqual([transition("Held", "RefundRequest", "Held")])
      expect(balance(step.state, alice)).toBe(OPENING_minor)
      expect(available(step.state)).toBe(OPENING_minor - 250)
      expect(schemePayable(step.state)).toBe(0)
      expectBalanced(step.state)
    })

    it("step - should refuse a refund of an authorization with nothing captured with exceeds_remaining", () => {
      refused(held(), refundRequest(1, 1), "exceeds_remaining")
      refused(after(held(), voidRequest(1)), refundRequest(2, 1), "exceeds_remaining")
      refused(stepIssuer(held(), tick(HOLD_EXPIRES_ms)).state, refundRequest(1, 1, { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }), "exceeds_remaining", HOLD_EXPIRES_ms + 1)
    })

    it("step - should refund a payment whose hold was voided or expired after captures", () => {
      const voided = after(after(held(), captureRequest(1, 1_000)), voidRequest(2))
      expect(operate(voided, refundRequest(3, 1_000)).response.status).toBe("accepted")
      const expired = stepIssuer(after(held(), captureRequest(1, 1_000)), tick(HOLD_EXPIRES_ms)).state
      expect(operate(expired, refundRequest(2, 500, { expiresAt_ms: HOLD_EXPIRES_ms + 60_000 }), HOLD_EXPIRES_ms + 1).response.status).toBe("accepted")
    })
  })

  describe("refusals common to all operations", () => {
    const requests = (over: Over) => [captureRequest(1, 100, over), voidRequest(1, over), refundRequest(1, 100, over)]

    it("step - should refuse an operation on an unknown authorization with unknown_payment", () => {
      for (const body of requests({ authorizationId: AuthorizationId.make("auth-9") })) refused(held(), body, "unknown_payment")
    })

    it("step - should refuse an operation naming another payment than the authorization's with unknown_payment", () => {
      for (const body of requests({ paymentId: PaymentId.make("pay-9") })) refused(held(), body, "unknown_payment")
    })

    it("step - should refuse an operation on another gateway's authorization with unknown_payment", () => {
      for (const body of requests({ from: gateway2 })) refused(held(), body, "unknown_payment")
    })

    it("step - should refuse an operation on an authorization still challenging, or declined, with unknown_payment", () => {
      const pending = challenging()
      for (const body of requests({})) refused(pending, body, "unknown_payment")
      const declined = stepIssuer(pending, tick(T0 + Issuer.CHALLENGE_TTL_ms)).state
      expect(declined.authorizations.get(AUTH_KEY)?.state).toBe("Declined")
      refused(declined, captureRequest(1, 100), "unknown_payment", T0 + Issuer.CHALLENGE_TTL_ms + 1)
    })

    it("step - should refuse a request arriving at or after its expiry with request_expired", () => {
      for (const body of requests({})) refused(held(), body, "request_expired", OP_EXPIRES_ms)
      refused(held(), captureRequest(1, 100), "request_expired", OP_EXPIRES_ms + 1)
    })
  })

  describe("idempotency", () => {
    it("step - should answer a retry of an accepted capture with the byte-identical response and capture nothing more", () => {
      const first = operate(held(), captureRequest(1, 1_000))
      const retry = deliver(first.state, seal(gateway, captureRequest(1, 1_000)), OPERATE_ms + 5_000)
      expectUnchanged(retry, first.state, [first.packet])
    })

    it("step - should answer a retry of a refusal with the recorded response, even when it would now be decided otherwise", () => {
      const first = refused(held(), captureRequest(1, 100), "request_expired", OP_EXPIRES_ms)
      const retry = deliver(first.state, seal(gateway, captureRequest(1, 100)), OPERATE_ms)
      expectUnchanged(retry, first.state, [first.packet])
      const voided = operate(held(), voidRequest(1))
      const late = deliver(voided.state, seal(gateway, voidRequest(1)), HOLD_EXPIRES_ms + 1)
      expectUnchanged(late, voided.state, [voided.packet])
    })

    it("step - should reject a reused operation id with another body with IdempotencyConflict", () => {
      const { state } = operate(held(), captureRequest(1, 1_000))
      expect(expectRejected(deliver(state, seal(gateway, captureRequest(1, 250))), state, "IdempotencyConflict").rejection).toMatchObject({ requestId: OP(1) })
      expectRejected(deliver(state, seal(gateway, refundRequest(1, 1_000))), state, "IdempotencyConflict")
      expectRejected(deliver(state, seal(gateway, voidRequest(1))), state, "IdempotencyConflict")
    })

    it("step - should keep the operation ids of different gateways apart", () => {
      const { state } = operate(held(), captureRequest(1, 1_000))
      const theirs = operate(state, captureRequest(1, 1_000, { from: gateway2 }))
      expect(theirs.response).toEqual(operationResponse(captureRequest(1, 1_000, { from: gateway2 }), "unknown_payment"))
    })
  })

  describe("envelope rejections", () => {
    it("step - should reject a capture signed by a device key with WrongSigner", () => {
      const before = held()
      expectRejected(deliver(before, sealWith(alicePhone.signing, captureRequest(1, 100))), before, "WrongSigner")
    })

    it("step - should reject a capture whose amount was raised in transit with BadSignature", () => {
      const before = held()
      const forged = mutateBody(seal(gateway, captureRequest(1, 100)), (body) => void (body.amount.amount_minor = AMOUNT_minor))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })

    it("step - should reject a refund signed as a capture with BadSignature (the domain tag binds the type)", () => {
      const before = after(held(), captureRequest(1, AMOUNT_minor))
      const forged = mutateBody(seal(gateway, captureRequest(2, 100)), (body) => void (body._tag = "RefundRequest"))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })
  })

  describe("Tick", () => {
    it("step - should release the uncaptured rest when a partly captured hold expires (Held -> Captured)", () => {
      const before = after(held(), captureRequest(1, 1_000))
      expect(stepIssuer(before, tick(HOLD_EXPIRES_ms - 1)).outputs).toEqual([])
      const step = stepIssuer(before, tick(HOLD_EXPIRES_ms))
      expect(transitionsIn(step)).toEqual([transition("Held", "Tick (hold expired after captures)", "Captured")])
      expect(sent(step)).toEqual([])
      expect(step.state.authorizations.get(AUTH_KEY)?.state).toBe("Captured")
      expect(Ledger.hold(step.state.ledger, HOLD)).toMatchObject({ status: "expired", captured_minor: 1_000 })
      expect(available(step.state)).toBe(OPENING_minor - 1_000)
      expect(balance(step.state, alice)).toBe(OPENING_minor - 1_000)
      expectBalanced(step.state)
    })

    it("step - should leave a voided or fully captured hold alone when its expiry passes", () => {
      for (const state of [after(held(), voidRequest(1)), after(held(), captureRequest(1, AMOUNT_minor))]) {
        const step = stepIssuer(state, tick(HOLD_EXPIRES_ms))
        expect(step.outputs).toEqual([])
        expect(step.state.ledger).toBe(state.ledger)
      }
    })
  })

  describe("SettlementInstruction", () => {
    /** The clearing house's instruction `INS_1` to the issuer for `items`. */
    const instruction = (items: ReadonlyArray<ClearingItem>, over: Partial<ConstructorParameters<typeof SettlementInstruction>[0]> = {}) =>
      settlementInstruction(issuer.id, items, over)
    /** auth-1 captured in full (op-1) and 250 of it refunded (op-2). */
    const posted = (): Issuer.IssuerState => after(after(held(), captureRequest(1, AMOUNT_minor)), refundRequest(2, 250))
    const ITEMS = [clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)]
    const settle = (state: Issuer.IssuerState, body: SettlementInstruction, by = clearing) => deliver(state, seal(by, body), SETTLE_ms)

    it("step - should post its net position from scheme-payable to its settlement account and confirm (None -> Posted)", () => {
      const before = posted()
      expect(schemePayable(before)).toBe(1_000)
      expect(balance(before, Accounts.nostro("EUR"))).toBe(-SETTLEMENT_OPENING_minor)
      const body = instruction(ITEMS)
      expect(body.position).toBe(-1_000)
      const step = settle(before, body)
      expectPostedAndConfirmed(step, issuer.id, body)
      expect(schemePayable(step.state)).toBe(0)
      expect(balance(step.state, Accounts.nostro("EUR"))).toBe(-SETTLEMENT_OPENING_minor + 1_000)
      expect(balance(step.state, alice)).toBe(OPENING_minor - 1_000)
      expectBalanced(step.state)
      expect(step.state.settledItems.toRecord()).toEqual({ [`${gateway.id}/${OP(1)}`]: INS_1, [`${gateway.id}/${OP(2)}`]: INS_1 })
    })

    it("step - should post a positive position: a refund settled after its capture", () => {
      const captured = after(held(), captureRequest(1, AMOUNT_minor))
      const first = settle(captured, instruction([clearingItem(1, "capture", AMOUNT_minor)])).state
      expect(schemePayable(first)).toBe(0)
      const refunded = after(first, refundRequest(2, 250))
      expect(schemePayable(refunded)).toBe(-250)
      const ins2 = InstructionId.make(`cyc2:${issuer.id}:EUR`)
      const step = settle(refunded, instruction([clearingItem(2, "refund", 250)], { id: ins2, cycle: CYCLE_2 }))
      expect(transitionsIn(step)).toHaveLength(1)
      expect(schemePayable(step.state)).toBe(0)
      expect(balance(step.state, Accounts.nostro("EUR"))).toBe(-SETTLEMENT_OPENING_minor + AMOUNT_minor - 250)
      expectBalanced(step.state)
    })

    it("step - should answer a repeat with the byte-identical confirmation and post nothing", () => {
      const first = settle(posted(), instruction(ITEMS))
      const repeat = settle(first.state, instruction(ITEMS))
      expectUnchanged(repeat, first.state, sent(first))
    })

    it("step - should reject another body under a posted instruction's id with IdempotencyConflict", () => {
      const state = settle(posted(), instruction(ITEMS)).state
      expect(expectRejected(settle(state, instruction(ITEMS, { cycle: CYCLE_2 })), state, "IdempotencyConflict").rejection).toMatchObject({ requestId: INS_1 })
    })

    it("step - should reject an item it settled already, or one listed twice, with IdempotencyConflict", () => {
      const state = settle(posted(), instruction([clearingItem(1, "capture", AMOUNT_minor)])).state
      const again = instruction([clearingItem(1, "capture", AMOUNT_minor)], { id: InstructionId.make(`cyc2:${issuer.id}:EUR`), cycle: CYCLE_2 })
      expect(expectRejected(settle(state, again), state, "IdempotencyConflict").rejection).toMatchObject({ requestId: OP(1) })
      const before = posted()
      const twice = instruction([clearingItem(2, "refund", 250), clearingItem(2, "refund", 250)])
      expect(expectRejected(settle(before, twice), before, "IdempotencyConflict").rejection).toMatchObject({ requestId: OP(2) })
    })

    const unposted: ReadonlyArray<readonly [string, ClearingItem]> = [
      ["a capture it never posted", clearingItem(9, "capture", 100)],
      ["a capture for another amount than it posted", clearingItem(1, "capture", AMOUNT_minor - 1)],
      ["a refund for another amount than it posted", clearingItem(2, "refund", 251)],
      ["a capture it posted as a refund", clearingItem(2, "capture", 250)],
      ["a refund it posted as a capture", clearingItem(1, "refund", AMOUNT_minor)],
      ["another acquirer's operation of the same id", clearingItem(1, "capture", AMOUNT_minor, { acquirer: gateway2.id })]
    ]
    for (const [what, bad] of unposted) {
      it(`step - should reject ${what} with UnknownReference`, () => {
        const before = posted()
        expect(expectRejected(settle(before, instruction([bad])), before, "UnknownReference").rejection).toMatchObject({ kind: `cleared ${bad.kind}`, id: bad.id })
      })
    }

    it("step - should reject the item of a refused capture with UnknownReference", () => {
      const before = refused(held(), captureRequest(1, AMOUNT_minor + 1), "exceeds_remaining").state
      expectRejected(settle(before, instruction([clearingItem(1, "capture", AMOUNT_minor + 1)])), before, "UnknownReference")
    })

    it("step - should reject an item of another issuer with Mismatch (issuer)", () => {
      const before = posted()
      const theirs = clearingItem(1, "capture", AMOUNT_minor, { issuer: makeParty("issuer-2", "issuer").id })
      expect(expectRejected(settle(before, instruction([theirs], { position: 0 })), before, "Mismatch").rejection).toMatchObject({ id: OP(1), field: "issuer" })
    })

    it("step - should reject an item in another currency than the instruction's with Mismatch (currency)", () => {
      const before = posted()
      expect(expectRejected(settle(before, instruction(ITEMS, { currency: "GBP" })), before, "Mismatch").rejection).toMatchObject({ id: OP(1), field: "currency" })
    })

    it("step - should reject a position other than what the items net to with Mismatch (position)", () => {
      const before = posted()
      for (const position of [1_000, -999, -1_500, 0]) {
        expect(expectRejected(settle(before, instruction(ITEMS, { position })), before, "Mismatch").rejection).toMatchObject({ id: INS_1, field: "position" })
      }
    })

    it("step - should reject an instruction from a clearing house it does not settle through with Mismatch (clearingHouse)", () => {
      const before = posted()
      const body = instruction(ITEMS, { from: clearing2.id })
      expect(expectRejected(settle(before, body, clearing2), before, "Mismatch").rejection).toMatchObject({ id: INS_1, field: "clearingHouse" })
    })

    it("step - should take no instruction at all when it settles through no clearing house", () => {
      const before = { ...posted(), clearingHouse: null }
      expect(expectRejected(settle(before, instruction(ITEMS)), before, "Mismatch").rejection).toMatchObject({ id: INS_1, field: "clearingHouse" })
    })

    it("step - should reject an instruction signed by the gateway's key with WrongSigner, and a changed position with BadSignature", () => {
      const before = posted()
      expectRejected(deliver(before, sealWith(gateway.signing, instruction(ITEMS)), SETTLE_ms), before, "WrongSigner")
      const forged = mutateBody(seal(clearing, instruction(ITEMS)), (body) => void (body.position = -2_000))
      expectRejected(deliver(before, forged, SETTLE_ms), before, "BadSignature")
    })
  })

  describe("transitions table", () => {
    it("transitions - should all of the operations' and settlement's part have been exercised by this file", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
