import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { campaign, type CampaignSummary } from "../../src/harness/Campaign.js"
import { DEFAULT_BUDGET } from "../../src/harness/Campaign.js"
import { runOnce, harnessInputs } from "../../src/harness/Run.js"
import fc from "fast-check"
import { DEADLINE_KINDS, PEOPLE_ACTIONS, SIGNED_TAGS } from "../../src/harness/Commands.js"
import { untaken } from "../../src/harness/Coverage.js"
import { FORGERY_KINDS } from "../../src/harness/Forgery.js"
import { SECOND_VOID_EDGE } from "../support/secondVoid.js"

/** The fault kinds and people's actions every default campaign must exercise in at least 1% of its runs. */
const MUST_EXERCISE = [
  ...PEOPLE_ACTIONS.filter((action) => action !== "shop"),
  "drop",
  "duplicate",
  "reorder",
  "delay",
  "replay",
  "crash",
  "clock",
  "clock:expiry",
  ...DEADLINE_KINDS.flatMap((kind) => [-1, 0, 1].map((offset) => `deadline:${kind}:${offset}`)),
  "sweep",
  "garble",
  ...FORGERY_KINDS.flatMap((kind) => [`forge:${kind}`, `intercept:${kind}`]),
  // Every signed message type is forged or intercepted: a bug in any hop's checks is within reach.
  ...SIGNED_TAGS.map((tag) => `attack:${tag}`)
]

/**
 * Declared transitions the default campaign may miss, each with how often deeper campaigns take
 * it (`check --runs 2000 --seed 5 --json`) and where it is pinned: the guard below fails on any
 * other untaken transition. Rare, not unreachable: each is a few commands in a precise order.
 */
const RARE: Readonly<Record<string, string>> = {
  "transition:Browser: checkout: ReadyToPay -> Approved on OrderView (paid)":
    "a page at its pay button learns its order was paid (another tab paid, and a view of it answers this page's own request): 16 runs in 2,000",
  "transition:Browser: checkout: ReadyToPay -> Checkout on OrderView (open)":
    "a page at its pay button is told its order is open again, as a lying merchant (an insider's `Mislead`) may answer its change of delivery or address: 9 runs in 2,000; 4 or 5 in 400 at seeds 1 to 3 of the command line's campaign, none at the test's seed since `Garble` joined the commands",
  [SECOND_VOID_EDGE]:
    "a compromised acquirer says a second void of a voided payment was taken too (the first void broken in flight, the second's result re-signed under its id): first reached at run 40,911 of the 100,000-run campaign at seed 20261207, and pinned in regressions.test.ts"
}

const describeSummary = (label: string, s: CampaignSummary): string =>
  `${label}: ${s.runs} runs, mean ${s.meanCommands.toFixed(1)} commands per run (max ${s.maxCommands}), ` +
  `${s.steps} party steps, ${Math.round(s.stepsPerSecond)} steps/s, ${s.violations} violations`

describe("harness", () => {
  it("campaign - should hold every invariant over the default budget of adversarial runs, deep and covering every fault", () => {
    const summary = campaign({ core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: DEFAULT_BUDGET.maxCommands }, { numRuns: DEFAULT_BUDGET.numRuns, seed: 1 })
    console.log(describeSummary("harness (node:crypto)", summary))
    if (summary.report !== null) console.log(summary.report)
    expect(summary.violations, summary.report ?? "").toBe(0)
    expect(summary.meanCommands).toBeGreaterThanOrEqual(50)
    const rare = MUST_EXERCISE.filter((kind) => (summary.exercised[kind]?.runs ?? 0) < summary.runs * 0.01)
    expect(rare, `exercised in fewer than 1% of runs: ${rare.join(", ")}`).toEqual([])
    for (const name of ["noDoubleCharge", "noUnapprovedDebit", "authenticity", "agreement", "isolation", "noOverdraft", "liveness"]) {
      expect(summary.invariants[name] ?? 0).toBeGreaterThanOrEqual(summary.runs)
    }
    // Every declared transition is taken, but for the rare ones named with their frequency.
    const notTaken = untaken(Core, summary.exercised)
    expect(notTaken.filter((t) => !Object.hasOwn(RARE, t)), "declared transitions never taken").toEqual([])
    // Money paths are common: approvals, captures and refunds in most runs, and settled cycles.
    const perRun = (kind: string) => (summary.exercised[kind]?.times ?? 0) / summary.runs
    expect(perRun("approve")).toBeGreaterThan(0.5)
    expect(perRun("capture") + perRun("captureAll")).toBeGreaterThan(0.5)
    expect(perRun("refund")).toBeGreaterThan(0.5)
    // The world is drawn: bigger topologies, a second currency and each kind of insider in many runs.
    for (const feature of ["scope:2+ merchants", "scope:2 gateways", "scope:2+ issuers", "scope:2 currencies", "scope:lowered bounds", "insider:merchant", "insider:phone", "insider:gateway"]) {
      expect(summary.exercised[feature]?.runs ?? 0, feature).toBeGreaterThan(summary.runs * 0.1)
    }
    // A budget of runs, not of time: the limit only stops a hung campaign, on a machine busy with the other test files.
  }, 180_000)

  it("campaign - should hold every invariant with the tweetnacl backend too", () => {
    const summary = campaign({ core: Core, crypto: Core.Ed25519Backends.TweetnaclEd25519, maxCommands: DEFAULT_BUDGET.maxCommands }, { numRuns: 6, seed: 2 })
    console.log(describeSummary("harness (tweetnacl)", summary))
    expect(summary.violations, summary.report ?? "").toBe(0)
  })

  it("runOnce - should replay a generated run to the identical trace", () => {
    const settings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 120 }
    const generate = () => {
      const sample = fc.sample(harnessInputs(120), { numRuns: 1, seed: 99 })[0]
      if (sample === undefined) throw new Error("fast-check generated nothing")
      return runOnce(settings, sample[0], sample[1])
    }
    const first = generate()
    const second = generate()
    expect(first.commands).toBeGreaterThan(0)
    expect(second.traceLines()).toEqual(first.traceLines())
    expect(JSON.stringify(second.net.trace)).toBe(JSON.stringify(first.net.trace))
  })
})
