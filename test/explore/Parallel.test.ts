/**
 * The explorer on worker threads (`src/explore/Parallel.ts`): two workers that share the set of
 * states seen reach exactly the worlds one thread reaches, as deep; they find a seeded bug's
 * counterexample as short as one thread's, and it replays; and they stop near the bound on states.
 */
import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { importMutant, plant } from "../../src/bugs/Mutant.js"
import { explore, replay, type ExploreSettings } from "../../src/explore/Explorer.js"
import { exploreInWorkers } from "../../src/explore/Parallel.js"
import { scopeNamed, type ExploreScope } from "../../src/explore/Scopes.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"

const scope = (name: string): ExploreScope => {
  const found = scopeNamed(name)
  if (found === undefined) throw new Error(`no scope ${name}`)
  return found
}

const settingsFor = (of: ExploreScope, core: HarnessCore = Core, maxStates = 50_000): ExploreSettings => ({ core, crypto: Core.Ed25519Backends.NodeEd25519, scope: of, maxStates })

/** `pay` with one drop and one crash: 6,514 worlds, some reached again with a spare budget no earlier visit covers. */
const payDropCrash: ExploreScope = { ...scope("pay"), name: "pay-drop-crash", faults: { ...scope("pay").faults, drops: 1, crashes: 1 } }

describe("exploreInWorkers", () => {
  it("should reach the worlds one thread reaches, as deep, on two workers sharing every level past the first", async () => {
    const settings = settingsFor(payDropCrash)
    const one = explore(settings)
    // A level of 20 states or more is shared out: from depth 3 or so, the workers expand every state.
    const two = await exploreInWorkers(settings, { backend: "node" }, 2, 10)
    expect(two).toMatchObject({ complete: true, violation: null, threads: 2, worlds: one.worlds, depth: one.depth, goalsMet: one.goalsMet })
    expect(two.states).toBeGreaterThanOrEqual(two.worlds)
    expect(two.transitions).toBeGreaterThan(two.states)
  })

  it("should find a seeded bug's counterexample as short as one thread's, which replays (approval-reusable)", async () => {
    const mutant = plant({ ...bugNamed("approval-reusable"), name: "parallel-test-approval-reusable" })
    const settings = settingsFor(scope("pay-replay"), await importMutant(mutant))
    const two = await exploreInWorkers(settings, { backend: "node", mutant }, 2, 10)
    expect(two).toMatchObject({ complete: false, threads: 2 })
    expect(two.violation?.invariant).toBe("agreement")
    expect(two.violation?.path).toHaveLength(explore(settings).violation?.path.length ?? -1)
    expect(String(replay(settings, two.violation?.path ?? []).error)).toContain("invariant agreement broken")
  })

  it("should stop at the bound on states, incomplete, the workers each past it by no more than a state", async () => {
    const two = await exploreInWorkers(settingsFor(payDropCrash, Core, 1_000), { backend: "node" }, 2, 10)
    expect(two).toMatchObject({ complete: false, violation: null, threads: 2 })
    expect(two.states).toBeGreaterThanOrEqual(1_000)
    expect(two.states).toBeLessThanOrEqual(1_002)
  })
})
