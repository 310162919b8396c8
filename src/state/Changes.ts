/**
 * A step's writes: the rows a step put or deleted, and its header if it changed, as a store
 * commits them.
 *
 * Machines never copy a row they do not change (a step builds its next state by replacing the
 * rows it touches and keeping every other row as the very same object), so the rows that differ
 * between the state before a step and the state after it are found by identity, and only those
 * are encoded. {@link changesOf} is pure: a driver commits its result in one transaction (see
 * the SQLite store in `src/drivers/`), and {@link applyChanges} replays it on an encoded document,
 * which is how the tests show that the writes are exactly the difference between the two states.
 *
 * Today finding the changed rows compares every row of a changed table by identity, which costs
 * a pointer comparison per row; only the changed rows are encoded and written.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import { canonicalJson } from "../crypto/Canonical.js"
import { encodeRow, type AnyPartyCodec, type EncodedDocument, type EncodedRow, type Rows } from "./Table.js"

/** One row written by a step: put (`row` is its encoded value) or deleted (`row` is `null`). @category models @since 0.3.0 */
export interface RowWrite {
  readonly table: string
  readonly key: string
  readonly row: EncodedRow | null
}

/** A step's writes: the encoded header if it changed (else `null`), and every row put or deleted. @category models @since 0.3.0 */
export interface Changes {
  readonly header: unknown
  readonly rows: ReadonlyArray<RowWrite>
}

/** Whether a step wrote nothing. @since 0.3.0 */
export const isEmpty = (changes: Changes): boolean => changes.header === null && changes.rows.length === 0

const rowWrites = (codec: AnyPartyCodec, table: string, before: Rows<unknown>, after: Rows<unknown>): ReadonlyArray<RowWrite> => {
  if (before === after) return []
  const writes: Array<RowWrite> = []
  for (const [key, row] of Object.entries(after)) {
    if (!Object.hasOwn(before, key) || before[key] !== row) writes.push({ table, key, row: encodeRow(codec, table, row) })
  }
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) writes.push({ table, key, row: null })
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
  const header = Schema.encodeUnknownSync(codec.header)(next.header)
  const headerChanged = previous === null || canonicalJson(Schema.encodeUnknownSync(codec.header)(previous.header)) !== canonicalJson(header)
  const rows = Object.keys(codec.tables).flatMap((table) =>
    rowWrites(codec, table, previous?.tables[table] ?? {}, next.tables[table] ?? {})
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
