import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { BUG_EVIDENCE, HARNESS_CHECKS } from "../docs/Bugs.js"
import { DOCUMENTS, generateAll, regenerate, render } from "../docs/Generated.js"
import { ACTION_ONLY_REJECTIONS, MESSAGE_FACTS, type PartyKind, type RejectionCase } from "../docs/MessageFacts.js"
import { fieldRows, MESSAGES, tagOf } from "../docs/MessageReference.js"
import * as Invariants from "../model/Invariants.js"
import * as RejectionModule from "../src/domain/Rejection.js"
import { MAX_ORDER_LINES, MAX_QUANTITY } from "../src/messages/BrowserMerchant.js"
import { SIGNER_ROLES } from "../src/messages/Signed.js"
import * as Merchant from "../src/parties/Merchant.js"
import { BUGS } from "./bugs/catalog.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const read = (path: string): string => readFileSync(path, "utf8")
const block = (header: string): string => `<!-- BEGIN GENERATED: ${header} -->\n${render(header)}\n<!-- END GENERATED -->`

const PARTIES: ReadonlyArray<PartyKind> = ["Browser", "Merchant", "Gateway", "Issuer", "Phone"]
const sourceOf = (party: PartyKind): string => read(`${root}/src/parties/${party}.ts`)

/** The rejection tags, from the `Rejection` union: each member is exported under its tag. */
const REJECTION_TAGS: ReadonlySet<string> = new Set(
  Object.entries(RejectionModule).flatMap(([name, value]) => ((RejectionModule.Rejection.members as ReadonlyArray<unknown>).includes(value) ? [name] : []))
)

/** A rejection a party's source constructs: its tag, and the literal `field` or `kind` it names, `*` when computed. */
interface Constructed {
  readonly rejection: string
  readonly qualifier: string | undefined
}

/** Every rejection constructed in a source: `new Tag({ ... })`, and `Expired` through `requireUnexpired(`. */
const constructedIn = (source: string): ReadonlyArray<Constructed> => [
  ...[...source.matchAll(/new ([A-Z][A-Za-z]+)\(\{([^\n]*)/g)].flatMap(([, tag, rest]) => {
    if (tag === undefined || !REJECTION_TAGS.has(tag)) return []
    const literal = /\b(?:field|kind): "([^"]+)"/.exec(rest ?? "")?.[1]
    const computed = /\b(?:field|kind)\b(?!:)/.test(rest ?? "")
    return [{ rejection: tag, qualifier: literal ?? (computed ? "*" : undefined) }]
  }),
  ...[...source.matchAll(/requireUnexpired\(/g)].map(() => ({ rejection: "Expired", qualifier: undefined }))
]

/** What the facts list for a party: the rejections of every message it receives, and of its people's actions. */
const listedFor = (party: PartyKind): ReadonlyArray<RejectionCase> => [
  ...Object.values(MESSAGE_FACTS).flatMap((facts) => (facts.receiver === party ? facts.rejections : [])),
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

  it("MESSAGE_FACTS - should name as receiver of each signed message the one party whose codec accepts it", () => {
    const accepts = (party: PartyKind): ReadonlySet<string> =>
      new Set([...sourceOf(party).matchAll(/codecOf\(([^\n]*)\)/g)].flatMap(([, args]) => [...(args ?? "").matchAll(/\b[A-Z][A-Za-z]+\b/g)].map(([word]) => word)))
    for (const tag of Object.keys(SIGNER_ROLES)) {
      const receivers = PARTIES.filter((party) => accepts(party).has(tag))
      expect(receivers, tag).toEqual([MESSAGE_FACTS[tag as keyof typeof MESSAGE_FACTS].receiver])
    }
  })

  it("MESSAGE_FACTS - should list only rejections each receiver's source constructs, with the same field or kind", () => {
    for (const party of PARTIES) {
      const constructed = constructedIn(sourceOf(party))
      for (const listed of listedFor(party)) {
        const same = constructed.filter((c) => c.rejection === listed.rejection)
        expect(same.length, `${party} never constructs ${listed.rejection}`).toBeGreaterThan(0)
        for (const q of listed.qualifiers ?? []) {
          const found = same.some((c) => c.qualifier === q || (c.qualifier === "*" && sourceOf(party).includes(`"${q}"`)))
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
            (c.qualifier === undefined || (c.qualifier === "*" ? (l.qualifiers?.length ?? 0) > 0 : (l.qualifiers ?? []).includes(c.qualifier)))
        )
        expect(found, `${party} constructs ${c.rejection}${c.qualifier === undefined ? "" : ` (${c.qualifier})`}, which docs/MessageFacts.ts does not list`).toBe(true)
      }
    }
  })

  it("constructedIn - should find literal, computed and implicit rejections and nothing else", () => {
    const source = [
      'if (a) return yield* new Mismatch({ id: body.id, field: "amount" })',
      "return Effect.fail(new Mismatch({ id: challenge.id, field }))",
      "yield* requireUnexpired(challenge, now_ms)",
      'return yield* new OutOfOrder({ entity: `payment ${body.id}`, state: "Paid", input: "PayNow" })',
      "const r = new RequestRefused({ requestId, reason })"
    ].join("\n")
    expect(constructedIn(source)).toEqual([
      { rejection: "Mismatch", qualifier: "amount" },
      { rejection: "Mismatch", qualifier: "*" },
      { rejection: "OutOfOrder", qualifier: undefined },
      { rejection: "Expired", qualifier: undefined }
    ])
  })
})

describe("security guide", () => {
  it("BUG_EVIDENCE - should describe exactly the catalogued bugs", () => {
    expect(Object.keys(BUG_EVIDENCE).sort()).toEqual(BUGS.map((b) => b.name).sort())
  })

  it("HARNESS_CHECKS - should be the checks the harness makes, and every bug caught by one of them", () => {
    const harnessWorld = read(`${root}/test/harness/World.ts`)
    expect([...HARNESS_CHECKS].sort()).toEqual([...Object.keys(Invariants.safety), ...Object.keys(Invariants.atQuiescence), "declaredTransitions"].sort())
    expect(harnessWorld).toContain('new InvariantViolation("declaredTransitions"')
    for (const [bug, evidence] of Object.entries(BUG_EVIDENCE)) {
      expect(evidence.caughtBy.length, bug).toBeGreaterThan(0)
      for (const check of evidence.caughtBy) expect(HARNESS_CHECKS, bug).toContain(check)
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
      ...["01-parties-and-keys", "02-messages", "03-signing", "04-state-machines", "05-rejections", "06-money", "07-scenarios", "08-message-reference"].map((p) => `/spec/${p}.md`),
      ...["overview", "story", "questions", "parties", "messages", "machines", "money", "security", "embedding", "testing"].map((p) => `/docs/guides/${p}.md`)
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
