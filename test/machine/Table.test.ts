import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Table, type StoredRows } from "../../src/machine/Table.js"

interface Row {
  readonly due: number | null
  readonly n: number
}
const dueAt = (row: Row): number | null => row.due

/** One operation of a script, applied both to a table and to a plain Map as the reference. */
type Op = { readonly kind: "set"; readonly key: string; readonly row: Row } | { readonly kind: "remove"; readonly key: string }

const keyArb = fc.constantFrom("a", "b", "c", "ord-1", "ord-10", "ord-2", "__proto__", "constructor", "")
const rowArb = fc.record({ due: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }), n: fc.nat(5) })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: keyArb, row: rowArb }),
  fc.record({ kind: fc.constant("remove" as const), key: keyArb })
)

const apply = (table: Table<Row>, op: Op): Table<Row> => (op.kind === "set" ? table.set(op.key, op.row) : table.remove(op.key))
const applyToMap = (map: Map<string, Row>, op: Op): void => {
  if (op.kind === "set") map.set(op.key, op.row)
  else map.delete(op.key)
}
const sortedEntries = (map: Map<string, Row>): Array<[string, Row]> => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

describe("Table", () => {
  it("behaves as a sorted map, keeps every earlier version unchanged, and lists what is due, also after map", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.integer({ min: -1, max: 21 }), (ops, now) => {
        const map = new Map<string, Row>()
        let table = Table.empty<Row>(dueAt)
        const versions: Array<[Table<Row>, Array<[string, Row]>]> = []
        for (const op of ops) {
          table = apply(table, op)
          applyToMap(map, op)
          versions.push([table, sortedEntries(map)])
        }
        for (const [version, expected] of versions) {
          expect(version.entries()).toEqual(expected)
          expect(version.size).toBe(expected.length)
        }
        const due = sortedEntries(map)
          .filter(([, row]) => row.due !== null && row.due <= now)
          .sort(([ka, a], [kb, b]) => (a.due ?? 0) - (b.due ?? 0) || (ka < kb ? -1 : 1))
        expect(table.dueBy(now)).toEqual(due)
        expect(Table.from(table.entries(), dueAt).dueBy(now)).toEqual(due)
        // map keeps the index, rebuilt from the new rows
        expect(table.map((row) => row).dueBy(now)).toEqual(due)
        expect(table.map((row) => ({ ...row, due: null })).dueBy(now)).toEqual([])
      })
    )
  })

  it("reads only its own keys: no key reaches Object.prototype", () => {
    const table = Table.empty<number>().set("a", 1)
    expect(table.get("constructor")).toBeUndefined()
    expect(table.get("toString")).toBeUndefined()
    expect(table.has("__proto__")).toBe(false)
    expect(table.set("__proto__", 2).toRecord()).toEqual(Object.fromEntries([["__proto__", 2], ["a", 1]]))
  })

  it("diffs two versions by what changed, and nothing for a version against itself", () => {
    const base = Table.from(Array.from({ length: 1000 }, (_, i) => [`k${i}`, { due: null, n: i }] as const))
    const after = base.set("k5", { due: null, n: 99 }).remove("k7").set("new", { due: null, n: 1 })
    const put: Array<string> = []
    const removed: Array<string> = []
    Table.diff(base, after, (key) => put.push(key), (key) => removed.push(key))
    expect(put.sort()).toEqual(["k5", "new"])
    expect(removed).toEqual(["k7"])
    Table.diff(after, after, (key) => put.push(key), (key) => removed.push(key))
    expect(put).toHaveLength(2)
  })

  it("refuses dueBy on a table without a deadline index, and removes a missing key as a no-op", () => {
    const table = Table.empty<number>().set("a", 1)
    expect(() => table.dueBy(0)).toThrow(/no deadline index/)
    expect(table.remove("missing")).toBe(table)
  })
})

/** A store of committed rows, as a Map: what a store-backed table reads through to. */
const storeOf = (committed: Map<string, Row>): StoredRows<Row> => ({
  get: (key) => committed.get(key),
  has: (key) => committed.has(key),
  entries: () => sortedEntries(committed)
})

describe("Table backed by a store", () => {
  it("behaves as the table it stands for through writes, commits and spills, holding in memory only what is not yet committed", () => {
    const step = fc.oneof(opArb.map((op) => ({ commit: false as const, op })), fc.constant({ commit: true as const, op: null }))
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 10 }), fc.array(step, { maxLength: 40 }), fc.integer({ min: -1, max: 21 }), (initial, steps, now) => {
        let plain = Table.empty<Row>(dueAt)
        for (const op of initial) plain = apply(plain, op)
        const committed = new Map(plain.entries())
        let backed = Table.backed(storeOf(committed), committed.size, plain.entries().filter(([, row]) => row.due !== null), dueAt)
        expect(backed.inMemory).toBe(0)
        let written = backed
        for (const { commit, op } of steps) {
          if (commit) {
            // the store commits the writes since the last commit, as a driver does, then the table spills
            Table.diff(written, backed, (key, row) => committed.set(key, row), (key) => committed.delete(key))
            backed = backed.spill()
            written = backed
            expect(backed.inMemory).toBe(0)
          } else {
            plain = apply(plain, op)
            backed = apply(backed, op)
          }
          expect(backed.entries()).toEqual(plain.entries())
          expect([...backed]).toEqual(plain.entries())
          expect(backed.keys()).toEqual(plain.keys())
          expect(backed.size).toBe(plain.size)
          for (const key of ["a", "b", "ord-1", "__proto__", "missing"]) {
            expect(backed.get(key)).toEqual(plain.get(key))
            expect(backed.has(key)).toBe(plain.has(key))
          }
          expect(backed.dueBy(now)).toEqual(plain.dueBy(now))
          expect(backed.map((row) => ({ ...row, n: row.n + 1 })).entries()).toEqual(plain.map((row) => ({ ...row, n: row.n + 1 })).entries())
        }
      })
    )
  })

  it("compares tables that share no store row by row", () => {
    const committed = new Map<string, Row>([["a", { due: null, n: 1 }], ["b", { due: null, n: 2 }]])
    const backed = Table.backed(storeOf(committed), 2, [], dueAt).set("c", { due: 3, n: 3 }).remove("a")
    const put: Array<string> = []
    const removed: Array<string> = []
    Table.diff(Table.from<Row>([["a", { due: null, n: 1 }], ["z", { due: null, n: 0 }]]), backed, (key) => put.push(key), (key) => removed.push(key))
    expect(put).toEqual(["b", "c"])
    expect(removed).toEqual(["a", "z"])
  })
})
