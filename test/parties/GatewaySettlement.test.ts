/**
 * The gateway as the acquirer, one input at a time: clearing submissions made on Tick (one in
 * flight, at most MAX_CLEARING_ITEMS items), the clearing house's receipts, and settlement
 * instructions reconciled against what the gateway submitted and posted to its books, paying each
 * merchant net of refunds and fees. Every clearing and instruction transition of
 * `Gateway.transitions` is exercised, and the last test checks it.
 */
import { describe, expect, it } from "vitest"
import { AuthorizationId, CycleNumber, InstructionId, PartyId, SubmissionId } from "../../src/domain/Ids.js"
import * as Accounts from "../../src/ledger/Accounts.js"
import type { Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import { ClearingItem, ClearingSubmission, MAX_CLEARING_ITEMS, SettlementInstruction, SubmissionReceipt } from "../../src/messages/Clearing.js"
import * as Gateway from "../../src/parties/Gateway.js"
import { feeOn } from "../../src/parties/GatewayClearing.js"
import { balance, bodyOf, Coverage, expectBalanced, expectPostedAndConfirmed, expectRejected, expectSent, expectUnchanged, mutateBody, parties, run, seal, sealWith, sent, sentOne, tick, transitionsIn } from "../support/fixtures.js"
import { capturePayment, CLEARING, clearing2, gatewayScenarios, issuer2, merchant2, refundPayment, SETTLEMENT_OPENING_minor } from "../support/gatewayScenarios.js"
import { AMOUNT_minor, clearingItem, CYCLE_1, CYCLE_2, OP, PAY_1, settlementInstruction, SUB_1, SUB_2, T0 } from "../support/messages.js"
import { gatewayParts } from "../support/transitionParts.js"

const { merchant, gateway, issuer, clearing } = parties

/** This file covers clearing and settlement; Gateway.test.ts and GatewayOperations.test.ts the rest. */
const coverage = new Coverage(gateway.id, Gateway.transitions, gatewayParts.settlement)
const stepGateway = (state: Gateway.GatewayState, input: Gateway.GatewayInput): Step<Gateway.GatewayState> => coverage.observe(run(Gateway.step(state, input)))
const { deliver, approve, approved, accepted, captured } = gatewayScenarios(stepGateway)

const SUBMIT_ms = T0 + 30_000
const RECEIPT_ms = T0 + 31_000
const SETTLE_ms = T0 + 40_000
const INS_1 = InstructionId.make(`cyc1:${gateway.id}:EUR`)
const FEE_minor = feeOn(AMOUNT_minor, CLEARING.feeBps)

const receiptBody = (id: SubmissionId = SUB_1, cycle: CycleNumber = CYCLE_1, from = clearing.id): SubmissionReceipt =>
  new SubmissionReceipt({ id, from, to: gateway.id, cycle })

/** The clearing house's instruction `INS_1` to the gateway for `items`. */
const instruction = (items: ReadonlyArray<ClearingItem>, over: Partial<ConstructorParameters<typeof SettlementInstruction>[0]> = {}): SettlementInstruction =>
  settlementInstruction(gateway.id, items, over)

/** The acquirer's EUR balances that settlement moves. */
const books = (state: Gateway.GatewayState, who: PartyId = merchant.id) => ({
  settlement: balance(state, Accounts.nostro("EUR")),
  schemeReceivable: balance(state, Accounts.schemeReceivable("EUR")),
  merchantPending: balance(state, Accounts.merchantPending(who, "EUR")),
  merchant: balance(state, Accounts.merchantAccount(who, "EUR")),
  fees: balance(state, Accounts.fees("EUR"))
})

/** `state` after a Tick at `now_ms` that submitted; the step and the submission sent. */
const submit = (state: Gateway.GatewayState, now_ms: number = SUBMIT_ms) => {
  const step = stepGateway(state, tick(now_ms))
  const packet = sent(step).find((p) => p.to === clearing.id)
  if (packet === undefined) throw new Error("the gateway submitted nothing")
  return { step, state: step.state, packet, submission: bodyOf(packet) as ClearingSubmission }
}
const receipted = (state: Gateway.GatewayState, id: SubmissionId = SUB_1, cycle: CycleNumber = CYCLE_1): Gateway.GatewayState =>
  deliver(state, seal(clearing, receiptBody(id, cycle)), RECEIPT_ms).state

/** pay-1 captured in full (op-1) and 250 of it refunded (op-2), both submitted in sub-1 and received into cycle 1. */
const cleared = (): Gateway.GatewayState => receipted(submit(accepted(captured(AMOUNT_minor, CLEARING), refundPayment(2, 250))).state)

const settle = (state: Gateway.GatewayState, body: SettlementInstruction, signer = clearing): Step<Gateway.GatewayState> => deliver(state, seal(signer, body), SETTLE_ms)

describe("GatewaySettlement", () => {
  describe("Tick: clearing submissions", () => {
    it("step - should submit the accepted captures and refunds in one signed ClearingSubmission (None -> Submitted)", () => {
      const before = accepted(captured(AMOUNT_minor, CLEARING), refundPayment(2, 250))
      expect(before.unsubmitted.map((i) => i.id)).toEqual([OP(1), OP(2)])
      const { step, packet, submission } = submit(before)
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ party: gateway.id, entity: "submission", id: SUB_1, from: "None", on: "Tick", to: "Submitted" })])
      expect(sent(step)).toEqual([packet])
      expect(packet).toMatchObject({ from: gateway.id, to: clearing.id, channel: "signed" })
      expect(submission).toEqual(new ClearingSubmission({ id: SUB_1, from: gateway.id, to: clearing.id, items: [clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)] }))
      expect(step.state.unsubmitted).toEqual([])
      expect(step.state.submissions.toRecord()).toEqual({ [SUB_1]: { items: submission.items, cycle: null } })
      expect(step.state.outbox.keys()).toEqual([SUB_1])
      expect(step.state.ledger).toBe(before.ledger)
    })

    it("step - should submit nothing when nothing is waiting", () => {
      const before = approved(CLEARING)
      const step = stepGateway(before, tick(SUBMIT_ms))
      expectUnchanged(step, before)
    })

    it("step - should submit nothing without a clearing house, keeping the items", () => {
      const before = captured(AMOUNT_minor, Gateway.NO_CLEARING)
      expect(before.unsubmitted).toHaveLength(1)
      const step = stepGateway(before, tick(SUBMIT_ms))
      expectUnchanged(step, before)
    })

    it("step - should keep one submission in flight: later items wait for its receipt, then go in the next", () => {
      const first = submit(captured(1_000, CLEARING))
      const more = accepted(first.state, capturePayment(2, 250))
      expect(more.unsubmitted.map((i) => i.id)).toEqual([OP(2)])
      const waiting = stepGateway(more, tick(SUBMIT_ms + 1))
      expectUnchanged(waiting, more)
      // Its retry is due: the same submission again, byte for byte, and still no second one.
      const retry = stepGateway(more, tick(SUBMIT_ms + RETRY_BASE_ms))
      expect(transitionsIn(retry)).toEqual([])
      expectSent(retry, [first.packet])
      expect(retry.state.unsubmitted).toEqual(more.unsubmitted)
      const next = submit(receipted(more), SUBMIT_ms + 1)
      expect(transitionsIn(next.step)).toEqual([expect.objectContaining({ entity: "submission", id: SUB_2, from: "None", on: "Tick", to: "Submitted" })])
      expect(next.submission).toMatchObject({ id: SUB_2, items: [clearingItem(2, "capture", 250)] })
      expect(next.state.unsubmitted).toEqual([])
    })

    it("step - should put at most MAX_CLEARING_ITEMS items in one submission and the rest in the next", () => {
      const base = captured(AMOUNT_minor, CLEARING)
      const many = Array.from({ length: MAX_CLEARING_ITEMS + 1 }, (_, i) => clearingItem(1_000 + i, "capture", 1))
      const first = submit({ ...base, unsubmitted: many })
      expect(first.submission.items).toHaveLength(MAX_CLEARING_ITEMS)
      expect(first.submission.items).toEqual(many.slice(0, MAX_CLEARING_ITEMS))
      expect(first.state.unsubmitted).toEqual(many.slice(MAX_CLEARING_ITEMS))
      const second = submit(receipted(first.state), SUBMIT_ms + 1)
      expect(second.submission).toMatchObject({ id: SUB_2 })
      expect(second.submission.items).toEqual([many[MAX_CLEARING_ITEMS]])
    })

    it("step - should put no more items in one submission than its configured submissionItems", () => {
      const base = captured(AMOUNT_minor, CLEARING)
      const many = Array.from({ length: 3 }, (_, i) => clearingItem(1_000 + i, "capture", 1))
      const first = submit({ ...base, config: { ...base.config, submissionItems: 2 }, unsubmitted: many })
      expect(first.submission.items).toEqual(many.slice(0, 2))
      expect(first.state.unsubmitted).toEqual(many.slice(2))
    })

    it("restart - should make an unanswered submission due at once", () => {
      const { state, packet } = submit(captured(AMOUNT_minor, CLEARING))
      const step = stepGateway(Gateway.restart(state), tick(SUBMIT_ms))
      expectSent(step, [packet])
    })
  })

  describe("SubmissionReceipt", () => {
    it("step - should record the cycle and stop resending the submission (Submitted -> Accepted)", () => {
      const { state } = submit(captured(AMOUNT_minor, CLEARING))
      const step = deliver(state, seal(clearing, receiptBody()), RECEIPT_ms)
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ party: gateway.id, entity: "submission", id: SUB_1, from: "Submitted", on: "SubmissionReceipt", to: "Accepted" })])
      expect(sent(step)).toEqual([])
      expect(step.state.submissions.get(SUB_1)?.cycle).toBe(1)
      expect(step.state.outbox.entries()).toEqual([])
      const later = stepGateway(step.state, tick(RECEIPT_ms + 10 * RETRY_BASE_ms))
      expectUnchanged(later, step.state)
    })

    it("step - should take a repeat of the receipt as harmless: the same state, no output", () => {
      const state = receipted(submit(captured(AMOUNT_minor, CLEARING)).state)
      const repeat = deliver(state, seal(clearing, receiptBody()), RECEIPT_ms + 1)
      expectUnchanged(repeat, state)
    })

    it("step - should reject a receipt putting the submission in another cycle with OutOfOrder", () => {
      const state = receipted(submit(captured(AMOUNT_minor, CLEARING)).state)
      const { rejection } = expectRejected(deliver(state, seal(clearing, receiptBody(SUB_1, CYCLE_2)), RECEIPT_ms + 1), state, "OutOfOrder")
      expect(rejection).toMatchObject({ entity: `submission ${SUB_1}`, state: "Accepted", input: "SubmissionReceipt" })
    })

    it("step - should reject a receipt for a submission it never made with UnknownReference", () => {
      const { state } = submit(captured(AMOUNT_minor, CLEARING))
      expect(expectRejected(deliver(state, seal(clearing, receiptBody(SUB_2)), RECEIPT_ms), state, "UnknownReference").rejection).toMatchObject({ kind: "submission", id: SUB_2 })
    })

    it("step - should reject a receipt from a clearing house it does not clear with with Mismatch", () => {
      const { state } = submit(captured(AMOUNT_minor, CLEARING))
      const other = seal(clearing2, receiptBody(SUB_1, CYCLE_1, clearing2.id))
      expect(expectRejected(deliver(state, other, RECEIPT_ms), state, "Mismatch").rejection).toMatchObject({ id: SUB_1, field: "clearingHouse" })
    })

    it("step - should reject a receipt signed by an issuer's key with WrongSigner, and a changed cycle with BadSignature", () => {
      const { state } = submit(captured(AMOUNT_minor, CLEARING))
      expectRejected(deliver(state, sealWith(issuer.signing, receiptBody()), RECEIPT_ms), state, "WrongSigner")
      const forged = mutateBody(seal(clearing, receiptBody()), (body) => void (body.cycle = 7))
      expectRejected(deliver(state, forged, RECEIPT_ms), state, "BadSignature")
    })
  })

  describe("SettlementInstruction", () => {
    it("step - should post the position, pay the merchant net of refunds and fees, and confirm (None -> Posted)", () => {
      const before = cleared()
      expect(books(before)).toEqual({ settlement: -SETTLEMENT_OPENING_minor, schemeReceivable: -1_000, merchantPending: 1_000, merchant: 0, fees: 0 })
      const body = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)])
      expect(body.position).toBe(1_000)
      const step = settle(before, body)
      expectPostedAndConfirmed(step, gateway.id, body)
      expect(FEE_minor).toBe(18)
      expect(books(step.state)).toEqual({
        settlement: -SETTLEMENT_OPENING_minor - 1_000,
        schemeReceivable: 0,
        merchantPending: 0,
        merchant: 1_000 - FEE_minor,
        fees: FEE_minor
      })
      expectBalanced(step.state)
      expect(step.state.settledItems.toRecord()).toEqual({ [`${gateway.id}/${OP(1)}`]: INS_1, [`${gateway.id}/${OP(2)}`]: INS_1 })
      expect(step.state.settlements.get(`${clearing.id}/${INS_1}`)?.answer).toEqual(sentOne(step))
    })

    it("step - should pay each merchant its own captures less its fees", () => {
      const two = approve(captured(AMOUNT_minor, CLEARING), { merchant: merchant2, paymentId: PAY_1, amount_minor: 700, issuer: issuer2 }).state
      const both = accepted(two, capturePayment(1, 700, { from: merchant2 }))
      const before = receipted(submit(both).state)
      const theirs = clearingItem(2, "capture", 700, { issuer: issuer2.id, authorizationId: AuthorizationId.make("auth-2") })
      const step = settle(before, instruction([clearingItem(1, "capture", AMOUNT_minor), theirs]))
      expect(transitionsIn(step)).toHaveLength(1)
      expect(books(step.state)).toMatchObject({ settlement: -SETTLEMENT_OPENING_minor - AMOUNT_minor - 700, schemeReceivable: 0, merchant: AMOUNT_minor - FEE_minor })
      expect(books(step.state, merchant2.id)).toMatchObject({ merchantPending: 0, merchant: 700 - feeOn(700, CLEARING.feeBps), fees: FEE_minor + feeOn(700, CLEARING.feeBps) })
      expectBalanced(step.state)
    })

    it("step - should post a negative position: a refund settled in a later cycle than its capture", () => {
      const first = settle(receipted(submit(captured(AMOUNT_minor, CLEARING)).state), instruction([clearingItem(1, "capture", AMOUNT_minor)])).state
      expect(books(first)).toEqual({ settlement: -SETTLEMENT_OPENING_minor - AMOUNT_minor, schemeReceivable: 0, merchantPending: 0, merchant: AMOUNT_minor - FEE_minor, fees: FEE_minor })
      const refunded = receipted(submit(accepted(first, refundPayment(2, 250)), SUBMIT_ms + 1).state, SUB_2, CYCLE_2)
      const ins2 = InstructionId.make(`cyc2:${gateway.id}:EUR`)
      const step = settle(refunded, instruction([clearingItem(2, "refund", 250)], { id: ins2, cycle: CYCLE_2 }))
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ _tag: "SettlementConfirmation", id: ins2, cycle: 2 })
      expect(books(step.state)).toEqual({
        settlement: -SETTLEMENT_OPENING_minor - AMOUNT_minor + 250,
        schemeReceivable: 0,
        merchantPending: 0,
        merchant: AMOUNT_minor - FEE_minor - 250,
        fees: FEE_minor
      })
      expectBalanced(step.state)
    })

    it("step - should answer a repeat with the byte-identical confirmation and post nothing", () => {
      const body = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)])
      const posted = settle(cleared(), body)
      const repeat = settle(posted.state, body)
      expectUnchanged(repeat, posted.state, sent(posted))
    })

    it("step - should reject another body under a posted instruction's id with IdempotencyConflict", () => {
      const posted = settle(cleared(), instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)])).state
      const other = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)], { cycle: CYCLE_2 })
      expect(expectRejected(settle(posted, other), posted, "IdempotencyConflict").rejection).toMatchObject({ requestId: INS_1 })
    })

    it("step - should reject an instruction settling an item already settled with IdempotencyConflict", () => {
      const posted = settle(cleared(), instruction([clearingItem(1, "capture", AMOUNT_minor)], { position: AMOUNT_minor })).state
      const again = instruction([clearingItem(1, "capture", AMOUNT_minor)], { id: InstructionId.make(`cyc2:${gateway.id}:EUR`), cycle: CYCLE_2 })
      expect(expectRejected(settle(posted, again), posted, "IdempotencyConflict").rejection).toMatchObject({ requestId: OP(1) })
    })

    it("step - should reject an instruction listing an item twice with IdempotencyConflict", () => {
      const before = cleared()
      const twice = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(1, "capture", AMOUNT_minor)])
      expect(expectRejected(settle(before, twice), before, "IdempotencyConflict").rejection).toMatchObject({ requestId: OP(1) })
    })

    const unrecorded: ReadonlyArray<readonly [string, ClearingItem]> = [
      ["an item it never submitted", clearingItem(9, "capture", AMOUNT_minor)],
      ["another amount than it submitted", clearingItem(1, "capture", AMOUNT_minor - 1)],
      ["a capture it submitted as a refund", clearingItem(2, "capture", 250)],
      ["another authorization than it submitted", clearingItem(1, "capture", AMOUNT_minor, { authorizationId: AuthorizationId.make("auth-9") })],
      ["another issuer than it submitted", clearingItem(1, "capture", AMOUNT_minor, { issuer: issuer2.id })]
    ]
    for (const [what, bad] of unrecorded) {
      it(`step - should reject ${what} with UnknownReference`, () => {
        const before = cleared()
        const { rejection } = expectRejected(settle(before, instruction([bad])), before, "UnknownReference")
        expect(rejection).toMatchObject({ kind: `submitted ${bad.kind}`, id: bad.id })
      })
    }

    it("step - should reject an item submitted but not yet received into a cycle with UnknownReference", () => {
      const { state } = submit(captured(AMOUNT_minor, CLEARING))
      expectRejected(settle(state, instruction([clearingItem(1, "capture", AMOUNT_minor)])), state, "UnknownReference")
    })

    it("step - should reject an item of another acquirer with Mismatch (acquirer)", () => {
      const before = cleared()
      const theirs = clearingItem(1, "capture", AMOUNT_minor, { acquirer: PartyId.make("gateway-2") })
      expect(expectRejected(settle(before, instruction([theirs], { position: 0 })), before, "Mismatch").rejection).toMatchObject({ id: OP(1), field: "acquirer" })
    })

    it("step - should reject an item in another currency than the instruction's with Mismatch (currency)", () => {
      const before = cleared()
      const body = instruction([clearingItem(1, "capture", AMOUNT_minor)], { currency: "USD" })
      expect(expectRejected(settle(before, body), before, "Mismatch").rejection).toMatchObject({ id: OP(1), field: "currency" })
    })

    it("step - should reject a position other than what the items net to with Mismatch (position)", () => {
      const before = cleared()
      for (const position of [999, 1_001, -1_000, 1_500]) {
        const body = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)], { position })
        expect(expectRejected(settle(before, body), before, "Mismatch").rejection).toMatchObject({ id: INS_1, field: "position" })
      }
    })

    it("step - should reject an instruction from a clearing house it does not clear with with Mismatch (clearingHouse)", () => {
      const before = cleared()
      const body = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)], { from: clearing2.id })
      expect(expectRejected(settle(before, body, clearing2), before, "Mismatch").rejection).toMatchObject({ id: INS_1, field: "clearingHouse" })
    })

    it("step - should reject an instruction signed by the issuer's key with WrongSigner, and a changed position with BadSignature", () => {
      const before = cleared()
      const body = instruction([clearingItem(1, "capture", AMOUNT_minor), clearingItem(2, "refund", 250)])
      expectRejected(deliver(before, sealWith(issuer.signing, body), SETTLE_ms), before, "WrongSigner")
      const forged = mutateBody(seal(clearing, body), (b) => void (b.position = 2_000))
      expectRejected(deliver(before, forged, SETTLE_ms), before, "BadSignature")
    })
  })

  describe("transitions table", () => {
    it("transitions - should all of the clearing and settlement part have been exercised by this file", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
