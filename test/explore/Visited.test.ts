/**
 * What the explorer keeps of each state seen (`src/explore/Visited.ts`): the state set says "new"
 * exactly when a plain map of fingerprints to the budgets seen with them would, and counts its
 * entries and distinct fingerprints as that map does, through many growths; and the links give
 * back every state's path as a list of objects would.
 */
import { createHash } from "node:crypto"
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
