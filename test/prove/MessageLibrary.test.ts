/**
 * The generated message part of the ProVerif model: the committed `spec/proverif/messages.pvl`
 * is exactly what the code generates (the drift test), and it says what the code says: every
 * signed type with its domain tag, its fields and its signer roles, and one canonical form for
 * the types that sign the same fields.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { domainTag } from "../../src/crypto/Envelope.js"
import { tagOf, type ClassSchema } from "../../src/messages/Reflection.js"
import { SIGNER_ROLES, SignedMessage, type SignedTag } from "../../src/messages/Signed.js"
import { messageLibrary } from "../../src/prove/MessageLibrary.js"
import { MESSAGE_LIBRARY } from "../../src/prove/Models.js"

const generated = messageLibrary()
const TAGS = (SignedMessage.members as ReadonlyArray<ClassSchema>).map((m) => tagOf(m) as SignedTag)

describe("messageLibrary", () => {
  it("messageLibrary - should equal the committed spec/proverif/messages.pvl (run `npx tsx src/prove/generate.ts` after changing a message)", () => {
    expect(readFileSync(MESSAGE_LIBRARY, "utf8")).toBe(generated)
  })

  it("messageLibrary - should declare every signed type with its domain tag and one constructor field per Schema field", () => {
    for (const schema of SignedMessage.members as ReadonlyArray<ClassSchema>) {
      const tag = tagOf(schema)
      expect(generated).toContain(`const tag_${tag}: Tag. (* "checkout-protocol/v1/${tag}" then 0x00: ${domainTag(tag).length} bytes *)`)
      const constructor = new RegExp(`^fun ${tag}\\(([^)]*)\\): bitstring \\[data\\]\\.$`, "m").exec(generated)
      expect(constructor?.[1]?.split(", ")).toHaveLength(Object.keys(schema.fields).length - 1)
    }
  })

  it("messageLibrary - should allow exactly the signer roles of SIGNER_ROLES", () => {
    const allowed = [...generated.matchAll(/signerMay\(tag_(\w+), role_(\w+)\) = true/g)].map(([, tag, role]) => `${tag}:${role}`)
    expect(allowed.sort()).toEqual(TAGS.flatMap((tag) => SIGNER_ROLES[tag].map((role) => `${tag}:${role}`)).sort())
  })

  it("messageLibrary - should give the types that sign the same fields one canonical form, told apart only by the domain tag", () => {
    for (const shared of ["Challenge_ChallengeApproval_ChallengeDecline", "CapturePayment_RefundPayment", "CaptureRequest_RefundRequest"]) {
      expect(generated).toContain(`fun canonical_${shared}(`)
    }
    expect(generated.match(/^fun canonical_/gm)).toHaveLength(16)
  })

  it("messageLibrary - should note the types whose field names coincide but whose values are of other Schemas", () => {
    expect(generated).toContain("(* Note: SubmissionReceipt and SettlementConfirmation sign the same field names")
  })
})
