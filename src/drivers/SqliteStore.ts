/**
 * A party's durable state in one SQLite file, through `node:sqlite`: the embedded store.
 *
 * The file holds one SQL table per table of the party's state (`payments`, `records`, `outbox`,
 * `holds`, ...), each a `key`, the row's JSON as the state codec encodes it, tagged with its
 * table, and when the row is next due (`null`: never); and a `meta` table with the party kind,
 * the format version, the store's layout, the party id and the header. A step's writes
 * ({@link Changes.Changes}: the rows it put or deleted and its header) are committed in **one
 * transaction**, so a process killed at any point leaves the file either before the step or
 * after it, never halfway. Since the outbox is one of the tables, the
 * requests a step sends are committed with the state that sent them.
 *
 * Loading reads every row back through the codec: a row that does not decode, a row of another
 * table or party kind, or the file of another kind of party is a typed {@link StateDecodeError},
 * and nothing is loaded. {@link SqliteStore.load} reads and keeps every row;
 * {@link SqliteStore.loadBacked} reads only the rows that are due (each row is stored with its due
 * time) and keeps none: each table keeps its deadline index and reads its rows from the file
 * ({@link Table.backed}), so neither the time a party takes to start nor what it holds in memory
 * grows with its history.
 *
 * The file is opened in WAL mode; `synchronous` is `FULL` by default (each commit is on disk
 * before the step's packets leave, surviving a power cut), or `NORMAL` (survives a killed
 * process, and may lose the last commits on a power cut).
 *
 * @since 0.3.0
 */
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { Cause, Effect, Exit } from "effect"
import type { PartyId } from "../domain/Ids.js"
import { changesOf, isEmpty, type Changes } from "../state/Changes.js"
import { DOCUMENT, HEADER, StateDecodeError } from "../state/Errors.js"
import { codecOf, decodeState, tableNames, type IdentityOf, type PartyKind, type StateOf } from "../state/State.js"
import { decodeRow, FORMAT_VERSION, parseJson, type EncodedRow } from "../state/Codec.js"
import { Table, type StoredRows } from "../machine/Table.js"

/** How hard a commit waits for the disk. @category models @since 0.3.0 */
export type Synchronous = "FULL" | "NORMAL"

const META_KEYS = ["kind", "version", "party", "header"] as const

/** The layout of the file's tables: 2 keeps each row's due time beside it (1, before it, did not). */
const LAYOUT = "2"

/** The SQL name of a state table: its own name, quoted (table names are fixed identifiers in the codecs). */
const sqlTable = (table: string): string => `"rows_${table}"`

/**
 * One party's store in one SQLite file.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Ed25519Backends, Issuer, Topology } from "checkout-protocol"
 * import { SqliteStore } from "checkout-protocol/sqlite"
 *
 * const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
 * const issuer = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.issuer)!.state as Issuer.IssuerState
 * const store = SqliteStore.SqliteStore.open(":memory:", "Issuer")
 * store.create(issuer)
 * const loaded = Effect.runSync(store.load(issuer.identity))
 * loaded.ledger.accounts.get("acct-alice")?.creditsPosted // 50000
 * store.close()
 * ```
 *
 * @category drivers
 * @since 0.3.0
 */
export class SqliteStore<K extends PartyKind> {
  readonly #db: DatabaseSync
  /** Prepared statements by SQL text: a step's writes reuse them. */
  readonly #statements = new Map<string, StatementSync>()

  private constructor(
    /** The party kind whose state this file holds. */
    readonly kind: K,
    db: DatabaseSync
  ) {
    this.#db = db
  }

  /** Opens (or creates) the store at `path` (`":memory:"` for a store that lives as long as the process) for a party of kind `kind`. */
  static open<K extends PartyKind>(path: string, kind: K, synchronous: Synchronous = "FULL"): SqliteStore<K> {
    const db = new DatabaseSync(path)
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`)
    db.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    for (const table of tableNames(kind)) {
      db.exec(`CREATE TABLE IF NOT EXISTS ${sqlTable(table)} (key TEXT PRIMARY KEY, row TEXT NOT NULL, due INTEGER) WITHOUT ROWID`)
    }
    return new SqliteStore(kind, db)
  }

  /** Whether the file holds no state yet (it was just created). */
  isEmpty(): boolean {
    return this.#db.prepare("SELECT 1 FROM meta WHERE name = 'kind'").get() === undefined
  }

  /** Writes a party's whole state into an empty store, in one transaction. */
  create(state: StateOf<K>): void {
    const codec = codecOf(this.kind)
    const { party } = codec.split(state) as { readonly party: PartyId }
    this.#transaction(() => {
      const put = this.#statement("INSERT INTO meta (name, value) VALUES (?, ?)")
      put.run("kind", this.kind)
      put.run("version", String(FORMAT_VERSION))
      put.run("layout", LAYOUT)
      put.run("party", party)
      this.#write(changesOf(codec, null, state))
    })
  }

  /** Commits a step's writes in one transaction: all of them, or (if the process dies first) none. */
  commit(changes: Changes): void {
    this.#transaction(() => this.#write(changes))
  }

  /** Commits the writes that turn the party's state `before` into `after` (a step's, or a restart's), if there are any. */
  commitStep(before: StateOf<K>, after: StateOf<K>): void {
    const changes = changesOf(codecOf(this.kind), before, after)
    if (!isEmpty(changes)) this.commit(changes)
  }

  /**
   * Loads the stored state of the party `identity` names: every row decoded through the codec.
   * Fails with a {@link StateDecodeError} on a row or header that does not decode, or a file of
   * another party or party kind.
   */
  load(identity: IdentityOf<K>): Effect.Effect<StateOf<K>, StateDecodeError> {
    const kind = this.kind
    return Effect.gen({ self: this }, function* () {
      const document = yield* this.#document()
      const tables: Record<string, Record<string, EncodedRow>> = {}
      for (const table of tableNames(kind)) {
        const rows: Array<readonly [string, EncodedRow]> = []
        for (const { key, row } of this.#rows(table)) rows.push([key, (yield* parseJson(kind, table, key, row)) as EncodedRow])
        tables[table] = Object.fromEntries(rows)
      }
      return yield* decodeState(kind, { ...document, tables }, identity)
    })
  }

  /**
   * Loads the stored state of the party `identity` names, keeping no row in memory: each table
   * is {@link Table.backed} by this file, with its deadline index built from the rows stored as
   * due, and reads its rows from it. Only the header and the due rows are read and checked (a bad
   * one is a {@link StateDecodeError}, and nothing is loaded), so starting costs what is due, not
   * what the party ever held; any other row is checked when a step reads it, and a bad one throws
   * its {@link StateDecodeError} out of that step. {@link SqliteStore.load} checks every row. The
   * state is a view of the file, valid while the store is open; after each commit, `State.spill`
   * drops from it the writes the commit made durable.
   *
   * @since 0.6.0
   */
  loadBacked(identity: IdentityOf<K>): Effect.Effect<StateOf<K>, StateDecodeError> {
    const kind = this.kind
    const codec = codecOf(kind)
    return Effect.gen({ self: this }, function* () {
      const document = yield* this.#document()
      const empty = Object.fromEntries(tableNames(kind).map((table) => [table, {}]))
      const parts = codec.split(yield* decodeState(kind, { ...document, tables: empty }, identity))
      const tables: Record<string, Table<unknown>> = {}
      for (const table of tableNames(kind)) {
        const due: Array<readonly [string, unknown]> = []
        for (const { key, row } of this.#statement(`SELECT key, row FROM ${sqlTable(table)} WHERE due IS NOT NULL`).all() as Array<{ key: string; row: string }>) {
          due.push([key, yield* this.#decode(table, key, row)])
        }
        const { size } = this.#statement(`SELECT count(*) AS size FROM ${sqlTable(table)}`).get() as { size: number }
        tables[table] = Table.backed(this.#stored(table), size, due, codec.indexes[table])
      }
      return codec.join({ ...parts, tables }, identity) as StateOf<K>
    })
  }

  /** The meta table as a document without tables; fails if no state was ever created in the file. */
  #document(): Effect.Effect<{ readonly kind: unknown; readonly version: number; readonly party: unknown; readonly header: unknown }, StateDecodeError> {
    const kind = this.kind
    const meta = new Map((this.#db.prepare("SELECT name, value FROM meta").all() as Array<{ name: string; value: string }>).map((r) => [r.name, r.value]))
    return Effect.gen(function* () {
      const missing = META_KEYS.find((name) => !meta.has(name))
      if (missing !== undefined) return yield* new StateDecodeError({ kind, table: DOCUMENT, key: null, detail: `the store holds no ${missing}: no state was ever created in it` })
      const layout = meta.get("layout") ?? "1"
      if (layout !== LAYOUT) return yield* new StateDecodeError({ kind, table: DOCUMENT, key: null, detail: `store layout ${layout}, expected ${LAYOUT}: written by an older version` })
      const header = yield* parseJson(kind, HEADER, null, meta.get("header") ?? "")
      return { kind: meta.get("kind"), version: Number(meta.get("version")), party: meta.get("party"), header }
    })
  }

  /** Every stored row of `table`, in key order (keys are ASCII, where SQLite's binary order is JavaScript's, as {@link Table.backed} needs). */
  #rows(table: string): Array<{ key: string; row: string }> {
    return this.#statement(`SELECT key, row FROM ${sqlTable(table)} ORDER BY key`).all() as Array<{ key: string; row: string }>
  }

  /** The stored text of a row of `table`, parsed and decoded. */
  #decode(table: string, key: string, text: string): Effect.Effect<unknown, StateDecodeError> {
    return Effect.flatMap(parseJson(this.kind, table, key, text), (json) => decodeRow(codecOf(this.kind), table, key, json))
  }

  /** `table`'s committed rows, read as a step asks for them; a row that no longer decodes throws its {@link StateDecodeError}. */
  #stored(table: string): StoredRows<unknown> {
    const read = (key: string, text: string): unknown => {
      const exit = Effect.runSyncExit(this.#decode(table, key, text))
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    }
    const get = this.#statement(`SELECT row FROM ${sqlTable(table)} WHERE key = ?`)
    const has = this.#statement(`SELECT 1 FROM ${sqlTable(table)} WHERE key = ?`)
    return {
      get: (key) => {
        const found = get.get(key) as { row: string } | undefined
        return found === undefined ? undefined : read(key, found.row)
      },
      has: (key) => has.get(key) !== undefined,
      entries: () => this.#rows(table).map(({ key, row }) => [key, read(key, row)] as const)
    }
  }

  /** Closes the file. */
  close(): void {
    this.#db.close()
  }

  #write(changes: Changes): void {
    if (changes.header !== null) {
      this.#statement("INSERT OR REPLACE INTO meta (name, value) VALUES ('header', ?)").run(JSON.stringify(changes.header))
    }
    for (const write of changes.rows) {
      if (write.row === null) this.#statement(`DELETE FROM ${sqlTable(write.table)} WHERE key = ?`).run(write.key)
      else this.#statement(`INSERT OR REPLACE INTO ${sqlTable(write.table)} (key, row, due) VALUES (?, ?, ?)`).run(write.key, JSON.stringify(write.row), write.due)
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  #transaction(body: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE")
    try {
      body()
      this.#db.exec("COMMIT")
    } catch (error) {
      this.#db.exec("ROLLBACK")
      throw error
    }
  }
}
