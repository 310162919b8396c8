/**
 * Bounded free text for names and addresses: printable, well-formed Unicode, never empty, with a
 * maximum length in UTF-16 code units. Every string in every message is bounded.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]+$/u

/** A printable string of 1 to `max` characters. @since 0.1.0 */
export const BoundedText = (max: number) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isMinLength(1),
      Schema.isMaxLength(max),
      Schema.isPattern(PRINTABLE, { expected: "printable text without control characters" }),
      Schema.makeFilter((s: string) => s.isWellFormed(), { expected: "well-formed Unicode" })
    )
  )

/** A person's or business's display name (up to 80 characters). @since 0.1.0 */
export const DisplayName = BoundedText(80)
