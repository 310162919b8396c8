/**
 * What the explorer keeps of each state seen (`src/explore/Visited.ts`): the state set says "new"
 * exactly when a plain map of fingerprints to the budgets seen with them would, and counts its
 * entries and distinct fingerprints as that map does, through many growths; and the links give
 * back every state's path as a list of objects would.
 */
import { createHash } from "node:crypto"
import { Worker } from "node:worker_threads"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Links, packBudgets, StateSet } from "../../src/explore/Visited.js"

const digestOf = (n: number): string => createHash("sha256").update(String(n)).digest("base64")

/** The set's rule, plainly: a state is new unless one kept has its fingerprint and at least as much of every budget. */
const naiveStates = () => {
  const kept = new Map<string, Array<ReadonlyArray<number>>>()
  return {
    add: (fingerprint: string, budgets: ReadonlyArray<number>): boolean => {
      const held = kept.get(fingerprint) ?? []
      if (held.some((other) => other.every((left, i) => left >= (budgets[i] ?? 0)))) return false
      kept.set(fingerprint, [...held, budgets])
      return true
    },
    size: () => [...kept.values()].reduce((sum, held) => sum + held.length, 0),
    worlds: () => kept.size
  }
}

describe("StateSet", () => {
  it("add - should say a state is new exactly when no state kept has its fingerprint and as much of every spare budget, as it grows", () => {
    const budgets = fc.array(fc.nat({ max: 2 }), { minLength: 4, maxLength: 4 })
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 1_500 }), budgets), { minLength: 1_500, maxLength: 5_000 }), (draws) => {
        const set = new StateSet()
        const naive = naiveStates()
        for (const [n, spare] of draws) {
          const fingerprint = digestOf(n)
          expect(set.add(fingerprint, packBudgets(spare))).toBe(naive.add(fingerprint, spare))
        }
        expect(set.size).toBe(naive.size())
        expect(set.worlds).toBe(naive.worlds())
      }),
      { numRuns: 15 }
    )
  })

  it("add - should tell apart fingerprints that differ only in the bit it forces, or beyond its 128 bits, as one (that is what it keeps)", () => {
    const bytes = Buffer.alloc(32)
    const set = new StateSet()
    expect(set.add(bytes.toString("base64"), 0)).toBe(true)
    bytes[4] = 1
    expect(set.add(bytes.toString("base64"), 0)).toBe(false)
    bytes[16] = 1
    expect(set.add(bytes.toString("base64"), 0)).toBe(false)
    bytes[15] = 1
    expect(set.add(bytes.toString("base64"), 0)).toBe(true)
    expect(set.size).toBe(2)
  })

  it("add - should compare every budget on its own: neither of two states with more of one budget each covers the other", () => {
    const set = new StateSet()
    const fingerprint = digestOf(1)
    expect(set.add(fingerprint, packBudgets([1, 0, 0, 255]))).toBe(true)
    expect(set.add(fingerprint, packBudgets([0, 1, 0, 255]))).toBe(true)
    expect(set.add(fingerprint, packBudgets([0, 0, 0, 255]))).toBe(false)
    expect(set.add(fingerprint, packBudgets([0, 0, 1, 0]))).toBe(true)
    expect(set.add(fingerprint, packBudgets([1, 1, 0, 0]))).toBe(true)
    expect(set.size).toBe(4)
    expect(set.worlds).toBe(1)
  })

  it("add - should refuse a fingerprint shorter than what it keeps, and packBudgets more than four budgets or one out of a byte", () => {
    expect(() => new StateSet().add(Buffer.alloc(8).toString("base64"), 0)).toThrow(RangeError)
    expect(() => packBudgets([0, 0, 0, 0, 0])).toThrow(RangeError)
    expect(() => packBudgets([256])).toThrow(RangeError)
    expect(() => packBudgets([-1])).toThrow(RangeError)
  })
})

describe("StateSet, shared", () => {
  it("offer - should answer full past three quarters, change nothing then, and take the state once makeRoom grew the table", () => {
    const set = new StateSet()
    for (let n = 0; n < 768; n++) expect(set.offer(digestOf(n), 0)).toBe("new")
    expect(set.offer(digestOf(768), 0)).toBe("new")
    expect(set.offer(digestOf(769), 0)).toBe("full")
    expect(set.offer(digestOf(0), 0)).toBe("full")
    expect(set.size).toBe(769)
    set.makeRoom()
    expect(set.offer(digestOf(769), 0)).toBe("new")
    expect(set.offer(digestOf(0), 0)).toBe("covered")
    expect([set.size, set.worlds]).toEqual([770, 770])
  })

  it("shared - should be the same set in another StateSet built from it, and after makeRoom moved the table, from its new shared()", () => {
    const set = new StateSet()
    const other = new StateSet(set.shared())
    expect(set.offer(digestOf(1), 0)).toBe("new")
    expect(other.offer(digestOf(1), 0)).toBe("covered")
    expect(other.offer(digestOf(2), packBudgets([1]))).toBe("new")
    expect([set.size, set.worlds]).toEqual([2, 2])
    for (let n = 3; n < 600; n++) set.add(digestOf(n), 0)
    expect(new StateSet(set.shared()).offer(digestOf(2), packBudgets([1]))).toBe("covered")
  })

  it("offer - should keep each state once when two threads offer the same states at once", async () => {
    const set = new StateSet()
    for (let n = 0; n < 6_000; n++) set.add(digestOf(1_000_000 + n), 0)
    // Room for every state offered, so that none is refused as full.
    set.makeRoom(32)
    const before = set.size
    const distinct = 20_000
    // Both threads offer the same states in the same order, so that they race for the same slots.
    const offerings = [0, 1].map(
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(new URL("./fixtures/OfferWorker.ts", import.meta.url), { workerData: { states: set.shared(), distinct, offers: 5 * distinct }, execArgv: ["--import", "tsx"] })
          worker.on("message", resolve)
          worker.on("error", reject)
        })
    )
    const added = await Promise.all(offerings)
    // Each fingerprint with budgets 0 and 1 by turns: the one with 1 covers the one with 0, which is kept too when offered first.
    expect(set.worlds - before).toBe(distinct)
    expect(set.size - before).toBe((added[0] ?? 0) + (added[1] ?? 0))
    expect(set.size - before).toBe(2 * distinct)
    for (let n = 0; n < distinct; n++) expect(set.offer(digestOf(n), 1)).toBe("covered")
  })
})

describe("Links", () => {
  it("pathTo - should give back each state's path, as a list of parent and action objects would", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 500 })), { minLength: 1_100, maxLength: 3_000 }), (draws) => {
        const links = new Links()
        const objects: Array<{ readonly parent: number; readonly action: number }> = [{ parent: -1, action: -1 }]
        expect(links.push(-1, -1)).toBe(0)
        for (const [parentDraw, action] of draws) {
          const parent = parentDraw % objects.length
          expect(links.push(parent, action)).toBe(objects.length)
          objects.push({ parent, action })
        }
        expect(links.length).toBe(objects.length)
        const naivePath = (state: number): Array<number> => (state === 0 ? [] : [...naivePath(objects[state]?.parent ?? 0), objects[state]?.action ?? -1])
        for (let state = 0; state < objects.length; state += 97) expect(links.pathTo(state)).toEqual(naivePath(state))
        expect(links.pathTo(objects.length - 1)).toEqual(naivePath(objects.length - 1))
      }),
      { numRuns: 20 }
    )
  })
})
