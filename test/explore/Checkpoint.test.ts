/**
 * Checkpoints (`src/explore/Checkpoint.ts`): an exploration stopped part way and taken up from
 * its last checkpoint ends exactly as one never stopped, counts and counterexample alike, on one
 * worker and on two; a checkpoint of another scope, another code or another number of workers,
 * none at all, or files cut short or not decoding are refused with a clear error, and the
 * checkpoint is left as it was.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { importMutant, plant } from "../../src/bugs/Mutant.js"
import { CheckpointError, codeDigest, readCheckpoint, readFrontier, workerFile } from "../../src/explore/Checkpoint.js"
import { explore, replay, type Exploration, type ExploreSettings } from "../../src/explore/Explorer.js"
import { exploreInWorkers, type CheckpointSettings } from "../../src/explore/Parallel.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"
import { exploreSettings } from "../support/explore.js"

const settingsFor = (name: string, maxStates: number, core: HarnessCore = Core): ExploreSettings => exploreSettings(name, core, maxStates)

const counts = (e: Exploration) => ({ states: e.states, worlds: e.worlds, transitions: e.transitions, depth: e.depth, livenessChecks: e.livenessChecks, complete: e.complete, violation: e.violation })

const folders: Array<string> = []
const folder = (): string => {
  const made = mkdtempSync(join(tmpdir(), "explore-checkpoint-"))
  folders.push(made)
  return made
}
afterAll(() => {
  for (const made of folders) rmSync(made, { recursive: true, force: true })
})

/** A checkpoint at the end of every level, as the code of the sources. */
const everyLevel = (dir: string, resume: boolean): CheckpointSettings => ({ dir, code: "the sources", every_ms: 0, resume })

/** Explores `name` on `workers` workers, checkpointing at every level into `dir`, stopped at `stopAt` states; then takes it up to the end. */
const stoppedAndTakenUp = async (settings: ExploreSettings, stopAt: number, workers: number, job: { readonly backend: "node"; readonly mutant?: string } = { backend: "node" }) => {
  const dir = folder()
  const stopped = await exploreInWorkers({ ...settings, maxStates: stopAt }, job, { workers, splitPerWorker: 2, checkpoint: everyLevel(dir, false) })
  const { header } = readCheckpoint(dir, { scope: settings.scope.name, code: "the sources", workers })
  const taken = await exploreInWorkers(settings, job, { workers, splitPerWorker: 2, checkpoint: everyLevel(dir, true) })
  return { dir, stopped, header, taken }
}

describe("checkpoints", () => {
  let approvalReusableFolder: string
  let whole: Exploration
  beforeAll(async () => {
    approvalReusableFolder = plant({ ...bugNamed("approval-reusable"), name: "checkpoint-test-approval-reusable" })
    whole = explore(settingsFor("pay-replay", 50_000))
  })

  it("should end a run stopped part way and taken up from its last checkpoint exactly as one never stopped, on one worker and on two", async () => {
    expect(whole).toMatchObject({ complete: true, violation: null })
    const one = await stoppedAndTakenUp(settingsFor("pay-replay", 50_000), 2_500, 1)
    expect(one.stopped.complete).toBe(false)
    // Taken up at the end of the last level before the stop: the states seen after it are seen again.
    expect(one.header.states).toBeGreaterThan(0)
    expect(one.header.states).toBeLessThan(2_500)
    expect(one.header.depth).toBe(one.stopped.depth)
    expect(counts(one.taken)).toEqual(counts(whole))
    // Its wall time counts the first run's.
    expect(one.taken.wall_ms).toBeGreaterThan(one.header.wall_ms)
    const two = await stoppedAndTakenUp(settingsFor("pay-replay", 50_000), 2_500, 2)
    expect(two.taken).toMatchObject({ complete: true, violation: null, worlds: whole.worlds, depth: whole.depth })
  })

  it("should find, after taking up a checkpoint, the counterexample a run never stopped finds, through the paths of the states handed to the workers (approval-reusable)", async () => {
    const settings = settingsFor("pay-replay", 50_000, await importMutant(approvalReusableFolder))
    const found = explore(settings).violation
    expect(found?.invariant).toBe("agreement")
    const { stopped, taken } = await stoppedAndTakenUp(settings, 200, 1, { backend: "node", mutant: approvalReusableFolder })
    expect(stopped.violation).toBeNull()
    expect(taken.violation).toEqual(found)
    expect(String(replay(settings, taken.violation?.path ?? []).error)).toContain("invariant agreement broken")
  })

  it("should refuse, with a clear error, a checkpoint of another scope, code or number of workers, none at all, or files cut short or not decoding; and leave it as it was", async () => {
    const { dir } = await stoppedAndTakenUp(settingsFor("pay-replay", 50_000), 1_000, 1)
    const expected = { scope: "pay-replay", code: "the sources", workers: 1 }
    const refusal = (read: () => unknown): string => {
      try {
        read()
      } catch (error) {
        expect(error).toBeInstanceOf(CheckpointError)
        return (error as Error).message
      }
      throw new Error("not refused")
    }
    expect(refusal(() => readCheckpoint(dir, { ...expected, scope: "pay" }))).toContain("is of scope pay-replay, not pay")
    expect(refusal(() => readCheckpoint(dir, { ...expected, code: "other code" }))).toContain("was written by other code")
    expect(refusal(() => readCheckpoint(dir, { ...expected, workers: 2 }))).toContain("take it up with --workers 1")
    expect(refusal(() => readCheckpoint(folder(), expected))).toContain("no checkpoint in")
    await expect(exploreInWorkers(settingsFor("pay", 50_000), { backend: "node" }, { workers: 1, checkpoint: everyLevel(dir, true) })).rejects.toThrow("is of scope pay-replay, not pay")
    const { folder: saved, header } = readCheckpoint(dir, expected)
    const run = join(saved, "run.json")
    const original = readFileSync(run, "utf8")
    writeFileSync(run, JSON.stringify({ ...header, depth: "deep" }))
    expect(refusal(() => readCheckpoint(dir, expected))).toContain("is not a checkpoint this code reads")
    writeFileSync(run, JSON.stringify({ ...header, states: header.states + 1 }))
    expect(refusal(() => readCheckpoint(dir, expected))).toContain(`its run.json says ${header.states + 1}`)
    writeFileSync(run, original)
    const worker = workerFile(saved, 0)
    const levels = readFrontier(worker)
    truncateSync(worker, readFileSync(worker).length - 4)
    expect(refusal(() => readFrontier(worker))).toContain("not a whole checkpoint")
    expect(readCheckpoint(dir, expected).header).toEqual(header)
    expect(levels.level.length).toBeGreaterThan(0)
  })

  it("should tell code apart by every file of its folders", () => {
    const dir = folder()
    writeFileSync(join(dir, "a.js"), "one")
    const before = codeDigest([dir])
    expect(codeDigest([dir])).toBe(before)
    writeFileSync(join(dir, "a.js"), "two")
    expect(codeDigest([dir])).not.toBe(before)
  })
})
