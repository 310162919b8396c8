/**
 * The compromised acquirer's own operations (`src/harness/CraftedOperations.ts`): what each twist
 * builds, that an insider gateway's crafted requests reach the issuer's last-line refusals and are
 * judged there by the `operations` check, and that an issuer without those refusals fails it.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { PartyId } from "../../src/domain/Ids.js"
import { Aimed, Answer, Deadline, Flush, Intercept, Shop, Staff, type HarnessCommand } from "../../src/harness/Commands.js"
import { CRAFT_TWISTS, CraftOperation, craftedOperation } from "../../src/harness/CraftedOperations.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import { Sweep } from "../../src/harness/Sweep.js"
import type { Swarm, World } from "../../src/harness/World.js"
import type { IssuerState } from "../../src/parties/Issuer.js"
import { CALM, reference, withBug, withFlaw } from "../support/harness.js"

const party = PartyId.make

/** The standard world, calm, with its one gateway compromised. */
const INSIDER_GATEWAY: Swarm = { ...CALM, scope: { ...STANDARD, insider: { kind: "gateway", index: 0 } } }

/** A checkout approved on the phone, the issuer's approval delivered to the (compromised) gateway. */
const ANSWERED: ReadonlyArray<HarnessCommand> = [
  new Shop(0, false),
  new Flush([0]),
  new Answer(0, "approve"),
  new Aimed("deliver", "ChallengeApproval", party("phone-1.1.1"), party("issuer-1")),
  new Flush([0])
]

const answered = {
  _tag: "AuthorizationResponse",
  id: "auth-2",
  from: "issuer-1",
  to: "gateway-1",
  paymentId: "ord-2.p1",
  amount: { amount_minor: 500, currency: "EUR" },
  status: "approved",
  holdExpiresAt_ms: 9_000
}
const others = { sources: [answered, { ...answered, id: "auth-1", paymentId: "ord-1.p1" }], operations: [{ _tag: "CaptureRequest", id: "op-7" }] }

/** The standard world, calm, with its one merchant compromised. */
const INSIDER_MERCHANT: Swarm = { ...CALM, scope: { ...STANDARD, insider: { kind: "merchant", index: 0 } } }

/** The statuses the insider's crafted requests were answered with (by the issuer to a gateway, by the gateway to a merchant), by operation id. */
const verdicts = (script: ReadonlyArray<HarnessCommand>, settings: HarnessSettings = reference, swarm: Swarm = INSIDER_GATEWAY) => {
  const { world, error } = play(settings, swarm, script)
  const answer = swarm === INSIDER_GATEWAY ? "OperationResponse" : "OperationResult"
  const answers = world
    .recorded()
    .map((p) => (p.payload as { readonly body?: Readonly<Record<string, unknown>> }).body)
    .filter((b) => b?.["_tag"] === answer && /-(capture|void|refund)-/.test(String(b["id"])))
    .map((b) => `${String(b?.["id"])}: ${String(b?.["status"])}`)
  return { answers, error, world }
}

/** The expiry of the one hold at the standard world's issuer. */
const holdExpiry = (world: World): number | undefined => world.net.state<IssuerState>(party("issuer-1")).ledger.holds.values()[0]?.expiresAt_ms

describe("crafted operations", () => {
  it("should build each twist of the insider gateway's request from an authorization it was answered", () => {
    const craft = (kind: "capture" | "void" | "refund", twist: (typeof CRAFT_TWISTS)[number]) => craftedOperation("gateway", "gateway-1", answered, kind, twist, others, 1_000)
    expect(craft("capture", "asIs")).toEqual({
      _tag: "CaptureRequest",
      id: "auth-2-capture-asIs",
      from: "gateway-1",
      to: "issuer-1",
      authorizationId: "auth-2",
      paymentId: "ord-2.p1",
      expiresAt_ms: 301_000,
      amount: { amount_minor: 500, currency: "EUR" }
    })
    expect(craft("refund", "double")["amount"]).toEqual({ amount_minor: 1_000, currency: "EUR" })
    expect(craft("capture", "otherCurrency")["amount"]).toEqual({ amount_minor: 500, currency: "USD" })
    expect(craft("void", "otherPayment")).toMatchObject({ _tag: "VoidRequest", authorizationId: "auth-2", paymentId: "ord-1.p1" })
    expect(craft("void", "otherPayment")).not.toHaveProperty("amount")
    expect(craft("refund", "reusedId")).toMatchObject({ _tag: "RefundRequest", id: "op-7" })
    expect(craft("capture", "outlivesHold")["expiresAt_ms"]).toBe(9_001)
    const asked = { _tag: "AuthorizePayment", id: "ord-3.p1", from: "merchant-1", to: "gateway-1", amount: { amount_minor: 500, currency: "EUR" } }
    const merchant = (twist: (typeof CRAFT_TWISTS)[number]) => craftedOperation("merchant", "merchant-1", asked, "refund", twist, { sources: [asked], operations: [] }, 1_000)
    expect(merchant("asIs")).toEqual({
      _tag: "RefundPayment",
      id: "ord-3.p1-refund-asIs",
      from: "merchant-1",
      to: "gateway-1",
      paymentId: "ord-3.p1",
      expiresAt_ms: 301_000,
      amount: { amount_minor: 500, currency: "EUR" }
    })
    expect(merchant("otherPayment")["paymentId"]).toBe("ord-3.p1-unasked")
    expect(merchant("reusedId")["id"]).toBe("ord-3.p1-refund-reusedId")
    expect(merchant("outlivesHold")["expiresAt_ms"]).toBe(1_000 + 8 * 24 * 3_600_000)
  })

  it("should take the insider's crafted void, broken in flight and mended by a sweep under its own signature, as its own message (100,000-run check, shard 4 of 10, seed 20261871, run 7,379)", () => {
    // The attacker drops the void's authorization id and the sweep puts it back: the very bytes the
    // insider signed, which the issuer rightly takes. It was judged a forgery accepted, since only
    // the honest parties' packets were known to be genuine.
    const script = [...ANSWERED.filter((c) => !(c instanceof Aimed)), new Staff("void", 0, "all"), new Flush([0]), new CraftOperation("void", 0, "asIs"), new Intercept("malformed", "VoidRequest", 0, 340), new Sweep("VoidRequest", 0, 8)]
    const { world, error } = play(reference, INSIDER_GATEWAY, script)
    expect(error).toBeNull()
    expect(world.lines.filter((l) => l.command.startsWith("attacker:") && l.command.endsWith("-> issuer-1")).length).toBeGreaterThan(1)
  })

  it("should do nothing without an insider gateway, and be judged at the issuer with one", () => {
    const craft = new CraftOperation("capture", 0, "otherCurrency")
    const { world } = play(reference, CALM, [...ANSWERED, craft])
    expect(world.exercised.get("insider:gateway:craft:capture:otherCurrency")).toBeUndefined()
    const { answers, error, world: insiders } = verdicts([...ANSWERED, craft, new Flush([0])])
    expect(error).toBeNull()
    expect(insiders.exercised.get("insider:gateway:craft:capture:otherCurrency")).toBe(1)
    expect(answers).toEqual(["auth-1-capture-otherCurrency: exceeds_remaining"])
    expect(insiders.exercised.get("operation verdict:CaptureRequest: exceeds_remaining")).toBe(1)
  })

  it("should send one request of each twist at once with `every`, and shrink it to each twist alone", () => {
    const every = new CraftOperation("void", 3, "every")
    const { answers, error } = verdicts([...ANSWERED, every, new Flush([0])])
    expect(error).toBeNull()
    expect(answers).toHaveLength(CRAFT_TWISTS.length)
    expect(every.simpler().map(String)).toEqual([`CraftOperation("void", 0, "every")`, ...CRAFT_TWISTS.map((twist) => `CraftOperation("void", 3, "${twist}")`)])
  })

  it("should reach the issuer's refusals no honest gateway asks for: a refund of nothing captured or in another currency, and a capture at the hold's expiry", () => {
    const refunds = verdicts([
      ...ANSWERED,
      new CraftOperation("refund", 0, "asIs"),
      new CraftOperation("capture", 0, "asIs"),
      new Flush([0]),
      new CraftOperation("refund", 0, "otherCurrency"),
      new CraftOperation("void", 0, "asIs"),
      new Flush([0])
    ])
    expect(refunds.error).toBeNull()
    expect(refunds.answers).toEqual([
      "auth-1-refund-asIs: exceeds_remaining",
      "auth-1-capture-asIs: accepted",
      "auth-1-refund-otherCurrency: unknown_payment",
      "auth-1-void-asIs: hold_closed"
    ])
    // A request that outlives the hold is sent at the hold's expiry, whenever the clock gets there (here, once faults stop).
    const lapsed = verdicts([...ANSWERED, new CraftOperation("capture", 0, "outlivesHold")])
    expect(lapsed.error).toBeNull()
    expect(lapsed.answers).toEqual(["auth-1-capture-outlivesHold: hold_expired"])
    expect(lapsed.world.exercised.get("insider:gateway:craft timed to the hold's expiry")).toBe(1)
    expect(lapsed.world.lines.filter((l) => l.command.includes("as it planned")).map((l) => l.command)).toEqual([`insider gateway-1: send its CaptureRequest -> issuer-1 at ${holdExpiry(lapsed.world)}, as it planned`])
    // Among every twist, it alone waits: a deadline at the hold's expiry delivers the others, expired by then, and then it.
    const every = verdicts([...ANSWERED, new CraftOperation("capture", 0, "every"), new Deadline("hold", 0, 0)])
    expect(every.error).toBeNull()
    expect(every.answers.slice(-2)).toEqual(["auth-1-capture-reusedId: request_expired", "auth-1-capture-outlivesHold: hold_expired"])
  })

  it("should have an insider merchant's requests refused by its gateway: a declined or unknown payment, another currency, a refund beyond the captures", () => {
    const declined = verdicts(
      [new Shop(0, false), new Flush([0]), new Answer(0, "decline"), new Flush([0]), new CraftOperation("capture", 0, "asIs"), new CraftOperation("void", 0, "otherPayment"), new Flush([0])],
      reference,
      INSIDER_MERCHANT
    )
    expect(declined.error).toBeNull()
    expect(declined.answers).toEqual(["ord-1.p1-capture-asIs: unknown_payment", "ord-1.p1-void-otherPayment: unknown_payment"])
    const { answers, error, world } = verdicts([...ANSWERED, new CraftOperation("capture", 0, "otherCurrency"), new CraftOperation("refund", 0, "double"), new Flush([0])], reference, INSIDER_MERCHANT)
    expect(error).toBeNull()
    expect(answers).toEqual(["ord-1.p1-capture-otherCurrency: exceeds_remaining", "ord-1.p1-refund-double: exceeds_remaining"])
    expect(declined.world.exercised.get("operation verdict:CapturePayment: unknown_payment")).toBe(1)
    expect(world.exercised.get("operation verdict:RefundPayment: exceeds_remaining")).toBe(1)
  })

  describe("through a gateway or an issuer without its last-line refusals (capture-in-any-currency, gateway-forwards-any-currency)", () => {
    let anyCurrency: HarnessSettings
    let expiredUnknown: HarnessSettings
    let forwardsAnyCurrency: HarnessSettings
    beforeAll(async () => {
      ;[anyCurrency, expiredUnknown, forwardsAnyCurrency] = await Promise.all([
        withBug("crafted", "capture-in-any-currency"),
        // Not in the catalog: the harness reaches it on too few seeds (the capture must outlive the hold, then a tick land between).
        withFlaw("crafted", {
          name: "lapsed-hold-unknown",
          description: "The issuer refuses a capture of a hold past its expiry as an unknown payment.",
          edits: [{ file: "parties/IssuerOperations.ts", find: `    case "HoldExpired":\n      return "hold_expired"\n`, replace: "" }]
        }),
        withBug("crafted", "gateway-forwards-any-currency")
      ])
    })

    it("should fail the operations check", () => {
      const currency = verdicts([...ANSWERED, new CraftOperation("capture", 0, "otherCurrency"), new Flush([0])], anyCurrency)
      expect(String(currency.error?.thrown)).toMatch(/invariant operations broken .*: issuer-1: CaptureRequest gateway-1\/auth-1-capture-otherCurrency at \d+ was answered accepted \(\d+\), the spec says exceeds_remaining \(0\)/)
      const lapsed = verdicts([...ANSWERED, new CraftOperation("capture", 0, "outlivesHold")], expiredUnknown)
      expect(String(lapsed.error?.thrown)).toMatch(/invariant operations broken .*: issuer-1: CaptureRequest gateway-1\/auth-1-capture-outlivesHold at \d+ was answered unknown_payment \(0\), the spec says hold_expired \(0\)/)
      const forwarded = verdicts([...ANSWERED, new CraftOperation("capture", 0, "otherCurrency"), new Flush([0])], forwardsAnyCurrency, INSIDER_MERCHANT)
      expect(String(forwarded.error?.thrown)).toMatch(/invariant operations broken .*: gateway-1: CapturePayment merchant-1\/ord-1\.p1-capture-otherCurrency was not answered; it should be exceeds_remaining \(0\); .* is forwarded to the issuer, though the gateway should refuse it itself/)
    })
  })
})
