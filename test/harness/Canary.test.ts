import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { Aimed, Answer, Flush, Shop, Staff } from "../../src/harness/Commands.js"
import { Sweep } from "../../src/harness/Sweep.js"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import type { Swarm } from "../../src/harness/World.js"
import type { MerchantState } from "../../src/parties/Merchant.js"
import { CALM, reference, withBug, withFlaw } from "../support/harness.js"
import { chainOf } from "../../model/Links.js"
import { refusedAt } from "../../src/harness/World.js"
const merchant = Core.Ids.PartyId.make("merchant-1")

/** Every capture refused as expired: no invariant but the canary notices. */
let holdExpiryInSeconds: HarnessSettings
/** Every refund of a payment captured in full refused: no invariant but the canary notices. */
let refundAfterCaptureRefused: HarnessSettings
/** A refund of all that is still refundable refused: no invariant but the canary notices. */
let fullRefundRefused: HarnessSettings
/** Every void refused by the merchant itself: the operations check, on the canary's void, notices. */
let voidRefused: HarnessSettings
/** A hold of exactly the funds available refused: no invariant but the canary notices. */
let exactFundsRefused: HarnessSettings
/** A settlement instruction listing every item of its cycle, whatever its bank or currency (the mutation campaign's N45, ClearingHouse L400): only a cycle with two banks' items shows it. */
let instructionListsEveryItem: HarnessSettings

/** The merchant's table of transitions forgets that a capture the issuer took first may be heard of after the void (the mutation campaign's N2, MerchantOperations L74): only the crossed answers take that edge. */
let crossingUndeclared: HarnessSettings

/** The merchant takes a result for an operation it already decided as if it were the first (the mutation campaign's L152 of MerchantOperations): only a duplicated result shows it. */
let resultTakenTwice: HarnessSettings

/** A bank that answers a retried settlement instruction with nothing: a lost confirmation is never made good. */
let retriedInstructionUnanswered: HarnessSettings
/** A bank that sends its confirmation only when the instruction comes again. */
let confirmationOnlyOnRetry: HarnessSettings
/** An acquirer that submits again before the receipt of its last submission. */
let submissionBeforeReceipt: HarnessSettings
/** An issuer that refuses an operation on a pending hold past its expiry as if the hold were closed. */
let lapsedHoldReportedClosed: HarnessSettings
/** An issuer that takes an operation reaching it at exactly its own expiry. */
let operationHonouredAtExpiry: HarnessSettings
/** A clearing house that closes a cycle against the protocol's bound of instructions unconfirmed, not its own. */
let clearingOutboxIgnored: HarnessSettings
/** The ledger places a hold whatever the account has available (the mutation campaign's G3, Ledger L175): only two payments approved for the same last funds show it. */
let holdIgnoresFunds: HarnessSettings
/** The issuer reports a hold the ledger refused as an expired challenge: only the race's loser shows it. */
let raceLostAsExpired: HarnessSettings

/** One issuer with one customer, who has far more than a quick checkout's worth, and no faults. */
const ONE_RICH_CUSTOMER: Swarm = { ...CALM, scope: { ...CALM.scope, customers: [[1]] } }

/** The bounds lowered to one: each merchant keeps one request in flight, and a clearing cycle takes one item of a bank in a currency. */
const AT_ONE: Swarm = { ...CALM, scope: { ...CALM.scope, issuers: 2, customers: [[1], [1]], limits: { merchantOutbox: 1, cycleItems: 1 } } }

/** The clearing house keeps two instructions unconfirmed, one per settlement account of the standard world (an issuer and an acquirer, in euros), or three. */
const clearingOutboxOf = (outbox: number): Swarm => ({ ...CALM, scope: { ...CALM.scope, limits: { clearingOutbox: outbox } } })

/** Two issuers, a customer each, and no faults: the busy day clears both customers' captures in one cycle. */
const TWO_ISSUERS: Swarm = { ...CALM, scope: { ...CALM.scope, issuers: 2, customers: [[1], [1]] } }

beforeAll(async () => {
  holdExpiryInSeconds = await withBug("canary", "hold-expiry-in-seconds")
  refundAfterCaptureRefused = await withBug("canary", "refund-after-capture-refused")
  fullRefundRefused = await withBug("canary", "full-refund-refused")
  voidRefused = await withBug("canary", "void-refused")
  exactFundsRefused = await withBug("canary", "exact-funds-refused")
  retriedInstructionUnanswered = await withBug("canary", "retried-instruction-unanswered")
  confirmationOnlyOnRetry = await withBug("canary", "confirmation-only-on-retry")
  submissionBeforeReceipt = await withBug("canary", "submission-before-receipt")
  lapsedHoldReportedClosed = await withBug("canary", "lapsed-hold-reported-closed")
  operationHonouredAtExpiry = await withBug("canary", "operation-honoured-at-expiry")
  clearingOutboxIgnored = await withBug("canary", "clearing-outbox-ignored")
  crossingUndeclared = await withFlaw("canary", {
    name: "crossing-undeclared",
    description: "The merchant does not declare a payment going from Voided to Captured when a capture's result comes after the void's.",
    edits: [{ file: "parties/MerchantOperations.ts", find: `  { entity: "payment", from: "Voided", on: "OperationResult (capture accepted)", to: "Captured" },\n`, replace: "" }]
  })
  resultTakenTwice = await withFlaw("canary", {
    name: "result-taken-twice",
    description: "The merchant decides an operation again on every copy of its result.",
    edits: [{ file: "parties/MerchantOperations.ts", find: `    if (op.state !== "Pending") {\n`, replace: "    if (false as boolean) {\n" }]
  })
  holdIgnoresFunds = await withFlaw("canary", {
    name: "hold-ignores-funds",
    description: "The ledger places a hold without checking what the account has available.",
    edits: [{ file: "ledger/Ledger.ts", find: "  if (debit.debitsMustNotExceedCredits && available(ledger, debit.id) < m.amount.amount_minor) {", replace: "  if (false as boolean) {" }]
  })
  raceLostAsExpired = await withFlaw("canary", {
    name: "race-lost-as-expired",
    description: "The issuer reports an approval whose hold the ledger refused as challenge_expired, not insufficient_funds.",
    edits: [{ file: "parties/Issuer.ts", find: `ledger !== state.ledger ? "approved" : "insufficient_funds"`, replace: `ledger !== state.ledger ? "approved" : "challenge_expired"` }]
  })
  instructionListsEveryItem = await withFlaw("canary", {
    name: "instruction-lists-every-item",
    description: "A settlement instruction lists every item of its cycle, not only its bank's in its currency.",
    edits: [{ file: "parties/ClearingHouse.ts", find: "cycle.items.filter((i) => i.amount.currency === currency && (i.issuer === bank || i.acquirer === bank))", replace: "cycle.items" }]
  })
})

/** Expects `thrown` to be the canary's violation, its findings matching `finding`. */
const expectFinding = (thrown: unknown, invariant: string, finding: RegExp): void => {
  expect(thrown).toBeInstanceOf(InvariantViolation)
  const violation = thrown as InvariantViolation
  expect(violation.invariant).toBe(invariant)
  expect(violation.findings.join()).toMatch(finding)
}

const expectCanaryFinding = (thrown: unknown, finding: RegExp): void => expectFinding(thrown, "canary", finding)

describe("canary", () => {
  it("should check out, capture, refund in full and settle one payment, void a second, ship one unit of a third with the answers crossed and refund it, capture a fourth too late, and race a fifth and a sixth for the last funds, after an empty script on the reference core", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canary")).toBe(1)
    const payments = world.net.state<MerchantState>(merchant).payments.values()
    expect(payments.map((p) => [p.state, p.captured_minor === p.request.amount.amount_minor, p.refunded_minor === p.captured_minor, p.voided])).toEqual([
      ["Captured", true, true, false],
      ["Voided", false, true, true],
      ["Captured", false, true, true],
      ["Authorized", false, true, false],
      ["Voided", false, true, true],
      ["Declined", false, true, false]
    ])
    // The third: the void's answer overtook the capture's, at the gateway and at the merchant.
    expect(payments[2]?.captured_minor).toBe(1)
    expect(world.exercised.get("canaryCrossedAnswers")).toBe(1)
    expect([...world.exercised.keys()].filter((kind) => kind.includes("Voided -> Captured"))).toEqual([
      "transition:Gateway: payment: Voided -> Captured on OperationResponse (capture accepted)",
      "transition:Merchant: payment: Voided -> Captured on OperationResult (capture accepted)"
    ])
    // The staff's misclicks on those two payments and on one the merchant never had, each refused by the merchant itself with the spec's reason.
    expect(world.exercised.get("canaryMisclicks")).toBe(1)
    expect([...world.exercised.keys()].filter((k) => k.startsWith("operation verdict:") && k.includes(": refused")).sort()).toEqual([
      "operation verdict:Capture: refused (InvalidRequest: capture refused: more than the hold has left)",
      "operation verdict:Capture: refused (InvalidRequest: capture refused: payment is voided)",
      "operation verdict:Capture: refused (InvalidRequest: capture refused: the amount must be a positive integer in minor units)",
      "operation verdict:Refund: refused (InvalidRequest: refund refused: more than was captured and not refunded)",
      "operation verdict:Refund: refused (InvalidRequest: refund refused: the amount must be a positive integer in minor units)",
      "operation verdict:Void: refused (InvalidRequest: void refused: payment is voided)",
      "operation verdict:Void: refused (UnknownReference (payment))"
    ])
  })

  it("should fail when a party does not declare the edge the crossed answers take (crossing-undeclared), which the random runs take about once in 1,000", () => {
    const { error } = play(crossingUndeclared, CALM, [])
    expectFinding(error?.thrown, "declaredTransitions", /merchant-1 made an undeclared transition: payment: Voided -> Captured on OperationResult \(capture accepted\)/)
  })

  it("should fail when the merchant books a duplicated result again (result-taken-twice), as the crossed answers' duplicate shows", () => {
    const { error } = play(resultTakenTwice, CALM, [])
    expectFinding(error?.thrown, "agreement", /payment merchant-1\/ord-3\.p1: captured 2\/1\/1 at merchant\/gateway\/issuer/)
  })

  it("should run after a script's own payments, for a shopper who can still pay", () => {
    const { world, error } = play(reference, CALM, [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Flush([0])])
    expect(error).toBeNull()
    expect(world.exercised.get("canary")).toBe(1)
    expect(world.net.state<MerchantState>(merchant).payments.values().map((p) => p.state)).toEqual(["Authorized", "Captured", "Voided", "Captured", "Authorized", "Voided", "Declined"])
  })

  it("should race two payments for the last funds, approved both: one held and voided, the other declined for funds; and fail when the hold ignores the funds (hold-ignores-funds)", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canaryRaceForFunds")).toBe(1)
    expect(world.exercised.get("transition:Issuer: authorization: Challenging -> Declined on ChallengeAnswer (approve, insufficient funds)")).toBe(1)
    const [won, lost] = world.net.state<MerchantState>(merchant).payments.values().slice(-2)
    expect(won).toMatchObject({ state: "Voided", captured_minor: 0 })
    expect(lost).toMatchObject({ state: "Declined", status: "insufficient_funds" })
    const overdrawn = play(holdIgnoresFunds, CALM, [])
    expectFinding(overdrawn.error?.thrown, "noOverdraft", /issuer-1 account acct-2 is overdrawn: -6190 available/)
    expect((overdrawn.error?.thrown as InvariantViolation).after).toMatch(/^the canary's race for the last funds: ch-\d+ approved$/)
  })

  it("should fail when the race's loser is declined for another reason than funds (race-lost-as-expired)", () => {
    const { error } = play(raceLostAsExpired, CALM, [])
    expectCanaryFinding(error?.thrown, /payments Authorized \(approved\) and Declined \(challenge_expired\), not one authorized and one declined for funds/)
  })

  it("should not race for a shopper who can afford two checkouts", () => {
    const { world, error } = play(reference, ONE_RICH_CUSTOMER, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canary")).toBe(1)
    expect(world.exercised.get("canaryRaceForFunds")).toBeUndefined()
  })

  it("should hold up the banks' confirmations of a capture's cycle where the clearing house keeps two or three unconfirmed: the refund's cycle refused (outbox full) until they arrive, then both settled; and fail when the clearing house ignores its bound (clearing-outbox-ignored)", () => {
    expect(play(reference, CALM, []).world.exercised.get("canarySlowBanks")).toBeUndefined()
    for (const outbox of [2, 3]) {
      const { world, error } = play(reference, clearingOutboxOf(outbox), [])
      expect(error).toBeNull()
      expect(world.exercised.get("canarySlowBanks")).toBe(1)
      expect(world.exercised.get(refusedAt("outbox full"))).toBeGreaterThan(0)
      const house = world.net.state<Core.ClearingHouse.ClearingHouseState>(world.directory.clearing)
      expect(house.outbox.size).toBe(0)
      expect([...house.cycles.values()].every((c) => c.state === "Settled" || c.items.length === 0)).toBe(true)
      const ignored = play(clearingOutboxIgnored, clearingOutboxOf(outbox), [])
      expectFinding(ignored.error?.thrown, "bounded", new RegExp(`clearing-1 has 4 instructions unconfirmed, more than ${outbox}`))
    }
    // With one instruction more than both cycles need, the refund's cycle closes at once.
    expect(play(reference, clearingOutboxOf(4), []).world.exercised.get(refusedAt("outbox full"))).toBeUndefined()
  })

  it("should skip the crossed shipment and the race at a merchant that keeps one request in flight, and settle the rest, the busy day too, a cycle for each item of a bank", () => {
    const { world, error } = play(reference, AT_ONE, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canary")).toBe(1)
    expect(world.exercised.get("canaryOneInFlight")).toBe(1)
    expect(world.exercised.get("canaryCrossedAnswers")).toBeUndefined()
    expect(world.exercised.get("canaryRaceForFunds")).toBeUndefined()
    expect(world.exercised.get("canaryBusyDay")).toBe(1)
    // Five items: the first capture, its two refunds, the busy day's two captures. Each has the one
    // acquirer on its side, and the acquirer submits one at a time: five cycles, one item each.
    const cycles = world.net.state<Core.ClearingHouse.ClearingHouseState>(world.directory.clearing).cycles.values()
    expect(cycles.filter((c) => c.state === "Settled").map((c) => c.items.length)).toEqual([1, 1, 1, 1, 1])
  })

  // Four of the canary's bugs are wrong verdicts of the issuer's, the gateway's or the merchant's: the operations check, on the canary's own steps, finds them first.
  it("should make the capture that shows every capture refused (hold-expiry-in-seconds), the issuer's verdict not the spec's", () => {
    const { error } = play(holdExpiryInSeconds, CALM, [])
    expectFinding(error?.thrown, "operations", /issuer-1: CaptureRequest gateway-1\/op-1 at \d+ was answered hold_expired \(0\), the spec says accepted \(6190\)/)
  })

  it("should make the refund that shows a refund of a captured payment refused (refund-after-capture-refused), the issuer's verdict not the spec's", () => {
    const { error } = play(refundAfterCaptureRefused, CALM, [])
    expectFinding(error?.thrown, "operations", /issuer-1: RefundRequest gateway-1\/op-2 at \d+ was answered unknown_payment \(0\), the spec says accepted \(3095\)/)
  })

  it("should make the refund that shows a refund of all that is left refused (full-refund-refused), the gateway's refusal not the spec's", () => {
    const { error } = play(fullRefundRefused, CALM, [])
    expectFinding(error?.thrown, "operations", /gateway-1: RefundPayment merchant-1\/\S+ was answered exceeds_remaining before the issuer decided; it should be forwarded/)
  })

  it("should capture a fourth order at once, the capture reaching the issuer at its own expiry: refused request_expired, the hold still pending; and fail when it is taken (operation-honoured-at-expiry)", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canaryStaleCapture")).toBe(1)
    // The one operation refused request_expired in the run: the stale capture, judged by the operations check.
    expect(world.exercised.get("operation verdict:CaptureRequest: request_expired")).toBe(1)
    const stale = world.lines.findIndex((l) => l.command.startsWith("canary: the capture reaches issuer-1 at the request's own expiry"))
    const late = world.lines.findIndex((l) => l.command.startsWith("canary: the capture reaches issuer-1 at the hold's expiry"))
    expect(stale).toBeGreaterThan(-1)
    expect(late).toBeGreaterThan(stale)
    const honoured = play(operationHonouredAtExpiry, CALM, [])
    expectFinding(honoured.error?.thrown, "operations", /issuer-1: CaptureRequest gateway-1\/\S+ at (\d+) was answered accepted \(\d+\), the spec says request_expired \(0\)/)
  })

  it("should capture the fourth order again a millisecond before its hold expires, the capture reaching the issuer at the expiry: refused hold_expired, the hold released, nothing moved; and fail when it is refused hold_closed (lapsed-hold-reported-closed)", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canaryLateCapture")).toBe(1)
    // The one capture refused hold_expired in the run: the late one, judged by the operations check.
    expect(world.exercised.get("operation verdict:CaptureRequest: hold_expired")).toBe(1)
    expect(world.lines.some((l) => l.command.startsWith("canary: the capture reaches issuer-1 at the hold's expiry"))).toBe(true)
    const fourth = world.net.state<MerchantState>(merchant).payments.values()[3]
    expect(fourth).toMatchObject({ state: "Authorized", captured_minor: 0 })
    expect(fourth === undefined ? undefined : chainOf(world.view(), world.net.state<MerchantState>(merchant), fourth).hold?.status).toBe("expired")
    const lapsed = play(lapsedHoldReportedClosed, CALM, [])
    expectFinding(lapsed.error?.thrown, "operations", /issuer-1: CaptureRequest gateway-1\/\S+ at \d+ was answered hold_closed \(0\), the spec says hold_expired \(0\)/)
  })

  it("should hold up its own capture only, while an insider acquirer's tampered capture is retried forever (check --runs 10000 --seed 11, run 1,034)", () => {
    // The shopper's capture at the insider's merchant goes out tampered, its issuer refuses it as an idempotency conflict, and the
    // acquirer retries it every 16 s for ever. The canary's late capture, at the other acquirer, once held up that retry
    // instead of its own, which reached the issuer before the hold's expiry and was taken.
    const insiderAcquirer: Swarm = { ...CALM, scope: { ...CALM.scope, merchants: 2, gateways: 2, insider: { kind: "gateway", index: 2 } } }
    const merchant1 = Core.Ids.PartyId.make("merchant-1")
    const gateway1 = Core.Ids.PartyId.make("gateway-1")
    const script = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Flush([0]), new Staff("capture", 0, "all"), new Aimed("deliver", "CapturePayment", merchant1, gateway1), new Sweep("CaptureRequest", 0, 162)]
    const { world, error } = play(reference, insiderAcquirer, script)
    expect(error).toBeNull()
    expect(world.exercised.get("canaryLateCapture")).toBe(1)
    expect(world.exercised.get("operation verdict:CaptureRequest: hold_expired")).toBe(1)
  })

  it("should make the void that shows every void refused (void-refused), the merchant's own refusal where the spec sends it", () => {
    const { error } = play(voidRefused, CALM, [])
    expectFinding(error?.thrown, "operations", /merchant-1: Void of ord-2\.p1 should be sent once to gateway-1, it was sent 0 times \(refused: InvalidRequest: void refused: the amount must be a positive integer in minor units\)/)
  })

  it("should pay with the customer who has exactly one quick checkout's worth first, and fail, as the only check that does, when such a payment is refused (exact-funds-refused)", () => {
    const calm = play(reference, CALM, [])
    expect(calm.error).toBeNull()
    expect(calm.world.exercised.get("canaryExactFunds")).toBe(1)
    expect(play(reference, ONE_RICH_CUSTOMER, []).world.exercised.get("canaryExactFunds")).toBeUndefined()
    const { error } = play(exactFundsRefused, CALM, [])
    expectCanaryFinding(error?.thrown, /ended on|shows no challenge|not approved/)
    expect(play(exactFundsRefused, ONE_RICH_CUSTOMER, []).error).toBeNull()
  })

  it("should lose one bank's confirmation and see the cycle settle, with one refund's submission held up, on the reference core", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canaryLostConfirmation")).toBe(1)
    expect(world.lines.map((l) => l.command)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^canary: the confirmation \S+ -> clearing-1 is lost$/), "canary: gateway-1's clearing submission is held up in the network"])
    )
  })

  it("should fail when a bank answers the clearing house's retry of an instruction it posted with nothing (retried-instruction-unanswered)", () => {
    const { error } = play(retriedInstructionUnanswered, CALM, [])
    expectCanaryFinding(error?.thrown, /cycle 1: Settling, not settled once \S+ was sent its instruction again/)
  })

  it("should fail when a bank sends its confirmation only when the instruction comes again (confirmation-only-on-retry)", () => {
    const { error } = play(confirmationOnlyOnRetry, CALM, [])
    expectCanaryFinding(error?.thrown, /cycle 1: no bank confirmed its instruction in the step that posted it/)
  })

  it("should fail when an acquirer submits again before its last submission's receipt (submission-before-receipt)", () => {
    const { error } = play(submissionBeforeReceipt, CALM, [])
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    const violation = error?.thrown as InvariantViolation
    expect(violation.invariant).toBe("settlementExactlyOnce")
    expect(violation.findings.join()).toMatch(/gateway-1 has 2 submissions waiting for a receipt: sub-2, sub-3/)
  })

  it("busy day - should clear two issuers' captures in one cycle on the reference core, and fail when an instruction lists another bank's items", () => {
    const calm = play(reference, TWO_ISSUERS, [])
    expect(calm.error).toBeNull()
    expect(calm.world.exercised.get("canaryBusyDay")).toBe(1)
    expect(play(reference, CALM, []).world.exercised.get("canaryBusyDay")).toBeUndefined()
    const { error } = play(instructionListsEveryItem, TWO_ISSUERS, [])
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    expect(["canary", "liveness"]).toContain((error?.thrown as InvariantViolation).invariant)
  })

  it("should be skipped, and say so, in a world whose only merchant is the insider's", () => {
    const insiderMerchant: Swarm = { ...CALM, scope: { ...CALM.scope, insider: { kind: "merchant", index: 0 } } }
    const { world, error } = play(reference, insiderMerchant, [])
    expect(error).toBeNull()
    expect(world.exercised.get("canary")).toBeUndefined()
    expect(world.exercised.get("canarySkipped")).toBe(1)
  })
})
