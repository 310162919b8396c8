/**
 * Finding ProVerif, reading its verdicts, and the runner's table and exit codes, with a stand-in
 * `proverif` script; and, when a real ProVerif is on `PROVERIF` or `PATH`, the whole proof.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect, Exit } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { locate, verdictOf } from "../../src/prove/ProVerif.js"
import { EXIT, run, table, unexpected } from "../../src/prove/Prove.js"
import { VARIANTS } from "../../src/prove/Variants.js"
import { CLI } from "../support/cli.js"

const scratch = mkdtempSync(join(tmpdir(), "prove-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A stand-in `proverif` that proves every query it is given. */
const provesEverything = join(scratch, "proverif")
writeFileSync(provesEverything, '#!/bin/sh\necho "RESULT inj-event(A) ==> inj-event(B) is true."\n')
chmodSync(provesEverything, 0o755)

const realProVerif = Exit.isSuccess(Effect.runSyncExit(locate()))
const main = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  spawnSync(process.execPath, [...CLI, "prove", ...args], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", ...env } })

describe("verdictOf", () => {
  it("verdictOf - should read the first RESULT line and ignore the non-injective one in parentheses", () => {
    const attack = "RESULT inj-event(E(x)) ==> inj-event(F(x)) is false.\nRESULT (but event(E(x)) ==> event(F(x)) is true.)\n"
    expect(verdictOf(attack)).toBe("false")
    expect(verdictOf("Verification summary:\nRESULT event(E) ==> event(F) is true.\n")).toBe("true")
    expect(verdictOf("RESULT not attacker(s[]) cannot be proved.\n")).toBe("cannot be proved")
  })

  it("verdictOf - should give nothing for an output without a verdict", () => {
    expect(verdictOf('File "m.pv", line 3, characters 1-5:\nError: Syntax error.\n')).toBeUndefined()
  })
})

describe("locate", () => {
  it("locate - should take an explicit path first, then PROVERIF, then proverif on PATH", () => {
    const env = { PROVERIF: provesEverything, PATH: "/nonexistent" }
    expect(Effect.runSync(locate({ path: provesEverything, env: {} }))).toBe(provesEverything)
    expect(Effect.runSync(locate({ env }))).toBe(provesEverything)
    expect(Effect.runSync(locate({ env: { PATH: `/nonexistent:${scratch}` } }))).toBe(provesEverything)
  })

  it("locate - should fail with ProVerifNotFound, saying how to install it, when nothing is found", () => {
    const missing = Effect.runSync(Effect.flip(locate({ env: { PATH: "/nonexistent" } })))
    expect(missing._tag).toBe("ProVerifNotFound")
    expect(missing.message).toContain("opam install proverif")
    expect(Effect.runSync(Effect.flip(locate({ path: join(scratch, "absent"), env: {} }))).message).toContain("is not an executable file")
  })
})

describe("run", () => {
  it("run - should report every weakened variant that is proved as unexpected", () => {
    const report = Effect.runSync(run({ path: provesEverything }))
    expect(unexpected(report).map((r) => `${r.model}/${r.variant ?? ""}`)).toEqual(VARIANTS.filter((v) => v.expected === "false").map((v) => `${v.model}/${v.name}`))
    expect(table(report)).toMatch(/attack found {2}proved \(UNEXPECTED\)/)
  })

  it.skipIf(!realProVerif)("run - should prove every query and find the attack on every weakened variant, with the ProVerif on PROVERIF or PATH", () => {
    const report = Effect.runSync(run())
    expect(unexpected(report)).toEqual([])
  })
})

describe("checkout-protocol prove", () => {
  it("prove - should exit 3 with one line on how to install ProVerif when there is none", () => {
    // Only node's own directory on PATH: no proverif is there.
    const result = main([], { PATH: dirname(process.execPath) })
    expect(result.status).toBe(EXIT.notFound)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain("opam install proverif")
  })

  it("prove - should exit 1 on an unexpected result and 2 on a usage error", () => {
    expect(main(["--proverif", provesEverything], {}).status).toBe(EXIT.unexpected)
    expect(main(["--verbose"], {}).status).toBe(EXIT.usage)
  })
})

