/**
 * A campaign: many harness runs with one seed, summarized. Used by the default test, by
 * `npm run check` and by the bug-injection runner.
 */
import fc from "fast-check"
import { checksMade } from "./Invariants.js"
import { remembered } from "./Remembered.js"
import { failureReport } from "./Report.js"
import { harnessProperty, type HarnessSettings, type RunSummary } from "./Run.js"

/** The default harness budget: runs per campaign and commands per run, as `npm test` uses them. */
export const DEFAULT_BUDGET = { numRuns: 400, maxCommands: 300 } as const

/** What a campaign did and found. */
export interface CampaignSummary {
  readonly runs: number
  readonly steps: number
  readonly commands: number
  readonly meanCommands: number
  readonly maxCommands: number
  /** Faults and people's actions exercised, by kind: in how many runs, and how many times in all. */
  readonly exercised: Readonly<Record<string, { readonly runs: number; readonly times: number }>>
  readonly invariants: Readonly<Record<string, number>>
  readonly violations: number
  readonly seed: number
  readonly wall_ms: number
  readonly stepsPerSecond: number
  /** Runs until the first failure (including it), when there was one. */
  readonly failedAtRun: number | null
  /** Commands in the shrunk and minimized counterexample, when there was one. */
  readonly shrunkCommands: number | null
  /** What broke (an invariant's name, or `"crash"`), when something did. */
  readonly broken: string | null
  /** The failure report (seed, path, replayPath, trace, Mermaid), when there was one. */
  readonly report: string | null
}

/** Options of a campaign. */
export interface CampaignOptions {
  readonly numRuns: number
  readonly seed: number
  readonly path?: string
  /**
   * Stop at the first failure without shrinking or minimizing it: the report then shows the
   * failing run as generated. For verdicts that need only know whether a run fails (the mutation
   * campaign, `mutation/run.ts`), where shrinking would cost more than finding.
   */
  readonly failFast?: boolean
  /** Called after each run counted in the summary (not the shrinking re-runs). */
  readonly onProgress?: (runsDone: number) => void
}

/**
 * Runs a campaign and summarizes it; it never throws on a violation, it reports it. Its runs
 * share one `remembered` (`Remembered.ts`) copy of the crypto layer.
 */
export const campaign = (given: HarnessSettings, options: CampaignOptions): CampaignSummary => {
  const settings = { ...given, crypto: remembered(given.crypto) }
  checksMade.clear()
  const summaries: Array<RunSummary> = []
  const started = performance.now()
  const details = fc.check(
    harnessProperty(settings, (s) => {
      summaries.push(s)
      options.onProgress?.(summaries.length)
    }),
    {
      numRuns: options.numRuns,
      seed: options.seed,
      endOnFailure: options.failFast === true,
      ...(options.path === undefined ? {} : { path: options.path })
    }
  )
  const wall_ms = performance.now() - started
  const exercised: Record<string, { runs: number; times: number }> = {}
  for (const s of summaries) {
    for (const [kind, times] of s.exercised) {
      const e = (exercised[kind] ??= { runs: 0, times: 0 })
      e.runs++
      e.times += times
    }
  }
  const steps = summaries.reduce((sum, s) => sum + s.steps, 0)
  const commands = summaries.reduce((sum, s) => sum + s.commands, 0)
  const failure = details.failed ? failureReport(settings, details, options.failFast !== true) : null
  return {
    runs: summaries.length + (details.failed ? 1 : 0),
    steps,
    commands,
    meanCommands: summaries.length === 0 ? 0 : commands / summaries.length,
    maxCommands: Math.max(0, ...summaries.map((s) => s.commands)),
    exercised,
    invariants: Object.fromEntries(checksMade),
    violations: details.failed ? 1 : 0,
    seed: options.seed,
    wall_ms,
    stepsPerSecond: steps / (wall_ms / 1000),
    failedAtRun: details.failed ? details.numRuns : null,
    shrunkCommands: failure?.minimizedCommands ?? null,
    broken: failure?.kind ?? null,
    report: failure?.text ?? null
  }
}
