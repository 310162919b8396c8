/**
 * The pure core stays pure: no clock, no randomness, no timers, no process, no CommonJS and no I/O
 * modules anywhere under `src/` except the drivers, which are the only place allowed to loop, wait
 * or do I/O, and the symbolic proof's tools (`src/prove/`), which read the models and run ProVerif.
 * `node:crypto` is allowed in exactly one file, the fast Ed25519 backend layer.
 *
 * The scanner strips comments first (with the TypeScript printer), so documentation may talk
 * about `Date.now` freely, then matches each rule against the code that is left. String literals
 * are kept, so a module specifier is still seen.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

/** One forbidden construct. */
interface Rule {
  readonly name: string
  readonly pattern: RegExp
  /** Files (relative to the repository, with `/`) where the rule does not apply. */
  readonly allowedIn?: ReadonlyArray<string>
}

const ioModule = (name: string): RegExp => new RegExp(`(?:\\bfrom|\\bimport|\\brequire)\\s*\\(?\\s*["'](?:node:)?${name}(?:/[^"']*)?["']`)

const RULES: ReadonlyArray<Rule> = [
  { name: "Date.now", pattern: /\bDate\s*\.\s*now\b/ },
  { name: "new Date", pattern: /\bnew\s+Date\b/ },
  { name: "Date()", pattern: /(?<!new\s+)(?<![.\w$])Date\s*\(/ },
  { name: "Math.random", pattern: /\bMath\s*\.\s*random\b/ },
  { name: "performance.now", pattern: /\bperformance\s*\.\s*now\b/ },
  { name: "randomBytes", pattern: /\brandomBytes\b/ },
  { name: "getRandomValues", pattern: /\bgetRandomValues\b/ },
  { name: "setTimeout", pattern: /\bsetTimeout\b/ },
  { name: "setInterval", pattern: /\bsetInterval\b/ },
  { name: "setImmediate", pattern: /\bsetImmediate\b/ },
  { name: "process.", pattern: /(?<![.\w$])process\s*\./ },
  { name: "require(", pattern: /(?<![.\w$])require\s*\(/ },
  { name: "import of node:fs", pattern: ioModule("fs") },
  { name: "import of node:net", pattern: ioModule("net") },
  { name: "import of node:http", pattern: ioModule("https?") },
  { name: "import of node:crypto", pattern: ioModule("crypto"), allowedIn: ["src/crypto/NodeEd25519.ts"] }
]

/** A rule broken in a file. */
interface Finding {
  readonly file: string
  readonly rule: string
  readonly code: string
}

/** The source without comments, as the TypeScript printer writes it. */
const stripComments = (source: string, fileName = "source.ts"): string =>
  ts.createPrinter({ removeComments: true }).printFile(ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS))

/** Every rule `source` breaks, as file `file` (relative, with `/`). */
const scan = (source: string, file: string): ReadonlyArray<Finding> => {
  const code = stripComments(source, file)
  const lines = code.split("\n")
  const findings: Array<Finding> = []
  for (const rule of RULES) {
    if (rule.allowedIn?.includes(file) === true) continue
    for (const line of lines) {
      if (rule.pattern.test(line)) findings.push({ file, rule: rule.name, code: line.trim() })
    }
  }
  return findings
}

const ROOT = fileURLToPath(new URL("..", import.meta.url))

const tsFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return tsFiles(path)
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : []
  })

/** The folders of `src/` that run things rather than decide them: drivers, and the shipped tooling (harness, explorer, bug catalog, command line, demo). */
const NOT_CORE = ["src/drivers/", "src/harness/", "src/explore/", "src/bugs/", "src/cli/", "src/demo/", "src/prove/"]

const coreFiles = (): ReadonlyArray<string> =>
  tsFiles(join(ROOT, "src"))
    .map((path) => relative(ROOT, path).split(sep).join("/"))
    .filter((file) => !NOT_CORE.some((folder) => file.startsWith(folder)))
    .sort()

describe("purity", () => {
  describe("scan", () => {
    it("scan - should flag Date.now in code", () => {
      expect(scan("export const now = () => Date.now()\n", "src/x.ts")).toEqual([
        { file: "src/x.ts", rule: "Date.now", code: "export const now = () => Date.now();" }
      ])
    })

    it("scan - should flag each forbidden construct", () => {
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["const t = new Date(0)", "new Date"],
        ["const t = Date()", "Date()"],
        ["const r = Math.random()", "Math.random"],
        ["const r = Math . random()", "Math.random"],
        ["const t = performance.now()", "performance.now"],
        ["import { randomBytes } from 'x'", "randomBytes"],
        ["crypto.getRandomValues(buf)", "getRandomValues"],
        ["setTimeout(f, 1)", "setTimeout"],
        ["globalThis.setInterval(f, 1)", "setInterval"],
        ["setImmediate(f)", "setImmediate"],
        ["const home = process.env.HOME", "process."],
        ["const x = require('./x.js')", "require("],
        ['import * as fs from "node:fs"', "import of node:fs"],
        ['import { readFile } from "node:fs/promises"', "import of node:fs"],
        ['import { readFile } from "fs"', "import of node:fs"],
        ['import "node:net"', "import of node:net"],
        ['const http = await import("node:http")', "import of node:http"],
        ['export { request } from "node:https"', "import of node:http"],
        ['import { createHash } from "node:crypto"', "import of node:crypto"],
        ['import type { KeyObject } from "crypto"', "import of node:crypto"]
      ]
      for (const [source, rule] of cases) {
        expect({ source, rules: scan(source, "src/x.ts").map((f) => f.rule) }).toEqual({ source, rules: [rule] })
      }
    })

    it("scan - should ignore comments, including doc comments, that name forbidden constructs", () => {
      const source = [
        "/** Never calls Date.now or Math.random; see `node:crypto`. */",
        "// setTimeout(f, 1); process.exit(1)",
        "export const step = (now_ms: number) => /* not new Date() */ now_ms + 1"
      ].join("\n")
      expect(scan(source, "src/x.ts")).toEqual([])
    })

    it("scan - should not mistake look-alike names for forbidden constructs", () => {
      const source = [
        "const processed = 1",
        "const state = { process: 1 }",
        "const a = state.process",
        "const updated = toDate(1)",
        "const m = isValidDate(2)",
        'import { x } from "./crypto.js"',
        'import { y } from "node:buffer"'
      ].join("\n")
      expect(scan(source, "src/x.ts")).toEqual([])
    })

    it("scan - should allow node:crypto only in the fast backend layer", () => {
      const source = 'import * as crypto from "node:crypto"\nexport const n = crypto'
      expect(scan(source, "src/crypto/NodeEd25519.ts")).toEqual([])
      expect(scan(source, "src/crypto/TweetnaclEd25519.ts").map((f) => f.rule)).toEqual(["import of node:crypto"])
      expect(scan(`${source}\nexport const t = Date.now()`, "src/crypto/NodeEd25519.ts").map((f) => f.rule)).toEqual(["Date.now"])
    })
  })

  describe("src", () => {
    it("coreFiles - should list every file under src/ but the drivers and the tooling", () => {
      const files = coreFiles()
      for (const expected of ["src/crypto/Canonical.ts", "src/crypto/NodeEd25519.ts", "src/ledger/Ledger.ts", "src/parties/Issuer.ts"]) {
        expect(files).toContain(expected)
      }
      expect(files.filter((file) => NOT_CORE.some((folder) => file.startsWith(folder)))).toEqual([])
    })

    it("scan - should find no clock, randomness, timer, process, require or I/O module in any core file", () => {
      const findings = coreFiles().flatMap((file) => scan(readFileSync(join(ROOT, file), "utf8"), file))
      expect(findings).toEqual([])
    })
  })
})
