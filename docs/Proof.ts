/**
 * The symbolic proof as the documentation shows it: for each guarantee of the threat model, the
 * ProVerif queries that prove it, the compromises they tolerate, and the harness checks and seeded
 * bugs that test the same claim in the implementation; the queries, read from the models; and the
 * weakened variants, read from `src/prove/Variants.ts`. The guarantees table is data:
 * `test/docs.test.ts` holds each query to the models, each check to the harness and each bug to
 * the catalog.
 */
import { filesOf, MODELS, queriesOf, type ModelName } from "../src/prove/Models.js"
import { VARIANTS, type Verdict } from "../src/prove/Variants.js"
import type { HARNESS_CHECKS } from "./Bugs.js"

/** One guarantee and what backs it, symbolically and in the implementation. */
export interface Guarantee {
  readonly guarantee: string
  readonly queries: ReadonlyArray<{ readonly model: ModelName; readonly query: string }>
  readonly tolerates: string
  readonly checks: ReadonlyArray<(typeof HARNESS_CHECKS)[number]>
  readonly bugs: ReadonlyArray<string>
}

/** The guarantees of DESIGN.md section 8 (and the domain separation of spec 3.2), in its order. */
export const GUARANTEES: ReadonlyArray<Guarantee> = [
  {
    guarantee: "1. No honest customer is debited without an approval from one of their own enrolled devices, for exactly that payment, account, amount, currency and payee, before its deadline, used once",
    queries: [
      { model: "challenge", query: "hold-approved" },
      { model: "challenge", query: "hold-before-deadline" }
    ],
    tolerates: "every gateway (so whatever any merchant could make one ask for) and the devices enrolled for other accounts; not the account's own device",
    checks: ["noUnapprovedDebit", "agreement", "authenticity"],
    bugs: [
      "device-signature-not-verified",
      "approval-reusable",
      "challenge-expiry-ignored",
      "domain-tag-missing",
      "hold-before-approval",
      "approval-not-bound-to-amount",
      "approval-not-bound-to-payee",
      "approval-from-any-enrolled-device"
    ]
  },
  {
    guarantee: "2. No honest merchant's payment, capture, void or refund is made, changed or redirected by anyone else",
    queries: [
      { model: "authorization", query: "challenge-requested" },
      { model: "authorization", query: "request-asked" },
      { model: "authorization", query: "hold-acquirer-requested" },
      { model: "operations", query: "operation-asked" }
    ],
    tolerates:
      "other merchants (stolen keys, and the attacker's own registered merchants) and any number of other gateways (insider acquirers among them: the issuer's merchant directory refuses their requests for the merchant's payments); not the merchant's own gateway",
    // Liveness too: a retry taken for a new payment or capture leaves a second authorization or capture that nobody asked for, which the harness sees first as a payment that never agrees;
    // and operations: a merchant's retried capture forwarded again is that second capture, seen in the step that forwards it.
    checks: ["authenticity", "isolation", "noDoubleCharge", "settlementExactlyOnce", "liveness", "operations"],
    bugs: [
      "no-idempotency-check",
      "crash-loses-idempotency-records",
      "retried-capture-captured-twice",
      "domain-tag-missing",
      "gateway-trusts-merchant-payee",
      "operation-finds-payment-by-id",
      "issuer-trusts-gateway-payee"
    ]
  },
  {
    guarantee: "3. No honest bank posts a settlement position its clearing house did not instruct, or posts one twice; and a clearing house clears only what the issuer accepted",
    queries: [
      { model: "settlement", query: "settlement-instructed" },
      { model: "settlement", query: "item-accepted" }
    ],
    tolerates: "any merchants, devices and gateways (other banks among them, the acquirer of the items too: an insider acquirer cannot clear an item its issuer did not sign as accepted)",
    checks: ["conservation", "settlementExactlyOnce", "liveness"],
    bugs: ["instruction-applied-twice", "clearing-trusts-acquirer-items"]
  },
  {
    guarantee: "4. An honest merchant marks an order paid only on its own gateway's result for that payment and amount",
    queries: [{ model: "authorization", query: "paid-held" }],
    tolerates: "other merchants and other gateways; not the merchant's own gateway",
    checks: ["authenticity", "agreement"],
    bugs: ["merchant-trusts-unverified-result"]
  },
  {
    guarantee: "Domain separation: no signed message passes for one of another type",
    queries: [{ model: "signatures", query: "no-cross-type" }],
    tolerates: "any merchants, devices and gateways",
    checks: ["authenticity", "noUnapprovedDebit"],
    bugs: ["domain-tag-missing"]
  }
]

/** Where the links of a block go, from the page it is on. */
interface Links {
  readonly query: (model: ModelName) => string
  readonly checks: string
  readonly bugs: string
}

/** The pages a block can be on: the spec page (`spec/10-symbolic-proof.md`) or the security guide. */
const LINKS: Readonly<Record<string, Links>> = {
  spec: {
    query: (model) => `./proverif/${model}.pv`,
    checks: "../docs/guides/security.md#what-each-guarantee-means-and-how-it-is-shown",
    bugs: "../docs/guides/security.md#seeded-bugs-proof-that-the-harness-can-fail"
  },
  guide: {
    query: () => "../../spec/10-symbolic-proof.md#103-queries",
    checks: "#what-each-guarantee-means-and-how-it-is-shown",
    bugs: "#seeded-bugs-proof-that-the-harness-can-fail"
  }
}

const linksFor = (page: string | undefined): Links => {
  const links = LINKS[page ?? "spec"]
  if (links === undefined) throw new Error(`generated block: proof tables are for pages ${Object.keys(LINKS).join(" or ")}, not ${page}`)
  return links
}

const cell = (text: string): string => text.replace(/\|/g, "\\|")

/** The table of guarantees: queries, compromises tolerated, harness checks and seeded bugs. */
export const guaranteeTable = (page?: string): string => {
  const links = linksFor(page)
  return [
    "| guarantee | ProVerif queries | compromises tolerated | harness checks | seeded bugs |",
    "| --- | --- | --- | --- | --- |",
    ...GUARANTEES.map((g) =>
      [
        cell(g.guarantee),
        g.queries.map((q) => `[\`${q.query}\`](${links.query(q.model)})`).join(", "),
        cell(g.tolerates),
        g.checks.map((c) => `[\`${c}\`](${links.checks})`).join(", "),
        g.bugs.map((b) => `[\`${b}\`](${links.bugs})`).join(", ")
      ].join(" | ")
    ).map((row) => `| ${row} |`)
  ].join("\n")
}

/** Every model, with what it covers. */
export const modelTable = (): string =>
  ["| model | covers |", "| --- | --- |", ...MODELS.map(({ name, covers }) => `| [\`${name}.pv\`](./proverif/${name}.pv) | ${cell(covers)} |`)].join("\n")

/** Every query of every model, with what it says (its `QUERY` comment). */
export const queryTable = (): string =>
  [
    "| query | model | what it proves |",
    "| --- | --- | --- |",
    ...MODELS.flatMap(({ name }) =>
      queriesOf(name, filesOf(name).get(`${name}.pv`) ?? "").map((q) => `| \`${q.name}\` | [${name}.pv](./proverif/${name}.pv) | ${cell(q.says)} |`)
    )
  ].join("\n")

const EXPECTED: { readonly [V in Verdict]: string } = { true: "proved", false: "attack found", "cannot be proved": "cannot be proved" }

/** Every variant: its model and query, what it drops, what ProVerif must answer, and the seeded bug that drops the same check. */
export const variantTable = (): string =>
  [
    "| variant | query | what it drops | ProVerif must answer | seeded bug |",
    "| --- | --- | --- | --- | --- |",
    ...VARIANTS.map(
      (v) =>
        `| \`${v.model}/${v.name}\` | \`${v.query}\` | ${cell(v.drops)} | ${EXPECTED[v.expected]} | ${v.seededBug === null ? "none" : `[\`${v.seededBug}\`](${LINKS["spec"]?.bugs ?? ""})`} |`
    )
  ].join("\n")
