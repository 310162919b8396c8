/**
 * Finding and running the `proverif` binary (ProVerif 2.05, the typed pi-calculus front end) and
 * reading its verdict. The binary is looked for in this order: an explicit path, the `PROVERIF`
 * environment variable, then `proverif` on `PATH`. Nothing else is searched.
 *
 * @since 0.3.0
 */
import { spawnSync } from "node:child_process"
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { Effect, Schema } from "effect"
import type { Verdict } from "./Variants.js"

/**
 * No `proverif` binary was found: not at the explicit path, not at `PROVERIF`, not on `PATH`.
 *
 * @category errors
 * @since 0.3.0
 */
export class ProVerifNotFound extends Schema.TaggedError<ProVerifNotFound>()("ProVerifNotFound", { searched: Schema.String }) {
  override get message(): string {
    return `ProVerif not found (${this.searched}): install it with \`opam install proverif\`, or set PROVERIF to its path`
  }
}

/**
 * A ProVerif run that gave no verdict: the binary failed, timed out, or reported an error in the
 * model (a model or a variant that does not parse or type-check).
 *
 * @category errors
 * @since 0.3.0
 */
export class ProVerifFailed extends Schema.TaggedError<ProVerifFailed>()("ProVerifFailed", { run: Schema.String, detail: Schema.String }) {
  override get message(): string {
    return `ProVerif gave no verdict on ${this.run}: ${this.detail}`
  }
}

/**
 * Where to look for ProVerif: an explicit path first, then the environment's `PROVERIF` and `PATH`.
 *
 * @category models
 * @since 0.3.0
 */
export interface Locate {
  readonly path?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>>
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * The path of the `proverif` binary to run, or `ProVerifNotFound` naming what was searched. An
 * explicit path or `PROVERIF` that is not an executable file is not skipped: it fails.
 *
 * @category runner
 * @since 0.3.0
 */
export const locate = ({ path, env = process.env }: Locate = {}): Effect.Effect<string, ProVerifNotFound> => {
  const named = path ?? env["PROVERIF"]
  if (named !== undefined && named !== "") {
    return isExecutable(named) ? Effect.succeed(named) : Effect.fail(new ProVerifNotFound({ searched: `${path === undefined ? "PROVERIF=" : ""}${named} is not an executable file` }))
  }
  const directories = (env["PATH"] ?? "").split(delimiter).filter((d) => d !== "")
  const found = directories.map((d) => join(d, "proverif")).find(isExecutable)
  return found === undefined ? Effect.fail(new ProVerifNotFound({ searched: "no PROVERIF, and no proverif on PATH" })) : Effect.succeed(found)
}

/** The longest a single ProVerif run may take; every model here takes well under a second. */
const RUN_TIMEOUT_ms = 120_000

/**
 * ProVerif's verdict on the one query of its output: the first `RESULT` line (an injective query's
 * second line, in parentheses, says what the non-injective query would give, and is ignored).
 *
 * @category runner
 * @since 0.3.0
 */
export const verdictOf = (output: string): Verdict | undefined => {
  const line = output.split("\n").find((l) => l.startsWith("RESULT ") && !l.startsWith("RESULT ("))
  if (line === undefined) return undefined
  if (line.endsWith(" is true.")) return "true"
  if (line.endsWith(" is false.")) return "false"
  if (line.endsWith(" cannot be proved.")) return "cannot be proved"
  return undefined
}

/**
 * One ProVerif run: the verdict and how long the run took.
 *
 * @category models
 * @since 0.3.0
 */
export interface Outcome {
  readonly verdict: Verdict
  readonly seconds: number
}

/**
 * Runs `proverif` on a model's text (written to a temporary file, removed after) with one query
 * in it, and reads the verdict; `run` names the run in errors.
 *
 * @category runner
 * @since 0.3.0
 */
export const verify = (proverif: string, run: string, text: string): Effect.Effect<Outcome, ProVerifFailed> =>
  Effect.suspend(() => {
    const directory = mkdtempSync(join(tmpdir(), "checkout-proverif-"))
    try {
      const file = join(directory, `${run.replace(/[^A-Za-z0-9-]/g, "_")}.pv`)
      writeFileSync(file, text)
      const started = performance.now()
      const result = spawnSync(proverif, [file], { encoding: "utf8", timeout: RUN_TIMEOUT_ms, maxBuffer: 64 * 1024 * 1024 })
      const seconds = (performance.now() - started) / 1000
      if (result.error !== undefined) return Effect.fail(new ProVerifFailed({ run, detail: result.error.message }))
      const verdict = verdictOf(result.stdout)
      if (verdict === undefined) {
        const said = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => /error/i.test(l))
        return Effect.fail(new ProVerifFailed({ run, detail: said.length > 0 ? said.join(" ").slice(0, 500) : `no RESULT line (exit ${String(result.status)})` }))
      }
      return Effect.succeed({ verdict, seconds })
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
