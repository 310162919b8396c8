/**
 * What the message Schemas say about themselves, read from their ASTs: which values are message
 * classes, a message's `_tag`, the name each value type is exported under, the class behind a
 * nested object, and the literals of an enumeration. The message reference (`docs/`) and the
 * ProVerif model's message part (`src/prove/`) are both drawn from the code through this module,
 * so they name types and read tags the same way.
 *
 * @since 0.3.0
 */
import { Schema, SchemaAST } from "effect"
import * as Ids from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import * as Text from "../domain/Text.js"
import * as BrowserMerchant from "./BrowserMerchant.js"
import * as Clearing from "./Clearing.js"
import * as Common from "./Common.js"
import * as IssuerPhone from "./IssuerPhone.js"

/**
 * A Schema with the fields of a `Schema.Class` or `Schema.TaggedClass`: a message, or a nested
 * object such as `Money` or `Payee`.
 *
 * @category models
 * @since 0.3.0
 */
export type ClassSchema = Schema.Top & { readonly fields: Readonly<Record<string, Schema.Top>> }

/** The modules whose exported schemas give the value types their names. */
const NAMED_MODULES: ReadonlyArray<Readonly<Record<string, unknown>>> = [Ids, Money, Text, Common, BrowserMerchant, IssuerPhone, Clearing]

/**
 * Whether a value is a class schema (a message or a nested object class).
 *
 * @category reflection
 * @since 0.3.0
 */
export const isClass = (value: unknown): value is ClassSchema =>
  Schema.isSchema(value) && SchemaAST.isDeclaration(value.ast) && typeof (value as { fields?: unknown }).fields === "object"

/**
 * Whether a value is a message class: a class schema with a `_tag` field.
 *
 * @category reflection
 * @since 0.3.0
 */
export const isMessage = (value: unknown): boolean => isClass(value) && Object.hasOwn(value.fields, "_tag")

/**
 * The `_tag` of a message class; throws if it has no string `_tag` literal.
 *
 * @category reflection
 * @since 0.3.0
 */
export const tagOf = (message: ClassSchema): string => {
  const tag = message.fields["_tag"]?.ast
  if (tag === undefined || !SchemaAST.isLiteral(tag) || typeof tag.literal !== "string") throw new Error("message schemas: a message without a string _tag")
  return tag.literal
}

/**
 * The message tags a party's codec accepts, read from the members of its Schema union, in order.
 *
 * @category reflection
 * @since 0.3.0
 */
export const tagsOf = (codec: { readonly schema: unknown }): ReadonlyArray<string> => {
  const members = (codec.schema as { readonly members?: unknown }).members
  if (!Array.isArray(members)) throw new Error("message schemas: a codec whose schema is not a union of messages")
  return members.map((m: unknown) => {
    if (!isClass(m)) throw new Error("message schemas: a codec member that is not a message class")
    return tagOf(m)
  })
}

/**
 * The identifier annotation of a class's AST (`"Money"`, `"Payee"`); throws if it has none.
 *
 * @category reflection
 * @since 0.3.0
 */
export const identifierOf = (ast: SchemaAST.AST): string => {
  const id = ast.annotations?.["identifier"]
  if (typeof id !== "string") throw new Error(`message schemas: a ${ast._tag} without an identifier`)
  return id
}

/** A module's exports sorted by name: namespace objects list their keys in different orders under tsx and vitest. */
const exportsOf = (module: Readonly<Record<string, unknown>>): ReadonlyArray<readonly [string, unknown]> =>
  Object.entries(module).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/**
 * Every exported value type by identity, with the name it is exported under (the first, by module
 * and name): `PaymentId`, `PaymentAmount`, `AuthorizationStatus`, ... Messages are not in it.
 *
 * @category reflection
 * @since 0.3.0
 */
export const NAMES: ReadonlyMap<unknown, string> = (() => {
  const names = new Map<unknown, string>()
  for (const module of NAMED_MODULES) {
    for (const [name, value] of exportsOf(module)) if (Schema.isSchema(value) && !isMessage(value) && !names.has(value)) names.set(value, name)
  }
  return names
})()

/**
 * Every nested object class a field can be (`Money`, `Payee`, `Payer`, `ClearingItem`, ...), by
 * the identifier its AST carries.
 *
 * @category reflection
 * @since 0.3.0
 */
export const CLASSES: ReadonlyMap<string, ClassSchema> = new Map(
  NAMED_MODULES.flatMap((module) => exportsOf(module).flatMap(([, value]) => (isClass(value) && !isMessage(value) ? [[identifierOf(value.ast), value] as const] : [])))
)

/**
 * The values of a literal or a union of literals (`AuthorizationStatus`, `Currency`), or
 * `undefined` for any other AST.
 *
 * @category reflection
 * @since 0.3.0
 */
export const literalsOf = (ast: SchemaAST.AST): ReadonlyArray<SchemaAST.LiteralValue> | undefined => {
  if (SchemaAST.isLiteral(ast)) return [ast.literal]
  if (!SchemaAST.isUnion(ast)) return undefined
  const nested = ast.types.map(literalsOf)
  return nested.every((l) => l !== undefined) ? nested.flat() : undefined
}

/**
 * The member schemas of a union schema (empty for anything else), to find the schema behind one
 * of its ASTs.
 *
 * @category reflection
 * @since 0.3.0
 */
export const membersOf = (schema: Schema.Top | undefined): ReadonlyArray<Schema.Top> => {
  const members = (schema as { readonly members?: unknown } | undefined)?.members
  return Array.isArray(members) ? members.filter(Schema.isSchema) : []
}

/**
 * The name of a value type: the name it is exported under or, for a class narrowed by a check,
 * its class's identifier; `undefined` for an unnamed type.
 *
 * @category reflection
 * @since 0.3.0
 */
export const nameOf = (schema: Schema.Top | undefined, ast: SchemaAST.AST): string | undefined => {
  const named = schema === undefined ? undefined : NAMES.get(schema)
  if (named !== undefined) return named
  return SchemaAST.isDeclaration(ast) ? identifierOf(ast) : undefined
}
