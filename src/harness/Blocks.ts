/**
 * A campaign cut into blocks: runs `0 .. runs-1` of a campaign with base seed `S` are blocks of
 * {@link BLOCK_RUNS} runs, block `k` being a fast-check check of its runs with seed `S + k`. A
 * block is deterministic, so blocks can run in any order, on any worker thread or machine, and
 * their summaries add up to the same totals: that is what `--workers` and `--shard` rely on.
 *
 * @since 0.3.0
 */
import type { CampaignSummary } from "./Campaign.js"

/**
 * Runs per block. Small enough that two workers share a short campaign, large enough that a
 * block's start-up (a world, a crypto context) is noise.
 *
 * @category blocks
 * @since 0.3.0
 */
export const BLOCK_RUNS = 50

/**
 * One block of a campaign: its position, its seed and how many runs it has.
 *
 * @category blocks
 * @since 0.3.0
 */
export interface Block {
  readonly index: number
  readonly seed: number
  readonly runs: number
}

/**
 * The blocks of a campaign of `runs` runs from base seed `seed`: block `k` has seed `seed + k`
 * and {@link BLOCK_RUNS} runs, the last one what is left.
 *
 * @category blocks
 * @since 0.3.0
 */
export const blocksOf = (runs: number, seed: number): ReadonlyArray<Block> =>
  Array.from({ length: Math.ceil(runs / BLOCK_RUNS) }, (_, index) => ({
    index,
    seed: seed + index,
    runs: Math.min(BLOCK_RUNS, runs - index * BLOCK_RUNS)
  }))

/**
 * One shard of `count`, numbered from 1: the `index`-th of `count` disjoint, contiguous ranges of
 * a campaign's blocks (and so of its seeds). Every block is in exactly one shard.
 *
 * @category blocks
 * @since 0.3.0
 */
export interface Shard {
  readonly index: number
  readonly count: number
}

/**
 * The blocks of one shard: contiguous, disjoint from every other shard's, and together all of
 * `blocks`. A shard may be empty when there are more shards than blocks.
 *
 * @category blocks
 * @since 0.3.0
 */
export const shardOf = (blocks: ReadonlyArray<Block>, shard: Shard): ReadonlyArray<Block> =>
  blocks.slice(Math.floor((blocks.length * (shard.index - 1)) / shard.count), Math.floor((blocks.length * shard.index) / shard.count))

/**
 * Parses `"i/n"` (1 <= i <= n) into a shard, or says what is wrong with it.
 *
 * @category blocks
 * @since 0.3.0
 */
export const parseShard = (text: string): Shard | string => {
  const match = /^(\d+)\/(\d+)$/.exec(text)
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (match === null || count < 1 || index < 1 || index > count) return "i/n with 1 <= i <= n, such as 1/2"
  return { index, count }
}

/**
 * A block's summary, as a worker returns it.
 *
 * @category blocks
 * @since 0.3.0
 */
export interface BlockResult {
  readonly block: Block
  readonly summary: CampaignSummary
}

const addCounts = (into: Record<string, number>, from: Readonly<Record<string, number>>): void => {
  for (const [name, n] of Object.entries(from)) into[name] = (into[name] ?? 0) + n
}

/**
 * Adds block summaries up, in block order, as one campaign that stops at its first failure: the
 * blocks after the first failing one are left out, whatever order they ran in, so a campaign's
 * totals do not depend on how many workers ran it. `wall_ms` is the given wall time of the whole.
 *
 * @category blocks
 * @since 0.3.0
 */
export const combine = (results: ReadonlyArray<BlockResult>, seed: number, wall_ms: number): CampaignSummary => {
  const ordered = [...results].sort((a, b) => a.block.index - b.block.index)
  const firstFailure = ordered.findIndex((r) => r.summary.violations > 0)
  const counted = firstFailure < 0 ? ordered : ordered.slice(0, firstFailure + 1)
  const exercised: Record<string, { runs: number; times: number }> = {}
  const invariants: Record<string, number> = {}
  let runs = 0
  let steps = 0
  let commands = 0
  let maxCommands = 0
  for (const { summary } of counted) {
    for (const [kind, e] of Object.entries(summary.exercised)) {
      const total = (exercised[kind] ??= { runs: 0, times: 0 })
      total.runs += e.runs
      total.times += e.times
    }
    addCounts(invariants, summary.invariants)
    runs += summary.runs
    steps += summary.steps
    commands += summary.commands
    maxCommands = Math.max(maxCommands, summary.maxCommands)
  }
  const failed = firstFailure < 0 ? undefined : ordered[firstFailure]?.summary
  const passingRuns = runs - (failed === undefined ? 0 : 1)
  return {
    runs,
    steps,
    commands,
    meanCommands: passingRuns === 0 ? 0 : commands / passingRuns,
    maxCommands,
    exercised,
    invariants,
    violations: failed === undefined ? 0 : 1,
    seed,
    wall_ms,
    stepsPerSecond: wall_ms === 0 ? 0 : steps / (wall_ms / 1000),
    failedAtRun: failed?.failedAtRun === null || failed === undefined ? null : runs - failed.runs + failed.failedAtRun,
    shrunkCommands: failed?.shrunkCommands ?? null,
    broken: failed?.broken ?? null,
    report: failed?.report ?? null
  }
}
