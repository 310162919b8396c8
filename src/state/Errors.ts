/**
 * The one error decoding a party's stored state can fail with.
 *
 * Decoding never throws and never fills a gap with a default: a document or a row that is not
 * exactly what the party's Schemas describe (a field of the wrong type, a field too many or too
 * few, a row that belongs to another party kind or another table, text that is not JSON) fails
 * with a {@link StateDecodeError} saying where: the party kind, the table and the row's key.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"

/**
 * The place name, in a {@link StateDecodeError}, of the document around a state: its kind,
 * format version, party and list of tables (and its text, when it is not JSON).
 *
 * @since 0.3.0
 */
export const DOCUMENT = "document"

/** The place name of a party's header in a {@link StateDecodeError}. @since 0.3.0 */
export const HEADER = "header"

/**
 * A stored party state, or one row of it, failed to decode.
 *
 * `kind` is the party kind being decoded (`"Issuer"`, ...), `table` the table the bad row is in
 * (or {@link HEADER}, or {@link DOCUMENT}), `key` the row's key (`null` outside a table), and
 * `detail` what was wrong, with the Schema's own message when a Schema refused it.
 *
 * @category errors
 * @since 0.3.0
 */
export class StateDecodeError extends Schema.TaggedError<StateDecodeError>()("StateDecodeError", {
  kind: Schema.String,
  table: Schema.String,
  key: Schema.NullOr(Schema.String),
  detail: Schema.String
}) {
  /** One line naming the party kind, the table, the key and what was wrong. */
  override get message(): string {
    const where = this.key === null ? `${this.kind} ${this.table}` : `${this.kind} ${this.table}[${JSON.stringify(this.key)}]`
    return `${where}: ${this.detail}`
  }
}
