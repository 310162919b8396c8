/**
 * `npm run bugs [-- --json] [--seeds N] [--only NAME]`: plants each seeded bug in a copy of the
 * core and runs the harness at its default budget with seeds 1..N (20 by default). Prints, per
 * bug, how many seeds caught it, the median number of runs until the first failure, and the
 * longest shrunk counterexample (commands). Exits 1 if any bug escapes on any seed or shrinks to
 * more than the allowed length. Without `--only`, each bug runs in its own process, as many at
 * once as the machine has cores.
 */
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { campaign } from "../harness/Campaign.js"
import { DEFAULT_BUDGET } from "../harness/cli.js"
import { BUGS, bugNamed } from "./catalog.js"
import { loadMutant } from "./Mutant.js"
import { spawn } from "node:child_process"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** The longest a shrunk counterexample may be. */
export const MAX_SHRUNK_COMMANDS = 10

const { values } = parseArgs({ options: { json: { type: "boolean" }, seeds: { type: "string" }, only: { type: "string" }, row: { type: "boolean" } } })
const seeds = Number(values.seeds ?? 20)
const selected = values.only === undefined ? BUGS : [bugNamed(values.only)]

interface Row {
  readonly bug: string
  readonly caught: number
  readonly seeds: number
  readonly medianRuns: number | null
  readonly shrunkSteps: number | null
  /** The invariants that caught it, over all seeds. */
  readonly caughtBy: ReadonlyArray<string>
  readonly wall_s: number
  readonly example: string | null
}

const median = (xs: ReadonlyArray<number>): number | null => {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null
}

/** Runs one bug in this process. */
const runBug = async (bug: (typeof BUGS)[number]): Promise<Row> => {
  const core = await loadMutant(bug)
  const started = performance.now()
  const runsToCatch: Array<number> = []
  const shrunk: Array<number> = []
  let example: string | null = null
  const caughtBy = new Set<string>()
  for (let seed = 1; seed <= seeds; seed++) {
    const summary = campaign({ core, crypto: NodeEd25519, maxCommands: DEFAULT_BUDGET.maxCommands, bug: bug.name }, { numRuns: DEFAULT_BUDGET.numRuns, seed })
    // Caught means an invariant caught it: a mutant that makes the harness crash proves nothing.
    if (summary.failedAtRun !== null && summary.broken !== null && summary.broken !== "crash") {
      runsToCatch.push(summary.failedAtRun)
      caughtBy.add(summary.broken)
    }
    // Keep the longest counterexample as the example: it is the one to look at when a bug shrinks badly.
    if (summary.shrunkCommands !== null && summary.report !== null && summary.shrunkCommands >= Math.max(0, ...shrunk)) example = summary.report
    if (summary.shrunkCommands !== null) shrunk.push(summary.shrunkCommands)
  }
  return {
    bug: bug.name,
    caught: runsToCatch.length,
    seeds,
    medianRuns: median(runsToCatch),
    shrunkSteps: shrunk.length === 0 ? null : Math.max(...shrunk),
    caughtBy: [...caughtBy].sort(),
    wall_s: Math.round((performance.now() - started) / 100) / 10,
    example
  }
}

/** Runs one bug in a child process and reads its row back. */
const runChild = (bug: (typeof BUGS)[number]): Promise<Row> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--only", bug.name, "--seeds", String(seeds), "--row"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(out) as Row)
      } catch {
        // A mutant that crashes the harness itself counts as not caught, with the crash as its example.
        resolve({ bug: bug.name, caught: 0, seeds, medianRuns: null, shrunkSteps: null, caughtBy: [], wall_s: 0, example: `the bug's process exited with ${code}:\n${err.slice(-3000)}` })
      }
    })
  })

const inParallel = async <T, R>(items: ReadonlyArray<T>, width: number, f: (item: T) => Promise<R>): Promise<Array<R>> => {
  const results: Array<R> = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      const item = items[i]
      if (item !== undefined) results[i] = await f(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return results
}

if (values.row) {
  // A child's job: one bug, its row as JSON on stdout.
  const [bug] = selected
  if (bug !== undefined) console.log(JSON.stringify(await runBug(bug)))
  process.exit(0)
}

const rows = await inParallel(selected, selected.length === 1 ? 1 : availableParallelism(), async (bug) => {
  const row = selected.length === 1 ? await runBug(bug) : await runChild(bug)
  if (!values.json) process.stderr.write(`${row.bug}: caught ${row.caught}/${row.seeds}, median runs ${row.medianRuns}, shrunk to ${row.shrunkSteps} (${row.wall_s} s)\n`)
  return row
})

if (values.json) {
  console.log(JSON.stringify(rows.map(({ bug, caught, seeds, medianRuns, shrunkSteps, caughtBy }) => ({ bug, caught, seeds, medianRuns, shrunkSteps, caughtBy }))))
} else {
  console.log("| bug | caught | median runs to catch | longest shrunk counterexample (commands) | caught by |")
  console.log("| --- | --- | --- | --- | --- |")
  for (const r of rows) console.log(`| ${r.bug} | ${r.caught}/${r.seeds} | ${r.medianRuns ?? "-"} | ${r.shrunkSteps ?? "-"} | ${r.caughtBy.join(", ")} |`)
}
const boundOf = (bug: string): number => bugNamed(bug).maxShrunk ?? MAX_SHRUNK_COMMANDS
const failed = rows.filter((r) => r.caught < r.seeds || (r.shrunkSteps ?? Infinity) > boundOf(r.bug))
if (failed.length > 0) {
  process.stderr.write(`\nNot caught on every seed, or shrunk beyond its bound: ${failed.map((r) => `${r.bug} (at most ${boundOf(r.bug)} commands)`).join(", ")}\n`)
  for (const r of failed) if (r.example !== null) process.stderr.write(`\n--- ${r.bug}\n${r.example.slice(0, 4000)}\n`)
  process.exitCode = 1
}
