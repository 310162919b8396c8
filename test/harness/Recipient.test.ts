/**
 * A gateway's authorization request for one bank, replayed to another: the reference core refuses
 * it as `WrongRecipient`, and a core whose envelope does not check the recipient (the catalog's
 * `recipient-not-checked`) breaks `isolation`, which requires every issuer to act only on the
 * requests an honest gateway sent to it. Ids and account names collide across banks by design, so
 * nothing else tells the two requests apart. A replay's first party index after its own recipient
 * names the other parties of the recipient's role: here, the other bank.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Flush, Replay, Shop } from "../../src/harness/Commands.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import type { Swarm } from "../../src/harness/World.js"
import { CALM, reference, withBug } from "../support/harness.js"

/** Two merchants of one acquirer, two issuers, one customer each. */
const TWO_BANKS: Swarm = { ...CALM, scope: { ...CALM.scope, merchants: 2, issuers: 2, customers: [[1, 1], [1, 1]] } }

/** A checkout whose authorization request reached its bank, then a copy of it replayed to the other bank. */
const REPLAYED = [new Shop(10, false), new Flush([0]), new Replay("AuthorizationRequest", 8, 1)]

let unchecked: HarnessSettings

beforeAll(async () => {
  unchecked = await withBug("recipient", "recipient-not-checked")
})

describe("a request replayed to another bank", () => {
  it("should be refused as WrongRecipient by the reference core, and the run should pass", () => {
    const { world, error } = play(reference, TWO_BANKS, REPLAYED)
    expect(error).toBeNull()
    const replayed = world.lines.find((l) => l.command.includes("replay") && l.command.includes("AuthorizationRequest"))
    expect(replayed?.outputs.join()).toMatch(/rejected Receive with WrongRecipient/)
  })

  it("should break isolation when the envelope does not check the recipient", () => {
    const { error } = play(unchecked, TWO_BANKS, REPLAYED)
    expect(error === null ? null : failureKind(error.thrown)).toBe("isolation")
    expect(String(error?.thrown)).toMatch(/issuer-\d authorization gateway-1\/auth-1 was sent by gateway-1 to issuer-\d/)
  })
})
