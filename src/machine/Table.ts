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
 * A table may also be **backed by a store** ({@link Table.backed}): its rows then live in the
 * store's committed rows ({@link StoredRows}), and the table holds in memory only its deadline
 * index (times and keys) and the rows a step wrote since the last commit (a removed row as a
 * marker). Reads fall through to the store; {@link Table.spill} drops the writes once committed.
 * Such a table is a view of the store as committed now, not a snapshot: a driver keeps only its
 * current state.
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

/**
 * The committed rows a store-backed table reads through to: one table of one party's store, as
 * committed by the last transaction. Keys are compared as JavaScript strings (the store must list
 * them in that order).
 *
 * @category models
 * @since 0.6.0
 */
export interface StoredRows<V> {
  /** The committed row under `key`, decoded, if any. */
  readonly get: (key: string) => V | undefined
  /** Whether a row is committed under `key`. */
  readonly has: (key: string) => boolean
  /** Every committed row, in key order. */
  readonly entries: () => Iterable<readonly [string, V]>
}

/** The marker of a row a step removed from a store-backed table, until the removal is committed. */
const GONE: unique symbol = Symbol("Table.gone")
type Gone = typeof GONE

/** What a store-backed table reads through to, and how many rows it has in all. */
interface Backing<V> {
  readonly stored: StoredRows<V>
  readonly size: number
}

/** A backing once the row under a key went from existing (`had`) or not to existing (`has`) or not. */
const resized = <V>(backing: Backing<V>, had: boolean, has: boolean): Backing<V> =>
  had === has ? backing : { stored: backing.stored, size: backing.size + (has ? 1 : -1) }

/** The entries of two iterators sorted by key, in key order; of a key in both, `first`'s entry. */
function* unionByKey<A, B>(first: Iterator<readonly [string, A]>, second: Iterator<readonly [string, B]>): Generator<readonly [string, A | B]> {
  let a = first.next()
  let b = second.next()
  while (!a.done || !b.done) {
    if (a.done || (!b.done && b.value[0] < a.value[0])) {
      yield b.value
      b = second.next()
    } else {
      if (!b.done && b.value[0] === a.value[0]) b = second.next()
      yield a.value
      a = first.next()
    }
  }
}

/** The deadline index of a table: the due function and the tree of `[due, key]`. */
interface DueIndex<V> {
  readonly dueAt: DueAt<V>
  readonly tree: Tree<DueKey, undefined>
}

/** The deadline index of `rows` by `dueAt`, or none without `dueAt`. */
const dueIndexOf = <V>(rows: Iterable<readonly [string, V]>, dueAt: DueAt<V> | undefined): DueIndex<V> | null => {
  if (dueAt === undefined) return null
  const tree = new BTree<DueKey, undefined>(undefined, compareDue)
  for (const [key, row] of rows) {
    const at = dueAt(row)
    if (at !== null) tree.set([at, key], undefined, true)
  }
  return { dueAt, tree }
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
    /** The rows in memory: all of them, or for a store-backed table those written since the last commit (`GONE`: removed). */
    private readonly rows: Tree<string, V | Gone>,
    private readonly due: DueIndex<V> | null,
    private readonly backing: Backing<V> | null = null
  ) {}

  /** An empty table; with `dueAt`, one that keeps a deadline index. @since 0.4.0 */
  static empty<V>(dueAt?: DueAt<V>): Table<V> {
    return Table.from([], dueAt)
  }

  /** A table of `entries` (a later entry under the same key wins); with `dueAt`, indexed by deadline. @since 0.4.0 */
  static from<V>(entries: Iterable<readonly [string, V]>, dueAt?: DueAt<V>): Table<V> {
    const rows = new BTree<string, V | Gone>()
    for (const [key, row] of entries) rows.set(key, row, true)
    return new Table(rows, dueIndexOf(rows.entries() as Iterable<readonly [string, V]>, dueAt))
  }

  /**
   * A table whose rows are `stored`'s (`size` of them), none of them in memory: `due` lists the
   * stored rows that are due by `dueAt`, for the deadline index (which keeps only their times and
   * keys). Every read goes to `stored` until a write puts a row in memory.
   *
   * @since 0.6.0
   */
  static backed<V>(stored: StoredRows<V>, size: number, due: Iterable<readonly [string, V]>, dueAt?: DueAt<V>): Table<V> {
    return new Table(new BTree<string, V | Gone>(), dueIndexOf(due, dueAt), { stored, size })
  }

  /** How many rows. O(1). @since 0.4.0 */
  get size(): number {
    return this.backing === null ? this.rows.size : this.backing.size
  }

  /** The row under `key`, if any. O(log n); for a store-backed table, a read of the store if the row is not in memory. @since 0.4.0 */
  get(key: string): V | undefined {
    const row = this.rows.get(key)
    if (this.backing === null) return row as V | undefined
    if (row === undefined) return this.backing.stored.get(key)
    return row === GONE ? undefined : row
  }

  /** Whether a row is under `key`. O(log n). @since 0.4.0 */
  has(key: string): boolean {
    const row = this.rows.get(key)
    if (this.backing === null) return row !== undefined
    return row === undefined ? this.backing.stored.has(key) : row !== GONE
  }

  /** Whether the table keeps a deadline index, so that {@link Table.dueBy} may be asked. @since 0.4.0 */
  get indexed(): boolean {
    return this.due !== null
  }

  /** The table with `row` under `key` (added or replaced). O(log n); this table is unchanged. @since 0.4.0 */
  set(key: string, row: V): Table<V> {
    return this.changed(this.rows.with(key, row, true), key, row)
  }

  /** The table without the row under `key` (this table itself if there is none). O(log n). @since 0.4.0 */
  remove(key: string): Table<V> {
    if (!this.has(key)) return this
    return this.changed(this.backing === null ? this.rows.without(key) : this.rows.with(key, GONE, true), key, undefined)
  }

  /** The table of `rows`, in which the row under `key` became `after`: its size and deadline index moved to match. */
  private changed(rows: Tree<string, V | Gone>, key: string, after: V | undefined): Table<V> {
    const before = this.due === null ? undefined : this.get(key)
    const backing = this.backing === null ? null : resized(this.backing, this.due === null ? this.has(key) : before !== undefined, after !== undefined)
    if (this.due === null) return new Table(rows, null, backing)
    const was = before === undefined ? null : this.due.dueAt(before)
    const now = after === undefined ? null : this.due.dueAt(after)
    if (was === now) return new Table(rows, this.due, backing)
    let tree = this.due.tree
    if (was !== null) tree = tree.without([was, key])
    if (now !== null) tree = tree.with([now, key], undefined, true)
    return new Table(rows, { dueAt: this.due.dueAt, tree }, backing)
  }

  /** Every key, in order. @since 0.4.0 */
  keys(): Array<string> {
    return this.backing === null ? this.rows.keysArray() : this.entries().map(([key]) => key)
  }

  /** Every row, in key order. @since 0.4.0 */
  values(): Array<V> {
    return this.backing === null ? (this.rows.valuesArray() as Array<V>) : this.entries().map(([, row]) => row)
  }

  /** Every `[key, row]`, in key order. @since 0.4.0 */
  entries(): Array<readonly [string, V]> {
    return this.backing === null ? (this.rows.toArray() as Array<[string, V]>) : [...this.merged(this.backing.stored)]
  }

  /** Iterates `[key, row]` in key order. @since 0.4.0 */
  [Symbol.iterator](): Iterator<readonly [string, V]> {
    return this.backing === null ? (this.rows.entries() as Iterator<[string, V]>) : this.merged(this.backing.stored)
  }

  /** The rows in memory over the stored ones, in key order: a row in memory wins, a removed one is skipped. */
  private *merged(stored: StoredRows<V>): Generator<readonly [string, V]> {
    for (const [key, row] of unionByKey(this.rows.entries(), stored.entries()[Symbol.iterator]())) if (row !== GONE) yield [key, row]
  }

  /** The table with every row replaced by `f(row, key)`, keeping its deadline index (rebuilt) and its store. O(n); O(n log n) when backed by a store. @since 0.4.0 */
  map(f: (row: V, key: string) => V): Table<V> {
    if (this.backing !== null) return this.entries().reduce<Table<V>>((table, [key, row]) => table.set(key, f(row, key)), this)
    return Table.from(
      this.entries().map(([key, row]) => [key, f(row, key)] as const),
      this.due?.dueAt
    )
  }

  /**
   * The rows due by `now_ms` (`dueAt(row) <= now_ms`), earliest first, as `[key, row]`. O(log n +
   * due), each due row read from the store if the table is backed by one. Throws on a table built
   * without `dueAt` (a defect in the party).
   *
   * @since 0.4.0
   */
  dueBy(now_ms: number): Array<readonly [string, V]> {
    if (this.due === null) throw new Error("Table.dueBy: this table keeps no deadline index")
    const due: Array<readonly [string, V]> = []
    for (const [[at, key]] of this.due.tree.entries()) {
      if (at > now_ms) break
      const row = this.get(key)
      if (row !== undefined) due.push([key, row])
    }
    return due
  }

  /**
   * The table once its writes are committed to its store: nothing is left in memory but the
   * deadline index (times and keys), and every read goes to the store. O(1). Call it only once
   * the writes that led to this table are committed; a table not backed by a store is returned as
   * it is.
   *
   * @since 0.6.0
   */
  spill(): Table<V> {
    return this.backing === null ? this : new Table(new BTree<string, V | Gone>(), this.due, this.backing)
  }

  /** How many rows are held in memory (for a table not backed by a store, all of them). O(1). @since 0.6.0 */
  get inMemory(): number {
    return this.rows.size
  }

  /** The rows as a plain record (own properties only, in key order), for a caller that wants one. O(n). @since 0.4.0 */
  toRecord(): Record<string, V> {
    return Object.fromEntries(this.entries())
  }

  /**
   * What changed from `before` to `after`: `put` for every row added or replaced by another
   * object, `removed` for every key gone. Subtrees the two share are skipped, so after a step the
   * cost is about what the step changed, not the table's size. Two tables backed by different
   * stores (or one by none) are compared row by row.
   *
   * @since 0.4.0
   */
  static diff<V>(before: Table<V>, after: Table<V>, put: (key: string, row: V) => void, removed: (key: string) => void): void {
    if (before.rows === after.rows && before.backing?.stored === after.backing?.stored) return
    if (before.backing?.stored !== after.backing?.stored) return Table.compare(before, after, put, removed)
    diffAgainst(
      before.rows,
      after.rows,
      (key) => {
        removed(key)
      },
      (key, row) => {
        if (row === GONE) removed(key)
        else put(key, row)
      },
      (key, _was, row) => {
        if (row === GONE) removed(key)
        else put(key, row)
      }
    )
  }

  /** {@link Table.diff} for tables that share no store: every row of `after` against `before`'s. */
  private static compare<V>(before: Table<V>, after: Table<V>, put: (key: string, row: V) => void, removed: (key: string) => void): void {
    for (const [key, row] of after) if (before.get(key) !== row) put(key, row)
    for (const [key] of before) if (!after.has(key)) removed(key)
  }
}
