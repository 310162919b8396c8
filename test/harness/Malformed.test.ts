/**
 * The attacker's envelopes no honest party writes, and its revoked keys (`Forge("malformed")`,
 * `Forge("revokedKey")`), and a shopper's garbled requests on their own session (`Garble`): each
 * is refused with its typed rejection by the reference core, and each of the four seeded bugs
 * that would take one in fails its check.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { PartyId } from "../../src/domain/Ids.js"
import { Aimed, Flush, Forge, Garble, Intercept, Shop, type HarnessCommand } from "../../src/harness/Commands.js"
import { everyGarbling, forge, forgeable, FORGERY_KINDS, MALFORMED_VARIANTS } from "../../src/harness/Forgery.js"
import { tagOf } from "../../src/harness/Command.js"
import { Answer } from "../../src/harness/Shoppers.js"
import { failureKind, play, type HarnessSettings } from "../../src/harness/Run.js"
import { CALM, reference, withBug } from "../support/harness.js"

/** A checkout whose payment request is on its way to the gateway, then `forgery` of that request. */
const forgedRequest = (forgery: HarnessCommand): ReadonlyArray<HarnessCommand> => [
  new Shop(0, false),
  new Aimed("deliver", "PayNow", PartyId.make("browser-1.1"), PartyId.make("merchant-1")),
  forgery
]

/** What the gateway answered the forgery with, as the trace shows it. */
const answerTo = (settings: HarnessSettings, forgery: Forge): ReadonlyArray<string> | undefined =>
  play(settings, CALM, forgedRequest(forgery)).world.lines.find((l) => l.command.startsWith("attacker: forge"))?.outputs

const MALFORMATIONS = [
  { variant: 0, what: "the signature with base64 padding", rejection: "DecodeError" },
  { variant: 1, what: "the signature with a non-zero trailing bit", rejection: "DecodeError" },
  { variant: 2, what: "the signature one byte short", rejection: "BadSignature" },
  { variant: 3, what: "a body field dropped", rejection: "DecodeError" },
  { variant: 4, what: "a body field of the wrong type", rejection: "DecodeError" },
  { variant: 5, what: "a body field the Schema does not know", rejection: "DecodeError" },
  { variant: 6, what: "a type tag no party knows", rejection: "DecodeError" },
  { variant: 7, what: "the signer missing", rejection: "DecodeError" }
] as const

let revokedTrusted: HarnessSettings
let malleable: HarnessSettings
let throwing: HarnessSettings

beforeAll(async () => {
  ;[revokedTrusted, malleable, throwing] = await Promise.all([
    withBug("malformed", "revoked-key-trusted"),
    withBug("malformed", "signature-encoding-malleable"),
    withBug("malformed", "malformed-body-not-refused")
  ])
})

describe("malformed envelopes and revoked keys", () => {
  it.each(MALFORMATIONS)("should refuse $what with $rejection, and the run should pass", ({ variant, rejection }) => {
    const forgery = new Forge("malformed", "AuthorizePayment", 0, variant)
    expect(answerTo(reference, forgery)).toEqual([`gateway-1: rejected Receive with ${rejection}`])
    expect(play(reference, CALM, forgedRequest(forgery)).error).toBeNull()
  })

  it("should refuse a request signed with its sender's revoked key with RevokedKey", () => {
    expect(answerTo(reference, new Forge("revokedKey", "AuthorizePayment", 0, 0))).toEqual(["gateway-1: rejected Receive with RevokedKey"])
  })

  it("should fail authenticity when the envelope ignores a key's status (revoked-key-trusted)", () => {
    const { error } = play(revokedTrusted, CALM, forgedRequest(new Forge("revokedKey", "AuthorizePayment", 0, 0)))
    expect(error === null ? null : failureKind(error.thrown)).toBe("authenticity")
  })

  it("should fail authenticity when a padded signature is taken (signature-encoding-malleable)", () => {
    const { error } = play(malleable, CALM, forgedRequest(new Forge("malformed", "AuthorizePayment", 0, 0)))
    expect(error === null ? null : failureKind(error.thrown)).toBe("authenticity")
  })

  it("should fail totality, naming the party and the input, when a party throws on a malformed body (malformed-body-not-refused)", () => {
    const { error } = play(throwing, CALM, forgedRequest(new Forge("malformed", "AuthorizePayment", 0, 3)))
    expect(error === null ? null : failureKind(error.thrown)).toBe("totality")
    expect(String(error?.thrown)).toMatch(/gateway-1 threw on Receive instead of answering/)
  })
})

describe("forgeries of a malformed forgery", () => {
  // Found by a 100,000-run campaign (seed 20261620, run 24,802): an approval's amount turned into
  // a number by a malformed forgery, then tampered with again; the attacker's own code threw.
  it("should forge again, by every kind of forgery and variant, each malformed body of an approval, field by field", () => {
    const { world } = play(reference, CALM, [new Shop(0, false), new Flush([0]), new Answer(0, "approve")])
    // The approval as the phone sent it (the run has since ended, everything delivered).
    const approval = world.recorded().find((p) => tagOf(p) === "ChallengeApproval")
    if (approval === undefined) throw new Error("no approval sent")
    // Each of the approval's eight fields (the variant's higher digits) dropped (variant 3 of the
    // envelope's) or turned into a number (4), a field the Schema does not know (5), the type tag unknown (6).
    const fields = Array.from({ length: 8 }, (_, field) => field * MALFORMED_VARIANTS)
    const failures: Array<string> = []
    for (const variant of [...fields.flatMap((field) => [field + 3, field + 4]), 5, 6]) {
      const malformed = world.run(forge(world.core, "malformed", approval, approval, variant))
      expect(forgeable(malformed), `malformed ${variant}`).toBe(true)
      for (const kind of FORGERY_KINDS)
        for (const again of [0, 1, 2, 3, 4, 5]) {
          try {
            world.run(forge(world.core, kind, malformed, approval, again))
          } catch (error) {
            failures.push(`malformed ${variant}, then ${kind} ${again}: ${String(error)}`)
          }
        }
    }
    expect(failures).toEqual([])
  })

  it("should pass the run the campaign found: an approval's amount made a number, then tampered with (check --seed 20261620, minimized)", () => {
    const script = [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Intercept("malformed", "ChallengeApproval", 0, 588), new Intercept("tamper", "ChallengeApproval", 0, 0)]
    const { error, world } = play(reference, CALM, script)
    expect(error).toBeNull()
    expect(world.lines.filter((l) => l.command.startsWith("attacker in the middle: replace ChallengeApproval"))).toHaveLength(2)
  })
})

describe("garbled requests on a shopper's own session", () => {
  let garbledTrusted: HarnessSettings
  beforeAll(async () => {
    garbledTrusted = await withBug("garbled", "garbled-request-not-refused")
  })

  /** A checkout on its way, then the shopper's page sends its newest request garbled as `variant` says. */
  const garbled = (variant: number): ReadonlyArray<HarnessCommand> => [new Shop(0, false), new Garble(0, variant)]

  it.each([
    { variant: 0, what: "a field dropped" },
    { variant: 1, what: "a field of the wrong type" },
    { variant: 2, what: "a field the Schema does not know" },
    { variant: 3, what: "a type no merchant knows" }
  ])("should be refused by the merchant with DecodeError, with $what, and the run should pass", ({ variant }) => {
    const { world, error } = play(reference, CALM, garbled(variant))
    expect(error).toBeNull()
    expect(world.lines.find((l) => l.command.includes("garbled"))?.outputs).toEqual(["merchant-1: rejected Receive with DecodeError"])
  })

  it("everyGarbling - should make each field dropped, each turned into a number, one field too many and an unknown type, each once, all on the page's own session", () => {
    const request = { from: PartyId.make("browser-1.1"), to: PartyId.make("merchant-1"), channel: "session" as const, payload: { _tag: "PayNow", sessionId: "s-1", orderId: "ord-1", requestId: "r-1" } }
    const bodies = everyGarbling(request).map((garbled) => {
      expect(garbled).toMatchObject({ from: request.from, to: request.to, channel: "session" })
      return garbled.payload
    })
    expect(bodies).toHaveLength(3 + 3 + 1 + 1)
    for (const field of ["sessionId", "orderId", "requestId"]) {
      expect(bodies).toContainEqual(Object.fromEntries(Object.entries(request.payload).filter(([k]) => k !== field)))
      expect(bodies).toContainEqual({ ...request.payload, [field]: 7 })
    }
    expect(bodies).toContainEqual({ ...request.payload, note: "pay me instead" })
    expect(bodies).toContainEqual({ ...request.payload, _tag: "PayNowV2" })
  })

  it("should fail totality when the merchant does not refuse a request that fails its Schema (garbled-request-not-refused)", () => {
    const { error } = play(garbledTrusted, CALM, garbled(0))
    expect(error === null ? null : failureKind(error.thrown)).toBe("totality")
    expect(String(error?.thrown)).toMatch(/merchant-1 threw on Receive instead of answering/)
  })
})
