import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { loadMutant } from "../../src/bugs/Mutant.js"
import { Abandon, Advance, Aimed, Answer, Deliver, Flush, Forge, ForgeField, Intercept, Refresh, Replay, SecondTab, Shop, type HarnessCommand } from "../../src/harness/Commands.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"
import { minimize } from "../../src/harness/Minimize.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import type { Swarm } from "../../src/harness/World.js"

const STORMY: Swarm = { scope: STANDARD, dropRate: 0.2, duplicateRate: 0.3, replayRate: 0.4 }
const CALM: Swarm = { scope: STANDARD, dropRate: 0, duplicateRate: 0, replayRate: 0 }
/** The parties of the standard scope the deliveries below are aimed at. */
const party = Core.Ids.PartyId.make
const ids = { browser: party("browser-1.1"), merchant: party("merchant-1"), gateway: party("gateway-1"), issuer: party("issuer-1"), phone: party("phone-1.1.1") }

/** The harness settings for a seeded bug, planted under a name of its own so that `npm run bugs` running at the same time never shares its copy. */
const mutantSettings = async (name: string): Promise<HarnessSettings> => {
  const core: HarnessCore = await loadMutant({ ...bugNamed(name), name: `minimizer-test-${name}` })
  return { core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }
}

/** The merchant reads the gateway's result without verifying its signature: a forged result gets through. */
let merchantTrustsUnverifiedResult: HarnessSettings
/** The issuer places the hold before the shopper approves: the shortest failure is a checkout. */
let holdBeforeApproval: HarnessSettings
/** The approval's signature does not cover the amount: a man in the middle changes it. */
let approvalNotBoundToAmount: HarnessSettings

beforeAll(async () => {
  holdBeforeApproval = await mutantSettings("hold-before-approval")
  approvalNotBoundToAmount = await mutantSettings("approval-not-bound-to-amount")
  merchantTrustsUnverifiedResult = await mutantSettings("merchant-trusts-unverified-result")
})

const failsWith = (settings: HarnessSettings, swarm: Swarm, script: ReadonlyArray<HarnessCommand>): string | null => {
  const { error } = play(settings, swarm, script)
  return error === null ? null : failureKind(error.thrown)
}

describe("minimize", () => {
  it("should drop noise and the swarm's fault rates, and keep a script that fails the same way", () => {
    const noise = [new Advance(5_000), new Replay(3, 1, 2), new Forge("tamper", 2, 0, 7), new Advance(70_000)]
    // The last delivery is followed by one of the swarm's replays (its second roll lands in the top 40%).
    const script = [new Refresh(0), ...noise, new Shop(0, false), ...noise, new Shop(0, false), new Flush([0.1, 0.2]), new Deliver(0, 0.1, 0.95), ...noise, new Abandon(0)]
    expect(failsWith(holdBeforeApproval, STORMY, script)).toBe("noUnapprovedDebit")

    const minimal = minimize(holdBeforeApproval, STORMY, script, "noUnapprovedDebit")

    // No command is needed: the canary's own checkout, after the script, meets the hold placed
    // before its approval, and the safety invariants checked on its way name it.
    expect(minimal.commands.map(String)).toEqual([])
    expect(minimal.swarm).toEqual(CALM)
    expect(failsWith(holdBeforeApproval, minimal.swarm, minimal.commands)).toBe("noUnapprovedDebit")
    expect(minimal.reruns).toBeGreaterThan(0)
  })

  it("should turn a window of deliveries that only move the messages along into one flush", () => {
    const deliveries = [
      new Aimed("deliver", "PayNow", ids.browser, ids.merchant),
      new Aimed("deliver", "AuthorizePayment", ids.merchant, ids.gateway),
      new Aimed("deliver", "AuthorizationRequest", ids.gateway, ids.issuer),
      new Aimed("deliver", "Challenge", ids.issuer, ids.phone)
    ]
    // Variant 0 of a tampering changes the amount.
    const script = [new Shop(0, false), new Shop(0, false), ...deliveries, new Answer(0, "approve"), new Intercept("tamper", "ChallengeApproval", 0, 0)]
    expect(failsWith(approvalNotBoundToAmount, CALM, script)).toBe("authenticity")

    const minimal = minimize(approvalNotBoundToAmount, CALM, script, "authenticity")

    // Each delivery is needed (the phone shows no challenge without them), but one flush does them all.
    expect(minimal.commands.map(String)).toEqual([
      "Shop(0, false)",
      "Flush([0.000])",
      'Answer(0, "approve")',
      'Intercept("tamper", "ChallengeApproval", 0, 0)'
    ])
  })

  it("should minimize the same counterexample to the same script every time", () => {
    const script = [new Advance(5_000), new Shop(0, false), new Refresh(0), new Shop(0, false), new Shop(0, false), new Flush([0.5, 0.99])]
    const first = minimize(holdBeforeApproval, STORMY, script, "noUnapprovedDebit")
    const second = minimize(holdBeforeApproval, STORMY, script, "noUnapprovedDebit")
    expect(second.commands.map(String)).toEqual(first.commands.map(String))
    expect(second.swarm).toEqual(first.swarm)
  })

  it("Forge - should offer its field forgery named exactly, which forges the same without the donor it drew its value from", () => {
    // One paid order, a second payment started from a second tab, then a forged result.
    const before = [new Shop(0, false), new Flush([0]), new Advance(195_372), new Flush([0]), new SecondTab(0)]
    for (const variant of [945, 946, 947, 948]) {
      const forge = new Forge("field", "AuthorizationResult", 0, variant)
      const offered: Array<ReadonlyArray<HarnessCommand>> = []
      play(merchantTrustsUnverifiedResult, CALM, [...before, forge], (command, world) => offered.push(command.simpler(world)))
      const named = offered.at(-1)?.[0]
      expect(named).toBeInstanceOf(ForgeField)
      expect(String(named)).toMatch(/^ForgeField\("AuthorizationResult", 0, \{"path":\[/)
      expect(failsWith(merchantTrustsUnverifiedResult, CALM, [...before, named as HarnessCommand])).toBe(failsWith(merchantTrustsUnverifiedResult, CALM, [...before, forge]))
    }
    // Seed 10's counterexample: the paid order's result, made to name the second payment and signed with the attacker's own key.
    const script = [...before, new ForgeField("AuthorizationResult", 0, { tweak: { path: ["id"], set: "ord-1.p2" }, signer: 1 })]
    expect(failsWith(merchantTrustsUnverifiedResult, CALM, script)).toBe("authenticity")
    // The reference merchant verifies the result's signature: the same forgery is refused.
    expect(failsWith({ ...merchantTrustsUnverifiedResult, core: Core }, CALM, script)).toBeNull()
  })
})
