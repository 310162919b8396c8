import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { loadMutant } from "../../src/bugs/Mutant.js"
import { campaign } from "../../src/harness/Campaign.js"
import { DEFAULT_BUDGET } from "../../src/harness/Campaign.js"
import type { HarnessSettings } from "../../src/harness/Run.js"

const REPLAY_LINE = /Replay with: seed=(-?\d+) path="([^"]*)" replayPath="([^"]*)"\n {2}(checkout-protocol check .*)/

describe("failure reports", () => {
  it("should replay a seeded bug's failure from the printed seed, path and replayPath to the identical report", async () => {
    // Caught on seed 1's tenth run: the printed path leads past the nine runs that pass.
    const bug = bugNamed("challenge-expiry-ignored")
    // Planted under a name of its own, so `npm run bugs` running at the same time never shares its copy.
    const core = await loadMutant({ ...bug, name: "report-test-challenge-expiry-ignored" })
    const settings: HarnessSettings = { core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: DEFAULT_BUDGET.maxCommands, bug: bug.name }

    const found = campaign(settings, { numRuns: DEFAULT_BUDGET.numRuns, seed: 1 })
    expect(found.report).not.toBeNull()
    const [, seed, path, replayPath, command] = REPLAY_LINE.exec(found.report ?? "") ?? []
    if (seed === undefined || path === undefined || replayPath === undefined) throw new Error(`no replay line in:\n${found.report}`)
    expect(found.failedAtRun).toBeGreaterThan(1)
    expect(command).toBe(`checkout-protocol check --bug challenge-expiry-ignored --seed ${seed} --path "${path}" --replay-path "${replayPath}"`)

    const replayed = campaign({ ...settings, replayPath }, { numRuns: DEFAULT_BUDGET.numRuns, seed: Number(seed), path })

    expect(replayed.report).toBe(found.report)
    expect(replayed.failedAtRun).toBe(1)
  })

  it("campaign - should stop at the first failure without shrinking it when failFast is set", async () => {
    const bug = bugNamed("approval-reusable")
    const core = await loadMutant({ ...bug, name: "report-test-fail-fast-approval-reusable" })
    const settings: HarnessSettings = { core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: DEFAULT_BUDGET.maxCommands, bug: bug.name }

    const found = campaign(settings, { numRuns: DEFAULT_BUDGET.numRuns, seed: 1, failFast: true })

    expect(found.violations).toBe(1)
    expect(found.report).toContain("Not minimized (")
    expect(found.report).toMatch(REPLAY_LINE)
  })
})
