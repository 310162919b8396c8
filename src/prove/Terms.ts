/**
 * How a message field's Schema becomes a ProVerif type. Every named value type (`PartyId`,
 * `Timestamp_ms`, `Currency`, ...) is a ProVerif type of the same name; an enumeration gets one
 * constant per literal; a nested object (`Money`, `Payee`, ...) gets a data constructor
 * `mk<Class>` over its fields, its canonical JSON; an array of `X` is an opaque `X_list`; a
 * nullable field is its type, with a constant `null_<Type>` for its JSON `null`. Values are
 * symbols: the model compares them, never computes with them.
 *
 * @since 0.3.0
 */
import { type Schema, SchemaAST } from "effect"
import { CLASSES, identifierOf, literalsOf, membersOf, nameOf } from "../messages/Reflection.js"

/**
 * Everything the fields of the signed messages need declared, in the order found: types,
 * constants, and the constructors of nested objects.
 *
 * @category models
 * @since 0.3.0
 */
export interface Declarations {
  /** Every ProVerif type, with a comment on what it stands for. */
  readonly types: Map<string, string>
  /** Every constant, with its type: the literals of enumerations and the nulls of nullable fields. */
  readonly constants: Map<string, string>
  /** Every nested object's constructor: its name, its fields (name and type) and its result type. */
  readonly classes: Map<string, { readonly constructor: string; readonly fields: ReadonlyArray<readonly [string, string]> }>
}

/**
 * No declarations yet.
 *
 * @category generator
 * @since 0.3.0
 */
export const emptyDeclarations = (): Declarations => ({ types: new Map(), constants: new Map(), classes: new Map() })

/**
 * A ProVerif identifier made of a name and a value: characters other than letters, digits and
 * `_` become `_`.
 *
 * @category generator
 * @since 0.3.0
 */
export const identifier = (...parts: ReadonlyArray<string>): string => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_")

/**
 * The ProVerif type of field `field` of `owner` (a message or class name, naming an unnamed
 * enumeration), declaring in `declarations` whatever it needs. Throws on a field it cannot
 * represent (an unnamed string or number, a tuple), so a new kind of field fails the generator
 * instead of being guessed.
 *
 * @category generator
 * @since 0.3.0
 */
export const typeOfField = (owner: string, field: string, schema: Schema.Top | undefined, ast: SchemaAST.AST, declarations: Declarations): string => {
  if (SchemaAST.isUnion(ast) && ast.types.some(SchemaAST.isNull)) {
    const others = ast.types.filter((t) => !SchemaAST.isNull(t))
    const [only] = others
    if (others.length !== 1 || only === undefined) throw new Error(`ProVerif model: ${owner}.${field} is a union with null of several types`)
    const type = typeOfField(owner, field, membersOf(schema).find((m) => m.ast === only), only, declarations)
    declarations.constants.set(identifier("null", type), type)
    return type
  }
  const literals = literalsOf(ast)
  if (literals !== undefined) {
    const type = nameOf(schema, ast) ?? identifier(owner, field)
    declare(declarations, type, `one of ${literals.map((l) => JSON.stringify(l)).join(", ")}`)
    for (const literal of literals) declarations.constants.set(identifier(type, String(literal)), type)
    return type
  }
  if (SchemaAST.isDeclaration(ast)) return classType(identifierOf(ast), declarations)
  if (SchemaAST.isArrays(ast)) {
    const [item] = ast.rest
    if (item === undefined || ast.elements.length > 0) throw new Error(`ProVerif model: ${owner}.${field} is a tuple, not an array`)
    const itemSchema = (schema as { readonly value?: unknown } | undefined)?.value as Schema.Top | undefined
    const type = `${typeOfField(owner, field, itemSchema, item, declarations)}_list`
    declare(declarations, type, "a JSON array, opaque: the model never takes one apart")
    return type
  }
  const name = nameOf(schema, ast)
  if (name === undefined || !(SchemaAST.isString(ast) || SchemaAST.isNumber(ast))) throw new Error(`ProVerif model: ${owner}.${field} has no named type`)
  declare(declarations, name, SchemaAST.isString(ast) ? "a JSON string" : "a JSON integer")
  return name
}

const declare = (declarations: Declarations, type: string, comment: string): void => {
  if (!declarations.types.has(type)) declarations.types.set(type, comment)
}

/** The type of a nested object, declaring it and its constructor (and the types of its fields) on first use. */
const classType = (id: string, declarations: Declarations): string => {
  if (declarations.classes.has(id)) return id
  const cls = CLASSES.get(id)
  if (cls === undefined) throw new Error(`ProVerif model: no class ${id} among the named modules`)
  declare(declarations, id, "a JSON object: built only by its constructor below")
  const fields = Object.entries(cls.fields).map(([field, schema]) => [field, typeOfField(id, field, schema, schema.ast, declarations)] as const)
  declarations.classes.set(id, { constructor: `mk${id}`, fields })
  return id
}
