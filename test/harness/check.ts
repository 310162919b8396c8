/**
 * `npm run check -- --runs N --seed S [--backend node|tweetnacl] [--json] [--max-commands M]
 * [--path P --replay-path R] [--bug NAME]`: an adversarial campaign of any size against the real
 * core, or against a copy with one seeded bug of `test/bugs/catalog.ts` planted (to replay what
 * `npm run bugs` found).
 * Prints runs, steps, faults by kind, invariant checks, violations, wall time and steps per
 * second; with `--json`, the same as one JSON object. Exits 1 on a violation, after printing the
 * replayable report.
 */
import * as Core from "../../src/index.js"
import { bugNamed } from "../bugs/catalog.js"
import { loadMutant } from "../bugs/Mutant.js"
import { campaign } from "./Campaign.js"
import { parseCli, progressBar } from "./cli.js"

const options = parseCli({ runs: 1_000 })
const bug = options.bug === undefined ? undefined : bugNamed(options.bug)
const summary = campaign(
  {
    core: bug === undefined ? Core : await loadMutant(bug),
    crypto: options.crypto,
    maxCommands: options.maxCommands,
    ...(options.replayPath === undefined ? {} : { replayPath: options.replayPath }),
    ...(bug === undefined ? {} : { bug: bug.name })
  },
  {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path === undefined ? {} : { path: options.path }),
    onProgress: progressBar(`check (${options.backend})`, options.runs)
  }
)

const faults = Object.fromEntries(Object.entries(summary.exercised).map(([kind, e]) => [kind, e.times]))
if (options.json) {
  console.log(
    JSON.stringify({
      runs: summary.runs,
      steps: summary.steps,
      commands: summary.commands,
      meanCommands: summary.meanCommands,
      maxCommands: summary.maxCommands,
      faults,
      invariants: summary.invariants,
      violations: summary.violations,
      seed: summary.seed,
      backend: options.backend,
      wall_ms: Math.round(summary.wall_ms),
      stepsPerSecond: Math.round(summary.stepsPerSecond),
      report: summary.report
    })
  )
} else {
  console.log(`runs:              ${summary.runs} (seed ${summary.seed}, backend ${options.backend})`)
  console.log(`commands:          ${summary.commands} (mean ${summary.meanCommands.toFixed(1)} per run, max ${summary.maxCommands})`)
  console.log(`party steps:       ${summary.steps}`)
  console.log(`exercised (times, runs):`)
  for (const [kind, e] of Object.entries(summary.exercised).sort()) console.log(`  ${kind.padEnd(24)} ${String(e.times).padStart(9)} ${String(e.runs).padStart(7)}`)
  console.log(`invariant checks:`)
  for (const [name, n] of Object.entries(summary.invariants)) console.log(`  ${name.padEnd(24)} ${String(n).padStart(9)}`)
  console.log(`violations:        ${summary.violations}`)
  console.log(`wall time:         ${(summary.wall_ms / 1000).toFixed(1)} s`)
  console.log(`steps per second:  ${Math.round(summary.stepsPerSecond)}`)
  if (summary.report !== null) console.log(`\n${summary.report}`)
}
if (summary.violations > 0) process.exitCode = 1
