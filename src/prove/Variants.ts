/**
 * The weakened variants of the models: each one a declared set of text edits to a model's files,
 * each of which must find its text exactly once (as the seeded bugs of `test/bugs/` do to a copy
 * of `src/`), so a change to a model that would silently disarm a variant fails instead. A
 * weakened variant drops one check the code makes, and ProVerif must find the attack on the query
 * that check protects: that shows the query can fail. A few variants are defence-in-depth checks
 * instead: they drop one of two checks that each suffice, and ProVerif must still prove the query.
 *
 * @since 0.3.0
 */
import type { ModelFile, ModelName } from "./Models.js"

/**
 * One text replacement in one file of a model run.
 *
 * @category models
 * @since 0.3.0
 */
export interface Edit {
  readonly file: ModelFile
  readonly find: string
  readonly replace: string
}

/**
 * What ProVerif answers on a query: proved, an attack found (with a trace), or neither.
 *
 * @category models
 * @since 0.3.0
 */
export type Verdict = "true" | "false" | "cannot be proved"

/**
 * A variant of a model: the query it targets, what ProVerif must answer on it, what it drops, the
 * seeded bug of `src/bugs/Catalog.ts` that drops the same check in the code (if any), and its edits.
 *
 * @category models
 * @since 0.3.0
 */
export interface Variant {
  readonly name: string
  readonly model: ModelName
  readonly query: string
  readonly expected: Verdict
  readonly drops: string
  readonly seededBug: string | null
  readonly edits: ReadonlyArray<Edit>
}

/** Signatures without the domain tag: the signing bytes are the canonical fields alone (the seeded bug `domain-tag-missing`). */
const noDomainTag: Edit = {
  file: "messages.pvl",
  find: "fun signingBytes(Tag, bitstring): bitstring [data].",
  replace: "fun signingBytes(Tag, bitstring): bitstring.\nequation forall t: Tag, f: bitstring; signingBytes(t, f) = f."
}

/**
 * The approval's signature covers no `amount` (or no `payee`), and the issuer does not compare it
 * (the seeded bugs `approval-not-bound-to-amount` and `approval-not-bound-to-payee`).
 */
const approvalWithout = (field: "amount" | "payee", type: "Money" | "Payee"): ReadonlyArray<Edit> => {
  const signed = "account, amount, expiresAt_ms, from, id, payee, paymentId, to"
  const fields = "=c, d2, =i, =acct, =p, =amount, =payee, =ce"
  const opened = "c, d2, i, acct, p, amount, payee, ce"
  return [
    { file: "messages.pvl", find: "type Tag.", replace: `type Tag.\nconst null_${type}: ${type}.` },
    {
      file: "messages.pvl",
      find: `signingBytes(tag_ChallengeApproval, canonical_Challenge_ChallengeApproval_ChallengeDecline(${signed}))`,
      replace: `signingBytes(tag_ChallengeApproval, canonical_Challenge_ChallengeApproval_ChallengeDecline(${signed.replace(field, `null_${type}`)}))`
    },
    { file: "challenge.pv", find: `envelope(ChallengeApproval(${fields}), s2)`, replace: `envelope(ChallengeApproval(${fields.replace(`=${field}`, `${field}2`)}), s2)` },
    { file: "challenge.pv", find: `opens(ChallengeApproval(${opened}), r2, k2, s2)`, replace: `opens(ChallengeApproval(${opened.replace(field, `${field}2`)}), r2, k2, s2)` }
  ]
}

/** The phone shows a challenge without checking the issuer's signature on it. */
const phoneTrustsAnyChallenge: Edit = {
  file: "challenge.pv",
  find: "  get registry(=i, r, k) suchthat opens(Challenge(c, i, d, acct, p, amount, payee, ce), r, k, s) in\n",
  replace: ""
}

/**
 * The issuer's request check without its role check: any registered key of the party named as the
 * sender verifies an AuthorizationRequest, whatever that party's role.
 */
const issuerIgnoresSignerRole: Edit = {
  file: "authorization.pv",
  find: "suchthat opens(AuthorizationRequest(a, g, i, p, acct, amount, payee, e), r, k, s) in",
  replace: "suchthat verify(s, k, signingBytesOf(AuthorizationRequest(a, g, i, p, acct, amount, payee, e))) in"
}

/** The issuer without the merchant directory: it takes any payee the signing gateway names (the seeded bug `issuer-trusts-gateway-payee`). */
const noDirectory: Edit = {
  file: "authorization.pv",
  find: "  let mkPayee(pm, pname) = payee in get acquirers(=pm, =g) in (* the payee merchant's acquirer is the signer *)\n",
  replace: ""
}

/**
 * Every variant, grouped by model and query in the order of the models.
 *
 * @category variants
 * @since 0.3.0
 */
export const VARIANTS: ReadonlyArray<Variant> = [
  {
    name: "domain-tag-dropped",
    model: "challenge",
    query: "hold-approved",
    expected: "false",
    drops: "the domain tag: a shopper's decline, relabelled, passes for an approval",
    seededBug: "domain-tag-missing",
    edits: [noDomainTag]
  },
  {
    name: "approval-reusable",
    model: "challenge",
    query: "hold-approved",
    expected: "false",
    drops: "the once-only check: an approval of a closed challenge places another hold",
    seededBug: "approval-reusable",
    edits: [{ file: "challenge.pv", find: "new st2: stamp; event ChallengeCloses(i, c, st2); (* an approval closes the challenge *)", replace: "" }]
  },
  {
    name: "any-enrolled-device",
    model: "challenge",
    query: "hold-approved",
    expected: "false",
    drops: "the device check: an answer from any enrolled device counts, so another customer's stolen device approves",
    seededBug: "approval-from-any-enrolled-device",
    edits: [{ file: "challenge.pv", find: "if d2 = d then get enrolled(=i, =acct, =d2) in (* from the challenged device, enrolled for the account *)", replace: "" }]
  },
  {
    name: "approval-without-amount",
    model: "challenge",
    query: "hold-approved",
    expected: "true",
    drops: "the amount from the approval's signature and the issuer's comparison: still proved, as the issuer-signed challenge and its fresh id bind the amount",
    seededBug: "approval-not-bound-to-amount",
    edits: approvalWithout("amount", "Money")
  },
  {
    name: "approval-without-payee",
    model: "challenge",
    query: "hold-approved",
    expected: "true",
    drops: "the payee from the approval's signature and the issuer's comparison: still proved, for the same reason",
    seededBug: "approval-not-bound-to-payee",
    edits: approvalWithout("payee", "Payee")
  },
  {
    name: "phone-trusts-any-challenge",
    model: "challenge",
    query: "hold-approved",
    expected: "true",
    drops: "the phone's check of the issuer's signature on a challenge: still proved, as the approval names the amount and payee the issuer compares",
    seededBug: null,
    edits: [phoneTrustsAnyChallenge]
  },
  {
    name: "approval-without-amount-any-challenge",
    model: "challenge",
    query: "hold-approved",
    expected: "false",
    drops: "both the amount binding and the phone's check: the phone approves a forged challenge for another amount, and the approval holds the real one",
    seededBug: null,
    edits: [...approvalWithout("amount", "Money"), phoneTrustsAnyChallenge]
  },
  {
    name: "approval-without-payee-any-challenge",
    model: "challenge",
    query: "hold-approved",
    expected: "false",
    drops: "both the payee binding and the phone's check: the phone approves a forged challenge for another payee, and the approval holds for the real one",
    seededBug: null,
    edits: [...approvalWithout("payee", "Payee"), phoneTrustsAnyChallenge]
  },
  {
    name: "challenge-expiry-ignored",
    model: "challenge",
    query: "hold-before-deadline",
    expected: "false",
    drops: "the expiry check: an approval delayed past the deadline still places the hold",
    seededBug: "challenge-expiry-ignored",
    edits: [{ file: "challenge.pv", find: "new st4: stamp; event ChallengeCloses(i, c, st4); (* the deadline passes: it closes the challenge *)", replace: "" }]
  },
  {
    name: "issuer-ignores-signer-role",
    model: "authorization",
    query: "challenge-requested",
    expected: "false",
    drops: "the signer role check, and the merchant directory, which alone refuses a merchant as the signer: a merchant's key signs an AuthorizationRequest in its own name",
    seededBug: null,
    edits: [issuerIgnoresSignerRole, noDirectory]
  },
  {
    name: "issuer-ignores-signer-role-directory-kept",
    model: "authorization",
    query: "challenge-requested",
    expected: "true",
    drops: "the signer role check alone: still proved, as the directory takes a request only from the payee merchant's acquirer, and no merchant is one",
    seededBug: null,
    edits: [issuerIgnoresSignerRole]
  },
  {
    name: "gateway-forwards-any-payee",
    model: "authorization",
    query: "request-asked",
    expected: "false",
    drops: "the payee check: a registered merchant asks for money with another merchant as payee",
    seededBug: "gateway-trusts-merchant-payee",
    edits: [{ file: "authorization.pv", find: "  let mkPayee(=m, name) = payee in (* payee.merchant is the sender *)\n", replace: "" }]
  },
  {
    name: "no-idempotency-check",
    model: "authorization",
    query: "request-asked",
    expected: "false",
    drops: "the gateway's record of merchant/paymentId: a replayed AuthorizePayment is forwarded again",
    seededBug: "no-idempotency-check",
    edits: [{ file: "authorization.pv", find: "  new st: stamp; event GatewayRecords(g, m, p, st);\n", replace: "" }]
  },
  {
    name: "merchant-trusts-unverified-result",
    model: "authorization",
    query: "paid-held",
    expected: "false",
    drops: "the merchant's check of the result's signature: a forged approval marks the order paid",
    seededBug: "merchant-trusts-unverified-result",
    edits: [
      {
        file: "authorization.pv",
        find: "  get registry(=g, r, k) suchthat opens(AuthorizationResult(p, g, m, o, amount, status, hold), r, k, s) in\n",
        replace: ""
      }
    ]
  },
  {
    name: "merchant-takes-any-gateway",
    model: "authorization",
    query: "paid-held",
    expected: "false",
    drops: "the merchant's check that the result is from its own gateway: another, compromised gateway approves",
    seededBug: null,
    edits: [
      {
        file: "authorization.pv",
        find: "in(net, envelope(AuthorizationResult(=p, =g, =m, =o, =amount, status, hold), s));\n  get registry(=g, r, k) suchthat opens(AuthorizationResult(p, g, m, o, amount, status, hold), r, k, s) in",
        replace: "in(net, envelope(AuthorizationResult(=p, g2, =m, =o, =amount, status, hold), s));\n  get registry(=g2, r, k) suchthat opens(AuthorizationResult(p, g2, m, o, amount, status, hold), r, k, s) in"
      }
    ]
  },
  {
    name: "issuer-takes-any-payee",
    model: "authorization",
    query: "hold-acquirer-requested",
    expected: "false",
    drops: "the issuer's merchant directory: a compromised gateway re-signs a request for another acquirer's merchant as its own, and the issuer holds the money for it",
    seededBug: "issuer-trusts-gateway-payee",
    edits: [noDirectory]
  },
  {
    name: "domain-tag-dropped",
    model: "operations",
    query: "operation-asked",
    expected: "false",
    drops: "the domain tag: a refund, relabelled, passes for a capture",
    seededBug: "domain-tag-missing",
    edits: [noDomainTag]
  },
  {
    name: "retried-capture-captured-twice",
    model: "operations",
    query: "operation-asked",
    expected: "false",
    drops: "the gateway's record of merchant/operationId: a replayed capture is forwarded and captured again",
    seededBug: "retried-capture-captured-twice",
    edits: [{ file: "operations.pv", find: "new st: stamp; event GatewayOperationRecords(g, m, o, st); (* capture: merchant/operationId *)", replace: "" }]
  },
  {
    name: "gateway-ignores-merchant",
    model: "operations",
    query: "operation-asked",
    expected: "false",
    drops: "the gateway's lookup by merchant/paymentId: a merchant captures another merchant's payment with the same id",
    seededBug: null,
    edits: [
      {
        file: "operations.pv",
        find: "get gatewayPayments(=g, =m, =p, a, i) in (* capture: the merchant's own payment *)",
        replace: "get gatewayPayments(=g, m2, =p, a, i) in"
      }
    ]
  },
  {
    name: "instruction-applied-twice",
    model: "settlement",
    query: "settlement-instructed",
    expected: "false",
    drops: "the bank's record of clearingHouse/instructionId: a replayed instruction is posted again",
    seededBug: "instruction-applied-twice",
    edits: [{ file: "settlement.pv", find: "new st: stamp; event BankRecords(b, c2, n, st); (* clearingHouse/instructionId, once *)", replace: "" }]
  },
  {
    name: "any-clearing-house",
    model: "settlement",
    query: "settlement-instructed",
    expected: "false",
    drops: "the bank's check of its own clearing house: another clearing house's instruction is posted",
    seededBug: null,
    edits: [{ file: "settlement.pv", find: "  if c2 = c then (* from the bank's own clearing house *)\n", replace: "" }]
  },
  {
    name: "clearing-trusts-acquirer-items",
    model: "settlement",
    query: "item-accepted",
    expected: "false",
    drops: "the clearing house's check of each item's evidence: an acquirer's item clears without its issuer's signature on its acceptance",
    seededBug: "clearing-trusts-acquirer-items",
    edits: [
      {
        file: "settlement.pv",
        find: "  if opens(OperationResponse(o, i, g, a, op, amount, OperationStatus_accepted), role_issuer, ki, s) then (* the issuer's signature on its acceptance *)\n",
        replace: ""
      }
    ]
  },
  {
    name: "refusal-as-evidence",
    model: "settlement",
    query: "item-accepted",
    expected: "false",
    drops: "the status in the rebuilt acceptance: the issuer's signature on a refusal of the operation passes for evidence that it accepted it",
    seededBug: null,
    edits: [
      {
        file: "settlement.pv",
        find: "  if opens(OperationResponse(o, i, g, a, op, amount, OperationStatus_accepted), role_issuer, ki, s) then (* the issuer's signature on its acceptance *)\n",
        replace: "  in(net, anyStatus: OperationStatus);\n  if opens(OperationResponse(o, i, g, a, op, amount, anyStatus), role_issuer, ki, s) then\n"
      }
    ]
  },
  {
    name: "domain-tag-dropped",
    model: "signatures",
    query: "no-cross-type",
    expected: "false",
    drops: "the domain tag: a body signed as one type opens as another type with the same fields",
    seededBug: "domain-tag-missing",
    edits: [noDomainTag]
  }
]

/**
 * A model's files with a variant's edits made. Throws, naming the variant, the file and the text,
 * when an edit does not find its text exactly once.
 *
 * @category variants
 * @since 0.3.0
 */
export const applyEdits = (variant: Pick<Variant, "name" | "model" | "edits">, files: ReadonlyMap<ModelFile, string>): ReadonlyMap<ModelFile, string> => {
  const edited = new Map(files)
  for (const edit of variant.edits) {
    const text = edited.get(edit.file)
    if (text === undefined) throw new Error(`variant ${variant.model}/${variant.name}: no file ${edit.file} in model ${variant.model}`)
    const at = text.indexOf(edit.find)
    if (at < 0 || text.indexOf(edit.find, at + 1) >= 0) {
      throw new Error(`variant ${variant.model}/${variant.name}: the text to replace in ${edit.file} must occur exactly once, found ${at < 0 ? "none" : "several"}:\n${edit.find}`)
    }
    edited.set(edit.file, text.slice(0, at) + edit.replace + text.slice(at + edit.find.length))
  }
  return edited
}
