/**
 * The explorer on worker threads (`src/explore/Parallel.ts`): two workers that share the set of
 * states seen reach exactly the worlds one thread reaches, as deep, and still do when states are
 * handed from one to the other between levels, or taken within a level by a worker done with its
 * share from a busy one; they find a seeded bug's
 * counterexample as short as one thread's, and it replays; and they stop near the bound on states.
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { importMutant, plant } from "../../src/bugs/Mutant.js"
import { explore, replay, type Exploration } from "../../src/explore/Explorer.js"
import { exploreInWorkers, HANDOVER_COST, rebalancing, taking } from "../../src/explore/Parallel.js"
import type { ExploreScope } from "../../src/explore/Scopes.js"
import { exploreSettings as settingsFor, scopeOf as scope } from "../support/explore.js"


/** `pay` with one drop and one crash: 6,514 worlds, some reached again with a spare budget no earlier visit covers. */
const payDropCrash: ExploreScope = { ...scope("pay"), name: "pay-drop-crash", faults: { ...scope("pay").faults, drops: 1, crashes: 1 } }

describe("exploreInWorkers", () => {
  const settings = settingsFor(payDropCrash)
  /** One thread's exploration of `pay` with a drop and a crash, which two workers must match. */
  let one: Exploration
  beforeAll(() => {
    one = explore(settings)
  })

  it("should reach the worlds one thread reaches, as deep, on two workers sharing every level past the first", async () => {
    // A level of 20 states or more is shared out: from depth 3 or so, the workers expand every state.
    const two = await exploreInWorkers(settings, { backend: "node" }, { workers: 2, splitPerWorker: 10 })
    expect(two).toMatchObject({ complete: true, violation: null, threads: 2, worlds: one.worlds, depth: one.depth, goalsMet: one.goalsMet })
    expect(two.states).toBeGreaterThanOrEqual(two.worlds)
    expect(two.transitions).toBeGreaterThan(two.states)
  })

  it("rebalancing - should reach the same worlds when every level is evened out, states handed over as paths walked on from the prefix they share", async () => {
    const evened = await exploreInWorkers(settings, { backend: "node" }, { workers: 2, splitPerWorker: 10, leastHandover: 1 })
    expect(evened).toMatchObject({ complete: true, violation: null, threads: 2, worlds: one.worlds, depth: one.depth, goalsMet: one.goalsMet })
    expect(evened.handedOver).toBeGreaterThan(0)
    expect(one.handedOver).toBe(0)
  })

  it("taking - should reach the same worlds when a worker done with its share of a level takes states a busy one has left, as paths it walks, and take none on one thread", async () => {
    // No evening out between levels (leastHandover is also the fewest taken): each level is shared as it was reached.
    const unevened = await exploreInWorkers(settings, { backend: "node" }, { workers: 2, splitPerWorker: 10, leastHandover: Infinity })
    const taken = await exploreInWorkers(settings, { backend: "node" }, { workers: 2, splitPerWorker: 10, leastHandover: 1 })
    for (const two of [unevened, taken]) expect(two).toMatchObject({ complete: true, violation: null, threads: 2, worlds: one.worlds, depth: one.depth, goalsMet: one.goalsMet })
    expect(unevened).toMatchObject({ handedOver: 0, taken: 0 })
    expect(taken.taken).toBeGreaterThan(0)
    expect(one.taken).toBe(0)
  })

  it("taking - should take enough of a busy worker's level to leave both with as much work, counting a state taken as half a state more, and none below the fewest worth it", () => {
    expect(taking(1_000)).toBe(400)
    expect(taking(250, 100)).toBe(100)
    expect(taking(249, 100)).toBe(0)
    expect(taking(3, 1)).toBe(1)
    expect(taking(2, 1)).toBe(0)
    expect(taking(0, 0)).toBe(0)
  })

  it("rebalancing - should hand the least loaded worker enough to leave both with as much work, counting a state handed over as half a state expanded", () => {
    const evened = rebalancing([1_000, 400])
    expect(evened).toEqual({ from: 0, to: 1, count: 240 })
    expect(1_000 - (evened?.count ?? 0)).toBe(400 + (evened?.count ?? 0) * (1 + HANDOVER_COST))
    expect(rebalancing([300, 900, 600])).toEqual({ from: 1, to: 0, count: 240 })
    expect(rebalancing([1_000, 900])).toBeNull()
    expect(rebalancing([1_000, 900], 40)).toEqual({ from: 0, to: 1, count: 40 })
    expect(rebalancing([1_000, 900], 41)).toBeNull()
    expect(rebalancing([5, 5], 1)).toBeNull()
  })

  it("should find a seeded bug's counterexample as short as one thread's, which replays (approval-reusable)", async () => {
    const mutant = plant({ ...bugNamed("approval-reusable"), name: "parallel-test-approval-reusable" })
    const settings = settingsFor(scope("pay-replay"), await importMutant(mutant))
    const two = await exploreInWorkers(settings, { backend: "node", mutant }, { workers: 2, splitPerWorker: 10 })
    expect(two).toMatchObject({ complete: false, threads: 2 })
    expect(two.violation?.invariant).toBe("agreement")
    expect(two.violation?.path).toHaveLength(explore(settings).violation?.path.length ?? -1)
    expect(String(replay(settings, two.violation?.path ?? []).error)).toContain("invariant agreement broken")
  })

  it("should stop at the bound on states, incomplete, the workers each past it by no more than a state", async () => {
    const two = await exploreInWorkers(settingsFor(payDropCrash, Core, 1_000), { backend: "node" }, { workers: 2, splitPerWorker: 10 })
    expect(two).toMatchObject({ complete: false, violation: null, threads: 2 })
    expect(two.states).toBeGreaterThanOrEqual(1_000)
    expect(two.states).toBeLessThanOrEqual(1_002)
  })
})
