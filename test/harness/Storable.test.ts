import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { loadMutant } from "../../src/bugs/Mutant.js"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import type { Swarm } from "../../src/harness/World.js"

const CALM: Swarm = { scope: STANDARD, dropRate: 0, duplicateRate: 0, replayRate: 0 }
const reference: HarnessSettings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }

/** An accepted operation recorded as "Done": nothing in memory reads it, the merchant's codec refuses it. */
let unstorable: HarnessSettings

beforeAll(async () => {
  const core = await loadMutant({ ...bugNamed("operation-state-unstorable"), name: "storable-test-operation-state-unstorable" })
  unstorable = { core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }
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
