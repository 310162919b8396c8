/**
 * The models and their variants without running ProVerif: every query block is found, a run keeps
 * only its query, every variant's edits find their text exactly once (so a change to a model that
 * would disarm a variant fails here), and every variant names a real query and a real seeded bug.
 */
import { readdirSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { describe, expect, it } from "vitest"
import { filesOf, MODEL_DIRECTORY, MODELS, onlyQuery, queriesOf } from "../../src/prove/Models.js"
import { plan } from "../../src/prove/Prove.js"
import { applyEdits, VARIANTS } from "../../src/prove/Variants.js"
import { BUGS } from "../../src/bugs/Catalog.js"

const modelText = (name: (typeof MODELS)[number]["name"]): string => filesOf(name).get(`${name}.pv`) ?? ""

describe("queriesOf", () => {
  it("queriesOf - should find the named queries of every model", () => {
    expect(Object.fromEntries(MODELS.map(({ name }) => [name, queriesOf(name, modelText(name)).map((q) => q.name)]))).toEqual({
      challenge: ["hold-approved", "hold-before-deadline"],
      authorization: ["challenge-requested", "request-asked", "paid-held", "hold-acquirer-requested"],
      operations: ["operation-asked"],
      settlement: ["settlement-instructed", "item-accepted"],
      signatures: ["no-cross-type"]
    })
  })

  it("queriesOf - should refuse a model with no query block", () => {
    expect(() => queriesOf("empty", "process 0\n")).toThrow(/no "\(\* QUERY/)
  })
})

describe("onlyQuery", () => {
  it("onlyQuery - should keep one query and the rest of the model", () => {
    const text = modelText("challenge")
    const kept = onlyQuery("challenge", text, "hold-before-deadline")
    expect(queriesOf("challenge", kept).map((q) => q.name)).toEqual(["hold-before-deadline"])
    expect(kept).toContain("restriction")
    expect(kept).toContain("process")
  })

  it("onlyQuery - should refuse a query the model does not have", () => {
    expect(() => onlyQuery("challenge", modelText("challenge"), "paid-held")).toThrow(/no query paid-held/)
  })
})

describe("applyEdits", () => {
  it("applyEdits - should apply every variant's edits, each exactly once, and change its model", () => {
    for (const variant of VARIANTS) {
      const files = filesOf(variant.model)
      const edited = applyEdits(variant, files)
      expect([...edited].some(([file, text]) => files.get(file) !== text)).toBe(true)
    }
  })

  it("applyEdits - should fail loudly when a text to replace is missing or occurs twice", () => {
    const files = filesOf("settlement")
    expect(() => applyEdits({ name: "missing", model: "settlement", edits: [{ file: "settlement.pv", find: "no such text", replace: "" }] }, files)).toThrow(
      /must occur exactly once, found none/
    )
    expect(() => applyEdits({ name: "twice", model: "settlement", edits: [{ file: "settlement.pv", find: "event", replace: "" }] }, files)).toThrow(
      /must occur exactly once, found several/
    )
  })
})

describe("VARIANTS", () => {
  it("VARIANTS - should each target a query of its model, and name a seeded bug of the catalog when it names one", () => {
    const bugs = new Set(BUGS.map((b) => b.name))
    for (const variant of VARIANTS) {
      expect(queriesOf(variant.model, modelText(variant.model)).map((q) => q.name)).toContain(variant.query)
      if (variant.seededBug !== null) expect(bugs).toContain(variant.seededBug)
    }
  })

  it("VARIANTS - should weaken every query of every model at least once", () => {
    for (const { name } of MODELS) {
      for (const query of queriesOf(name, modelText(name))) {
        expect(VARIANTS.some((v) => v.model === name && v.query === query.name && v.expected === "false")).toBe(true)
      }
    }
  })

  it("VARIANTS - should drop the issuer's merchant directory where the seeded bug issuer-trusts-gateway-payee drops it from the issuer", () => {
    const bug = BUGS.find((b) => b.name === "issuer-trusts-gateway-payee")
    const variants = VARIANTS.filter((v) => v.seededBug === "issuer-trusts-gateway-payee")
    expect(bug?.edits.map((e) => [e.file, e.find.includes("state.acquirers"), e.replace])).toEqual([["parties/Issuer.ts", true, ""]])
    expect(variants.map((v) => [v.model, v.query, v.expected])).toEqual([["authorization", "hold-acquirer-requested", "false"]])
    expect(variants[0]?.edits.map((e) => [e.file, e.find.includes("get acquirers("), e.replace])).toEqual([["authorization.pv", true, ""]])
  })

  it("VARIANTS - should have unique names within a model", () => {
    const keys = VARIANTS.map((v) => `${v.model}/${v.name}`)
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe("plan", () => {
  it("plan - should run each query of each model, then its variants", () => {
    const runs = plan()
    expect(runs).toHaveLength(queriesOfAll() + VARIANTS.length)
    expect(runs[0]).toMatchObject({ model: "challenge", query: "hold-approved", variant: null })
  })
})

const queriesOfAll = (): number => MODELS.reduce((n, { name }) => n + queriesOf(name, modelText(name)).length, 0)

describe("models' comments", () => {
  const sources = (dir: string): ReadonlyArray<string> =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []))
  const src = sources(join(MODEL_DIRECTORY, "..", "..", "src")).map((path) => ({ module: basename(path, ".ts"), text: readFileSync(path, "utf8") }))
  /** `Module.name` is a function or constant of module `Module`, or a field of an interface `Module`. */
  const exists = (module: string, name: string): boolean =>
    src.some(
      (file) =>
        (file.module === module && new RegExp(`\\b(?:const|function) ${name}\\b`).test(file.text)) ||
        new RegExp(`interface ${module}\\b[^{]*\\{[^}]*\\breadonly ${name}\\b`).test(file.text)
    )

  it("models - should name only code that exists, where a hand-written comment says which code a process mirrors", () => {
    const named = readdirSync(MODEL_DIRECTORY)
      .filter((f) => f.endsWith(".pv") || f === "crypto.pvl")
      .flatMap((f) => [...readFileSync(join(MODEL_DIRECTORY, f), "utf8").matchAll(/\b([A-Z][A-Za-z]+)\.([a-z][A-Za-z]+)\b/g)].flatMap(([, m, n]) => (n === "ts" ? [] : [`${m}.${n}`])))
    expect(named.length).toBeGreaterThan(15)
    expect([...new Set(named)].filter((ref) => !exists(ref.split(".")[0] ?? "", ref.split(".")[1] ?? ""))).toEqual([])
  })
})
