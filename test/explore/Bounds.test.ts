/**
 * The explorer at the bounds a configuration lowers (`Scope.limits`): a merchant that keeps one
 * request to its gateway in flight, and a clearing house that takes one item of a bank in a
 * currency per cycle from gateways that submit one at a time, and keeps two instructions
 * unconfirmed. On the reference core the scopes reach their bound (a party refuses new work there)
 * with no violation; each of the catalog's two bugs at a bound, and three flaws written here, is
 * found there, and its counterexample passes on the reference core.
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { loadMutant, type Bug } from "../../src/bugs/Mutant.js"
import { explore, replay, type ExploreSettings } from "../../src/explore/Explorer.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"
import { exploreSettings } from "../support/explore.js"
import { REFUSED_AT_BOUND, refusedAt, type World } from "../../src/harness/World.js"

const settingsFor = (name: string, core: HarnessCore = Core): ExploreSettings => exploreSettings(name, core, 100_000)

/** A flaw: one edit to a copy of the core. */
const flaw = (name: string, description: string, file: string, find: string, replace: string): Promise<HarnessCore> =>
  loadMutant({ name: `bounds-test-${name}`, description, edits: [{ file, find, replace }] } satisfies Bug)

let outboxLimitIgnored: HarnessCore
let cycleLimitIgnored: HarnessCore
let cycleRoomOffByOne: HarnessCore
let submissionBoundIgnored: HarnessCore
let clearingOutboxIgnored: HarnessCore

beforeAll(async () => {
  outboxLimitIgnored = await loadMutant({ ...bugNamed("outbox-limit-ignored"), name: "bounds-test-outbox-limit-ignored" })
  cycleLimitIgnored = await loadMutant({ ...bugNamed("cycle-limit-ignored"), name: "bounds-test-cycle-limit-ignored" })
  cycleRoomOffByOne = await flaw("cycle-room-off-by-one", "The clearing house takes one item fewer than its bound: a bank's last place in a cycle is never used.", "parties/ClearingHouse.ts", "count > most", "count >= most")
  submissionBoundIgnored = await flaw("submission-bound-ignored", "The gateway fills a submission up to what a message carries, not its own bound.", "parties/GatewayClearing.ts", "state.config.submissionItems ?? MAX_CLEARING_ITEMS", "MAX_CLEARING_ITEMS")
  clearingOutboxIgnored = await flaw("clearing-outbox-ignored", "The clearing house closes a cycle against the protocol's outbox bound, not its configured one.", "parties/ClearingHouse.ts", "(state.outboxLimit ?? Outbox.OUTBOX_LIMIT)", "Outbox.OUTBOX_LIMIT")
})

/**
 * Explores `scope` with `core`; expects `invariant` broken with findings matching `finding`, and
 * the reference core to pass the counterexample. Returns the reference core's world at its end.
 */
const expectFound = (scope: string, core: HarnessCore, invariant: string, finding: RegExp): World => {
  const { violation } = explore(settingsFor(scope, core))
  expect(violation?.invariant).toBe(invariant)
  expect(violation?.findings.join("\n")).toMatch(finding)
  const reference = replay(settingsFor(scope), violation?.path ?? [])
  expect(reference.error).toBeNull()
  return reference.world
}

describe("explore at lowered bounds", () => {
  it("should reach the merchant's bound of one request in flight, refusing an operation there and a payment until the first is answered, with no violation on the reference core", () => {
    for (const scope of ["capture-void-outbox1", "pay-two-browsers-outbox1"]) {
      const result = explore(settingsFor(scope))
      expect(result.violation, scope).toBeNull()
      expect(result.complete, scope).toBe(true)
      expect(result.goalsMet, scope).toContain("bound")
    }
  })

  it("should find a merchant that checks its outbox against the protocol's bound, not its own (outbox-limit-ignored): an operation sent past it, by the operations check, and a second payment started, by bounded", () => {
    expectFound("capture-void-outbox1", outboxLimitIgnored, "operations", /merchant-1: Void of ord-1\.p1 at \d+ was not refused; the spec says InvalidRequest: too many requests in flight/)
    expectFound("pay-two-browsers-outbox1", outboxLimitIgnored, "bounded", /merchant-1 has 2 requests in flight, more than 1/)
  })

  it("should find a cycle filled past the clearing house's configured bound (cycle-limit-ignored), by bounded", () => {
    const reference = expectFound("settle-cycle1", cycleLimitIgnored, "bounded", /cycle 1 holds 2 items of \S+ EUR, more than 1/)
    // Where the flaw took the second item, the reference core refused it: cycle full.
    expect(reference.exercised.get(REFUSED_AT_BOUND)).toBeGreaterThan(0)
  })

  it("should find a clearing house that never uses a bank's last place in a cycle (cycle-room-off-by-one): nothing ever clears, by liveness", () => {
    expectFound("settle-cycle1", cycleRoomOffByOne, "liveness", /gateway-1 submission sub-1 never receipted/)
  })

  it("should find a submission filled past the gateway's configured bound (submission-bound-ignored), by settlementExactlyOnce", () => {
    expectFound("settle-cycle1", submissionBoundIgnored, "settlementExactlyOnce", /gateway-1 submission sub-1 has 2 items, more than 1/)
  })

  it("should reach the clearing house's bound of two instructions unconfirmed, the refund's cycle not closed until the capture's are confirmed, with no violation; and find a clearing house that ignores it (clearing-outbox-ignored), by bounded", () => {
    const result = explore(settingsFor("settle-cycle1-outbox2"))
    expect(result.violation).toBeNull()
    expect(result.complete).toBe(true)
    const reference = expectFound("settle-cycle1-outbox2", clearingOutboxIgnored, "bounded", /clearing-1 has [34] instructions unconfirmed, more than 2/)
    // Where the flaw closed the refund's cycle, the reference core refused: outbox full.
    expect(reference.exercised.get(refusedAt("outbox full"))).toBeGreaterThan(0)
  })
})
