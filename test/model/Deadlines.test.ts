/**
 * The `deadlines` check (`model/Deadlines.ts`): it passes on the reference core with the clock at
 * each deadline and a millisecond either side, fails on seeded states, and fails through the two
 * seeded bugs that expire a challenge early and release a hold late.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { deadlineFindings } from "../../model/Deadlines.js"
import { PartyId } from "../../src/domain/Ids.js"
import { Advance, Aimed, Answer, Deadline, Flush, Shop, type HarnessCommand } from "../../src/harness/Commands.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import type { Transitioned } from "../../src/machine/Machine.js"
import type { IssuerState } from "../../src/parties/Issuer.js"
import type { PhoneState } from "../../src/parties/Phone.js"
import { syncRunner } from "../../src/drivers/Runner.js"
import { World } from "../../src/harness/World.js"
import { CALM, reference, violationOf, withBug } from "../support/harness.js"

const party = PartyId.make
const HOLD_TTL_ms = 7 * 24 * 3_600_000

/** A checkout whose challenge waits on the phone. */
const CHALLENGED: ReadonlyArray<HarnessCommand> = [new Shop(0, false), new Flush([0])]

/** A checkout approved, its hold placed, then the clock moved to the hold's expiry exactly. */
const HELD_TO_EXPIRY: ReadonlyArray<HarnessCommand> = [
  ...CHALLENGED,
  new Answer(0, "approve"),
  new Aimed("deliver", "ChallengeApproval", party("phone-1.1.1"), party("issuer-1")),
  new Advance(HOLD_TTL_ms)
]


/** The world's phone and issuer right after `script` on the reference core, before the end of the run. */
const statesAfter = (script: ReadonlyArray<HarnessCommand>) => {
  const world = new World(reference.core, reference.crypto, syncRunner(reference.crypto), CALM)
  for (const command of script) command.run({ world }, world)
  return { phone: world.net.state<PhoneState>(party("phone-1.1.1")), issuer: world.net.state<IssuerState>(party("issuer-1")), now_ms: world.net.now_ms }
}

let early: HarnessSettings
let late: HarnessSettings

beforeAll(async () => {
  ;[early, late] = await Promise.all([withBug("deadlines", "challenge-expired-early"), withBug("deadlines", "hold-released-late")])
})

describe("deadlines", () => {
  it.each([-1, 0, 1] as const)("should pass on the reference core with every party ticking at the challenge's deadline %i ms", (offset) => {
    expect(play(reference, CALM, [...CHALLENGED, new Deadline("challenge", 0, offset)]).error).toBeNull()
  })

  it("should pass on the reference core with the clock at a hold's expiry exactly", () => {
    expect(play(reference, CALM, HELD_TO_EXPIRY).error).toBeNull()
  })

  it("should find, on a seeded state, a challenge expired a millisecond early, one left pending at its expiry, and one forgotten at it", () => {
    const { phone, now_ms } = statesAfter(CHALLENGED)
    const [[id, shown] = []] = phone.challenges.entries()
    if (id === undefined || shown === undefined) throw new Error("the phone shows no challenge")
    const { expiresAt_ms } = shown.challenge
    const expired = { ...phone, challenges: phone.challenges.set(id, { ...shown, state: "Expired" as const }) }
    const transition: Transitioned = { _tag: "Transitioned", party: party("phone-1.1.1"), entity: "challenge", id, from: "Pending", on: "Tick (expired)", to: "Expired" }
    expect(deadlineFindings("Phone", phone, expired, expiresAt_ms - 1, true, [transition])).toEqual([
      `challenge ${id} Pending -> Expired on Tick (expired) at ${expiresAt_ms - 1}, before its expiry at ${expiresAt_ms}`
    ])
    expect(deadlineFindings("Phone", phone, expired, expiresAt_ms, true, [transition])).toEqual([])
    expect(deadlineFindings("Phone", phone, phone, expiresAt_ms, true, [])).toEqual([`after a tick at ${expiresAt_ms}: challenge ${id} still pending, expired at ${expiresAt_ms}`])
    expect(deadlineFindings("Phone", phone, phone, expiresAt_ms, false, [])).toEqual([])
    expect(deadlineFindings("Phone", phone, phone, now_ms, true, [])).toEqual([])
    const forgotten = { ...phone, challenges: phone.challenges.remove(id) }
    expect(deadlineFindings("Phone", phone, forgotten, expiresAt_ms, true, [])).toEqual([`after a tick at ${expiresAt_ms}: challenge ${id}, due at ${expiresAt_ms}, is gone instead of expired`])
  })

  it("should find, on a seeded state, a hold still reserved after a tick at its expiry", () => {
    const { issuer } = statesAfter(HELD_TO_EXPIRY.slice(0, -1))
    const [hold] = issuer.ledger.holds.values()
    if (hold === undefined) throw new Error("the issuer holds nothing")
    expect(deadlineFindings("Issuer", issuer, issuer, hold.expiresAt_ms, true, [])).toEqual([`after a tick at ${hold.expiresAt_ms}: ${hold.id} still reserved, expired at ${hold.expiresAt_ms}`])
    expect(deadlineFindings("Issuer", issuer, issuer, hold.expiresAt_ms - 1, true, [])).toEqual([])
  })

  it("should fail when the phone expires a challenge before its deadline (challenge-expired-early)", () => {
    const violation = violationOf(early, [...CHALLENGED, new Deadline("challenge", 0, -1)])
    expect(violation?.invariant).toBe("deadlines")
    expect(violation?.findings.join()).toMatch(/phone-1\.1\.1: challenge ch-1 Pending -> Expired on Tick \(expired\) at \d+, before its expiry/)
  })

  it("should fail when a tick at a hold's expiry leaves it reserved (hold-released-late)", () => {
    const violation = violationOf(late, HELD_TO_EXPIRY)
    expect(violation?.invariant).toBe("deadlines")
    expect(violation?.findings.join()).toMatch(/issuer-1: after a tick at \d+: hold:gateway-1\/auth-1 still reserved/)
  })
})
