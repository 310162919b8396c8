/**
 * A campaign's summary as JSON: what `checkout-protocol check --json` prints, what a worker
 * thread sends back, and what `checkout-protocol merge` reads from the shards of a campaign run
 * on several machines. Every summary read from outside is decoded with {@link CampaignReport}.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import type { Block } from "./Blocks.js"
import { combine } from "./Blocks.js"
import type { CampaignSummary } from "./Campaign.js"

const Count = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * How often a fault or action was exercised: in how many runs, and how many times in all.
 *
 * @category summaries
 * @since 0.3.0
 */
export const Exercised = Schema.Struct({ runs: Count, times: Count })

/**
 * The summary of a campaign, or of some of its blocks (see `Blocks.ts`).
 *
 * @category summaries
 * @since 0.3.0
 */
export const CampaignSummarySchema = Schema.Struct({
  runs: Count,
  steps: Count,
  commands: Count,
  meanCommands: Schema.Finite,
  maxCommands: Count,
  exercised: Schema.Record(Schema.String, Exercised),
  invariants: Schema.Record(Schema.String, Count),
  violations: Count,
  seed: Schema.Int,
  wall_ms: Schema.Finite,
  stepsPerSecond: Schema.Finite,
  failedAtRun: Schema.NullOr(Count),
  shrunkCommands: Schema.NullOr(Count),
  broken: Schema.NullOr(Schema.String),
  report: Schema.NullOr(Schema.String)
})

/**
 * What identifies a campaign: two summaries merge only if these are equal.
 *
 * @category summaries
 * @since 0.3.0
 */
export const CampaignIdentity = Schema.Struct({
  seed: Schema.Int,
  runs: Count,
  maxCommands: Count,
  backend: Schema.Literals(["node", "tweetnacl"]),
  bug: Schema.NullOr(Schema.String)
})

/**
 * The JSON report of `check --json`: which campaign, which of its blocks (by index), how many
 * worker threads ran them, and the summary of those blocks.
 *
 * @category summaries
 * @since 0.3.0
 */
export const CampaignReport = Schema.Struct({
  campaign: CampaignIdentity,
  blocks: Schema.Array(Count),
  totalBlocks: Count,
  workers: Count,
  summary: CampaignSummarySchema
})

/**
 * The type of {@link CampaignReport}.
 *
 * @category summaries
 * @since 0.3.0
 */
export type CampaignReport = typeof CampaignReport.Type

/**
 * Decodes a report read from outside (a file, another process), or fails with a message naming
 * what is wrong.
 *
 * @category summaries
 * @since 0.3.0
 */
export const decodeReport = (json: unknown): CampaignReport => Schema.decodeUnknownSync(CampaignReport)(json)

/**
 * Merges the reports of disjoint shards of one campaign into one report, as if one machine had
 * run their blocks: the campaigns must be the same and no block may appear twice. The wall time
 * is the longest shard's (the machines ran side by side). Throws a message saying which rule a
 * report broke.
 *
 * @category summaries
 * @since 0.3.0
 */
export const mergeReports = (reports: ReadonlyArray<CampaignReport>): CampaignReport => {
  const [first] = reports
  if (first === undefined) throw new Error("nothing to merge: give at least one report")
  const identity = JSON.stringify(first.campaign)
  const seen = new Set<number>()
  for (const report of reports) {
    if (JSON.stringify(report.campaign) !== identity) throw new Error(`reports of different campaigns: ${identity} and ${JSON.stringify(report.campaign)}`)
    for (const index of report.blocks) {
      if (seen.has(index)) throw new Error(`block ${index} (seed ${first.campaign.seed + index}) is in two reports`)
      seen.add(index)
    }
  }
  // A shard's summary is the sum of its blocks; shards are contiguous ranges, so each shard can
  // stand for its first block in the ordered combination.
  const parts = reports.filter((r) => r.blocks.length > 0).map((r) => ({ block: blockAt(r, Math.min(...r.blocks)), summary: r.summary as CampaignSummary }))
  const wall_ms = Math.max(...reports.map((r) => r.summary.wall_ms))
  return {
    campaign: first.campaign,
    blocks: [...seen].sort((a, b) => a - b),
    totalBlocks: first.totalBlocks,
    workers: reports.reduce((sum, r) => sum + r.workers, 0),
    summary: combine(parts, first.campaign.seed, wall_ms)
  }
}

const blockAt = (report: CampaignReport, index: number): Block => ({ index, seed: report.campaign.seed + index, runs: report.summary.runs })
