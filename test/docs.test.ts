import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { DOCUMENTS, generateAll, regenerate, render } from "../docs/Generated.js"
import * as Merchant from "../src/parties/Merchant.js"

const root = fileURLToPath(new URL("..", import.meta.url))

describe("generated documentation", () => {
  it("generateAll - should find every generated block in the spec identical to what the code draws now (run npm run docs:generate)", () => {
    const stale = generateAll(root, (path) => readFileSync(path, "utf8"))
    expect([...stale.keys()]).toEqual([])
  })

  it("regenerate - should redraw a block whose transitions table no longer matches the code", () => {
    const fresh = `<!-- BEGIN GENERATED: transitions Merchant payment -->\n${render("transitions Merchant payment")}\n<!-- END GENERATED -->`
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

  it("DOCUMENTS - should each hold at least one generated block", () => {
    for (const document of DOCUMENTS) expect(readFileSync(`${root}/${document}`, "utf8")).toContain("<!-- BEGIN GENERATED:")
  })
})
