/**
 * How a party's state is split for storage, and the codec of one party kind built on that split.
 *
 * A party's durable state is a small **header** (its configuration and counters, one Schema) and
 * named **tables** of rows by key (one Schema per table). Its **identity** (party id, signing key
 * and key registry) is not stored with it: it is configuration, handed to the decoder. A
 * {@link PartyCodec} says how one party kind splits its state into those parts and joins them
 * back; {@link encodeDocument} and {@link decodeDocument} turn a whole state into one JSON
 * document and back, and {@link encodeRow} and {@link decodeRow} do it for one row, the unit a
 * store reads and writes.
 *
 * An encoded row names its own table, as `{ of: "Merchant.payments", row: ... }`, so a row put in
 * the wrong table, or copied from another party kind's store (a **foreign row**), is refused even
 * when its fields happen to fit.
 *
 * @since 0.3.0
 */
import { Effect, Result, Schema } from "effect"
import { PartyId } from "../domain/Ids.js"
import type { PartyIdentity } from "../machine/Party.js"
import { Table, type DueAt } from "../machine/Table.js"
import { DOCUMENT, HEADER, StateDecodeError } from "./Errors.js"
import { STRICT } from "./Rows.js"

/** The version of the stored format; a document of any other version is refused. @since 0.3.0 */
export const FORMAT_VERSION = 2

/** A party's state split for storage: its party id, its header and its tables. @category models @since 0.3.0 */
export interface Parts<H, T extends Record<string, unknown>> {
  /** The party the state belongs to. */
  readonly party: PartyId
  /** The configuration and counters: one small value. */
  readonly header: H
  /** Every table's rows by key. */
  readonly tables: { readonly [N in keyof T]: Table<T[N]> }
}

/**
 * How one party kind keeps its state: the Schema of its header, the Schema of each table's rows,
 * and how the state splits into these parts and joins back given the party's identity (`I` is
 * `null` for a party that signs nothing: the browser).
 *
 * @category models
 * @since 0.3.0
 */
export interface PartyCodec<S, I, H, T extends Record<string, unknown>> {
  /** The party kind, as its machine names it (`"Issuer"`, ...). */
  readonly kind: string
  /** The header's Schema. */
  readonly header: Schema.Codec<H, unknown>
  /** Each table's row Schema, by table name. */
  readonly tables: { readonly [N in keyof T]: Schema.Codec<T[N], unknown> }
  /** The deadline index of each table that keeps one (the outbox's retry times, ...), rebuilt when a state is decoded. */
  readonly indexes: { readonly [N in keyof T]?: DueAt<T[N]> }
  /** The state's stored parts. */
  readonly split: (state: S) => Parts<H, T>
  /** The state from its stored parts and the party's identity. */
  readonly join: (parts: Parts<H, T>, identity: I) => S
}

/** Any party's codec. @category models @since 0.3.0 */
export type AnyPartyCodec = PartyCodec<any, any, any, Record<string, unknown>>

/** A state's stored form: JSON-safe, with the party kind, the format version, the party id, the header and the tables. @category models @since 0.3.0 */
export interface EncodedDocument {
  readonly kind: string
  readonly version: number
  readonly party: string
  readonly header: unknown
  readonly tables: Readonly<Record<string, Readonly<Record<string, EncodedRow>>>>
}

/** One row's stored form: the table it belongs to, as `Kind.table`, and its encoded value. @category models @since 0.3.0 */
export interface EncodedRow {
  readonly of: string
  readonly row: unknown
}

/** The name a row carries of its table: `Kind.table`. @since 0.3.0 */
export const rowTag = (kind: string, table: string): string => `${kind}.${table}`

const fail = (kind: string, table: string, key: string | null, detail: string) => Effect.fail(new StateDecodeError({ kind, table, key, detail }))

const tableSchema = (codec: AnyPartyCodec, table: string): Schema.Codec<unknown, unknown> | undefined =>
  Object.hasOwn(codec.tables, table) ? codec.tables[table] : undefined

/** Encodes one row of `table`. Throws only if `row` is not a valid row of that table (a defect in the caller). @since 0.3.0 */
export const encodeRow = (codec: AnyPartyCodec, table: string, row: unknown): EncodedRow => {
  const schema = tableSchema(codec, table)
  if (schema === undefined) throw new Error(`${codec.kind} has no table ${table}`)
  return { of: rowTag(codec.kind, table), row: Schema.encodeUnknownSync(schema)(row) }
}

const RowShape = Schema.Struct({ of: Schema.String, row: Schema.Unknown })
const decodeRowShape = Schema.decodeUnknownResult(RowShape, STRICT)

/**
 * Decodes the row under `key` of `table`: it must name that table of this party kind (else it is
 * a foreign row) and decode with the table's Schema, excess fields refused.
 *
 * @since 0.3.0
 */
export const decodeRow = (codec: AnyPartyCodec, table: string, key: string, encoded: unknown): Effect.Effect<unknown, StateDecodeError> => {
  const schema = tableSchema(codec, table)
  if (schema === undefined) return fail(codec.kind, table, key, `${codec.kind} has no table ${table}`)
  const shape = decodeRowShape(encoded)
  if (Result.isFailure(shape)) return fail(codec.kind, table, key, `not a stored row: ${shape.failure.message}`)
  const expected = rowTag(codec.kind, table)
  if (shape.success.of !== expected) return fail(codec.kind, table, key, `a foreign row: it belongs to ${shape.success.of}, not ${expected}`)
  const decoded = Schema.decodeUnknownResult(schema, STRICT)(shape.success.row)
  return Result.isFailure(decoded) ? fail(codec.kind, table, key, decoded.failure.message) : Effect.succeed(decoded.success)
}

/** Parses `text` as JSON; a syntax error (a truncated row, say) is a {@link StateDecodeError} at `table` and `key`. @since 0.3.0 */
export const parseJson = (kind: string, table: string, key: string | null, text: string): Effect.Effect<unknown, StateDecodeError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (error) => new StateDecodeError({ kind, table, key, detail: `not JSON: ${error instanceof Error ? error.message : String(error)}` })
  })

/** Encodes a state's header. Throws only if `header` is not a valid header of this party kind (a defect in the caller). @since 0.6.0 */
export const encodeHeader = (codec: AnyPartyCodec, header: unknown): unknown => Schema.encodeUnknownSync(codec.header)(header)

/** Encodes a whole state as one JSON-safe document. @since 0.3.0 */
export const encodeDocument = (codec: AnyPartyCodec, state: unknown): EncodedDocument => {
  const parts = codec.split(state)
  const tables = Object.fromEntries(
    Object.keys(codec.tables).map((table) => {
      const rows: Table<unknown> = parts.tables[table] ?? Table.empty()
      return [table, Object.fromEntries(rows.entries().map(([key, row]) => [key, encodeRow(codec, table, row)]))]
    })
  )
  return { kind: codec.kind, version: FORMAT_VERSION, party: parts.party, header: encodeHeader(codec, parts.header), tables }
}

const DocumentShape = Schema.Struct({
  kind: Schema.String,
  version: Schema.Number,
  party: Schema.String,
  header: Schema.Unknown,
  tables: Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Unknown))
})
const decodeDocumentShape = Schema.decodeUnknownResult(DocumentShape, STRICT)
const decodePartyId = Schema.decodeUnknownResult(PartyId)

/**
 * Decodes a whole state document of the codec's party kind and joins it with `identity`. Refused,
 * with a {@link StateDecodeError} naming where: a document of another kind or version, of another
 * party than `identity` names, with a table missing or one too many, a bad header, or any bad row.
 *
 * @since 0.3.0
 */
export const decodeDocument = (codec: AnyPartyCodec, encoded: unknown, identity: PartyIdentity | null): Effect.Effect<unknown, StateDecodeError> =>
  Effect.gen(function* () {
    const kind = codec.kind
    const shape = decodeDocumentShape(encoded)
    if (Result.isFailure(shape)) return yield* fail(kind, DOCUMENT, null, `not a stored state: ${shape.failure.message}`)
    const document = shape.success
    if (document.kind !== kind) return yield* fail(kind, DOCUMENT, null, `a foreign state: it is a ${document.kind}'s, not a ${kind}'s`)
    if (document.version !== FORMAT_VERSION) return yield* fail(kind, DOCUMENT, null, `format version ${document.version}, expected ${FORMAT_VERSION}`)
    const party = decodePartyId(document.party)
    if (Result.isFailure(party)) return yield* fail(kind, DOCUMENT, null, `party: ${party.failure.message}`)
    if (identity !== null && identity.id !== party.success) {
      return yield* fail(kind, DOCUMENT, null, `the state of ${party.success}, loaded with the identity of ${identity.id}`)
    }
    const names = Object.keys(codec.tables)
    const extra = Object.keys(document.tables).find((table) => !names.includes(table))
    if (extra !== undefined) return yield* fail(kind, extra, null, `${kind} has no table ${extra}`)
    const header = Schema.decodeUnknownResult(codec.header, STRICT)(document.header)
    if (Result.isFailure(header)) return yield* fail(kind, HEADER, null, header.failure.message)
    const tables: Array<readonly [string, Table<unknown>]> = []
    for (const table of names) {
      const rows = Object.hasOwn(document.tables, table) ? document.tables[table] : undefined
      if (rows === undefined) return yield* fail(kind, table, null, `the table is missing`)
      const decoded: Array<readonly [string, unknown]> = []
      for (const [key, row] of Object.entries(rows)) decoded.push([key, yield* decodeRow(codec, table, key, row)])
      tables.push([table, Table.from(decoded, codec.indexes[table])])
    }
    return codec.join({ party: party.success, header: header.success, tables: Object.fromEntries(tables) }, identity)
  })
