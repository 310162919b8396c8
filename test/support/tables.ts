/**
 * Party states with their tables made comparable. A `Table` is a persistent tree: two tables with
 * the same rows built in different ways (a state decoded from storage, and the state the party
 * built step by step) hold different trees, so `toEqual` must not compare them as objects. This
 * compares what a table means instead: its rows in key order, and the keys its deadline index
 * lists (or `null` for a table that keeps none).
 */
import { Table } from "../../src/machine/Table.js"

/** The keys a table's deadline index lists, earliest first, or `null` when it keeps no index. */
const dueKeys = (table: Table<unknown>): ReadonlyArray<string> | null =>
  table.indexed ? table.dueBy(Number.POSITIVE_INFINITY).map(([key]) => key) : null

/**
 * `value` with every table in it, however deep, replaced by `{ rows, due }`: its `[key, row]`
 * in key order and the keys its deadline index lists (or `null`). Arrays and plain objects are
 * copied with their contents made comparable the same way; anything else is kept as it is.
 */
export const comparable = (value: unknown): unknown => {
  if (value instanceof Table) {
    const table = value as Table<unknown>
    return { rows: table.entries().map(([key, row]) => [key, comparable(row)]), due: dueKeys(table) }
  }
  if (Array.isArray(value)) return value.map(comparable)
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, comparable(v)]))
  }
  return value
}
