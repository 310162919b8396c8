/**
 * The `operations` check (`model/Operations.ts`): it passes on the reference core, predicts each
 * verdict of spec 9.5 on seeded states, finds a wrong answer, a changed repeat and an
 * authorization its hold contradicts, and fails through the two seeded bugs that give a wrong
 * verdict while moving no money wrongly.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { expectedVerdict, judgeOperations } from "../../model/Operations.js"
import { PartyId, type Timestamp_ms } from "../../src/domain/Ids.js"
import { Advance, Aimed, Answer, Flush, Shop, Staff, type HarnessCommand } from "../../src/harness/Commands.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { World } from "../../src/harness/World.js"
import { syncRunner } from "../../src/drivers/Runner.js"
import type { Input, Output, Packet, Receive } from "../../src/machine/Machine.js"
import type { GatewayState } from "../../src/parties/Gateway.js"
import type { IssuerState } from "../../src/parties/Issuer.js"
import { CALM, reference, violationOf, withBug } from "../support/harness.js"

const party = PartyId.make
const HOLD_TTL_ms = 7 * 24 * 3_600_000
const AUTHORIZATION = "gateway-1/auth-1"

/** A checkout approved on the phone, its hold placed at the issuer. */
const HELD: ReadonlyArray<HarnessCommand> = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Aimed("deliver", "ChallengeApproval", party("phone-1.1.1"), party("issuer-1"))]

/** Part of the order ships, the rest is cancelled: a capture of one unit and a void, both delivered. */
const SHIPPED_PART: ReadonlyArray<HarnessCommand> = [...HELD, new Flush([0]), new Staff("shipPart", 0, "one"), new Flush([0])]

/**
 * The whole payment is captured 100 s before the hold's expiry, and the gateway forwards it; the
 * hold lapses at the next tick, 200 s later, before the issuer sees the request (unexpired yet).
 */
const CAPTURED_AFTER_EXPIRY: ReadonlyArray<HarnessCommand> = [
  ...HELD,
  new Flush([0]),
  new Advance(HOLD_TTL_ms - 100_000),
  new Staff("capture", 0, "all"),
  new Aimed("deliver", "CapturePayment", party("merchant-1"), party("gateway-1")),
  new Advance(200_000),
  new Flush([0])
]

/** The payment voided, then captured in full, both asked for before either is answered: the issuer refuses the capture. */
const CAPTURED_AFTER_VOID: ReadonlyArray<HarnessCommand> = [...HELD, new Flush([0]), new Staff("void", 0, "all"), new Staff("capture", 0, "all"), new Flush([0])]

/** The world right after `script` on the reference core, before the end of the run. */
const worldAfter = (script: ReadonlyArray<HarnessCommand>): World => {
  const world = new World(reference.core, reference.crypto, syncRunner(reference.crypto), CALM)
  for (const command of script) command.run({ world }, world)
  return world
}

/** The issuer right after `script` on the reference core, and the clock. */
const issuerAfter = (script: ReadonlyArray<HarnessCommand>): { readonly issuer: IssuerState; readonly now_ms: number } => {
  const world = worldAfter(script)
  return { issuer: world.net.state<IssuerState>(party("issuer-1")), now_ms: world.net.now_ms }
}

/** An operation request of the first payment, as it travels: its encoded body. */
const request = (issuer: IssuerState, tag: "CaptureRequest" | "VoidRequest" | "RefundRequest", now_ms: number, amount_minor = 100, currency = "EUR") => {
  const auth = issuer.authorizations.get(AUTHORIZATION)
  if (auth === undefined) throw new Error("the issuer has no authorization")
  return {
    _tag: tag,
    id: "op-9",
    from: "gateway-1",
    to: "issuer-1",
    authorizationId: "auth-1",
    paymentId: auth.request.paymentId,
    expiresAt_ms: now_ms + 300_000,
    ...(tag === "VoidRequest" ? {} : { amount: { amount_minor, currency } })
  }
}

const packetOf = (body: object, from = "gateway-1", to = "issuer-1"): Packet => ({ from: party(from), to: party(to), channel: "signed", payload: { body } })

/** A step's input: `packet` arriving at `now_ms`. */
const received = (packet: Packet, now_ms: number): Receive => ({ _tag: "Receive", now_ms: now_ms as Timestamp_ms, packet })

/** A step's input: a tick at `now_ms`. */
const tickAt = (now_ms: number): Input => ({ _tag: "Tick", now_ms: now_ms as Timestamp_ms })

/** The issuer's answer to `body` with `status` and `amount_minor`, as a step's output. */
const answered = (body: { readonly id: string }, status: string, amount_minor: number): Output => ({
  _tag: "Send",
  packet: packetOf({ _tag: "OperationResponse", id: body.id, status, amount: { amount_minor, currency: "EUR" } }, "issuer-1", "gateway-1")
})


let voidAmount: HarnessSettings
let expiredAsClosed: HarnessSettings
let refusalsAsUnknown: HarnessSettings

beforeAll(async () => {
  ;[voidAmount, expiredAsClosed, refusalsAsUnknown] = await Promise.all([
    withBug("operations", "void-reports-captured-as-released"),
    withBug("operations", "expired-hold-reported-closed"),
    withBug("operations", "issuer-refusals-relayed-as-unknown")
  ])
})

describe("operations", () => {
  it("should pass on the reference core, judging the capture and the void of a part shipped, a capture after the hold lapsed, and one after a void", () => {
    for (const [script, verdicts] of [
      [SHIPPED_PART, ["CaptureRequest: accepted", "VoidRequest: accepted"]],
      [CAPTURED_AFTER_EXPIRY, ["CaptureRequest: hold_expired"]],
      [CAPTURED_AFTER_VOID, ["VoidPayment: forwarded", "CapturePayment: forwarded", "CaptureRequest: hold_closed", "relay"]]
    ] as const) {
      const { world, error } = play(reference, CALM, script)
      expect(error).toBeNull()
      for (const verdict of verdicts) expect(world.exercised.get(`operation verdict:${verdict}`), verdict).toBeGreaterThan(0)
    }
  })

  it("should predict each verdict of spec 9.5 from the issuer's state", () => {
    const { issuer, now_ms } = issuerAfter(HELD)
    const hold = issuer.ledger.holds.get(`hold:${AUTHORIZATION}`)
    if (hold === undefined) throw new Error("the issuer holds nothing")
    const withHold = (change: object): IssuerState => ({ ...issuer, ledger: { ...issuer.ledger, holds: issuer.ledger.holds.set(hold.id, { ...hold, ...change }) } })
    const capture = request(issuer, "CaptureRequest", now_ms)
    expect(expectedVerdict(issuer, capture, now_ms)).toEqual({ status: "accepted", amount_minor: 100 })
    expect(expectedVerdict(issuer, request(issuer, "CaptureRequest", now_ms, hold.amount_minor + 1), now_ms)).toEqual({ status: "exceeds_remaining", amount_minor: 0 })
    expect(expectedVerdict(issuer, request(issuer, "CaptureRequest", now_ms, 100, "USD"), now_ms)).toEqual({ status: "exceeds_remaining", amount_minor: 0 })
    expect(expectedVerdict(issuer, { ...capture, paymentId: "ord-9.p1" }, now_ms)).toEqual({ status: "unknown_payment", amount_minor: 0 })
    expect(expectedVerdict(issuer, capture, capture.expiresAt_ms)).toEqual({ status: "request_expired", amount_minor: 0 })
    expect(expectedVerdict(issuer, { ...capture, expiresAt_ms: hold.expiresAt_ms + 1 }, hold.expiresAt_ms)).toEqual({ status: "hold_expired", amount_minor: 0 })
    expect(expectedVerdict(withHold({ status: "expired" }), capture, now_ms)).toEqual({ status: "hold_expired", amount_minor: 0 })
    expect(expectedVerdict(withHold({ status: "voided" }), capture, now_ms)).toEqual({ status: "hold_closed", amount_minor: 0 })
    const voiding = request(issuer, "VoidRequest", now_ms)
    expect(expectedVerdict(withHold({ captured_minor: 40 }), voiding, now_ms)).toEqual({ status: "accepted", amount_minor: hold.amount_minor - 40 })
    expect(expectedVerdict(withHold({ status: "closed", captured_minor: hold.amount_minor }), voiding, now_ms)).toEqual({ status: "hold_closed", amount_minor: 0 })
    const refund = request(issuer, "RefundRequest", now_ms)
    expect(expectedVerdict(issuer, refund, now_ms)).toEqual({ status: "exceeds_remaining", amount_minor: 0 })
    expect(expectedVerdict(withHold({ captured_minor: 40 }), refund, now_ms)).toEqual({ status: "accepted", amount_minor: 100 })
    expect(expectedVerdict(withHold({ captured_minor: 40 }), request(issuer, "RefundRequest", now_ms, 100, "USD"), now_ms)).toEqual({ status: "unknown_payment", amount_minor: 0 })
  })

  it("should find, on seeded steps, a wrong verdict, an unanswered request, a changed repeat and an authorization its hold contradicts", () => {
    const { issuer, now_ms } = issuerAfter(HELD)
    const voiding = request(issuer, "VoidRequest", now_ms)
    const hold = issuer.ledger.holds.get(`hold:${AUTHORIZATION}`)
    if (hold === undefined) throw new Error("the issuer holds nothing")
    const judge = (before: IssuerState, after: IssuerState, outputs: ReadonlyArray<Output>) => judgeOperations("Issuer", before, after, received(packetOf(voiding), now_ms), outputs).findings
    expect(judge(issuer, issuer, [answered(voiding, "accepted", hold.amount_minor)])).toEqual([])
    expect(judge(issuer, issuer, [answered(voiding, "hold_closed", 0)])).toEqual([
      `VoidRequest gateway-1/op-9 at ${now_ms} was answered hold_closed (0), the spec says accepted (${hold.amount_minor})`
    ])
    expect(judge(issuer, issuer, [])).toEqual([`VoidRequest gateway-1/op-9 was not answered; it should be accepted (${hold.amount_minor})`])
    const first = answered(voiding, "accepted", hold.amount_minor)
    if (first._tag !== "Send") throw new Error("not a send")
    const recorded = { ...issuer, records: issuer.records.set("gateway-1/op-9", { fingerprint: "f", answer: first.packet, retainUntil_ms: null }) }
    expect(judge(recorded, recorded, [first])).toEqual([])
    expect(judge(recorded, recorded, [answered(voiding, "hold_closed", 0)])[0]).toMatch(/^VoidRequest gateway-1\/op-9 is a repeat answered with .*hold_closed.*, its recorded answer is .*accepted/)
    const voided = { ...issuer, ledger: { ...issuer.ledger, holds: issuer.ledger.holds.set(hold.id, { ...hold, status: "voided" as const }) } }
    expect(judgeOperations("Issuer", issuer, voided, tickAt(now_ms), []).findings).toEqual([])
    const ticked: Output = { _tag: "Transitioned", party: party("issuer-1"), entity: "authorization", id: AUTHORIZATION, from: "Held", on: "Tick (hold expired)", to: "Held" }
    const expired = { ...issuer, ledger: { ...issuer.ledger, holds: issuer.ledger.holds.set(hold.id, { ...hold, status: "expired" as const }) } }
    expect(judgeOperations("Issuer", issuer, expired, tickAt(now_ms), [ticked]).findings).toEqual([
      `authorization ${AUTHORIZATION} is Held, its hold is expired with 0 of ${hold.amount_minor} captured: it should be HoldExpired`
    ])
    expect(judge(issuer, voided, [answered(voiding, "accepted", hold.amount_minor)])).toEqual([
      `authorization ${AUTHORIZATION} is Held, its hold is voided with 0 of ${hold.amount_minor} captured: it should be Voided`
    ])
    const approvedBefore: Output = { ...ticked, from: "Challenging", on: "ChallengeApproval", to: "Held" } as Output
    expect(judgeOperations("Issuer", issuer, voided, tickAt(now_ms), [approvedBefore]).findings).toEqual([])
    expect(judgeOperations("Phone", issuer, voided, received(packetOf(voiding), now_ms), [ticked])).toEqual({ judged: null, findings: [] })
  })

  it("should hold the gateway to the spec: its own refusals, what it forwards, and the issuer's answer relayed unchanged", () => {
    const world = worldAfter([...HELD, new Flush([0]), new Staff("capture", 0, "all"), new Aimed("deliver", "CapturePayment", party("merchant-1"), party("gateway-1"))])
    const gateway = world.net.state<GatewayState>(party("gateway-1"))
    const now_ms = world.net.now_ms
    const [[key, op] = []] = gateway.operations.entries()
    const [[paymentKey, payment] = []] = gateway.payments.entries()
    if (key === undefined || op === undefined || op.forwardedAs === null || payment === undefined || paymentKey === undefined) throw new Error("the gateway forwards nothing")
    const judge = (body: object, outputs: ReadonlyArray<Output>, at_ms: number = now_ms) => judgeOperations("Gateway", gateway, gateway, received(packetOf(body, "merchant-1", "gateway-1"), at_ms), outputs).findings
    const operation = { id: "o-9", from: "merchant-1", to: "gateway-1", paymentId: payment.request.id, expiresAt_ms: now_ms + 300_000 }
    const capture = { _tag: "CapturePayment", ...operation, amount: { amount_minor: 100, currency: "EUR" } }
    const result = (status: string, amount_minor = 0): Output => ({
      _tag: "Send",
      packet: packetOf({ _tag: "OperationResult", id: "o-9", status, amount: { amount_minor, currency: "EUR" } }, "gateway-1", "merchant-1")
    })
    const forwarded = (change: object = {}): Output => ({
      _tag: "Send",
      packet: packetOf({ _tag: "CaptureRequest", id: "op-9", authorizationId: payment.authorizationId, paymentId: payment.request.id, expiresAt_ms: operation.expiresAt_ms, amount: capture.amount, ...change }, "gateway-1", "issuer-1")
    })
    expect(judge(capture, [forwarded()])).toEqual([])
    expect(judge(capture, [forwarded({ amount: { amount_minor: 99, currency: "EUR" } })])[0]).toMatch(/^CapturePayment merchant-1\/o-9 was forwarded as .*\[99,"EUR"\].*, not .*\[100,"EUR"\]/)
    expect(judge(capture, [result("accepted", 100)])).toEqual([
      "CapturePayment merchant-1/o-9 was answered accepted before the issuer decided; it should be forwarded",
      "CapturePayment merchant-1/o-9 should be forwarded once to issuer-1, it was forwarded 0 times"
    ])
    expect(judge(capture, [result("request_expired")], operation.expiresAt_ms)).toEqual([])
    expect(judge({ ...capture, paymentId: "ord-9.p1" }, [result("unknown_payment")])).toEqual([])
    const refund = { _tag: "RefundPayment", ...operation, amount: { amount_minor: 100, currency: "EUR" } }
    expect(judge(refund, [result("exceeds_remaining")])).toEqual([])
    expect(judge(refund, [result("exceeds_remaining"), forwarded({ _tag: "RefundRequest" })])).toEqual(["RefundPayment merchant-1/o-9 is forwarded to the issuer, though the gateway should refuse it itself"])
    expect(judge({ ...capture, amount: { amount_minor: 100, currency: "USD" } }, [result("unknown_payment")])).toEqual([
      `CapturePayment merchant-1/o-9 at ${now_ms} was answered unknown_payment (0), the spec says exceeds_remaining (0)`
    ])
    const response = packetOf({ _tag: "OperationResponse", id: op.forwardedAs, status: "hold_closed", amount: { amount_minor: 0, currency: "EUR" } }, "issuer-1", "gateway-1")
    const relayed = (status: string): Output => ({ _tag: "Send", packet: packetOf({ _tag: "OperationResult", id: op.request.id, status, amount: { amount_minor: 0, currency: "EUR" } }, "gateway-1", "merchant-1") })
    expect(judgeOperations("Gateway", gateway, gateway, received(response, now_ms), [relayed("hold_closed")])).toEqual({ judged: "relay", findings: [] })
    expect(judgeOperations("Gateway", gateway, gateway, received(response, now_ms), [relayed("unknown_payment")]).findings).toEqual([
      `the answer to CapturePayment ${key} at ${now_ms} was answered unknown_payment (0), the spec says hold_closed (0)`
    ])
  })

  it("should fail when the gateway relays the issuer's refusal of a capture after a void as an unknown payment (issuer-refusals-relayed-as-unknown)", () => {
    const violation = violationOf(refusalsAsUnknown, CAPTURED_AFTER_VOID)
    expect(violation?.invariant).toBe("operations")
    expect(violation?.findings.join()).toMatch(/gateway-1: the answer to CapturePayment merchant-1\/\S+ at \d+ was answered unknown_payment \(0\), the spec says hold_closed \(0\)/)
  })

  it("should fail when a void after a partial capture reports the whole hold as released (void-reports-captured-as-released)", () => {
    const violation = violationOf(voidAmount, SHIPPED_PART)
    expect(violation?.invariant).toBe("operations")
    expect(violation?.findings.join()).toMatch(/issuer-1: VoidRequest gateway-1\/op-\d+ at \d+ was answered accepted \((\d+)\), the spec says accepted \(\d+\)/)
  })

  it("should fail when a capture of a lapsed hold is refused as closed (expired-hold-reported-closed)", () => {
    const violation = violationOf(expiredAsClosed, CAPTURED_AFTER_EXPIRY)
    expect(violation?.invariant).toBe("operations")
    expect(violation?.findings.join()).toMatch(/issuer-1: CaptureRequest gateway-1\/op-1 at \d+ was answered hold_closed \(0\), the spec says hold_expired \(0\)/)
  })
})
