/**
 * `checkout-protocol check`: an adversarial campaign of any size against the reference core, or
 * against a copy with one seeded bug planted (to replay what `bugs` found). The campaign's runs
 * are cut into blocks of seeds (see `Blocks.ts`); `--workers N` spreads them over worker threads
 * and `--shard i/n` runs the i-th of n disjoint seed ranges, whose JSON reports `merge` adds up.
 * Prints runs, steps, faults by kind, invariant checks, violations, wall time and steps per
 * second; with `--json`, one {@link CampaignReport}. Exits 1 on a violation, after printing the
 * replayable report.
 *
 * @since 0.3.0
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { blocksOf, parseShard, shardOf, combine, type Block, type Shard } from "../harness/Blocks.js"
import * as Reference from "../index.js"
import { DEFAULT_BUDGET } from "../harness/Campaign.js"
import { declaredCounters, untaken } from "../harness/Coverage.js"
import type { CampaignJob } from "../harness/Job.js"
import { runBlocksHere, runBlocksInWorkers } from "../harness/Parallel.js"
import type { CampaignReport } from "../harness/Summary.js"
import { backendFlag, countFlag, jsonFlag, knownBug, parsedFlag, progressBar } from "./Options.js"

/** The base seed when none is given. */
const DEFAULT_SEED = 20_261_124

const shardFlag = parsedFlag("shard", parseShard, "run only the i-th of n disjoint seed ranges, as i/n (merge the JSON reports with `merge`)")

const optionalText = (name: string, description: string) => Flag.String(name).pipe(Flag.optional, Flag.withDescription(description))

/** The flags of `check`. */
const flags = {
  runs: countFlag("runs", 1_000, 1, "generated runs"),
  seed: Flag.Int("seed").pipe(Flag.withDefault(DEFAULT_SEED), Flag.withDescription(`base seed: block k of the campaign runs with seed + k (default ${DEFAULT_SEED})`)),
  backend: backendFlag,
  json: jsonFlag,
  maxCommands: countFlag("max-commands", DEFAULT_BUDGET.maxCommands, 1, "most commands in a generated run"),
  workers: countFlag("workers", 1, 1, "worker threads to spread the blocks over"),
  shard: shardFlag,
  path: optionalText("path", "replay: the fast-check path a failure printed (runs the first block only)"),
  replayPath: optionalText("replay-path", "replay: the replayPath a failure printed"),
  bug: Flag.String("bug").pipe(knownBug, Flag.optional, Flag.withDescription("plant this seeded bug in a copy of the core first")),
  failFast: Flag.Boolean("fail-fast").pipe(
    Flag.withDefault(false),
    Flag.withDescription("stop at the first violation and report it as it ran, without shrinking or minimizing it (the mutation campaign's verdict)")
  )
}

/** The options `check` runs with, once parsed. */
interface CheckOptions {
  readonly runs: number
  readonly seed: number
  readonly backend: CampaignJob["backend"]
  readonly json: boolean
  readonly maxCommands: number
  readonly workers: number
  readonly shard: Option.Option<Shard>
  readonly path: Option.Option<string>
  readonly replayPath: Option.Option<string>
  readonly bug: Option.Option<string>
  readonly failFast: boolean
}

/** The blocks this invocation runs: one shard of the campaign, or only the first block to replay a path. */
const blocksToRun = (options: CheckOptions): { readonly blocks: ReadonlyArray<Block>; readonly total: number } => {
  const all = blocksOf(options.runs, options.seed)
  if (Option.isSome(options.path)) return { blocks: all.slice(0, 1), total: all.length }
  return { blocks: Option.isSome(options.shard) ? shardOf(all, options.shard.value) : all, total: all.length }
}

/**
 * Runs the campaign `options` describe and returns its report.
 *
 * @category commands
 * @since 0.3.0
 */
export const runCheck = async (options: CheckOptions): Promise<CampaignReport> => {
  const job: CampaignJob = {
    backend: options.backend,
    maxCommands: options.maxCommands,
    ...(options.failFast ? { failFast: true } : {}),
    ...Option.match(options.bug, { onNone: () => ({}), onSome: (bug) => ({ bug }) }),
    ...Option.match(options.path, { onNone: () => ({}), onSome: (path) => ({ path }) }),
    ...Option.match(options.replayPath, { onNone: () => ({}), onSome: (replayPath) => ({ replayPath }) })
  }
  const { blocks, total } = blocksToRun(options)
  const runs = blocks.reduce((sum, b) => sum + b.runs, 0)
  const onRuns = progressBar(`check (${options.backend}, ${options.workers} worker${options.workers === 1 ? "" : "s"})`, runs)
  const started = performance.now()
  const results = options.workers === 1 ? await runBlocksHere(job, blocks, onRuns) : await runBlocksInWorkers(job, blocks, options.workers, onRuns)
  const summary = combine(results, options.seed, performance.now() - started)
  return {
    campaign: { seed: options.seed, runs: options.runs, maxCommands: options.maxCommands, backend: options.backend, bug: Option.getOrNull(options.bug) },
    blocks: blocks.map((b) => b.index),
    totalBlocks: total,
    workers: options.workers,
    summary
  }
}

/**
 * Prints a campaign report the way people read it.
 *
 * @category output
 * @since 0.3.0
 */
export const printReport = (report: CampaignReport): void => {
  const { campaign: c, summary } = report
  const shardNote = report.blocks.length === report.totalBlocks ? "" : `, blocks ${report.blocks.join(",") || "none"} of ${report.totalBlocks}`
  console.log(`runs:              ${summary.runs} (seed ${c.seed}${shardNote}, backend ${c.backend}, ${report.workers} worker${report.workers === 1 ? "" : "s"}${c.bug === null ? "" : `, bug ${c.bug}`})`)
  console.log(`commands:          ${summary.commands} (mean ${summary.meanCommands.toFixed(1)} per run, max ${summary.maxCommands})`)
  console.log(`party steps:       ${summary.steps}`)
  console.log(`exercised (times, runs):`)
  const exercised = Object.entries(summary.exercised).filter(([kind]) => !kind.startsWith("transition:"))
  for (const [kind, e] of exercised.sort()) console.log(`  ${kind.padEnd(24)} ${String(e.times).padStart(9)} ${String(e.runs).padStart(7)}`)
  const notTaken = untaken(Reference, summary.exercised)
  console.log(`declared transitions taken: ${declaredCounters(Reference).length - notTaken.length} of ${declaredCounters(Reference).length} (counts per transition in --json)`)
  for (const counter of notTaken) console.log(`  never: ${counter.slice("transition:".length)}`)
  console.log(`invariant checks:`)
  for (const [name, n] of Object.entries(summary.invariants)) console.log(`  ${name.padEnd(24)} ${String(n).padStart(9)}`)
  console.log(`violations:        ${summary.violations}`)
  console.log(`wall time:         ${(summary.wall_ms / 1000).toFixed(1)} s`)
  console.log(`steps per second:  ${Math.round(summary.stepsPerSecond)}`)
  if (summary.report !== null) console.log(`\n${summary.report}`)
}

/**
 * Prints a report as JSON or for people, and sets the exit code to 1 if it has a violation.
 *
 * @category output
 * @since 0.3.0
 */
export const emitReport = (report: CampaignReport, json: boolean): void => {
  if (json) console.log(JSON.stringify(report))
  else printReport(report)
  if (report.summary.violations > 0) process.exitCode = 1
}

/**
 * The `check` subcommand.
 *
 * @category commands
 * @since 0.3.0
 */
export const checkCommand = Command.make("check", flags, (options) => Effect.promise(async () => emitReport(await runCheck(options), options.json))).pipe(
  Command.withDescription(
    "Run an adversarial campaign of the model-based harness: generated runs of shoppers, staff, clearing cycles, a hostile network and an attacker, " +
      "every invariant checked after every command. Exits 1 on a violation, printing a replayable, minimized report."
  )
)
