/**
 * Counterexamples that long campaigns found in the reference parties, replayed: each must pass
 * now, and must still fail on a copy of the core with the fix taken out, so that the test would
 * catch the flaw coming back.
 */
import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { loadMutant, type Bug } from "../../src/bugs/Mutant.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { Advance, Aimed, Answer, Deadline, Flush, Intercept, Replay, SecondTab, Shop, Staff, type HarnessCommand } from "../../src/harness/Commands.js"
import { Sweep } from "../../src/harness/Sweep.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import type { Swarm } from "../../src/harness/World.js"
import { SECOND_VOID_EDGE, secondVoidUndeclared } from "../support/secondVoid.js"

const CALM: Swarm = { scope: STANDARD, dropRate: 0, duplicateRate: 0, replayRate: 0 }
const reference: HarnessSettings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }

/** A checkout approved on the phone, everything delivered in order. */
const APPROVED: ReadonlyArray<HarnessCommand> = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Flush([0])]

const failsWith = (settings: HarnessSettings, script: ReadonlyArray<HarnessCommand>, swarm: Swarm = CALM): string | null => {
  const { error } = play(settings, swarm, script)
  return error === null ? null : failureKind(error.thrown)
}

describe("regressions", () => {
  it("stale pay-now (100,000-run campaign, seed 20261203, run 96,744) - should start no payment from a late copy of a declined attempt's click", async () => {
    // The shopper pays with express delivery and declines on the phone; changes to standard
    // delivery in a second tab; a late copy of the first delivery choice and of the first
    // "pay now" arrive; the shopper approves the challenge that copy started, and clicks "pay
    // now" for the standard total. Without the fix the page shows "approved" for the express
    // total the shopper's click did not agree to.
    const script = [
      new Shop(0, false),
      new Flush([0]),
      new Answer(0, "decline"),
      new Flush([0]),
      new SecondTab(0, "delivery"),
      new Advance(14_216),
      new Aimed("deliver", "GetOrder", Core.Ids.PartyId.make("browser-1.1"), Core.Ids.PartyId.make("merchant-1")),
      new Replay("SelectDelivery", 7, 0),
      new Replay("PayNow", 5, 0),
      new Flush([0]),
      new Answer(0, "approve"),
      new Shop(0, false)
    ]
    expect(failsWith(reference, script)).toBeNull()
    const withoutFix: Bug = {
      name: "regression-stale-pay-now",
      description: "The merchant starts a new attempt on any pay-now for a declined order, even a late copy of the click that started the declined one.",
      edits: [{ file: "parties/Merchant.ts", find: "    if (repeat || order.state", replace: "    if (order.state" }]
    }
    const mutant = await loadMutant(withoutFix)
    expect(failsWith({ ...reference, core: mutant }, script)).toBe("agreement")
  })

  it("used id after pruning (check --runs 400 --seed 2, with the retention deadline) - should refuse a compromised merchant's new request under the id of an accepted refund", async () => {
    // The merchant is compromised. Its key signs a refund under the next operation id (a sweep's
    // tampered copy), which the gateway accepts and clears. The retention deadline moves the
    // clock past that refund's retention, so its record is pruned; the merchant's own back office
    // then refunds under the same id. Without the fix the gateway takes it for new and overwrites
    // the accepted, cleared refund with a refused one.
    const insider: Swarm = { ...CALM, scope: { ...STANDARD, insider: { kind: "merchant", index: 1 } } }
    const script = [
      ...APPROVED,
      new Staff("capture", 0, "one"),
      new Flush([0]),
      new Staff("refund", 0, "all"),
      new Sweep("RefundPayment", 0, 196),
      new Flush([0]),
      new Deadline("retention", 0, 0),
      new Staff("refund", 0, "all")
    ]
    expect(failsWith(reference, script, insider)).toBeNull()
    const mutant = await loadMutant({ ...bugNamed("used-id-taken-after-pruning"), name: "regression-used-id-after-pruning" })
    expect(failsWith({ ...reference, core: mutant }, script, insider)).toBe("settlementExactlyOnce")
  })

  it("a second void said accepted (100,000-run campaign, seed 20261207, run 40,911) - should keep a voided payment voided when a compromised acquirer says a second void was taken too", async () => {
    // The acquirer is compromised. The merchant's staff void the payment; the attacker breaks that
    // void in flight, so the staff void again, and the gateway takes the second. A replay of it
    // draws the gateway's result again, and a sweep re-signs that result under the first void's
    // id with the acquirer's key: "void accepted" for a payment already voided. An honest gateway
    // refuses a second void; without its declared transition the merchant moves the payment from
    // Voided to Voided by no declared edge.
    const insider: Swarm = { ...CALM, scope: { ...STANDARD, insider: { kind: "gateway", index: 1 } } }
    const script = [
      ...APPROVED,
      new Staff("void", 0, "all"),
      new Intercept("malformed", "VoidPayment", 0, 276),
      new Staff("void", 0, "all"),
      new Flush([0]),
      new Replay("VoidPayment", 6, 0),
      new Sweep("OperationResult", 0, 792)
    ]
    const { world, error } = play(reference, insider, script)
    expect(error).toBeNull()
    expect(world.exercised.has(SECOND_VOID_EDGE)).toBe(true)
    const mutant = await loadMutant(secondVoidUndeclared("regression-second-void-accepted"))
    expect(failsWith({ ...reference, core: mutant }, script, insider)).toBe("declaredTransitions")
  })

  it("crossed answers to a partial shipment - should take a capture's acceptance after the void's, at the gateway and at the merchant", () => {
    // Staff ship part of the order: a capture and a void go out at once. The issuer takes the
    // capture first, then the void (after captures); the void's answer overtakes the capture's on
    // the way back. Random campaigns reach this in about 1 run in 1,000, so it is pinned here.
    const merchant = Core.Ids.PartyId.make("merchant-1")
    const gateway = Core.Ids.PartyId.make("gateway-1")
    const issuer = Core.Ids.PartyId.make("issuer-1")
    const script = [
      ...APPROVED,
      new Staff("shipPart", 0, "half"),
      new Aimed("deliver", "CapturePayment", merchant, gateway),
      new Aimed("deliver", "VoidPayment", merchant, gateway),
      new Aimed("deliver", "CaptureRequest", gateway, issuer),
      new Aimed("deliver", "VoidRequest", gateway, issuer),
      new Aimed("delay", "OperationResponse", issuer, gateway),
      new Aimed("deliver", "OperationResponse", issuer, gateway),
      new Flush([0])
    ]
    const { world, error } = play(reference, CALM, script)
    expect(error).toBeNull()
    expect([...world.exercised.keys()].filter((kind) => kind.includes("Voided -> Captured"))).toEqual([
      "transition:Gateway: payment: Voided -> Captured on OperationResponse (capture accepted)",
      "transition:Merchant: payment: Voided -> Captured on OperationResult (capture accepted)"
    ])
  })
})
