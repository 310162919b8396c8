/**
 * The retention check at the end of every run (`src/harness/Retention.ts`): it passes on the
 * reference core, fails as the only check that does when a copy of a pruned request is taken for
 * a new one (`stale-copy-taken-as-new`) or a new request under a used id for new
 * (`used-id-taken-after-pruning`), fails when a tick leaves a row due, and the harness's
 * clock never passes the retention horizon of a request an honest party waits on.
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { expiryOf, faultHorizon, retentionHorizon } from "../../src/harness/Retention.js"
import { QUIESCENCE_SPAN_ms } from "../../src/harness/Quiescence.js"
import { STANDARD } from "../../src/harness/Scope.js"
import { deliver } from "../../src/harness/Command.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { syncRunner } from "../../src/drivers/Runner.js"
import { World } from "../../src/harness/World.js"
import { Abandon, Answer, Shop, shownChallenge } from "../../src/harness/Shoppers.js"
import { Advance, Aimed, Deadline, Flush, Impersonate, Intercept, Staff } from "../../src/harness/Commands.js"
import type { Machine, Packet } from "../../src/machine/Machine.js"
import { retainedUntil } from "../../src/machine/Retention.js"
import type * as Gateway from "../../src/parties/Gateway.js"
import type { GatewayState } from "../../src/parties/Gateway.js"
import { PartyId } from "../../src/domain/Ids.js"
import { Effect } from "effect"
import type { Swarm } from "../../src/harness/World.js"
import { CALM, reference, withBug } from "../support/harness.js"

let staleTakenAsNew: HarnessSettings
let usedIdTaken: HarnessSettings

beforeAll(async () => {
  staleTakenAsNew = await withBug("retention", "stale-copy-taken-as-new")
  usedIdTaken = await withBug("retention", "used-id-taken-after-pruning")
})

/** The calm standard world with its merchant compromised. */
const INSIDER_MERCHANT: Swarm = { ...CALM, scope: { ...CALM.scope, insider: { kind: "merchant", index: 0 } } }

/** A checkout, approved and captured in part, by the compromised merchant's back office. */
const CAPTURED = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Flush([0]), new Staff("capture", 0, "one"), new Flush([0])]

/** A calm world of the standard topology. */
const calmWorld = (): World => new World(Core, Core.Ed25519Backends.NodeEd25519, syncRunner(Core.Ed25519Backends.NodeEd25519), CALM)

/** The shopper pays; the pay-now reaches the merchant, whose payment request then waits in flight for the gateway. */
const paymentRequestWaiting = (world: World): Packet | undefined => {
  new Shop(0, false).run({ world }, world)
  const isRequest = (p: Packet): boolean => (p.payload as { readonly body?: { readonly _tag?: string } }).body?._tag === "AuthorizePayment"
  for (let i = 0; i < 10 && !world.net.inFlight.some(isRequest); i++) {
    const packet = world.net.inFlight.shift()
    if (packet !== undefined) world.receive("deliver", packet.to, packet)
  }
  return world.net.inFlight.find(isRequest)
}

describe("retention", () => {
  it("should pass on the reference core, after ageing the world past every request's retention", () => {
    const { world, error } = play(reference, CALM, [])
    expect(error).toBeNull()
    const gateway = world.net.state<GatewayState>(world.directory.gateways[0] as PartyId)
    expect(gateway.payments.size).toBeGreaterThan(0)
    expect([gateway.records.size, gateway.operationRecords.size]).toEqual([0, 0])
  })

  it("should fail, as the only check that does, when the issuer takes a copy of a pruned void for a new one (stale-copy-taken-as-new)", () => {
    const { error } = play(staleTakenAsNew, CALM, [])
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    const violation = error?.thrown as InvariantViolation
    expect(violation.invariant).toBe("retention")
    expect(violation.findings.join()).toMatch(/issuer-1's state changed when \d+ requests were replayed after their retention/)
  })

  it("should pass on the reference core when a compromised merchant sends new requests under every id it used", () => {
    const { world, error } = play(reference, INSIDER_MERCHANT, CAPTURED)
    expect(error).toBeNull()
    expect(world.lines.some((line) => line.command.startsWith("retention: merchant-1 sends a new request under a used id"))).toBe(true)
  })

  it("should not judge a compromised phone's own state when it sends new answers under the challenge ids it used (2,000-run campaign, seed 5, run 1,642)", () => {
    // The insider phone approved its own challenge; the receipt that closed it was retagged in
    // flight and lost, so the phone still waited for it. At the end of retention the attacker
    // signs a new approval under that challenge id with the phone's key; the issuer refuses it
    // and changes nothing, and its answer closes the challenge on the phone, which is the
    // insider's own state and out of scope (DESIGN section 8).
    const insiderPhone: Swarm = { ...CALM, scope: { ...CALM.scope, customers: [[1, 2]], insider: { kind: "phone", index: 3 } } }
    const script = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Deadline("retention", 0, 0), new Intercept("retag", "ChallengeReceipt", 0, 813)]
    const { world, error } = play(reference, insiderPhone, script)
    expect(world.directory.compromised?.id).toBe("phone-1.1.1")
    expect(error).toBeNull()
    expect(world.lines.some((line) => line.command.startsWith("retention: phone-1.1.1 sends a new request under a used id"))).toBe(true)
  })

  it("should fail when the gateway takes a new request under a used operation id for new once its record is pruned (used-id-taken-after-pruning)", () => {
    const { error } = play(usedIdTaken, INSIDER_MERCHANT, CAPTURED)
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    const violation = error?.thrown as InvariantViolation
    expect(violation.invariant).toBe("retention")
    expect(violation.findings.join()).toMatch(/gateway-1's state changed when merchant-1 sent new requests under ids it had used/)
  })

  it("should fail on a gateway whose tick forgets to prune: a record left due", () => {
    const unpruned: Machine<GatewayState, Gateway.GatewayInput> = {
      ...Core.Gateway.Gateway,
      step: (state, input) => Effect.map(Core.Gateway.step(state, input), (next) => (input._tag === "Tick" ? { ...next, state: { ...next.state, records: state.records } } : next))
    }
    const { error } = play({ ...reference, machines: [unpruned] }, CALM, [])
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    const violation = error?.thrown as InvariantViolation
    expect(violation.invariant).toBe("retention")
    // The canary's six orders; the finding names the first three.
    expect(violation.findings).toEqual(["gateway-1 keeps 6 row(s) of records due by now: merchant-1/ord-1.p1, merchant-1/ord-2.p1, merchant-1/ord-3.p1"])
  })

  it("should hold the clock a millisecond short of the end of retention of a request an honest party waits on", () => {
    const world = calmWorld()
    expect(retentionHorizon(world)).toBe(Number.POSITIVE_INFINITY)
    const waiting = paymentRequestWaiting(world)
    const expires = waiting === undefined ? undefined : expiryOf(waiting)
    expect(expires).toBeTypeOf("number")
    const horizon = retainedUntil(expires ?? 0) - 1
    expect(retentionHorizon(world)).toBe(horizon)
    world.advance("a year passes", 365 * 24 * 3_600_000)
    expect(world.net.now_ms).toBe(horizon)
    expect(world.exercised.get("clock:held at the retention horizon")).toBe(1)
  })

  it("should hold a run's own clock moves 320 s short of that, so that quiescence has time to resend what waits", () => {
    const world = calmWorld()
    expect(paymentRequestWaiting(world)).toBeDefined()
    expect(faultHorizon(world)).toBe(retentionHorizon(world) - QUIESCENCE_SPAN_ms)
    new Advance(40 * 24 * 3_600_000).run({ world }, world)
    expect(world.net.now_ms).toBe(retentionHorizon(world) - QUIESCENCE_SPAN_ms)
    expect([world.exercised.get("clock:held at the fault horizon"), world.exercised.get("clock:held at the retention horizon")]).toEqual([1, undefined])
  })

  it("should deliver a late approval no later than the fault horizon", () => {
    // The first order's request waits (its packets are lost) while the clock reaches the fault
    // horizon; a second order's challenge then expires 120 s past it.
    const world = calmWorld()
    expect(paymentRequestWaiting(world)).toBeDefined()
    const ofFirstOrder = (p: Packet): boolean => JSON.stringify(p.payload).includes("ord-1")
    world.net.inFlight.splice(0)
    new Advance(40 * 24 * 3_600_000).run({ world }, world)
    const horizon = faultHorizon(world)
    expect(world.net.now_ms).toBe(horizon)
    world.net.inFlight.splice(0)
    new Shop(1, false).run({ world }, world)
    const challenged = (): boolean => world.directory.phones.some((phone) => shownChallenge(world, phone) !== undefined)
    for (let i = 0; i < 100 && !challenged(); i++) {
      const packet = world.net.inFlight.shift()
      if (packet !== undefined && !ofFirstOrder(packet)) deliver(world, packet)
    }
    expect(challenged()).toBe(true)
    expect(world.exercised.get("clock:held at the fault horizon")).toBe(1)
    new Answer(0, "approveLate").run({ world }, world)
    expect(world.net.now_ms).toBe(horizon)
    expect(world.exercised.get("clock:held at the fault horizon")).toBe(2)
    expect(world.lines.at(-1)?.command).toMatch(/^deliver the held-up answer at /)
  })

  it("should let a request whose last retry was dropped near the end of its retention be answered once faults stop (100,000-run campaign, seed 20261679, run 27,779)", () => {
    // A second payment's request is forged twice in flight, so it waits. The end of retention of
    // the first payment's request comes 20 s before its own: without the fault horizon the clock
    // moved there, a millisecond short of the waiting request's horizon, its retry was dropped,
    // and the clock could move no further: nothing was sent again, and liveness failed.
    const swarm: Swarm = { ...CALM, scope: { ...STANDARD, twoBrowsers: true, insider: { kind: "phone", index: 5 } } }
    const script = [
      new Shop(11, false),
      new Shop(0, false),
      new Advance(7846),
      new Abandon(11),
      new Flush([0]),
      new Impersonate("Challenge", 0, 0),
      new Shop(8, false),
      new Aimed("deliver", "PayNow", PartyId.make("browser-1.2b"), PartyId.make("merchant-1")),
      new Intercept("tamper", "AuthorizePayment", 0, 614),
      new Advance(11473),
      new Intercept("retag", "AuthorizePayment", 4, 841),
      new Flush([0]),
      new Deadline("retention", 5, 0),
      new Aimed("drop", "AuthorizePayment", PartyId.make("merchant-1"), PartyId.make("gateway-1"))
    ]
    const { error } = play(reference, swarm, script)
    expect(error === null ? null : String(error.thrown)).toBeNull()
  })
})
