/**
 * Canonical JSON: the one byte form a signed body takes, in the style of RFC 8785 (JCS).
 *
 * Objects are written with their keys sorted by UTF-16 code units, with no white space; strings
 * and numbers are written as ECMAScript's `JSON.stringify` writes them, which is what RFC 8785
 * prescribes. The protocol only ever signs Schema-encoded bodies, which hold nothing but plain
 * objects, arrays, strings, safe integers, booleans and `null`; anything else (a float, `NaN`, a
 * lone UTF-16 surrogate, a class instance, `undefined`) is a programming error and throws a
 * `TypeError` naming the offending path, rather than silently producing bytes another platform
 * would write differently.
 *
 * @since 0.1.0
 */

/**
 * The canonical JSON text of a JSON value.
 *
 * **Example**
 *
 * ```ts
 * import { Canonical } from "checkout-protocol"
 * Canonical.canonicalJson({ b: 1, a: ["x", null] }) // '{"a":["x",null],"b":1}'
 * ```
 *
 * @since 0.1.0
 */
export const canonicalJson = (value: unknown): string => write(value, "$")

/** The UTF-8 bytes of {@link canonicalJson}. @since 0.1.0 */
export const canonicalBytes = (value: unknown): Uint8Array => utf8.encode(canonicalJson(value))

const utf8 = new TextEncoder()

const writeKey = (key: string, path: string): string => {
  if (!key.isWellFormed()) throw new TypeError(`canonicalJson: ${path} has a key holding a lone UTF-16 surrogate`)
  return JSON.stringify(key)
}

const write = (value: unknown, path: string): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false"
    case "string":
      if (!value.isWellFormed()) throw new TypeError(`canonicalJson: ${path} holds a lone UTF-16 surrogate`)
      return JSON.stringify(value)
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`canonicalJson: ${path} expected a safe integer, got ${value}`)
      }
      return JSON.stringify(value)
    case "object":
      // Array.from visits holes as `undefined`, so a sparse array throws instead of writing `[,1]`.
      if (Array.isArray(value)) return `[${Array.from(value, (item, i) => write(item, `${path}[${i}]`)).join(",")}]`
      if (Object.getPrototypeOf(value) !== Object.prototype) {
        throw new TypeError(`canonicalJson: ${path} expected a plain object, got ${value.constructor?.name ?? "an exotic object"}`)
      }
      return `{${Object.keys(value)
        .sort()
        .map((key) => `${writeKey(key, path)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`)}`)
        .join(",")}}`
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`)
  }
}
