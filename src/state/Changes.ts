/**
 * A step's writes: the rows a step put or deleted, and its header if it changed, as a store
 * commits them.
 *
 * A party's tables are persistent ({@link Table}): a step's next state shares every row, and
 * every tree node, it did not touch with the state before. So the rows that differ are found by
 * {@link Table.diff}, which skips the shared subtrees: the cost is about what the step changed,
 * not what the party holds, and only the changed rows are encoded. {@link changesOf} is pure: a
 * driver commits its result in one transaction (see the SQLite store in `src/drivers/`), and
 * {@link applyChanges} replays it on an encoded document, which is how the tests show that the
 * writes are exactly the difference between the two states.
 *
 * @since 0.3.0
 */
import { canonicalJson } from "../crypto/Canonical.js"
import { Table } from "../machine/Table.js"
import { encodeHeader, encodeRow, type AnyPartyCodec, type EncodedDocument, type EncodedRow } from "./Codec.js"

/**
 * One row written by a step: put (`row` is its encoded value) or deleted (`row` is `null`), and
 * when the put row is next due by its table's deadline index (`null`: never, or a table without
 * one), so that a store can list the due rows without decoding the others.
 *
 * @category models
 * @since 0.3.0
 */
export interface RowWrite {
  readonly table: string
  readonly key: string
  readonly row: EncodedRow | null
  readonly due: number | null
}

/** A step's writes: the encoded header if it changed (else `null`), and every row put or deleted. @category models @since 0.3.0 */
export interface Changes {
  readonly header: unknown
  readonly rows: ReadonlyArray<RowWrite>
}

/** Whether a step wrote nothing. @since 0.3.0 */
export const isEmpty = (changes: Changes): boolean => changes.header === null && changes.rows.length === 0

const rowWrites = (codec: AnyPartyCodec, table: string, before: Table<unknown>, after: Table<unknown>): ReadonlyArray<RowWrite> => {
  const writes: Array<RowWrite> = []
  const dueAt = codec.indexes[table]
  Table.diff(
    before,
    after,
    (key, row) => writes.push({ table, key, row: encodeRow(codec, table, row), due: dueAt === undefined ? null : dueAt(row) }),
    (key) => writes.push({ table, key, row: null, due: null })
  )
  return writes
}

/**
 * The writes that turn the stored form of `before` into that of `after` (both states of one
 * party of `codec`'s kind); with `before` `null`, every row of `after` and its header.
 *
 * @since 0.3.0
 */
export const changesOf = (codec: AnyPartyCodec, before: unknown, after: unknown): Changes => {
  const next = codec.split(after)
  const previous = before === null ? null : codec.split(before)
  const header = encodeHeader(codec, next.header)
  const headerChanged = previous === null || canonicalJson(encodeHeader(codec, previous.header)) !== canonicalJson(header)
  const rows = Object.keys(codec.tables).flatMap((table) =>
    rowWrites(codec, table, previous?.tables[table] ?? Table.empty(), next.tables[table] ?? Table.empty())
  )
  return { header: headerChanged ? header : null, rows }
}

/** The encoded document with `changes` applied: what a store holds after committing them. @since 0.3.0 */
export const applyChanges = (document: EncodedDocument, changes: Changes): EncodedDocument => {
  const tables: Record<string, Record<string, EncodedRow>> = Object.fromEntries(
    Object.entries(document.tables).map(([table, rows]) => [table, { ...rows }])
  )
  for (const write of changes.rows) {
    const rows = (tables[write.table] ??= {})
    if (write.row === null) delete rows[write.key]
    else Object.defineProperty(rows, write.key, { value: write.row, enumerable: true, writable: true, configurable: true })
  }
  return { ...document, header: changes.header ?? document.header, tables }
}
