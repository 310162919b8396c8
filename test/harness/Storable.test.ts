import { beforeAll, describe, expect, it } from "vitest"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { CALM, reference, withBug } from "../support/harness.js"

/** An accepted operation recorded as "Done": nothing in memory reads it, the merchant's codec refuses it. */
let unstorable: HarnessSettings

beforeAll(async () => {
  unstorable = await withBug("storable", "operation-state-unstorable")
})

describe("storable", () => {
  it("should pass on the reference core, whose every state encodes", () => {
    expect(play(reference, CALM, []).error).toBeNull()
  })

  it("should fail, as the only check that does, on a state the merchant's store would refuse (operation-state-unstorable)", () => {
    const { error } = play(unstorable, CALM, [])
    expect(error?.thrown).toBeInstanceOf(InvariantViolation)
    const violation = error?.thrown as InvariantViolation
    expect(violation.invariant).toBe("storable")
    expect(violation.findings.join()).toMatch(/merchant-1's state cannot be stored: Expected "Pending" \| "Accepted" \| "Refused" +at \["state"\]/)
  })
})
