/**
 * Counterexamples that long campaigns found in the reference parties, replayed: each must pass
 * now, and must still fail on a copy of the core with the fix taken out, so that the test would
 * catch the flaw coming back.
 */
import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { loadMutant, type Bug } from "../../src/bugs/Mutant.js"
import { Advance, Aimed, Answer, Flush, Replay, SecondTab, Shop, type HarnessCommand } from "../../src/harness/Commands.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import type { Swarm } from "../../src/harness/World.js"

const CALM: Swarm = { scope: STANDARD, dropRate: 0, duplicateRate: 0, replayRate: 0 }
const reference: HarnessSettings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }

const failsWith = (settings: HarnessSettings, script: ReadonlyArray<HarnessCommand>): string | null => {
  const { error } = play(settings, CALM, script)
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
})
