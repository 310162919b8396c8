/**
 * Command-line options shared by the campaign (`npm run check`) and bug (`npm run bugs`)
 * commands, and a progress bar on standard error.
 */
import { parseArgs } from "node:util"
import type { Layer } from "effect"
import type { Ed25519 } from "../../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../../src/crypto/TweetnaclEd25519.js"

/** The default harness budget: runs per campaign and commands per run, as `npm test` uses them. */
export const DEFAULT_BUDGET = { numRuns: 400, maxCommands: 300 } as const

/** Parsed options. */
export interface CliOptions {
  readonly runs: number
  readonly seed: number
  readonly backend: "node" | "tweetnacl"
  readonly crypto: Layer.Layer<Ed25519>
  readonly json: boolean
  readonly maxCommands: number
  readonly path: string | undefined
  readonly replayPath: string | undefined
  /** A seeded bug of `test/bugs/catalog.ts` to plant in a copy of the core, to replay its failure. */
  readonly bug: string | undefined
  readonly seeds: number
}

/** Parses `process.argv`; throws a clear error on a bad value. */
export const parseCli = (defaults: { readonly runs: number; readonly seeds?: number }): CliOptions => {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      seed: { type: "string" },
      seeds: { type: "string" },
      backend: { type: "string" },
      json: { type: "boolean" },
      "max-commands": { type: "string" },
      path: { type: "string" },
      "replay-path": { type: "string" },
      bug: { type: "string" }
    }
  })
  const int = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isSafeInteger(n)) throw new Error(`--${name} expects an integer, got ${JSON.stringify(raw)}`)
    return n
  }
  const backend = values.backend ?? "node"
  if (backend !== "node" && backend !== "tweetnacl") throw new Error(`--backend expects node or tweetnacl, got ${JSON.stringify(backend)}`)
  return {
    runs: int("runs", values.runs, defaults.runs),
    seed: int("seed", values.seed, 20_261_124),
    seeds: int("seeds", values.seeds, defaults.seeds ?? 1),
    backend,
    crypto: backend === "node" ? NodeEd25519 : TweetnaclEd25519,
    json: values.json === true,
    maxCommands: int("max-commands", values["max-commands"], DEFAULT_BUDGET.maxCommands),
    path: values.path,
    replayPath: values["replay-path"],
    bug: values.bug
  }
}

/** A progress bar on standard error: redrawn in place on a terminal, a line per tenth otherwise. */
export const progressBar = (label: string, total: number): ((done: number) => void) => {
  let lastTenth = -1
  return (done) => {
    const fraction = total === 0 ? 1 : done / total
    if (process.stderr.isTTY) {
      const width = 30
      const filled = Math.round(fraction * width)
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`)
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10)
      process.stderr.write(`${label}: ${done}/${total}\n`)
    }
  }
}
