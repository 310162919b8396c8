/**
 * Tampering driven by the Schemas: every field of a signed message, changed to a plausible other
 * value, then signed again or not at all.
 *
 * The fields are never listed by hand. {@link tamperings} walks the encoded form of the message's
 * Schema (its `SchemaAST`: the property signatures of each struct and class, the items of each
 * array, the members of each union) alongside the body, and offers for every leaf field the changes
 * an attacker who has watched the run would try:
 *
 * - an id, a party, an account or a name: another value of the same kind seen in the run (from a
 *   {@link Plausible}), or a sibling of the same shape (`pay-9` becomes `pay-10`);
 * - a number (an amount in minor units, a time, a cycle, a position): one more, one less, double,
 *   or another value of the same field seen in the run;
 * - a member of a literal union (a currency, a status, an operation kind): every other member;
 * - a nullable field: `null`, or a value seen in the run when it is `null`;
 * - an item of an array: each of its fields, and the array without it.
 *
 * Only changes whose body still decodes with the message's Schema are kept: a tampering that a
 * decoder refuses tests nothing beyond the decoder. {@link tamperPacket} then keeps the original
 * signature (an honest receiver must answer `BadSignature`) or signs the tampered body with one of
 * the keys the attacker holds, under that key's own key id.
 *
 * **Example**
 *
 * ```ts
 * import { Schema } from "effect"
 * import * as Core from "checkout-protocol"
 * import { Tamper } from "checkout-protocol/harness"
 *
 * const { Ids, Clearing } = Core
 * const receipt = new Clearing.SubmissionReceipt({ id: Ids.SubmissionId.make("sub-1"), from: Ids.PartyId.make("clearing-1"), to: Ids.PartyId.make("gateway-1"), cycle: Ids.CycleNumber.make(3) })
 * const body = Schema.encodeSync(Core.Signed.SignedMessage)(receipt)
 * const names = Tamper.tamperings(Core.Signed.SignedMessage, body, Tamper.plausibleFrom([body])).map((t) => t.name)
 * names.includes("SubmissionReceipt.cycle: +1") // true
 * names.includes("SubmissionReceipt.cycle: -1") // true
 * names.includes('SubmissionReceipt.id: -> "sub-2"') // true
 * ```
 *
 * @since 0.3.0
 */
import { Effect, Exit, Schema, SchemaAST } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Packet } from "../machine/Machine.js"
import type { Core } from "./Core.js"
import { signWire, type AttackerWire } from "./Signing.js"

/** Where a field sits in an encoded body: property names and array indexes. @since 0.3.0 */
export type Path = ReadonlyArray<string | number>

/**
 * One change to one field of a signed body, and the body it makes.
 *
 * @category models
 * @since 0.3.0
 */
export interface Tampering {
  /** The message type. */
  readonly tag: string
  /** Where, with array indexes: `["items", 0, "amount", "amount_minor"]`. */
  readonly path: Path
  /** The field without its indexes, `items[].amount.amount_minor`: what coverage counts. */
  readonly field: string
  /** What the change does: `+1`, `-1`, `x2`, `-> "USD"`, `-> null`, or `drop` for an array item. */
  readonly change: string
  /** `Tag.path: change`, e.g. `ClearingSubmission.items[0].amount.amount_minor: +1`. */
  readonly name: string
  /** The tampered body, Schema-encoded as on the wire. */
  readonly body: Readonly<Record<string, unknown>>
}

/**
 * The values an attacker has seen in the run, by kind, to put in place of a field's own.
 *
 * A field's kind is its name (`account`, `from`, `merchant`, `paymentId`, `amount_minor`, `cycle`,
 * ...), except an `id`, whose kind is `Tag.field` (`AuthorizePayment.id`, `ClearingSubmission.items[].id`)
 * because each message type numbers its own. See {@link kindOf}.
 *
 * @category models
 * @since 0.3.0
 */
export interface Plausible {
  /** Values of fields of kind `kind` seen in the run, oldest first, at most {@link MAX_PLAUSIBLE_VALUES}. */
  readonly values: (kind: string) => ReadonlyArray<unknown>
}

/** The most values a {@link Plausible} keeps per kind. @since 0.3.0 */
export const MAX_PLAUSIBLE_VALUES = 16

/** The most values seen in the run that one field is changed to. @since 0.3.0 */
export const MAX_SEEN_CHANGES = 4

/**
 * A key the attacker holds: its own unregistered one, or a compromised party's. A tampered body is
 * signed under the key's own key id.
 *
 * @category models
 * @since 0.3.0
 */
export interface AttackerKey {
  /** The key id the envelope names as its signer. */
  readonly keyId: string
  /** The 32-byte Ed25519 seed. */
  readonly seed: Uint8Array
}

/**
 * A tampered packet, with what was changed and how it was signed.
 *
 * @category models
 * @since 0.3.0
 */
export interface TamperedPacket {
  /** The packet to inject or put in flight. */
  readonly packet: Packet
  /** The change made to the body. */
  readonly tampering: Tampering
  /** The key id the tampered body was signed with, or `null` if the original signature was kept. */
  readonly resignedBy: string | null
}

/** The path as one string: `items[0].amount.amount_minor`. @since 0.3.0 */
export const pathString = (path: Path): string => joined(path, (index) => `[${index}]`)

/** The field of a path, its indexes left out: `items[].amount.amount_minor`. @since 0.3.0 */
export const fieldOf = (path: Path): string => joined(path, () => "[]")

const joined = (path: Path, index: (i: number) => string): string =>
  path.map((segment, i) => (typeof segment === "number" ? index(segment) : i === 0 ? segment : `.${segment}`)).join("")

/**
 * The kind of the field at `path` of a `tag` message, under which a {@link Plausible} files the
 * values seen there: the field's own name, or `Tag.field` for an `id`.
 *
 * @since 0.3.0
 */
export const kindOf = (tag: string, path: Path): string => {
  const name = [...path].reverse().find((segment): segment is string => typeof segment === "string") ?? ""
  return name === "id" ? `${tag}.${fieldOf(path)}` : name
}

/** Whether `u` is an object whose fields can be read and set (not `null`, not an array). @category harness @since 0.6.0 */
export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Every leaf of a plain encoded body, with its path. */
const leaves = (value: unknown, path: Path = []): ReadonlyArray<readonly [Path, unknown]> => {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]))
  if (isRecord(value)) return Object.entries(value).flatMap(([key, v]) => (key === "_tag" ? [] : leaves(v, [...path, key])))
  return [[path, value]]
}

/**
 * A {@link Plausible} built from encoded bodies the attacker recorded, plus any values the caller
 * knows by kind (`extra`, e.g. `{ from: [every party id] }`). Kinds of ids that share a value are
 * one kind: a `paymentId` field and the `AuthorizePayment.id` it repeats, `from`, `to`, `merchant`
 * and `issuer`. Numbers are never merged across kinds (a cycle of 1 is not an amount of 1).
 *
 * @since 0.3.0
 */
export const plausibleFrom = (bodies: Iterable<unknown>, extra: Readonly<Record<string, ReadonlyArray<unknown>>> = {}): Plausible => {
  const byKind = new Map<string, Set<unknown>>()
  const add = (kind: string, value: unknown): void => {
    const seen = byKind.get(kind) ?? new Set<unknown>()
    if (seen.size < MAX_PLAUSIBLE_VALUES) seen.add(value)
    byKind.set(kind, seen)
  }
  for (const [kind, values] of Object.entries(extra)) for (const value of values) add(kind, value)
  for (const body of bodies) {
    if (!isRecord(body) || typeof body["_tag"] !== "string") continue
    for (const [path, value] of leaves(body)) if (value !== null) add(kindOf(body["_tag"], path), value)
  }
  // Union-find over the kinds, joined by the string values they share.
  const parent = new Map<string, string>([...byKind.keys()].map((k) => [k, k]))
  const root = (k: string): string => {
    const p = parent.get(k) ?? k
    return p === k ? k : root(p)
  }
  const firstKindOf = new Map<string, string>()
  for (const [kind, values] of byKind) {
    for (const value of values) {
      if (typeof value !== "string") continue
      const other = firstKindOf.get(value)
      if (other === undefined) firstKindOf.set(value, kind)
      else parent.set(root(kind), root(other))
    }
  }
  const merged = new Map<string, Array<unknown>>()
  for (const [kind, values] of byKind) {
    const group = merged.get(root(kind)) ?? []
    for (const value of values) if (group.length < MAX_PLAUSIBLE_VALUES && !group.includes(value)) group.push(value)
    merged.set(root(kind), group)
  }
  return { values: (kind) => (byKind.has(kind) ? (merged.get(root(kind)) ?? []) : []) }
}

/** An array item taken out instead of a value put in. */
const DROP: unique symbol = Symbol("drop")

/** A change before it is applied: where, what, and the new value. */
interface Candidate {
  readonly path: Path
  readonly change: string
  readonly value: unknown
}

const show = (value: unknown): string => `-> ${JSON.stringify(value)}`

/** A value of the same shape: the last run of digits counted on by one, or a `2` appended. */
export const sibling = (value: string): string => {
  const digits = /(\d+)(?!.*\d)/.exec(value)
  if (digits === null) return `${value}2`
  const next = String(Number(digits[1]) + 1)
  return value.slice(0, digits.index) + next + value.slice(digits.index + (digits[1]?.length ?? 0))
}

/** Whether `value` can be a value of `ast`, judged by its shape only. */
const fits = (ast: SchemaAST.AST, value: unknown): boolean => {
  switch (ast._tag) {
    case "String":
      return typeof value === "string"
    case "Number":
      return typeof value === "number"
    case "Boolean":
      return typeof value === "boolean"
    case "Null":
      return value === null
    case "Literal":
      return value === ast.literal
    case "Objects":
      return isRecord(value)
    case "Arrays":
      return Array.isArray(value)
    case "Union":
      return ast.types.some((member) => fits(member, value))
    case "Suspend":
      return fits(ast.thunk(), value)
    default:
      return false
  }
}

/** The values seen for the field's kind, other than its own, as changes. */
const seenChanges = (ctx: WalkContext, path: Path, value: unknown, fit: (v: unknown) => boolean): ReadonlyArray<Candidate> =>
  ctx.plausible
    .values(kindOf(ctx.tag, path))
    .filter((v) => v !== value && fit(v))
    .slice(0, MAX_SEEN_CHANGES)
    .map((v) => ({ path, change: show(v), value: v }))

/** The changes to a leaf value of type `ast`. */
const leafChanges = (ctx: WalkContext, ast: SchemaAST.AST, value: unknown, path: Path): ReadonlyArray<Candidate> => {
  const seen = seenChanges(ctx, path, value, (v) => fits(ast, v))
  if (typeof value === "number") {
    const steps: ReadonlyArray<readonly [string, number]> = [
      ["+1", value + 1],
      ["-1", value - 1],
      ["x2", value * 2]
    ]
    return [...steps.filter(([, v]) => v !== value).map(([change, v]) => ({ path, change, value: v })), ...seen.filter((c) => !steps.some(([, v]) => v === c.value))]
  }
  if (typeof value === "string") {
    const next = sibling(value)
    return [...seen, ...(seen.some((c) => c.value === next) ? [] : [{ path, change: show(next), value: next }])]
  }
  if (typeof value === "boolean") return [{ path, change: show(!value), value: !value }]
  return []
}

interface WalkContext {
  readonly tag: string
  readonly plausible: Plausible
}

/** Every change the Schema `ast` allows to `value` at `path`, in the Schema's field order. */
const changes = (ctx: WalkContext, ast: SchemaAST.AST, value: unknown, path: Path): ReadonlyArray<Candidate> => {
  switch (ast._tag) {
    case "Suspend":
      return changes(ctx, ast.thunk(), value, path)
    case "Objects":
      if (!isRecord(value)) return []
      // A `_tag` is bound by the domain tag; changing it is the `retag` forgery, not a field's.
      return ast.propertySignatures.flatMap((ps) =>
        typeof ps.name !== "string" || (ps.name === "_tag" && ps.type._tag === "Literal") ? [] : changes(ctx, ps.type, value[ps.name], [...path, ps.name])
      )
    case "Arrays": {
      if (!Array.isArray(value)) return []
      const items = value.flatMap((item, i) => {
        const itemAst = ast.elements[i] ?? ast.rest[0]
        return itemAst === undefined ? [] : changes(ctx, itemAst, item, [...path, i])
      })
      return [...items, ...value.map((_, i) => ({ path: [...path, i], change: "drop", value: DROP }))]
    }
    case "Union": {
      if (ast.types.every(SchemaAST.isLiteral)) {
        return ast.types.filter((member) => member.literal !== value).map((member) => ({ path, change: show(member.literal), value: member.literal }))
      }
      if (value === null) return seenChanges(ctx, path, value, (v) => fits(ast, v))
      const member = ast.types.find((m) => m._tag !== "Null" && fits(m, value))
      const toNull = ast.types.some(SchemaAST.isNull) ? [{ path, change: show(null), value: null }] : []
      return [...(member === undefined ? [] : changes(ctx, member, value, path)), ...toNull]
    }
    default:
      return leafChanges(ctx, ast, value, path)
  }
}

/** The encoded struct of each message type of a Schema (one tagged class, or a union of them), by tag. */
const encodedStructs = new WeakMap<object, ReadonlyMap<string, SchemaAST.Objects>>()

const structsOf = (schema: Schema.Top): ReadonlyMap<string, SchemaAST.Objects> => {
  const cached = encodedStructs.get(schema)
  if (cached !== undefined) return cached
  const encoded = SchemaAST.toEncoded(schema.ast)
  const members = SchemaAST.isUnion(encoded) ? encoded.types : [encoded]
  const structs = new Map<string, SchemaAST.Objects>()
  for (const member of members) {
    if (!SchemaAST.isObjects(member)) continue
    const tag = member.propertySignatures.find((ps) => ps.name === "_tag")?.type
    if (tag !== undefined && SchemaAST.isLiteral(tag) && typeof tag.literal === "string") structs.set(tag.literal, member)
  }
  encodedStructs.set(schema, structs)
  return structs
}

/**
 * The leaf fields of message type `tag` as its Schema declares them, indexes left out
 * (`items[].amount.amount_minor`), `_tag` excluded: what a full coverage of tamperings reaches.
 *
 * @since 0.3.0
 */
export const leafFields = (schema: Schema.Top, tag: string): ReadonlyArray<string> => {
  const walk = (ast: SchemaAST.AST, path: Path): ReadonlyArray<string> => {
    switch (ast._tag) {
      case "Suspend":
        return walk(ast.thunk(), path)
      case "Objects":
        return ast.propertySignatures.flatMap((ps) => (typeof ps.name !== "string" || ps.name === "_tag" ? [] : walk(ps.type, [...path, ps.name])))
      case "Arrays":
        return [...new Set([...ast.elements, ...ast.rest].flatMap((item, i) => walk(item, [...path, i])))]
      case "Union": {
        const structured = ast.types.filter((m) => m._tag === "Objects" || m._tag === "Arrays" || m._tag === "Suspend")
        return structured.length === 0 ? [fieldOf(path)] : [...new Set(structured.flatMap((m) => walk(m, path)))]
      }
      default:
        return [fieldOf(path)]
    }
  }
  const struct = structsOf(schema).get(tag)
  return struct === undefined ? [] : walk(struct, [])
}

const setAt = (body: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> => {
  const copy = structuredClone(body)
  let at: unknown = copy
  for (const segment of path.slice(0, -1)) at = (at as Record<string | number, unknown>)[segment]
  const last = path[path.length - 1]
  if (last === undefined) return copy
  if (value === DROP && Array.isArray(at) && typeof last === "number") at.splice(last, 1)
  else (at as Record<string | number, unknown>)[last] = value
  return copy
}

const strict = { onExcessProperty: "error" } as const

/** Applies a candidate; `undefined` if the tampered body no longer decodes. */
const apply = (schema: Schema.Top, tag: string, body: Record<string, unknown>, candidate: Candidate): Tampering | undefined => {
  const tampered = setAt(body, candidate.path, candidate.value)
  if (Exit.isFailure(Schema.decodeUnknownExit(schema as Schema.Codec<unknown, unknown>, strict)(tampered))) return undefined
  return { tag, path: candidate.path, field: fieldOf(candidate.path), change: candidate.change, name: `${tag}.${pathString(candidate.path)}: ${candidate.change}`, body: tampered }
}

/**
 * What a tampering does, named so that it can be done again to another copy of the same message:
 * the leaf at `path` set to a value, or the array item at `path` dropped.
 *
 * @category models
 * @since 0.3.0
 */
export type Tweak = { readonly path: Path; readonly set: unknown } | { readonly path: Path; readonly drop: true }

/** The {@link Tweak} a tampering made: its path, and the value its body has there (or the item it dropped). @since 0.3.0 */
export const tweakOf = (tampering: Tampering): Tweak => {
  if (tampering.change === "drop") return { path: tampering.path, drop: true }
  let at: unknown = tampering.body
  for (const segment of tampering.path) at = (at as Record<string | number, unknown>)[segment]
  return { path: tampering.path, set: at }
}

/** The tampering `tweak` makes to an encoded signed `body`; `undefined` if the body is not a message of `schema`, or the result no longer decodes. @since 0.3.0 */
export const tamperingOf = (schema: Schema.Top, body: unknown, tweak: Tweak): Tampering | undefined => {
  if (!isRecord(body) || typeof body["_tag"] !== "string") return undefined
  const candidate = "drop" in tweak ? { path: tweak.path, change: "drop", value: DROP } : { path: tweak.path, change: show(tweak.set), value: tweak.set }
  return apply(schema, body["_tag"], body, candidate)
}

/** The candidates for `body`, grouped by path in the Schema's field order. */
const candidatesByPath = (schema: Schema.Top, body: unknown, plausible: Plausible): { readonly tag: string; readonly body: Record<string, unknown>; readonly paths: ReadonlyArray<ReadonlyArray<Candidate>> } | undefined => {
  if (!isRecord(body) || typeof body["_tag"] !== "string") return undefined
  const tag = body["_tag"]
  const struct = structsOf(schema).get(tag)
  if (struct === undefined) return undefined
  const groups = new Map<string, Array<Candidate>>()
  for (const candidate of changes({ tag, plausible }, struct, body, [])) {
    const key = pathString(candidate.path)
    groups.set(key, [...(groups.get(key) ?? []), candidate])
  }
  return { tag, body, paths: [...groups.values()] }
}

/**
 * Every tampering of an encoded signed `body` whose result still decodes with `schema` (a tagged
 * class, or a union of them such as `Signed.SignedMessage`), in the Schema's field order. Empty for
 * a body that is not one of the Schema's message types.
 *
 * @since 0.3.0
 */
export const tamperings = (schema: Schema.Top, body: unknown, plausible: Plausible): ReadonlyArray<Tampering> => {
  const found = candidatesByPath(schema, body, plausible)
  if (found === undefined) return []
  return found.paths.flat().flatMap((c) => apply(schema, found.tag, found.body, c) ?? [])
}

/** The first candidate of `options`, from `start` on and round, whose tampered body still decodes. */
const firstDecoding = (schema: Schema.Top, tag: string, body: Record<string, unknown>, options: ReadonlyArray<Candidate>, start: number): Tampering | undefined => {
  for (let j = 0; j < options.length; j++) {
    const candidate = options[(start + j) % options.length]
    const tampering = candidate === undefined ? undefined : apply(schema, tag, body, candidate)
    if (tampering !== undefined) return tampering
  }
  return undefined
}

/**
 * The tampering `variant` picks: the field at `variant` modulo the number of fields, then its
 * change at the quotient modulo the number of its changes, moving on to the next change and the
 * next field until one still decodes. The same body, Plausible and variant always give the same
 * tampering; every field is reached by `variant`s 0 to the number of fields less one.
 *
 * @since 0.3.0
 */
export const pickTampering = (schema: Schema.Top, body: unknown, plausible: Plausible, variant: number): Tampering | undefined => {
  const found = candidatesByPath(schema, body, plausible)
  if (found === undefined || found.paths.length === 0) return undefined
  const fields = found.paths.length
  for (let i = 0; i < fields; i++) {
    const tampering = firstDecoding(schema, found.tag, found.body, found.paths[(variant + i) % fields] ?? [], Math.floor(variant / fields))
    if (tampering !== undefined) return tampering
  }
  return undefined
}

/**
 * One tampering per field of `body` (each path, array items included), its change picked by
 * `variant` modulo the number of that field's changes, skipping those that no longer decode: what
 * {@link sweepPacket} sends, so that one attack tests the binding of every field at once.
 *
 * @since 0.3.0
 */
export const sweep = (schema: Schema.Top, body: unknown, plausible: Plausible, variant: number): ReadonlyArray<Tampering> => {
  const found = candidatesByPath(schema, body, plausible)
  return found === undefined ? [] : found.paths.flatMap((options) => firstDecoding(schema, found.tag, found.body, options, variant) ?? [])
}

/** `packet` with its body replaced by the tampered one, under its original signature (no `key`) or signed by `key`. */
const signed = (core: Core, packet: Packet, tampering: Tampering, key: AttackerKey | undefined): Effect.Effect<TamperedPacket, never, Ed25519> => {
  const wire = packet.payload as AttackerWire
  if (key === undefined) return Effect.succeed({ packet: { ...packet, payload: { ...wire, body: tampering.body } }, tampering, resignedBy: null })
  return Effect.map(signWire(core, tampering.tag, tampering.body, key.seed, key.keyId), (payload) => ({ packet: { ...packet, payload }, tampering, resignedBy: key.keyId }))
}

/** What the attacker brings to a tampering: the values it has seen and the keys it holds. @category models @since 0.3.0 */
export interface TamperOptions {
  /** The values seen in the run (see {@link plausibleFrom}). */
  readonly plausible: Plausible
  /** The keys the attacker holds: its own, and a compromised party's. */
  readonly keys: ReadonlyArray<AttackerKey>
}

/**
 * Tampers with a recorded signed packet and signs the result: `variant` modulo one more than the
 * number of `keys` picks the signer (0: the original signature is kept, so an honest receiver
 * must fail it with `BadSignature`; k: the k-th key, under its own key id), and the quotient picks
 * the tampering (see {@link pickTampering}) among those the core's `Signed.SignedMessage` still
 * decodes. `undefined` when the body offers no tampering at all.
 *
 * @since 0.3.0
 */
export const tamperPacket = (core: Core, packet: Packet, variant: number, options: TamperOptions): Effect.Effect<TamperedPacket | undefined, never, Ed25519> => {
  const signers = options.keys.length + 1
  const tampering = pickTampering(core.Signed.SignedMessage, (packet.payload as AttackerWire).body, options.plausible, Math.floor(variant / signers))
  return tampering === undefined ? Effect.succeed(undefined) : signed(core, packet, tampering, options.keys[(variant % signers) - 1])
}

/**
 * Makes a named tampering again ({@link tweakOf}) to a recorded signed packet and signs the
 * result with `key` (none: the original signature is kept). `undefined` when the packet's body
 * has no such field, or the result no longer decodes.
 *
 * @since 0.3.0
 */
export const retamperPacket = (core: Core, packet: Packet, tweak: Tweak, key: AttackerKey | undefined): Effect.Effect<TamperedPacket | undefined, never, Ed25519> => {
  const tampering = tamperingOf(core.Signed.SignedMessage, (packet.payload as AttackerWire).body, tweak)
  return tampering === undefined ? Effect.succeed(undefined) : signed(core, packet, tampering, key)
}

/**
 * Every field of a signed packet tampered with (see {@link sweep}), each under the original
 * signature and then signed by each of `keys`: at most `(keys + 1) x fields` packets, in field order.
 *
 * @since 0.3.0
 */
export const sweepPacket = (core: Core, packet: Packet, variant: number, options: TamperOptions): Effect.Effect<ReadonlyArray<TamperedPacket>, never, Ed25519> =>
  Effect.forEach(sweep(core.Signed.SignedMessage, (packet.payload as AttackerWire).body, options.plausible, variant), (tampering) =>
    Effect.forEach([undefined, ...options.keys], (key) => signed(core, packet, tampering, key))
  ).pipe(Effect.map((perField) => perField.flat()))
