/**
 * The clearing house machine, one input at a time: every declared transition, every rejection
 * (with the state left as the very same object), idempotent repeats, netting and posting on the
 * settlement bank's ledger, retries and restart.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { domainTag } from "../../src/crypto/Envelope.js"
import { revoke } from "../../src/crypto/KeyRegistry.js"
import { AuthorizationId, CycleNumber, InstructionId, OperationId, PartyId, SubmissionId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { OUTBOX_LIMIT, RETRY_BASE_ms, from as outboxOf, type OutboxEntry } from "../../src/machine/Outbox.js"
import { Table } from "../../src/machine/Table.js"
import {
  ClearingItem,
  ClearingSubmission,
  IssuerSignature,
  MAX_CLEARING_ITEMS,
  SettlementConfirmation,
  SettlementInstruction,
  SubmissionReceipt
} from "../../src/messages/Clearing.js"
import { OperationResponse } from "../../src/messages/GatewayIssuer.js"
import * as ClearingHouse from "../../src/parties/ClearingHouse.js"
import {
  balance,
  bodyOf,
  Coverage,
  encode,
  envelopeOf,
  expectBalanced,
  expectRejected,
  expectUnchanged,
  identity,
  impostorOf,
  issuerSignatureOn,
  makeParty,
  mutateBody,
  parties,
  receive,
  run,
  seal,
  sealBytes,
  sealWith,
  sent,
  sentOne,
  swapSignature,
  tick,
  transitionsIn,
  wireBytes,
  type TestParty
} from "../support/fixtures.js"
import { CYCLE_1, CYCLE_2, SUB_1, SUB_2, T0 } from "../support/messages.js"
import { comparable } from "../support/tables.js"

type State = ClearingHouse.ClearingHouseState

/** `clearing` is the clearing house under test (it also operates the settlement bank). */
const { gateway, issuer, clearing } = parties
/** A second acquirer, with a EUR settlement account only. */
const gateway2 = makeParty("gateway-2", "gateway")
/** A second issuer, with a EUR settlement account only. */
const issuer2 = makeParty("issuer-2", "issuer")
/** A gateway key nobody has registered. */
const rogue = makeParty("gateway-rogue", "gateway")

const OPENING_minor = 1_000_000
const USD_OPENING_minor = 5_000

const coverage = new Coverage(clearing.id, ClearingHouse.transitions)

const BANKS: ReadonlyArray<{ readonly bank: PartyId; readonly opening: Money.Money }> = [
  { bank: gateway.id, opening: Money.money(OPENING_minor, "EUR") },
  { bank: gateway2.id, opening: Money.money(OPENING_minor, "EUR") },
  { bank: issuer.id, opening: Money.money(OPENING_minor, "EUR") },
  { bank: issuer2.id, opening: Money.money(OPENING_minor, "EUR") },
  { bank: gateway.id, opening: Money.money(0, "USD") },
  { bank: issuer.id, opening: Money.money(USD_OPENING_minor, "USD") }
]

/** gateway-1 as an issuer too (a bank on both sides of an item): its issuing key, registered beside its gateway key. */
const gatewayAsIssuer: TestParty = (() => {
  const issuing = makeParty("gateway-1-issuing", "issuer")
  return { ...issuing, id: gateway.id, key: { ...issuing.key, owner: gateway.id } }
})()

const fresh = (): State => ClearingHouse.initial(identity(clearing, [gateway, gateway2, issuer, issuer2, gatewayAsIssuer]), BANKS)

/** Who signs the issuer's acceptance of an item: its issuer's issuing key (for a bank outside the fixtures, a key derived from its id, `<id>.k1`). */
const issuingKeys = new Map<string, TestParty>([
  [issuer.id, issuer],
  [issuer2.id, issuer2],
  [gateway.id, gatewayAsIssuer]
])
const issuingKeyOf = (bank: PartyId): TestParty => {
  const known = issuingKeys.get(bank)
  if (known !== undefined) return known
  const made = makeParty(bank, "issuer")
  issuingKeys.set(bank, made)
  return made
}

/** A capture, with its issuer's signature on its acceptance unless `over` gives another `issuerSignature`. */
const item = (id: string, amount_minor: number, over: Partial<ConstructorParameters<typeof ClearingItem>[0]> = {}): ClearingItem => {
  const fields = {
    id: OperationId.make(id),
    kind: "capture" as const,
    acquirer: gateway.id,
    issuer: issuer.id,
    authorizationId: AuthorizationId.make(`auth-${id}`),
    amount: Money.money(amount_minor, "EUR"),
    ...over
  }
  return new ClearingItem({ issuerSignature: issuerSignatureOn(issuingKeyOf(fields.issuer), fields), ...fields })
}

const refund = (id: string, amount_minor: number, over: Partial<ConstructorParameters<typeof ClearingItem>[0]> = {}): ClearingItem =>
  item(id, amount_minor, { kind: "refund", ...over })

const submission = (
  id: SubmissionId,
  items: ReadonlyArray<ClearingItem>,
  over: Partial<ConstructorParameters<typeof ClearingSubmission>[0]> = {}
): ClearingSubmission => new ClearingSubmission({ id, from: gateway.id, to: clearing.id, items, ...over })

const confirmation = (id: string, from: TestParty, cycle: CycleNumber = CYCLE_1): SettlementConfirmation =>
  new SettlementConfirmation({ id: InstructionId.make(id), from: from.id, to: clearing.id, cycle })

const closeCycle = (now_ms: number): ClearingHouse.CloseCycle => ({ _tag: "CloseCycle", now_ms: now_ms as Timestamp_ms })

const stepHouse = (state: State, input: ClearingHouse.ClearingHouseInput): Step<State> => coverage.observe(run(ClearingHouse.step(state, input)))

const deliver = (state: State, packet: Packet, now_ms: number = T0): Step<State> => stepHouse(state, receive(packet, now_ms))

const close = (state: State, now_ms: number = T0 + 1_000): Step<State> => stepHouse(state, closeCycle(now_ms))

/** `state` with `count` more instructions of an earlier cycle unconfirmed in its outbox. */
const withUnconfirmed = (state: State, count: number): State => {
  const earlier: OutboxEntry = { packet: { from: clearing.id, to: gateway.id, channel: "signed", payload: null }, attempts: 1, nextAttempt_ms: T0 }
  return { ...state, outbox: outboxOf([...state.outbox.entries(), ...Array.from({ length: count }, (_, i) => [`earlier-${i}`, earlier] as const)]) }
}

/** The first submission of the happy path: captures on both issuers. */
const FIRST = [item("op-1", 10_000), item("op-2", 2_500, { issuer: issuer2.id })]
/** The second: another capture and a refund on issuer-1. */
const SECOND = [item("op-3", 4_000), refund("op-4", 1_500)]

/** Applies steps in order, each from the previous state; returns the last step. */
const chain = (state: State, ...steps: ReadonlyArray<(s: State) => Step<State>>): Step<State> =>
  steps.reduce<Step<State>>((last, next) => next(last.state), { state, outputs: [] })

/** The house after both happy-path submissions, and the first receipt. */
const submitted = (): { readonly state: State; readonly receipt: Packet } => {
  const first = deliver(fresh(), seal(gateway, submission(SUB_1, FIRST)))
  const second = deliver(first.state, seal(gateway, submission(SUB_2, SECOND)))
  const receipt = sentOne(first)
  return { state: second.state, receipt }
}

/** The house after closing the happy-path cycle, and the instructions it sent by recipient. */
const closed = (): { readonly state: State; readonly step: Step<State>; readonly instructions: Readonly<Record<string, Packet>> } => {
  const step = close(submitted().state)
  return { state: step.state, step, instructions: Object.fromEntries(sent(step).map((p) => [p.to, p])) }
}

const ID_GATEWAY = `cyc1:${gateway.id}:EUR`
const ID_ISSUER = `cyc1:${issuer.id}:EUR`
const ID_ISSUER2 = `cyc1:${issuer2.id}:EUR`

/** The house with the happy-path cycle settled. */
const settled = (): State =>
  chain(
    closed().state,
    (s) => deliver(s, seal(gateway, confirmation(ID_GATEWAY, gateway)), T0 + 2_000),
    (s) => deliver(s, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000),
    (s) => deliver(s, seal(issuer2, confirmation(ID_ISSUER2, issuer2)), T0 + 2_000)
  ).state

describe("ClearingHouse", () => {
  describe("initial", () => {
    it("initial - should fund every bank's settlement account from the central account, and balance", () => {
      const state = fresh()
      expect(balance(state, ClearingHouse.settlementAccount(gateway.id, "EUR"))).toBe(OPENING_minor)
      expect(balance(state, ClearingHouse.settlementAccount(issuer.id, "USD"))).toBe(USD_OPENING_minor)
      expect(balance(state, ClearingHouse.centralAccount("EUR"))).toBe(-4 * OPENING_minor)
      expect(balance(state, ClearingHouse.suspenseAccount("EUR"))).toBe(0)
      expectBalanced(state, ["EUR", "USD"])
      expect(state.ledger.journal.get(`opening:${issuer.id}:EUR`)).toMatchObject({ amount_minor: OPENING_minor })
    })

    it("initial - should open an account for a zero opening without a transfer", () => {
      const state = fresh()
      expect(state.ledger.accounts.get("settlement:gateway-1:USD")).toMatchObject({ currency: "USD", debitsMustNotExceedCredits: false })
      expect(state.ledger.journal.keys()).not.toContain(`opening:${gateway.id}:USD`)
    })

    it("initial - should name the accounts settlement:<bank>:CUR, clearing:CUR and central:CUR, all allowing intraday credit", () => {
      expect(ClearingHouse.settlementAccount(issuer.id, "EUR")).toBe("settlement:issuer-1:EUR")
      expect(ClearingHouse.suspenseAccount("EUR")).toBe("clearing:EUR")
      expect(ClearingHouse.centralAccount("EUR")).toBe("central:EUR")
      expect(fresh().ledger.accounts.values().every((a) => !a.debitsMustNotExceedCredits)).toBe(true)
    })

    it("initial - should start with cycle 1 open and empty", () => {
      const state = fresh()
      expect(state.cycle).toBe(1)
      expect(state.cycles.get("1")).toEqual({ number: 1, state: "Open", items: [], submissions: [], positions: null, unconfirmed: [] })
      expect(state.outbox.entries()).toEqual([])
    })

    it("initial - should refuse a bank id too long for its instruction ids (48 characters), and take 47", () => {
      const tooLong = PartyId.make("b".repeat(48))
      expect(() => ClearingHouse.initial(identity(clearing, []), [{ bank: tooLong, opening: Money.money(0, "EUR") }])).toThrow(/at most 47/)
      expect(() => ClearingHouse.initial(identity(clearing, []), [{ bank: PartyId.make("b".repeat(47)), opening: Money.money(0, "EUR") }])).not.toThrow()
    })
  })

  describe("ClearingSubmission", () => {
    it("step - should accept a submission into the open cycle and send a signed receipt (cycle Open -> Open, submission None -> Accepted)", () => {
      const step = deliver(fresh(), seal(gateway, submission(SUB_1, FIRST)))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ party: clearing.id, entity: "cycle", id: "1", from: "Open", on: "ClearingSubmission", to: "Open" }),
        expect.objectContaining({ party: clearing.id, entity: "submission", id: `${gateway.id}/${SUB_1}`, from: "None", on: "ClearingSubmission", to: "Accepted" })
      ])
      const packet = sentOne(step)
      expect(packet).toMatchObject({ from: clearing.id, to: gateway.id, channel: "signed" })
      expect(envelopeOf(packet).signer).toBe(clearing.signing.keyId)
      const receipt = bodyOf(packet)
      expect(receipt).toBeInstanceOf(SubmissionReceipt)
      expect(receipt).toMatchObject({ id: SUB_1, from: clearing.id, to: gateway.id, cycle: 1 })
      expect(step.state.cycles.get("1")?.items).toEqual(FIRST)
      expect(step.state.cycles.get("1")?.submissions).toEqual([`${gateway.id}/${SUB_1}`])
      expect(step.state.cleared.toRecord()).toEqual({ [`${gateway.id}/op-1`]: 1, [`${gateway.id}/op-2`]: 1 })
      expect(step.state.submissions.get(`${gateway.id}/${SUB_1}`)?.answer).toEqual(packet)
      // Nothing moves before the cycle closes.
      expect(comparable(step.state.ledger)).toEqual(comparable(fresh().ledger))
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should add a second submission to the same open cycle", () => {
      const { state } = submitted()
      expect(state.cycles.get("1")?.items).toEqual([...FIRST, ...SECOND])
      expect(state.cycles.get("1")?.submissions).toEqual([`${gateway.id}/${SUB_1}`, `${gateway.id}/${SUB_2}`])
      expect(state.cycle).toBe(1)
    })

    it("step - should resend the byte-identical receipt on a repeat and change nothing", () => {
      const { state, receipt } = submitted()
      const step = deliver(state, seal(gateway, submission(SUB_1, FIRST)), T0 + 500)
      expectUnchanged(step, state, [receipt])
    })

    it("step - should resend the receipt naming the original cycle on a repeat after that cycle closed", () => {
      const { receipt } = submitted()
      const { state } = closed()
      const step = deliver(state, seal(gateway, submission(SUB_1, FIRST)), T0 + 5_000)
      expectUnchanged(step, state, [receipt])
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ cycle: 1 })
    })

    it("step - should reject the same submission id with another body with IdempotencyConflict", () => {
      const { state } = submitted()
      const other = seal(gateway, submission(SUB_1, [item("op-9", 1)]))
      expect(expectRejected(deliver(state, other), state, "IdempotencyConflict").rejection.requestId).toBe(SUB_1)
    })

    it("step - should keep submission ids of different acquirers apart", () => {
      const { state } = submitted()
      const step = deliver(state, seal(gateway2, submission(SUB_1, [item("op-1", 700, { acquirer: gateway2.id })], { from: gateway2.id })))
      expect(transitionsIn(step).map((t) => t.id)).toEqual(["1", `${gateway2.id}/${SUB_1}`])
      expect(step.state.cleared.get(`${gateway2.id}/op-1`)).toBe(1)
    })

    it("step - should reject an item already cleared in an earlier cycle, under a new submission id, with IdempotencyConflict", () => {
      const { state } = closed()
      const again = seal(gateway, submission(SubmissionId.make("sub-3"), [item("op-5", 100), item("op-2", 2_500, { issuer: issuer2.id })]))
      expect(expectRejected(deliver(state, again), state, "IdempotencyConflict").rejection.requestId).toBe("op-2")
    })

    it("step - should reject an item already accepted into the open cycle by another submission with IdempotencyConflict", () => {
      const { state } = submitted()
      const again = seal(gateway, submission(SubmissionId.make("sub-3"), [item("op-3", 4_000)]))
      expect(expectRejected(deliver(state, again), state, "IdempotencyConflict").rejection.requestId).toBe("op-3")
    })

    it("step - should reject an item that appears twice in one submission with IdempotencyConflict", () => {
      const before = fresh()
      const twice = seal(gateway, submission(SUB_1, [item("op-1", 100), item("op-2", 200), item("op-1", 100)]))
      expect(expectRejected(deliver(before, twice), before, "IdempotencyConflict").rejection.requestId).toBe("op-1")
    })

    it("step - should reject an item of another acquirer with Mismatch on the acquirer", () => {
      const before = fresh()
      const foreign = seal(gateway, submission(SUB_1, [item("op-1", 100), item("op-2", 200, { acquirer: gateway2.id })]))
      expect(expectRejected(deliver(before, foreign), before, "Mismatch").rejection).toMatchObject({ id: "op-2", field: "acquirer" })
    })

    it("step - should reject an item whose issuer has no settlement account with UnknownReference", () => {
      const before = fresh()
      const packet = seal(gateway, submission(SUB_1, [item("op-1", 100, { issuer: PartyId.make("issuer-nowhere") })]))
      expect(expectRejected(deliver(before, packet), before, "UnknownReference").rejection).toMatchObject({
        kind: "settlement account",
        id: "settlement:issuer-nowhere:EUR"
      })
    })

    it("step - should reject an item in a currency its issuer has no settlement account in with UnknownReference", () => {
      const before = fresh()
      const packet = seal(gateway, submission(SUB_1, [item("op-1", 100, { issuer: issuer2.id, amount: Money.money(100, "USD") })]))
      expect(expectRejected(deliver(before, packet), before, "UnknownReference").rejection.id).toBe(`settlement:${issuer2.id}:USD`)
    })

    it("step - should reject an item in a currency its acquirer has no settlement account in with UnknownReference", () => {
      const before = fresh()
      const packet = seal(
        gateway2,
        submission(SUB_1, [item("op-1", 100, { acquirer: gateway2.id, amount: Money.money(100, "USD") })], { from: gateway2.id })
      )
      expect(expectRejected(deliver(before, packet), before, "UnknownReference").rejection.id).toBe(`settlement:${gateway2.id}:USD`)
    })

    it("step - should accept an item in another currency both banks settle in", () => {
      const step = deliver(fresh(), seal(gateway, submission(SUB_1, [item("op-1", 100, { amount: Money.money(100, "USD") })])))
      expect(transitionsIn(step).map((t) => t.to)).toEqual(["Open", "Accepted"])
    })

    describe("cycle capacity", () => {
      const full = Array.from({ length: MAX_CLEARING_ITEMS }, (_, i) => item(`full-${i}`, 1))
      const fullCycle = (): State => deliver(fresh(), seal(gateway, submission(SUB_1, full))).state

      it("step - should accept MAX_CLEARING_ITEMS items for one bank and currency in a cycle", () => {
        const state = fullCycle()
        expect(state.cycles.get("1")?.items).toHaveLength(MAX_CLEARING_ITEMS)
      })

      it("step - should refuse one item more for that bank and currency with InvalidRequest (cycle full), and take its retry in the next cycle", () => {
        const before = fullCycle()
        const extra = seal(gateway, submission(SUB_2, [item("op-extra", 1)]))
        const { rejection } = expectRejected(deliver(before, extra), before, "InvalidRequest")
        expect(rejection.detail).toMatch(/^cycle full: in cycle 1, gateway-1 would have 501 EUR items in it, at most 500/)
        const closedStep = close(before)
        const instruction = bodyOf(sent(closedStep).find((p) => p.to === gateway.id)!) as SettlementInstruction
        expect(instruction.items).toHaveLength(MAX_CLEARING_ITEMS)
        const retry = deliver(closedStep.state, extra, T0 + 2_000)
        expect(bodyOf(sent(retry)[0]!)).toMatchObject({ _tag: "SubmissionReceipt", id: SUB_2, cycle: 2 })
      })

      it("step - should still take items of other banks, or of other currencies, into a cycle full for one bank", () => {
        const state = fullCycle()
        const other = deliver(state, seal(gateway2, submission(SUB_1, [item("op-1", 5, { acquirer: gateway2.id, issuer: issuer2.id })], { from: gateway2.id })))
        expect(transitionsIn(other).map((t) => t.to)).toEqual(["Open", "Accepted"])
        const usd = deliver(state, seal(gateway, submission(SUB_2, [item("op-usd", 5, { amount: Money.money(5, "USD") })])))
        expect(transitionsIn(usd).map((t) => t.to)).toEqual(["Open", "Accepted"])
      })

      it("step - should take no more items for a bank and currency in a cycle than its configured cycleItems, and close a cycle that holds them", () => {
        const one = ClearingHouse.initial(identity(clearing, [gateway, gateway2, issuer, issuer2, gatewayAsIssuer]), BANKS, { cycleItems: 1 })
        const first = deliver(one, seal(gateway, submission(SUB_1, [item("op-1", 5)])))
        expect(transitionsIn(first).map((t) => t.to)).toEqual(["Open", "Accepted"])
        const second = seal(gateway, submission(SUB_2, [refund("op-2", 5)]))
        const { rejection } = expectRejected(deliver(first.state, second), first.state, "InvalidRequest")
        expect(rejection.detail).toMatch(/^cycle full: in cycle 1, gateway-1 would have 2 EUR items in it, at most 1/)
        const retry = deliver(close(first.state).state, second, T0 + 2_000)
        expect(bodyOf(sent(retry)[0]!)).toMatchObject({ _tag: "SubmissionReceipt", id: SUB_2, cycle: 2 })
      })

      it("initial - should refuse a cycleItems that is not a whole number from 1 to MAX_CLEARING_ITEMS", () => {
        for (const bad of [0, MAX_CLEARING_ITEMS + 1, 1.5, Number.NaN]) expect(() => ClearingHouse.initial(identity(clearing, []), BANKS, { cycleItems: bad })).toThrow(/cycleItems/)
        expect(ClearingHouse.initial(identity(clearing, []), BANKS, { cycleItems: MAX_CLEARING_ITEMS }).cycleItems).toBe(MAX_CLEARING_ITEMS)
      })

      it("initial - should refuse an outboxLimit that is not a whole number from the number of settlement accounts (a cycle's instructions) to OUTBOX_LIMIT", () => {
        for (const bad of [0, BANKS.length - 1, OUTBOX_LIMIT + 1, 6.5, Number.NaN]) {
          expect(() => ClearingHouse.initial(identity(clearing, []), BANKS, { outboxLimit: bad })).toThrow(/outboxLimit is .*from 6 \(a cycle's instructions/)
        }
        for (const good of [BANKS.length, OUTBOX_LIMIT]) expect(ClearingHouse.initial(identity(clearing, []), BANKS, { outboxLimit: good }).outboxLimit).toBe(good)
        expect(ClearingHouse.initial(identity(clearing, []), BANKS)).not.toHaveProperty("outboxLimit")
      })

      it("step - should refuse items that would take a bank's net position beyond MAX_AMOUNT_MINOR with InvalidRequest (cycle full)", () => {
        const big = Money.MAX_AMOUNT_MINOR
        const first = deliver(fresh(), seal(gateway, submission(SUB_1, [item("op-1", big)])))
        const before = first.state
        const { rejection } = expectRejected(deliver(before, seal(gateway, submission(SUB_2, [item("op-2", 1)]))), before, "InvalidRequest")
        expect(rejection.detail).toMatch(/^cycle full: .*position of 1000000000001/)
        // A refund nets the position back down: accepted.
        const netted = deliver(before, seal(gateway, submission(SUB_2, [refund("op-2", big), item("op-3", big)])))
        expect(transitionsIn(netted).map((t) => t.to)).toEqual(["Open", "Accepted"])
      })
    })
  })

  describe("CloseCycle", () => {
    it("step - should do nothing on an empty cycle: the same state, no outputs", () => {
      const before = fresh()
      const step = close(before)
      expectUnchanged(step, before)
    })

    it("step - should net the cycle, post it and instruct every bank involved (cycle Open -> Settling, next None -> Open, instructions None -> Sent)", () => {
      const { state, step, instructions } = closed()
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "cycle", id: "1", from: "Open", on: "CloseCycle", to: "Settling" }),
        expect.objectContaining({ entity: "cycle", id: "2", from: "None", on: "CloseCycle", to: "Open" }),
        expect.objectContaining({ entity: "instruction", id: ID_GATEWAY, from: "None", on: "CloseCycle", to: "Sent" }),
        expect.objectContaining({ entity: "instruction", id: ID_ISSUER, from: "None", on: "CloseCycle", to: "Sent" }),
        expect.objectContaining({ entity: "instruction", id: ID_ISSUER2, from: "None", on: "CloseCycle", to: "Sent" })
      ])
      // gateway: +10000 +2500 +4000 -1500; issuer-1: -10000 -4000 +1500; issuer-2: -2500.
      const expected = { [gateway.id]: 15_000, [issuer.id]: -12_500, [issuer2.id]: -2_500 }
      expect(Object.keys(instructions).sort()).toEqual(Object.keys(expected).sort())
      for (const [bank, position] of Object.entries(expected)) {
        const body = bodyOf(instructions[bank]!)
        expect(body).toBeInstanceOf(SettlementInstruction)
        expect(body).toMatchObject({ id: `cyc1:${bank}:EUR`, from: clearing.id, to: bank, cycle: 1, currency: "EUR", position })
        expect(envelopeOf(instructions[bank]!).signer).toBe(clearing.signing.keyId)
      }
      expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(0)
      expect((bodyOf(instructions[gateway.id]!) as SettlementInstruction).items).toEqual([...FIRST, ...SECOND])
      expect((bodyOf(instructions[issuer.id]!) as SettlementInstruction).items).toEqual([FIRST[0], ...SECOND])
      expect((bodyOf(instructions[issuer2.id]!) as SettlementInstruction).items).toEqual([FIRST[1]])

      expect(state.cycle).toBe(2)
      expect(state.cycles.get("1")).toMatchObject({ state: "Settling", positions: { "gateway-1:EUR": 15_000, "issuer-1:EUR": -12_500, "issuer-2:EUR": -2_500 } })
      expect(state.cycles.get("1")?.unconfirmed).toEqual([ID_GATEWAY, ID_ISSUER, ID_ISSUER2])
      expect(state.cycles.get("2")).toEqual({ number: 2, state: "Open", items: [], submissions: [], positions: null, unconfirmed: [] })
      expect(state.instructions.get(ID_ISSUER)).toEqual({ bank: issuer.id, cycle: 1, currency: "EUR", position: -12_500, confirmed: false })
      expect(state.outbox.keys().sort()).toEqual([ID_GATEWAY, ID_ISSUER, ID_ISSUER2].sort())
    })

    it("step - should move the balances on the settlement bank's ledger through the suspense account, which ends at zero", () => {
      const { state } = closed()
      expect(balance(state, ClearingHouse.settlementAccount(gateway.id, "EUR"))).toBe(OPENING_minor + 15_000)
      expect(balance(state, ClearingHouse.settlementAccount(issuer.id, "EUR"))).toBe(OPENING_minor - 12_500)
      expect(balance(state, ClearingHouse.settlementAccount(issuer2.id, "EUR"))).toBe(OPENING_minor - 2_500)
      expect(balance(state, ClearingHouse.settlementAccount(gateway2.id, "EUR"))).toBe(OPENING_minor)
      expect(balance(state, ClearingHouse.suspenseAccount("EUR"))).toBe(0)
      expect(balance(state, ClearingHouse.centralAccount("EUR"))).toBe(-4 * OPENING_minor)
      expectBalanced(state, ["EUR", "USD"])
      expect(state.ledger.journal.get(`cycle:1:${issuer.id}:EUR`)).toMatchObject({
        debit: `settlement:${issuer.id}:EUR`,
        credit: "clearing:EUR",
        amount_minor: 12_500
      })
      expect(state.ledger.journal.get(`cycle:1:${gateway.id}:EUR`)).toMatchObject({
        debit: "clearing:EUR",
        credit: `settlement:${gateway.id}:EUR`,
        amount_minor: 15_000
      })
    })

    it("step - should record positions equal to netPositions of the cycle's items", () => {
      const { state } = closed()
      expect(state.cycles.get("1")?.positions).toEqual(ClearingHouse.netPositions([...FIRST, ...SECOND]))
    })

    it("step - should do nothing on a second close right after: the new cycle is empty", () => {
      const { state } = closed()
      const step = close(state, T0 + 1_500)
      expectUnchanged(step, state)
    })

    it("step - should instruct a bank whose captures and refunds net to zero, with position 0 and no transfer", () => {
      const items = [item("op-1", 3_000), refund("op-2", 3_000, { issuer: issuer2.id })]
      const step = close(deliver(fresh(), seal(gateway, submission(SUB_1, items))).state)
      const toGateway = sent(step).find((p) => p.to === gateway.id)
      expect(toGateway).toBeDefined()
      expect(bodyOf(toGateway!)).toMatchObject({ id: ID_GATEWAY, position: 0, items })
      expect(step.state.cycles.get("1")?.positions).toEqual({ "gateway-1:EUR": 0, "issuer-1:EUR": -3_000, "issuer-2:EUR": 3_000 })
      expect(step.state.ledger.journal.keys()).not.toContain(`cycle:1:${gateway.id}:EUR`)
      expect(balance(step.state, ClearingHouse.settlementAccount(gateway.id, "EUR"))).toBe(OPENING_minor)
      expect(balance(step.state, ClearingHouse.settlementAccount(issuer2.id, "EUR"))).toBe(OPENING_minor + 3_000)
      expect(balance(step.state, ClearingHouse.suspenseAccount("EUR"))).toBe(0)
    })

    it("step - should net each currency on its own, every currency summing to zero", () => {
      const items = [item("op-1", 700), item("op-2", 300, { amount: Money.money(300, "USD") })]
      const step = close(deliver(fresh(), seal(gateway, submission(SUB_1, items))).state)
      expect(step.state.cycles.get("1")?.positions).toEqual({ "gateway-1:EUR": 700, "gateway-1:USD": 300, "issuer-1:EUR": -700, "issuer-1:USD": -300 })
      expect(sent(step).map((p) => (bodyOf(p) as SettlementInstruction).id)).toEqual([
        "cyc1:gateway-1:EUR",
        "cyc1:gateway-1:USD",
        "cyc1:issuer-1:EUR",
        "cyc1:issuer-1:USD"
      ])
      expect(balance(step.state, ClearingHouse.settlementAccount(gateway.id, "USD"))).toBe(300)
      expect(balance(step.state, ClearingHouse.suspenseAccount("USD"))).toBe(0)
      expectBalanced(step.state, ["EUR", "USD"])
    })

    it("step - should let a payer's settlement account go below zero: intraday credit", () => {
      // issuer-1 holds USD 50.00 and owes USD 80.00.
      const items = [item("op-1", 8_000, { amount: Money.money(8_000, "USD") })]
      const step = close(deliver(fresh(), seal(gateway, submission(SUB_1, items))).state)
      expect(balance(step.state, ClearingHouse.settlementAccount(issuer.id, "USD"))).toBe(USD_OPENING_minor - 8_000)
      expect(balance(step.state, ClearingHouse.settlementAccount(gateway.id, "USD"))).toBe(8_000)
    })

    it("step - should net an item between a bank and itself to zero, counted once", () => {
      const items = [item("op-1", 900, { issuer: gateway.id })]
      const before = deliver(fresh(), seal(gateway, submission(SUB_1, items))).state
      const step = close(before)
      expect(sent(step).map(bodyOf)).toEqual([expect.objectContaining({ id: ID_GATEWAY, position: 0, items })])
      expect(step.state.cycles.get("1")?.positions).toEqual({ "gateway-1:EUR": 0 })
      expect(step.state.ledger).toBe(before.ledger)
      // Counted once against the cycle's capacity: MAX_CLEARING_ITEMS of them fit.
      const many = Array.from({ length: MAX_CLEARING_ITEMS }, (_, i) => item(`self-${i}`, 1, { issuer: gateway.id }))
      const full = deliver(fresh(), seal(gateway, submission(SUB_1, many)))
      expect(transitionsIn(full).map((t) => t.to)).toEqual(["Open", "Accepted"])
    })

    it("step - should clear later items in the next cycle with its own instruction ids", () => {
      const { state } = closed()
      const next = chain(
        state,
        (s) => deliver(s, seal(gateway, submission(SubmissionId.make("sub-3"), [item("op-5", 400)])), T0 + 2_000),
        (s) => close(s, T0 + 3_000)
      )
      expect(sent(next).map((p) => (bodyOf(p) as SettlementInstruction).id)).toEqual([`cyc2:${gateway.id}:EUR`, `cyc2:${issuer.id}:EUR`])
      expect(next.state.cycle).toBe(3)
      expect(next.state.cleared.get(`${gateway.id}/op-5`)).toBe(2)
      expect(balance(next.state, ClearingHouse.settlementAccount(gateway.id, "EUR"))).toBe(OPENING_minor + 15_400)
    })

    it("step - should fit the longest bank id in the instruction id of the last cycle that can be closed", () => {
      const long = PartyId.make("b".repeat(47))
      const base = ClearingHouse.initial(identity(clearing, [gateway, makeParty(long, "issuer")]), [
        { bank: gateway.id, opening: Money.money(0, "EUR") },
        { bank: long, opening: Money.money(0, "EUR") }
      ])
      const withItems = deliver(base, seal(gateway, submission(SUB_1, [item("op-1", 100, { issuer: long })]))).state
      const n = CycleNumber.make(999_999_999)
      const before: State = { ...withItems, cycle: n, cycles: Table.from([[String(n), { ...withItems.cycles.get("1")!, number: n }]]) }
      const ids = sent(close(before)).map((p) => (bodyOf(p) as SettlementInstruction).id)
      expect(ids).toContain(`cyc999999999:${long}:EUR`)
      expect(`cyc999999999:${long}:EUR`).toHaveLength(64)
    })

    it("step - should refuse to close the last cycle a cycle number can hold with InvalidRequest", () => {
      const { state } = submitted()
      const last = CycleNumber.make(1_000_000_000)
      const before: State = { ...state, cycle: last, cycles: Table.from([[String(last), { ...state.cycles.get("1")!, number: last }]]) }
      expect(expectRejected(close(before), before, "InvalidRequest").rejection.detail).toContain("last cycle")
    })

    it("step - should refuse to close a cycle when its instructions would overflow the outbox with InvalidRequest", () => {
      const before = withUnconfirmed(submitted().state, OUTBOX_LIMIT - 2)
      expect(expectRejected(close(before), before, "InvalidRequest").rejection.detail).toMatch(/^outbox full/)
    })

    it("step - should close a cycle only when its instructions fit the configured outboxLimit, exactly filling it", () => {
      const limited: State = { ...submitted().state, outboxLimit: BANKS.length }
      const full = withUnconfirmed(limited, BANKS.length - 2)
      expect(expectRejected(close(full), full, "InvalidRequest").rejection.detail).toBe(
        "outbox full: 4 instructions are unconfirmed; close the cycle once banks have confirmed"
      )
      const fits = close(withUnconfirmed(limited, BANKS.length - 3))
      expect(transitionsIn(fits)).toContainEqual(expect.objectContaining({ entity: "cycle", id: "1", from: "Open", on: "CloseCycle", to: "Settling" }))
      expect(fits.state.outbox.size).toBe(BANKS.length)
    })
  })

  describe("SettlementConfirmation", () => {
    it("step - should confirm an instruction and take it out of the outbox (instruction Sent -> Confirmed)", () => {
      const { state } = closed()
      const step = deliver(state, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "instruction", id: ID_ISSUER, from: "Sent", on: "SettlementConfirmation", to: "Confirmed" })
      ])
      expect(sent(step)).toEqual([])
      expect(step.state.instructions.get(ID_ISSUER)?.confirmed).toBe(true)
      expect(step.state.outbox.keys().sort()).toEqual([ID_GATEWAY, ID_ISSUER2].sort())
      expect(step.state.cycles.get("1")).toMatchObject({ state: "Settling", unconfirmed: [ID_GATEWAY, ID_ISSUER2] })
      expect(step.state.ledger).toBe(state.ledger)
    })

    it("step - should settle the cycle on its last confirmation (cycle Settling -> Settled)", () => {
      const almost = chain(
        closed().state,
        (s) => deliver(s, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000),
        (s) => deliver(s, seal(gateway, confirmation(ID_GATEWAY, gateway)), T0 + 2_000)
      ).state
      expect(almost.cycles.get("1")?.state).toBe("Settling")
      const step = deliver(almost, seal(issuer2, confirmation(ID_ISSUER2, issuer2)), T0 + 2_500)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "instruction", id: ID_ISSUER2, from: "Sent", on: "SettlementConfirmation", to: "Confirmed" }),
        expect.objectContaining({ entity: "cycle", id: "1", from: "Settling", on: "SettlementConfirmation", to: "Settled" })
      ])
      expect(step.state.cycles.get("1")).toMatchObject({ state: "Settled", unconfirmed: [] })
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should ignore a repeated confirmation: the same state, no outputs", () => {
      const once = deliver(closed().state, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000).state
      const step = deliver(once, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 9_000)
      expectUnchanged(step, once)
      const done = settled()
      const after = deliver(done, seal(gateway, confirmation(ID_GATEWAY, gateway)), T0 + 9_000)
      expectUnchanged(after, done)
    })

    it("step - should reject a confirmation of an unknown instruction with UnknownReference", () => {
      const { state } = closed()
      const packet = seal(issuer, confirmation("cyc9:issuer-1:EUR", issuer))
      expect(expectRejected(deliver(state, packet), state, "UnknownReference").rejection).toMatchObject({ kind: "instruction", id: "cyc9:issuer-1:EUR" })
    })

    it("step - should reject a confirmation by another bank than the instructed one with Mismatch on the bank", () => {
      const { state } = closed()
      const packet = seal(issuer, confirmation(ID_GATEWAY, issuer))
      expect(expectRejected(deliver(state, packet), state, "Mismatch").rejection).toMatchObject({ id: ID_GATEWAY, field: "bank" })
      // Still refused once the instruction is confirmed: a repeat is only a repeat from its own bank.
      const done = settled()
      expect(expectRejected(deliver(done, packet), done, "Mismatch").rejection.field).toBe("bank")
    })

    it("step - should reject a confirmation naming another cycle with Mismatch on the cycle", () => {
      const { state } = closed()
      const packet = seal(issuer, confirmation(ID_ISSUER, issuer, CYCLE_2))
      expect(expectRejected(deliver(state, packet), state, "Mismatch").rejection).toMatchObject({ id: ID_ISSUER, field: "cycle" })
    })
  })

  describe("Tick", () => {
    it("step - should send nothing and keep the state before the first retry is due", () => {
      const { state } = closed()
      const step = stepHouse(state, tick(T0 + 1_000 + RETRY_BASE_ms - 1))
      expectUnchanged(step, state)
    })

    it("step - should resend every unconfirmed instruction byte for byte, backing off", () => {
      const { state, instructions } = closed()
      const first = stepHouse(state, tick(T0 + 1_000 + RETRY_BASE_ms))
      expect(transitionsIn(first)).toEqual([])
      expect(sent(first).map(wireBytes).sort()).toEqual(Object.values(instructions).map(wireBytes).sort())
      expect(first.state.outbox.get(ID_ISSUER)?.attempts).toBe(2)
      expect(first.state.cycles).toBe(state.cycles)
      // The next retry comes 2 x RETRY_BASE_ms later, not RETRY_BASE_ms.
      const early = stepHouse(first.state, tick(T0 + 1_000 + 3 * RETRY_BASE_ms - 1))
      expectUnchanged(early, first.state)
      const second = stepHouse(first.state, tick(T0 + 1_000 + 3 * RETRY_BASE_ms))
      expect(sent(second)).toHaveLength(3)
      expect(second.state.outbox.get(ID_ISSUER)?.attempts).toBe(3)
    })

    it("step - should resend only the instructions not yet confirmed", () => {
      const { state, instructions } = closed()
      const confirmed = deliver(state, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000).state
      const step = stepHouse(confirmed, tick(T0 + 1_000 + RETRY_BASE_ms))
      expect(sent(step).map(wireBytes).sort()).toEqual([instructions[gateway.id]!, instructions[issuer2.id]!].map(wireBytes).sort())
    })

    it("step - should resend nothing once every instruction is confirmed", () => {
      const state = settled()
      const step = stepHouse(state, tick(T0 + 100 * RETRY_BASE_ms))
      expectUnchanged(step, state)
    })
  })

  describe("restart", () => {
    it("restart - should keep everything and make every unconfirmed instruction due at once", () => {
      const { state, instructions } = closed()
      const restarted = ClearingHouse.restart(state)
      expect(restarted.ledger).toBe(state.ledger)
      expect(restarted.cycles).toBe(state.cycles)
      expect(restarted.cleared).toBe(state.cleared)
      expect(restarted.submissions).toBe(state.submissions)
      expect(restarted.instructions).toBe(state.instructions)
      const step = stepHouse(restarted, tick(T0 + 1_001))
      expect(sent(step).map(wireBytes).sort()).toEqual(Object.values(instructions).map(wireBytes).sort())
    })

    it("restart - should still refuse an item cleared before the crash and replay the recorded receipt", () => {
      const { state, receipt } = submitted()
      const restarted = ClearingHouse.restart(state)
      const again = seal(gateway, submission(SubmissionId.make("sub-9"), [item("op-1", 10_000)]))
      expectRejected(deliver(restarted, again), restarted, "IdempotencyConflict")
      expectUnchanged(deliver(restarted, seal(gateway, submission(SUB_1, FIRST))), restarted, [receipt])
    })

    it("restart - should leave a settled house with nothing to resend", () => {
      const step = stepHouse(ClearingHouse.restart(settled()), tick(T0))
      expect(step.outputs).toEqual([])
    })
  })

  describe("issuer signatures", () => {
    /** The fabricated item of the insider acquirer stall the harness found: op-2 for 61.90 against issuer-1, which never accepted it. */
    const FABRICATED = { id: OperationId.make("op-2"), kind: "capture" as const, acquirer: gateway.id, issuer: issuer.id, authorizationId: AuthorizationId.make("auth-op-1"), amount: Money.money(6_190, "EUR") }
    /** What issuer-1 really accepted: op-1, a capture of 100.00 on auth-op-1. */
    const GENUINE = item("op-1", 10_000)
    const genuineRefund = refund("op-9", 2_000)

    /** Submits `fabricated` (after a genuine item) signed by the compromised acquirer, and asserts the whole submission is refused on its `issuerSignature`, changing nothing. */
    const refused = (fabricated: ClearingItem, before: State = fresh()): void => {
      const step = deliver(before, seal(gateway, submission(SUB_1, [GENUINE, fabricated])))
      expect(expectRejected(step, before, "Mismatch").rejection).toMatchObject({ id: fabricated.id, field: "issuerSignature" })
    }
    const withEvidence = (fields: typeof FABRICATED, issuerSignature: ClearingItem["issuerSignature"]): ClearingItem => new ClearingItem({ ...fields, issuerSignature })

    it("step - should refuse an item signed by no registered issuer (an unregistered key, or the issuer's key id with another key)", () => {
      refused(withEvidence(FABRICATED, issuerSignatureOn(makeParty("issuer-rogue", "issuer"), FABRICATED)))
      refused(withEvidence(FABRICATED, issuerSignatureOn(impostorOf(issuer.id), FABRICATED)))
    })

    it("step - should refuse an item whose acceptance the acquirer signed itself, with its gateway key", () => {
      refused(withEvidence(FABRICATED, issuerSignatureOn(gateway, FABRICATED)))
    })

    it("step - should refuse an item signed by another issuer than the one it names", () => {
      refused(withEvidence(FABRICATED, issuerSignatureOn(issuer2, FABRICATED)))
    })

    it("step - should refuse an item whose issuer's key is revoked", () => {
      const base = fresh()
      const before: State = { ...base, identity: { ...base.identity, registry: revoke(base.identity.registry, issuer.signing.keyId) } }
      const step = deliver(before, seal(gateway, submission(SUB_1, [GENUINE])))
      expect(expectRejected(step, before, "Mismatch").rejection).toMatchObject({ id: GENUINE.id, field: "issuerSignature" })
    })

    it("step - should refuse the issuer's genuine signature on another amount", () => {
      refused(withEvidence(FABRICATED, issuerSignatureOn(issuer, { ...FABRICATED, amount: Money.money(619, "EUR") })))
      refused(withEvidence(FABRICATED, issuerSignatureOn(issuer, { ...FABRICATED, amount: Money.money(6_190, "USD") })))
      // The genuine op-1 inflated: its own signature no longer covers it.
      refused(new ClearingItem({ ...GENUINE, id: OperationId.make("op-1b"), amount: Money.money(10_001, "EUR") }))
    })

    it("step - should refuse the issuer's genuine signature on another operation id, authorization or acquirer", () => {
      refused(withEvidence(FABRICATED, GENUINE.issuerSignature))
      refused(withEvidence(FABRICATED, issuerSignatureOn(issuer, { ...FABRICATED, authorizationId: AuthorizationId.make("auth-other") })))
      refused(withEvidence(FABRICATED, issuerSignatureOn(issuer, { ...FABRICATED, acquirer: gateway2.id })))
    })

    it("step - should refuse a refund's signature on a capture item, and a capture's on a refund item", () => {
      refused(new ClearingItem({ ...genuineRefund, id: OperationId.make("op-9"), kind: "capture" }))
      refused(withEvidence({ ...FABRICATED, amount: Money.money(10_000, "EUR") }, issuerSignatureOn(issuer, { ...FABRICATED, kind: "refund", amount: Money.money(10_000, "EUR") })))
      const capture = item("op-7", 500)
      refused(new ClearingItem({ ...capture, kind: "refund" }))
    })

    it("step - should refuse the issuer's signature on a refusal or a void (only an acceptance of that capture or refund counts)", () => {
      const answer = (status: "accepted" | "exceeds_remaining", operation: "capture" | "void") =>
        new OperationResponse({ id: FABRICATED.id, from: issuer.id, to: gateway.id, authorizationId: FABRICATED.authorizationId, operation, amount: FABRICATED.amount, status })
      for (const response of [answer("exceeds_remaining", "capture"), answer("accepted", "void")]) {
        const wire = envelopeOf(seal(issuer, response))
        refused(withEvidence(FABRICATED, new IssuerSignature({ keyId: issuer.signing.keyId, signature: wire.signature })))
      }
      // Control: the acceptance itself is the evidence.
      const wire = envelopeOf(seal(issuer, answer("accepted", "capture")))
      const accepted = deliver(fresh(), seal(gateway, submission(SUB_1, [GENUINE, withEvidence(FABRICATED, new IssuerSignature({ keyId: issuer.signing.keyId, signature: wire.signature }))])))
      expect(transitionsIn(accepted).map((t) => t.to)).toEqual(["Open", "Accepted"])
    })

    it("step - should refuse another message's signature by the issuer in the evidence (domain separation)", () => {
      const receipt = new SettlementConfirmation({ id: InstructionId.make("cyc1:issuer-1:EUR"), from: issuer.id, to: clearing.id, cycle: CYCLE_1 })
      const wire = envelopeOf(seal(issuer, receipt))
      refused(withEvidence(FABRICATED, new IssuerSignature({ keyId: issuer.signing.keyId, signature: wire.signature })))
    })

    it("step - should keep the open cycle settling: the stall the harness found is refused, the genuine items clear and settle", () => {
      const insider = seal(gateway, submission(SUB_1, [withEvidence(FABRICATED, issuerSignatureOn(gateway, FABRICATED))]))
      const before = fresh()
      expectRejected(deliver(before, insider), before, "Mismatch")
      const genuine = deliver(before, seal(gateway, submission(SUB_2, [GENUINE, genuineRefund])))
      expect(transitionsIn(genuine).map((t) => t.to)).toEqual(["Open", "Accepted"])
      const closedCycle = close(genuine.state)
      expect(closedCycle.state.cycles.get("1")?.positions).toEqual({ "gateway-1:EUR": 8_000, "issuer-1:EUR": -8_000 })
      const done = chain(
        closedCycle.state,
        (s) => deliver(s, seal(gateway, confirmation(ID_GATEWAY, gateway)), T0 + 2_000),
        (s) => deliver(s, seal(issuer, confirmation(ID_ISSUER, issuer)), T0 + 2_000)
      )
      expect(done.state.cycles.get("1")?.state).toBe("Settled")
      expect(balance(done.state, ClearingHouse.settlementAccount(issuer.id, "EUR"))).toBe(OPENING_minor - 8_000)
    })
  })

  describe("envelope rejections", () => {
    const body = (): ClearingSubmission => submission(SUB_1, FIRST)

    it("step - should reject a garbage payload with DecodeError", () => {
      const before = fresh()
      expectRejected(deliver(before, { from: gateway.id, to: clearing.id, channel: "signed", payload: "not an envelope" }), before, "DecodeError")
    })

    it("step - should reject an unsigned envelope with DecodeError", () => {
      const before = fresh()
      const { signature: _signature, ...unsigned } = envelopeOf(seal(gateway, body()))
      expectRejected(deliver(before, { from: gateway.id, to: clearing.id, channel: "signed", payload: unsigned }), before, "DecodeError")
    })

    it("step - should reject a session packet with DecodeError", () => {
      const before = fresh()
      expectRejected(deliver(before, { ...seal(gateway, body()), channel: "session" }), before, "DecodeError")
    })

    it("step - should reject a signed message type it does not accept with DecodeError", () => {
      const before = fresh()
      const receipt = new SubmissionReceipt({ id: SUB_1, from: gateway.id, to: clearing.id, cycle: CYCLE_1 })
      expectRejected(deliver(before, seal(gateway, receipt)), before, "DecodeError")
    })

    it("step - should reject a submission with no items with DecodeError", () => {
      const before = fresh()
      const empty = mutateBody(seal(gateway, body()), (b) => void (b.items = []))
      expectRejected(deliver(before, empty), before, "DecodeError")
    })

    it("step - should reject a submission signed with an unregistered key with UnknownKey", () => {
      const before = fresh()
      expect(expectRejected(deliver(before, sealWith(rogue.signing, body())), before, "UnknownKey").rejection.keyId).toBe(rogue.signing.keyId)
    })

    it("step - should reject a submission signed with a revoked key with RevokedKey", () => {
      const base = fresh()
      const before: State = { ...base, identity: { ...base.identity, registry: revoke(base.identity.registry, gateway.signing.keyId) } }
      expectRejected(deliver(before, seal(gateway, body())), before, "RevokedKey")
    })

    it("step - should reject a submission signed by an issuer's key with WrongSigner", () => {
      const before = fresh()
      const forged = sealWith(issuer.signing, submission(SUB_1, [item("op-1", 1, { acquirer: issuer.id })], { from: issuer.id }))
      expect(expectRejected(deliver(before, forged), before, "WrongSigner").rejection.detail).toContain("needs a gateway key")
    })

    it("step - should reject a submission from one acquirer signed by another acquirer's key with WrongSigner", () => {
      const before = fresh()
      expect(expectRejected(deliver(before, sealWith(gateway2.signing, body())), before, "WrongSigner").rejection.detail).toContain(`cannot speak for ${gateway.id}`)
    })

    it("step - should reject a confirmation of one bank signed by another bank's key with WrongSigner", () => {
      const { state } = closed()
      expectRejected(deliver(state, sealWith(issuer2.signing, confirmation(ID_ISSUER, issuer))), state, "WrongSigner")
    })

    it("step - should reject a submission whose item amount was changed in transit with BadSignature", () => {
      const before = fresh()
      const forged = mutateBody(seal(gateway, body()), (b) => void (b.items[0].amount.amount_minor = 1))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })

    it("step - should reject a confirmation whose cycle was changed in transit with BadSignature", () => {
      const { state } = closed()
      const forged = mutateBody(seal(issuer, confirmation(ID_ISSUER, issuer, CYCLE_2)), (b) => void (b.cycle = 1))
      expectRejected(deliver(state, forged), state, "BadSignature")
    })

    it("step - should reject a submission carrying another message's signature with BadSignature", () => {
      const before = fresh()
      const donor = seal(gateway, submission(SUB_2, FIRST))
      expectRejected(deliver(before, swapSignature(seal(gateway, body()), donor)), before, "BadSignature")
    })

    it("step - should reject a signature without or under another domain tag with BadSignature", () => {
      const before = fresh()
      expectRejected(deliver(before, sealBytes(gateway.signing, encode(body()), new Uint8Array())), before, "BadSignature")
      expectRejected(deliver(before, sealBytes(gateway.signing, encode(body()), domainTag("SubmissionReceipt"))), before, "BadSignature")
      // Control: the same builder with the right tag is accepted.
      expect(transitionsIn(deliver(before, sealBytes(gateway.signing, encode(body())))).map((t) => t.to)).toEqual(["Open", "Accepted"])
    })

    it("step - should reject a submission addressed to another party with WrongRecipient", () => {
      const before = fresh()
      const packet = seal(gateway, submission(SUB_1, FIRST, { to: issuer.id }))
      expect(expectRejected(deliver(before, packet), before, "WrongRecipient").rejection).toMatchObject({ expected: clearing.id, got: issuer.id })
    })
  })

  describe("netPositions", () => {
    const banks = [gateway.id, gateway2.id, issuer.id, issuer2.id]
    const anyItem = fc
      .record({
        n: fc.nat({ max: 99 }),
        kind: fc.constantFrom("capture" as const, "refund" as const),
        acquirer: fc.constantFrom(...banks),
        issuer: fc.constantFrom(...banks),
        amount_minor: fc.integer({ min: 1, max: Money.MAX_AMOUNT_MINOR }),
        currency: fc.constantFrom("EUR" as const, "USD" as const, "JPY" as const)
      })
      .map((r) => item(`op-${r.n}`, r.amount_minor, { kind: r.kind, acquirer: r.acquirer, issuer: r.issuer, amount: Money.money(r.amount_minor, r.currency) }))

    it("netPositions - should be empty for no items", () => {
      expect(ClearingHouse.netPositions([])).toEqual({})
    })

    it("netPositions - should count a capture against the issuer and for the acquirer, a refund the other way", () => {
      expect(ClearingHouse.netPositions([item("op-1", 500), refund("op-2", 200, { issuer: issuer2.id })])).toEqual({
        "gateway-1:EUR": 300,
        "issuer-1:EUR": -500,
        "issuer-2:EUR": 200
      })
    })

    it("netPositions - should sum to zero per currency, with an entry for every bank and currency of an item", () => {
      fc.assert(
        fc.property(fc.array(anyItem, { maxLength: 40 }), (items) => {
          const positions = ClearingHouse.netPositions(items)
          const keys = new Set(items.flatMap((i) => [`${i.issuer}:${i.amount.currency}`, `${i.acquirer}:${i.amount.currency}`]))
          expect(new Set(Object.keys(positions))).toEqual(keys)
          const sums: Record<string, number> = {}
          for (const [key, position] of Object.entries(positions)) {
            expect(Number.isSafeInteger(position)).toBe(true)
            const currency = key.slice(key.lastIndexOf(":") + 1)
            sums[currency] = (sums[currency] ?? 0) + position
          }
          for (const sum of Object.values(sums)) expect(sum).toBe(0)
        }),
        { numRuns: 200 }
      )
    })
  })

  describe("transitions table", () => {
    it("transitions - should all have been exercised by this file", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
