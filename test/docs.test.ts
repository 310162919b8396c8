import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { BUG_EVIDENCE, HARNESS_CHECKS } from "../docs/Bugs.js"
import { DOCUMENTS, generateAll, regenerate, render } from "../docs/Generated.js"
import { GUARANTEES } from "../docs/Proof.js"
import { ACTION_ONLY_REJECTIONS, MESSAGE_FACTS, type PartyKind, type RejectionCase } from "../docs/MessageFacts.js"
import { ACCEPTS, fieldRows, MESSAGES, receiversOf, tagOf } from "../docs/MessageReference.js"
import * as Invariants from "../model/Invariants.js"
import * as RejectionModule from "../src/domain/Rejection.js"
import { MAX_ORDER_LINES, MAX_QUANTITY } from "../src/messages/BrowserMerchant.js"
import { SIGNER_ROLES } from "../src/messages/Signed.js"
import { filesOf, MODELS, queriesOf } from "../src/prove/Models.js"
import { VARIANTS } from "../src/prove/Variants.js"
import * as Merchant from "../src/parties/Merchant.js"
import { BUGS } from "../src/bugs/Catalog.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const read = (path: string): string => readFileSync(path, "utf8")
const block = (header: string): string => `<!-- BEGIN GENERATED: ${header} -->\n${render(header)}\n<!-- END GENERATED -->`

const PARTIES: ReadonlyArray<PartyKind> = ["Browser", "Merchant", "Gateway", "Issuer", "Phone", "ClearingHouse"]

/** The `src/` files a module imports values from (type-only imports aside), resolved to paths relative to `src/`. */
const valueImports = (file: string): ReadonlyArray<string> =>
  [...read(`${root}/src/${file}`).matchAll(/^import\s+(type\s+)?[^;]*?\s+from\s+"(\.[^"]+)"/gm)].flatMap(([, typeOnly, from]) =>
    typeOnly !== undefined || from === undefined ? [] : [join(dirname(file), from).replace(/\.js$/, ".ts")]
  )

/**
 * A party's source: its module and every module of `src/parties/` and `src/settlement/` it imports
 * values from, directly or not (the merchant's back office, the gateway's operations and clearing,
 * the banks' shared handling of settlement instructions).
 */
const sourceFilesOf = (party: PartyKind): ReadonlyArray<string> => {
  const files: Array<string> = []
  const visit = (file: string): void => {
    if (files.includes(file)) return
    files.push(file)
    for (const next of valueImports(file)) if (next.startsWith("parties/") || next.startsWith("settlement/")) visit(next)
  }
  visit(`parties/${party}.ts`)
  return files
}
const sourceOf = (party: PartyKind): string => sourceFilesOf(party).map((file) => read(`${root}/src/${file}`)).join("\n")

/** The rejection tags, from the `Rejection` union: each member is exported under its tag. */
const REJECTION_TAGS: ReadonlySet<string> = new Set(
  Object.entries(RejectionModule).flatMap(([name, value]) => ((RejectionModule.Rejection.members as ReadonlyArray<unknown>).includes(value) ? [name] : []))
)

/**
 * A rejection a party's source constructs: its tag, and the `field` or `kind` it names: the literal,
 * a template such as `submitted ${item.kind}` for a computed part of a literal, or `*` when computed.
 */
interface Constructed {
  readonly rejection: string
  readonly qualifier: string | undefined
}

/** Every rejection constructed in a source: `new Tag({ ... })`, and `Expired` through `requireUnexpired(`. A `field` or `kind` given by a variable is computed. */
const constructedIn = (source: string): ReadonlyArray<Constructed> => [
  ...[...source.matchAll(/new ([A-Z][A-Za-z]+)\(\{([^\n]*)/g)].flatMap(([, tag, rest]) => {
    if (tag === undefined || !REJECTION_TAGS.has(tag)) return []
    const literal = /\b(?:field|kind): (?:"([^"]+)"|`([^`]+)`)/.exec(rest ?? "")
    const computed = /\b(?:field|kind)\b(?!:)|\b(?:field|kind): [A-Za-z_$]/.test(rest ?? "")
    return [{ rejection: tag, qualifier: literal?.[1] ?? literal?.[2] ?? (computed ? "*" : undefined) }]
  }),
  ...[...source.matchAll(/requireUnexpired\(/g)].map(() => ({ rejection: "Expired", qualifier: undefined }))
]

/** Whether a listed qualifier is what a constructed one can be: the same literal, or a value its template admits. */
const admits = (constructed: string, listed: string): boolean =>
  constructed.includes("${")
    ? new RegExp(`^${constructed.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`).test(listed)
    : constructed === listed

/** What the facts list for a party: the rejections of every message it receives (the ones checked there), and of its people's actions. */
const listedFor = (party: PartyKind): ReadonlyArray<RejectionCase> => [
  ...Object.entries(MESSAGE_FACTS).flatMap(([tag, facts]) =>
    receiversOf(tag).includes(party) ? facts.rejections.filter((c: RejectionCase) => c.at === undefined || c.at === party) : []
  ),
  ...ACTION_ONLY_REJECTIONS[party]
]

describe("generated documentation", () => {
  it("generateAll - should find every generated block in the spec identical to what the code draws now (run npm run docs:generate)", () => {
    const stale = generateAll(root, read)
    expect([...stale.keys()]).toEqual([])
  })

  it("regenerate - should redraw a block whose transitions table no longer matches the code", () => {
    const fresh = block("transitions Merchant payment")
    const drifted = fresh.replace("Authorized", "Captured")
    expect(drifted).not.toBe(fresh)
    expect(regenerate(drifted)).toBe(fresh)
    expect(render("transitions Merchant payment").split("\n").filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(
      Merchant.transitions.filter((t) => t.entity === "payment").length
    )
  })

  it("render - should refuse a block naming a machine or entity that does not exist", () => {
    expect(() => render("transitions Bank payment")).toThrow(/unknown machine Bank/)
    expect(() => render("transitions Merchant refund")).toThrow(/no entity refund/)
  })

  it("render - should refuse a kind it does not know", () => {
    expect(() => render("refunds Merchant")).toThrow(/unknown kind/)
  })

  it("DOCUMENTS - should each hold at least one generated block", () => {
    for (const document of DOCUMENTS) expect(read(`${root}/${document}`)).toContain("<!-- BEGIN GENERATED:")
  })
})

describe("message reference", () => {
  it("render - should refuse a messages block naming a hop that does not exist", () => {
    expect(() => render("messages browser-gateway")).toThrow(/unknown hop browser-gateway/)
    expect(() => render("messages")).toThrow(/unknown kind/)
  })

  it("generateAll - should report the reference page stale when a message's bounds changed without regenerating", () => {
    const page = join(root, "spec/08-message-reference.md")
    const committed = read(page)
    const quantity = `| \`lines[].quantity\` | integer | 1 to ${MAX_QUANTITY} |`
    expect(committed).toContain(quantity)
    const stale = generateAll(root, (path) => (path === page ? committed.replace(quantity, "| `lines[].quantity` | integer | 1 to 100 |") : read(path)))
    expect([...stale.keys()]).toEqual([page])
    expect(stale.get(page)).toBe(committed)
  })

  it("regenerate - should redraw a drifted messages block", () => {
    const fresh = block("messages merchant-gateway")
    const drifted = fresh.replace("`merchant`", "`gateway`")
    expect(drifted).not.toBe(fresh)
    expect(regenerate(drifted)).toBe(fresh)
  })

  it("fieldRows - should read every bound from the schema's checks, so a changed bound changes the row", () => {
    const probe = (maximum: number) =>
      class Probe extends Schema.TaggedClass<Probe>()("Probe", {
        count: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum }))),
        note: Schema.String.pipe(Schema.check(Schema.isMinLength(2), Schema.isMaxLength(maximum), Schema.isPattern(/^[a-z]+$/))),
        items: Schema.Array(Schema.String).pipe(Schema.check(Schema.isMaxLength(maximum))),
        maybe: Schema.NullOr(Schema.Literals(["yes", "no"]))
      }) {}
    expect(fieldRows(probe(7))).toEqual([
      { path: "_tag", type: '`"Probe"`', bounds: "exactly `Probe`" },
      { path: "count", type: "integer", bounds: "1 to 7" },
      { path: "note", type: "string", bounds: "2 to 7 UTF-16 code units; matches `/^[a-z]+$/`" },
      { path: "items", type: "array of string", bounds: "at most 7 entries" },
      { path: "items[]", type: "string", bounds: "any" },
      { path: "maybe", type: '`"yes"` or `"no"` or `null`', bounds: "one of `yes`, `no`" }
    ])
    expect(fieldRows(probe(8)).map((r) => r.bounds)).not.toEqual(fieldRows(probe(7)).map((r) => r.bounds))
  })

  it("fieldRows - should give the real bounds of the messages, nested fields flattened", () => {
    const createOrder = MESSAGES.find((m) => tagOf(m) === "CreateOrder")
    expect(createOrder).toBeDefined()
    if (createOrder === undefined) return
    expect(fieldRows(createOrder)).toContainEqual({ path: "lines", type: "array of `OrderLine`", bounds: `1 to ${MAX_ORDER_LINES} entries` })
    expect(fieldRows(createOrder)).toContainEqual({ path: "lines[].quantity", type: "integer", bounds: `1 to ${MAX_QUANTITY}` })
  })

  it("MESSAGES - should list every signed message type, each once", () => {
    const tags = MESSAGES.map(tagOf)
    expect(new Set(tags).size).toBe(tags.length)
    for (const tag of Object.keys(SIGNER_ROLES)) expect(tags).toContain(tag)
  })

  it("receiversOf - should read the receivers of every signed message from the codecs the parties open packets with", () => {
    for (const party of Object.keys(ACCEPTS)) expect(sourceOf(party as PartyKind), party).toMatch(/openPacket\(Accepts, /)
    for (const tag of Object.keys(SIGNER_ROLES)) expect(receiversOf(tag).length, tag).toBeGreaterThan(0)
    expect(receiversOf("SettlementInstruction")).toEqual(["Gateway", "Issuer"])
    expect(receiversOf("SettlementConfirmation")).toEqual(["ClearingHouse"])
    expect(receiversOf("CapturePayment")).toEqual(["Gateway"])
  })

  it("MESSAGE_FACTS - should restrict a rejection to one receiver only on a message with several", () => {
    for (const [tag, facts] of Object.entries(MESSAGE_FACTS)) {
      for (const c of facts.rejections as ReadonlyArray<RejectionCase>) {
        if (c.at !== undefined) expect(receiversOf(tag).length > 1 && receiversOf(tag).includes(c.at), `${tag}: ${c.rejection} at ${c.at}`).toBe(true)
      }
    }
  })

  it("MESSAGE_FACTS - should list only rejections each receiver's source constructs, with the same field or kind", () => {
    for (const party of PARTIES) {
      const constructed = constructedIn(sourceOf(party))
      for (const listed of listedFor(party)) {
        const same = constructed.filter((c) => c.rejection === listed.rejection)
        expect(same.length, `${party} never constructs ${listed.rejection}`).toBeGreaterThan(0)
        for (const q of listed.qualifiers ?? []) {
          const found = same.some((c) => (c.qualifier !== undefined && admits(c.qualifier, q)) || (c.qualifier === "*" && sourceOf(party).includes(`"${q}"`)))
          expect(found, `${party} never constructs ${listed.rejection} with ${q}`).toBe(true)
        }
      }
    }
  })

  it("MESSAGE_FACTS - should list every rejection each party's source constructs", () => {
    for (const party of PARTIES) {
      const listed = listedFor(party)
      for (const c of constructedIn(sourceOf(party))) {
        const found = listed.some(
          (l) =>
            l.rejection === c.rejection &&
            (c.qualifier === undefined ||
              (c.qualifier === "*" ? (l.qualifiers?.length ?? 0) > 0 : (l.qualifiers ?? []).some((q) => admits(c.qualifier ?? "", q))))
        )
        expect(found, `${party} constructs ${c.rejection}${c.qualifier === undefined ? "" : ` (${c.qualifier})`}, which docs/MessageFacts.ts does not list`).toBe(true)
      }
    }
  })

  it("constructedIn - should find literal, computed and implicit rejections and nothing else", () => {
    const source = [
      'if (a) return yield* new Mismatch({ id: body.id, field: "amount" })',
      "return Effect.fail(new Mismatch({ id: challenge.id, field }))",
      "if (item[side] !== me) return yield* new Mismatch({ id: item.id, field: side })",
      "yield* requireUnexpired(challenge, now_ms)",
      'return yield* new OutOfOrder({ entity: `payment ${body.id}`, state: "Paid", input: "PayNow" })',
      "return new UnknownReference({ kind: `cleared ${item.kind}`, id: item.id })",
      "const r = new RequestRefused({ requestId, reason })"
    ].join("\n")
    expect(constructedIn(source)).toEqual([
      { rejection: "Mismatch", qualifier: "amount" },
      { rejection: "Mismatch", qualifier: "*" },
      { rejection: "Mismatch", qualifier: "*" },
      { rejection: "OutOfOrder", qualifier: undefined },
      { rejection: "UnknownReference", qualifier: "cleared ${item.kind}" },
      { rejection: "Expired", qualifier: undefined }
    ])
  })

  it("admits - should match a literal exactly and a template on its fixed parts", () => {
    expect(admits("amount", "amount")).toBe(true)
    expect(admits("amount", "amounts")).toBe(false)
    expect(admits("cleared ${item.kind}", "cleared capture")).toBe(true)
    expect(admits("cleared ${item.kind}", "submitted capture")).toBe(false)
  })

  it("sourceFilesOf - should take in the modules a party imports values from, and no other party", () => {
    expect(sourceFilesOf("Gateway")).toEqual(expect.arrayContaining(["parties/Gateway.ts", "parties/GatewayOperations.ts", "parties/GatewayClearing.ts", "settlement/Instruction.ts"]))
    expect(sourceFilesOf("Issuer")).toEqual(expect.arrayContaining(["parties/Issuer.ts", "parties/IssuerOperations.ts", "settlement/Instruction.ts"]))
    expect(sourceFilesOf("Merchant")).toEqual(expect.arrayContaining(["parties/Merchant.ts", "parties/MerchantOperations.ts"]))
    for (const party of PARTIES) for (const other of PARTIES.filter((p) => p !== party)) expect(sourceFilesOf(party), party).not.toContain(`parties/${other}.ts`)
  })
})

describe("security guide", () => {
  it("BUG_EVIDENCE - should describe exactly the catalogued bugs", () => {
    expect(Object.keys(BUG_EVIDENCE).sort()).toEqual(BUGS.map((b) => b.name).sort())
  })

  it("HARNESS_CHECKS - should be the checks the harness makes, and every bug caught by one of them", () => {
    const harnessWorld = read(`${root}/src/harness/World.ts`)
    expect([...HARNESS_CHECKS].sort()).toEqual([...Object.keys(Invariants.safety), ...Object.keys(Invariants.atQuiescence), "canary", "storable", "retention", "declaredTransitions", "totality", "deadlines", "operations"].sort())
    expect(harnessWorld).toContain('new InvariantViolation("declaredTransitions"')
    expect(harnessWorld).toContain('new InvariantViolation("totality"')
    expect(harnessWorld).toContain('new InvariantViolation("deadlines"')
    expect(harnessWorld).toContain('new InvariantViolation("operations"')
    expect(read(`${root}/src/harness/Canary.ts`)).toContain('new InvariantViolation("canary"')
    expect(read(`${root}/src/harness/Storable.ts`)).toContain('new InvariantViolation("storable"')
    for (const [bug, evidence] of Object.entries(BUG_EVIDENCE)) {
      expect(evidence.caughtBy.length, bug).toBeGreaterThan(0)
      for (const check of evidence.caughtBy) expect(HARNESS_CHECKS, bug).toContain(check)
    }
  })
})

describe("symbolic proof", () => {
  it("GUARANTEES - should name only queries of the models, checks of the harness and catalogued bugs, and every query once", () => {
    const queries = MODELS.flatMap(({ name }) => queriesOf(name, filesOf(name).get(`${name}.pv`) ?? "").map((q) => `${name}/${q.name}`))
    const named = GUARANTEES.flatMap((g) => g.queries.map((q) => `${q.model}/${q.query}`))
    expect(named.sort()).toEqual([...queries].sort())
    const bugs = BUGS.map((b) => b.name)
    for (const g of GUARANTEES) {
      for (const check of g.checks) expect(HARNESS_CHECKS, g.guarantee).toContain(check)
      for (const bug of g.bugs) expect(bugs, g.guarantee).toContain(bug)
    }
  })

  it("GUARANTEES - should list, under the guarantee of each query, the seeded bug of every variant of that query, and a check that caught each of its bugs", () => {
    for (const variant of VARIANTS) {
      if (variant.seededBug === null) continue
      const guarantee = GUARANTEES.find((g) => g.queries.some((q) => q.model === variant.model && q.query === variant.query))
      expect(guarantee?.bugs, `${variant.model}/${variant.name}`).toContain(variant.seededBug)
    }
    for (const g of GUARANTEES) {
      for (const bug of g.bugs) expect(BUG_EVIDENCE[bug]?.caughtBy.some((check) => (g.checks as ReadonlyArray<string>).includes(check)), `${g.guarantee}: ${bug}`).toBe(true)
    }
  })
})

describe("documentation site", () => {
  const typedoc = JSON.parse(read(`${root}/typedoc.json`)) as { readonly projectDocuments: ReadonlyArray<string> }
  const frontMatter = (path: string): { readonly title: string | undefined; readonly children: ReadonlyArray<string> } => {
    const head = /^---\n([\s\S]*?)\n---\n/.exec(read(path))?.[1] ?? ""
    return {
      title: /^title: (.*)$/m.exec(head)?.[1],
      children: [...head.matchAll(/^ {2}- (.*)$/gm)].flatMap(([, child]) => (child === undefined ? [] : [child]))
    }
  }

  it("projectDocuments - should put the guides in the order a newcomer reads them", () => {
    expect(typedoc.projectDocuments.map((page) => frontMatter(`${root}/${page}`).title)).toEqual([
      "Overview",
      "The story",
      "Parties and keys",
      "Messages",
      "State machines",
      "Money and settlement",
      "Security",
      "Embedding",
      "Testing and replay"
    ])
  })

  it("projectDocuments - should reach every spec page and every guide", () => {
    const reached = new Set<string>()
    const visit = (path: string): void => {
      const normalized = new URL(path, "file:///").pathname
      if (reached.has(normalized)) return
      reached.add(normalized)
      const dir = normalized.slice(0, normalized.lastIndexOf("/") + 1)
      for (const child of frontMatter(`${root}${normalized}`).children) visit(new URL(child, `file://${dir}`).pathname)
    }
    for (const page of typedoc.projectDocuments) visit(`/${page}`)
    const expected = [
      "/spec/README.md",
      ...[
        "01-parties-and-keys",
        "02-messages",
        "03-signing",
        "04-state-machines",
        "05-rejections",
        "06-money",
        "07-scenarios",
        "08-message-reference",
        "09-clearing-and-settlement"
      ].map((p) => `/spec/${p}.md`),
      ...["overview", "story", "questions", "parties", "messages", "machines", "money", "security", "embedding", "testing", "mutation"].map((p) => `/docs/guides/${p}.md`)
    ]
    expect([...reached].sort()).toEqual(expected.sort())
  })
})

describe("Markdown links", () => {
  /** The pages whose links must resolve, relative to the repository root. */
  const PAGES: ReadonlyArray<string> = [
    "README.md",
    ...readdirSync(join(root, "docs/guides")).map((name) => `docs/guides/${name}`),
    ...readdirSync(join(root, "spec")).map((name) => `spec/${name}`)
  ].filter((page) => page.endsWith(".md"))

  /** A page's text without its fenced code blocks, where `#` starts no heading and brackets make no link. */
  const unfenced = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, "")

  /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
  const anchorsOf = (text: string): ReadonlySet<string> => {
    const anchors = new Set<string>()
    for (const [, heading] of unfenced(text).matchAll(/^#{1,6} (.*)$/gm)) {
      const slug = (heading ?? "")
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
        .replace(/ /g, "-")
      let anchor = slug
      for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`
      anchors.add(anchor)
    }
    return anchors
  }

  /** The targets of a page's inline links that name no scheme: files relative to the page, or `#anchor`s. */
  const relativeLinks = (text: string): ReadonlyArray<string> =>
    [...unfenced(text).replace(/`[^`\n]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)].flatMap(([, target]) => (target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target) ? [] : [target]))

  it("PAGES - should link only to files that exist and, with an anchor, to a heading in them", () => {
    const broken: Array<string> = []
    for (const page of PAGES) {
      for (const link of relativeLinks(read(join(root, page)))) {
        const [path = "", anchor] = link.split("#")
        const target = path === "" ? page : join(dirname(page), path)
        if (!existsSync(join(root, target))) broken.push(`${page}: ${link} (no file ${target})`)
        else if (anchor !== undefined && target.endsWith(".md") && !anchorsOf(read(join(root, target))).has(anchor)) broken.push(`${page}: ${link} (no heading)`)
      }
    }
    expect(broken).toEqual([])
  })

  it("relativeLinks - should find the inline links outside code, and no URLs", () => {
    expect(relativeLinks("[a](./a.md) [b](../b.md#x) [c](#y) [d](https://example.com) `[e](e.md)`\n```\n[f](f.md)\n```")).toEqual([
      "./a.md",
      "../b.md#x",
      "#y"
    ])
  })

  it("anchorsOf - should slug headings as GitHub does", () => {
    expect([...anchorsOf("# 3.4 Opening an envelope\n## `PayNow` & [links](x.md)\n```\n# not a heading\n```\n## Twice\n## Twice")]).toEqual([
      "34-opening-an-envelope",
      "paynow--links",
      "twice",
      "twice-1"
    ])
  })
})
