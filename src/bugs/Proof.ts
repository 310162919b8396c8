/**
 * The proof that the harness can fail: each seeded bug is planted in a copy of the core and the
 * harness runs at its default budget on N seeds (1..N, or from a later first seed, so that a long
 * run can be split); the bug must be caught by an invariant on every seed, and its counterexample
 * must shrink within its bound.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import { NodeEd25519 } from "../crypto/NodeEd25519.js"
import { campaign, DEFAULT_BUDGET } from "../harness/Campaign.js"
import { bugNamed } from "./Catalog.js"
import { loadMutant, type Bug } from "./Mutant.js"

/**
 * The longest a shrunk counterexample may be, in commands, unless a bug names its own bound.
 *
 * @category proof
 * @since 0.3.0
 */
export const MAX_SHRUNK_COMMANDS = 10

/**
 * One bug's result over its seeds, as `checkout-protocol bugs` prints it.
 *
 * @category proof
 * @since 0.3.0
 */
export const BugRow = Schema.Struct({
  bug: Schema.String,
  caught: Schema.Int,
  seeds: Schema.Int,
  /** The first seed run: the seeds are `firstSeed` to `firstSeed + seeds - 1`. */
  firstSeed: Schema.Int,
  /** The seeds on which no invariant caught it within the budget: the ones to replay. */
  escapedOn: Schema.Array(Schema.Int),
  /** The median number of runs until the first failure, over the seeds that caught it. */
  medianRuns: Schema.NullOr(Schema.Int),
  /** The longest shrunk counterexample, in commands. */
  shrunkSteps: Schema.NullOr(Schema.Int),
  /** The invariants that caught it, over all seeds. */
  caughtBy: Schema.Array(Schema.String),
  wall_s: Schema.Finite,
  /** The longest counterexample's report: the one to read when a bug shrinks badly. */
  example: Schema.NullOr(Schema.String)
})

/**
 * The type of {@link BugRow}.
 *
 * @category proof
 * @since 0.3.0
 */
export type BugRow = typeof BugRow.Type

const median = (xs: ReadonlyArray<number>): number | null => {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null
}

/**
 * Plants `bug` and runs the harness on `seeds` seeds from `firstSeed` (1 unless given) at the
 * default budget, in this process.
 *
 * @category proof
 * @since 0.3.0
 */
export const proveBug = async (bug: Bug, seeds: number, firstSeed = 1): Promise<BugRow> => {
  const core = await loadMutant(bug)
  const started = performance.now()
  const runsToCatch: Array<number> = []
  const escapedOn: Array<number> = []
  const shrunk: Array<number> = []
  let example: string | null = null
  const caughtBy = new Set<string>()
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const summary = campaign({ core, crypto: NodeEd25519, maxCommands: DEFAULT_BUDGET.maxCommands, bug: bug.name }, { numRuns: DEFAULT_BUDGET.numRuns, seed })
    // Caught means an invariant caught it: a mutant that makes the harness crash proves nothing.
    if (summary.failedAtRun !== null && summary.broken !== null && summary.broken !== "crash") {
      runsToCatch.push(summary.failedAtRun)
      caughtBy.add(summary.broken)
    } else {
      escapedOn.push(seed)
    }
    if (summary.shrunkCommands !== null && summary.report !== null && summary.shrunkCommands >= Math.max(0, ...shrunk)) example = summary.report
    if (summary.shrunkCommands !== null) shrunk.push(summary.shrunkCommands)
  }
  return {
    bug: bug.name,
    caught: runsToCatch.length,
    seeds,
    firstSeed,
    escapedOn,
    medianRuns: median(runsToCatch),
    shrunkSteps: shrunk.length === 0 ? null : Math.max(...shrunk),
    caughtBy: [...caughtBy].sort(),
    wall_s: Math.round((performance.now() - started) / 100) / 10,
    example
  }
}

/**
 * The longest shrunk counterexample allowed for the named bug.
 *
 * @category proof
 * @since 0.3.0
 */
export const boundOf = (bug: string): number => bugNamed(bug).maxShrunk ?? MAX_SHRUNK_COMMANDS

/**
 * Whether a row fails the proof: the bug escaped on some seed, or shrank beyond its bound.
 *
 * @category proof
 * @since 0.3.0
 */
export const rowFails = (row: BugRow): boolean => row.caught < row.seeds || (row.shrunkSteps ?? Infinity) > boundOf(row.bug)
