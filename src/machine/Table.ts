/**
 * A party's table: rows by key, **persistent** and **sorted**. Every change returns a new table
 * and leaves the old one exactly as it was; the two share every node but the O(log n) on the
 * changed row's path. So a step costs what it touches, not what the party has ever held, and the
 * harness keeps every earlier world as a cheap snapshot.
 *
 * Rows are kept in key order (JavaScript's string order), so two tables with the same rows
 * iterate alike however they were built: a party's outputs never depend on the order its rows
 * arrived in, and a canonical encoding of its state is a walk.
 *
 * A table may keep a **deadline index**: given `dueAt(row)` (a time in ms, or `null` for a row
 * with nothing due), {@link Table.dueBy} lists the rows due by a time in O(log n + due), so that a
 * tick costs what is due, not a scan. The index is maintained by {@link Table.set} and
 * {@link Table.remove} themselves; a party never edits it.
 *
 * Backed by the B+ tree of [`sorted-btree`](https://github.com/qwertie/btree-typescript)
 * (copy-on-write clones, `with`/`without` in O(log n), and a diff that skips shared subtrees:
 * {@link Table.diff}). Only the persistent operations are reachable: a tree is private to its
 * table and never changed once the table holds it.
 *
 * @since 0.4.0
 */
import SortedBTree from "sorted-btree"
import DiffAgainst from "sorted-btree/extended/diffAgainst.js"

/**
 * `sorted-btree` is CommonJS with an `exports.default`: Node hands an ES module its whole
 * `module.exports` as the default import, Vite's loader hands it `exports.default`. This takes
 * the function either way.
 */
const interop = <F>(imported: { readonly default: F } | F): F =>
  typeof imported === "function" ? (imported as F) : (imported as { readonly default: F }).default

const BTree = interop(SortedBTree)
type Tree<K, V> = InstanceType<typeof SortedBTree.default<K, V>>
const diffAgainst = interop(DiffAgainst)

/** When a row is next due, in ms, or `null` when nothing about it is due. @since 0.4.0 */
export type DueAt<V> = (row: V) => number | null

/** A deadline index entry: the time a row is due and its key. */
type DueKey = readonly [number, string]

const compareDue = (a: DueKey, b: DueKey): number => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)

/** The deadline index of a table: the due function and the tree of `[due, key]`. */
interface DueIndex<V> {
  readonly dueAt: DueAt<V>
  readonly tree: Tree<DueKey, undefined>
}

/**
 * Rows of type `V` by string key, persistent and sorted by key, optionally with a deadline
 * index. Build one with {@link Table.empty} or {@link Table.from}.
 *
 * @category models
 * @since 0.4.0
 */
export class Table<V> implements Iterable<readonly [string, V]> {
  private constructor(
    private readonly rows: Tree<string, V>,
    private readonly due: DueIndex<V> | null
  ) {}

  /** An empty table; with `dueAt`, one that keeps a deadline index. @since 0.4.0 */
  static empty<V>(dueAt?: DueAt<V>): Table<V> {
    return Table.from([], dueAt)
  }

  /** A table of `entries` (a later entry under the same key wins); with `dueAt`, indexed by deadline. @since 0.4.0 */
  static from<V>(entries: Iterable<readonly [string, V]>, dueAt?: DueAt<V>): Table<V> {
    const rows = new BTree<string, V>()
    for (const [key, row] of entries) rows.set(key, row, true)
    if (dueAt === undefined) return new Table(rows, null)
    const due = new BTree<DueKey, undefined>(undefined, compareDue)
    rows.forEachPair((key, row) => {
      const at = dueAt(row)
      if (at !== null) due.set([at, key], undefined, true)
    })
    return new Table(rows, { dueAt, tree: due })
  }

  /** How many rows. O(1). @since 0.4.0 */
  get size(): number {
    return this.rows.size
  }

  /** The row under `key`, if any. O(log n). @since 0.4.0 */
  get(key: string): V | undefined {
    return this.rows.get(key)
  }

  /** Whether a row is under `key`. O(log n). @since 0.4.0 */
  has(key: string): boolean {
    return this.rows.has(key)
  }

  /** Whether the table keeps a deadline index, so that {@link Table.dueBy} may be asked. @since 0.4.0 */
  get indexed(): boolean {
    return this.due !== null
  }

  /** The table with `row` under `key` (added or replaced). O(log n); this table is unchanged. @since 0.4.0 */
  set(key: string, row: V): Table<V> {
    return this.changed(this.rows.with(key, row, true), key, this.rows.get(key), row)
  }

  /** The table without the row under `key` (this table itself if there is none). O(log n). @since 0.4.0 */
  remove(key: string): Table<V> {
    return this.rows.has(key) ? this.changed(this.rows.without(key), key, this.rows.get(key), undefined) : this
  }

  /** The table of `rows`, in which the row under `key` went from `before` to `after`, its deadline index moved to match. */
  private changed(rows: Tree<string, V>, key: string, before: V | undefined, after: V | undefined): Table<V> {
    if (this.due === null) return new Table(rows, null)
    const was = before === undefined ? null : this.due.dueAt(before)
    const now = after === undefined ? null : this.due.dueAt(after)
    if (was === now) return new Table(rows, this.due)
    let tree = this.due.tree
    if (was !== null) tree = tree.without([was, key])
    if (now !== null) tree = tree.with([now, key], undefined, true)
    return new Table(rows, { dueAt: this.due.dueAt, tree })
  }

  /** Every key, in order. @since 0.4.0 */
  keys(): Array<string> {
    return this.rows.keysArray()
  }

  /** Every row, in key order. @since 0.4.0 */
  values(): Array<V> {
    return this.rows.valuesArray()
  }

  /** Every `[key, row]`, in key order. @since 0.4.0 */
  entries(): Array<readonly [string, V]> {
    return this.rows.toArray()
  }

  /** Iterates `[key, row]` in key order. @since 0.4.0 */
  [Symbol.iterator](): Iterator<readonly [string, V]> {
    return this.rows.entries()
  }

  /** The table with every row replaced by `f(row, key)`, keeping its deadline index (rebuilt). O(n). @since 0.4.0 */
  map(f: (row: V, key: string) => V): Table<V> {
    return Table.from(
      this.entries().map(([key, row]) => [key, f(row, key)] as const),
      this.due?.dueAt
    )
  }

  /**
   * The rows due by `now_ms` (`dueAt(row) <= now_ms`), earliest first, as `[key, row]`. O(log n +
   * due). Throws on a table built without `dueAt` (a defect in the party).
   *
   * @since 0.4.0
   */
  dueBy(now_ms: number): Array<readonly [string, V]> {
    if (this.due === null) throw new Error("Table.dueBy: this table keeps no deadline index")
    const due: Array<readonly [string, V]> = []
    for (const [[at, key]] of this.due.tree.entries()) {
      if (at > now_ms) break
      const row = this.rows.get(key)
      if (row !== undefined) due.push([key, row])
    }
    return due
  }

  /** The rows as a plain record (own properties only, in key order), for a caller that wants one. O(n). @since 0.4.0 */
  toRecord(): Record<string, V> {
    return Object.fromEntries(this.rows.toArray())
  }

  /**
   * What changed from `before` to `after`: `put` for every row added or replaced by another
   * object, `removed` for every key gone. Subtrees the two share are skipped, so after a step the
   * cost is about what the step changed, not the table's size.
   *
   * @since 0.4.0
   */
  static diff<V>(before: Table<V>, after: Table<V>, put: (key: string, row: V) => void, removed: (key: string) => void): void {
    if (before.rows === after.rows) return
    diffAgainst(
      before.rows,
      after.rows,
      (key) => {
        removed(key)
      },
      (key, row) => {
        put(key, row)
      },
      (key, _was, row) => {
        put(key, row)
      }
    )
  }
}
