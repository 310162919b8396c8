/**
 * A gateway's authorization request for one bank, replayed to another: the reference core refuses
 * it as `WrongRecipient`, and a core whose envelope does not check the recipient breaks
 * `isolation`, which requires every issuer to act only on the requests an honest gateway sent to
 * it. Ids and account names collide across banks by design, so nothing else tells the two
 * requests apart. The flaw is planted here rather than catalogued: the default campaign catches
 * it on 17 of 20 seeds only (a replay must reach the other bank), and the catalog's bar is 20.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Flush, Replay, Shop } from "../../src/harness/Commands.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import type { Swarm } from "../../src/harness/World.js"
import { CALM, reference, withFlaw } from "../support/harness.js"

/** Two merchants of one acquirer, two issuers, one customer each. */
const TWO_BANKS: Swarm = { ...CALM, scope: { ...CALM.scope, merchants: 2, issuers: 2, customers: [[1, 1], [1, 1]] } }

/** A checkout whose authorization request reached its bank, then a copy of it replayed to the other bank. */
const REPLAYED = [new Shop(10, false), new Flush([0]), new Replay("AuthorizationRequest", 8, 8)]

let unchecked: HarnessSettings

beforeAll(async () => {
  unchecked = await withFlaw("recipient", {
    name: "recipient-not-checked",
    description: "The envelope does not check that a message is addressed to its receiver.",
    edits: [{ file: "crypto/Envelope.ts", find: "  if (body.to !== context.me) return Effect.fail(new WrongRecipient({ expected: context.me, got: body.to }))\n", replace: "" }]
  })
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
