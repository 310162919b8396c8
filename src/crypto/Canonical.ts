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
export const canonicalJson = (value: unknown): string => write(value, [])

/** The UTF-8 bytes of {@link canonicalJson}. @since 0.1.0 */
export const canonicalBytes = (value: unknown): Uint8Array => utf8.encode(canonicalJson(value))

const utf8 = new TextEncoder()

/**
 * The path of the value being written, as the keys and indexes below the root. The writer pushes
 * and pops one per level, so a path string is only built when an error names it.
 */
type Path = Array<string | number>

const pathOf = (path: Path): string => `$${path.map((step) => (typeof step === "number" ? `[${step}]` : `.${step}`)).join("")}`

/** Whether `text` is printable ASCII without a quote or a backslash, which `JSON.stringify` writes unchanged between quotes. */
const isPlainAscii = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false
  }
  return true
}

/** A string as `JSON.stringify` writes it; the quick path skips the call for the common plain-ASCII string. */
const quote = (text: string, path: Path, what: string): string => {
  if (isPlainAscii(text)) return `"${text}"`
  if (!text.isWellFormed()) throw new TypeError(`canonicalJson: ${pathOf(path)} ${what} a lone UTF-16 surrogate`)
  return JSON.stringify(text)
}

const write = (value: unknown, path: Path): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false"
    case "string":
      return quote(value, path, "holds")
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`canonicalJson: ${pathOf(path)} expected a safe integer, got ${value}`)
      }
      return String(value)
    case "object":
      return Array.isArray(value) ? writeArray(value, path) : writeObject(value, path)
    default:
      throw new TypeError(`canonicalJson: ${pathOf(path)} has unsupported type ${typeof value}`)
  }
}

const writeArray = (items: ReadonlyArray<unknown>, path: Path): string => {
  let out = "["
  // Indexing visits holes as `undefined`, so a sparse array throws instead of writing `[,1]`.
  for (let i = 0; i < items.length; i++) {
    path.push(i)
    out += (i === 0 ? "" : ",") + write(items[i], path)
    path.pop()
  }
  return `${out}]`
}

const writeObject = (value: object, path: Path): string => {
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    throw new TypeError(`canonicalJson: ${pathOf(path)} expected a plain object, got ${value.constructor?.name ?? "an exotic object"}`)
  }
  const keys = Object.keys(value).sort()
  let out = "{"
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const quoted = quote(key, path, "has a key holding")
    path.push(key)
    out += `${i === 0 ? "" : ","}${quoted}:${write((value as Record<string, unknown>)[key], path)}`
    path.pop()
  }
  return `${out}}`
}
