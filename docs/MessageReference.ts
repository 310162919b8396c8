/**
 * The message reference (`spec/08-message-reference.md`), drawn from the code.
 *
 * For each message: its hop and direction (the sender from the message's signer roles or, for a
 * session message, the union it belongs to; the receivers of a signed message from the parties'
 * exported `Accepts` codecs, the very codecs their `step` opens packets with), its signer roles
 * (`SIGNER_ROLES`; browser-merchant messages are unsigned session messages), its domain tag
 * (`Envelope.domainTag`), and its fields with their types and bounds, read from the message's
 * effect Schema AST: every check on a field (`isPattern`, `isBetween`, `isMinLength`,
 * `isMaxLength`, `isInt`, or a custom filter's `expected` text) is rendered from the check itself,
 * so a changed bound changes the page. Type names (`PaymentId`, `Money`, ...) are the names the
 * schemas are exported under. What neither a Schema nor a codec can say (purpose, answer,
 * rejections, and the receiver of a session message) comes from the data in
 * `docs/MessageFacts.ts`.
 */
import { Schema, SchemaAST } from "effect"
import { domainTag } from "../src/crypto/Envelope.js"
import * as BrowserMerchant from "../src/messages/BrowserMerchant.js"
import * as Clearing from "../src/messages/Clearing.js"
import * as GatewayIssuer from "../src/messages/GatewayIssuer.js"
import * as IssuerPhone from "../src/messages/IssuerPhone.js"
import * as MerchantGateway from "../src/messages/MerchantGateway.js"
import { CLASSES, identifierOf, isClass, isMessage, literalsOf, membersOf, NAMES, nameOf, tagOf, tagsOf, type ClassSchema } from "../src/messages/Reflection.js"
import { SIGNER_ROLES, SignedMessage, type SignedTag } from "../src/messages/Signed.js"
import type { Role } from "../src/crypto/KeyRegistry.js"
import { ACCEPTS, acceptedBy, type AcceptedCodec } from "../src/parties/Accepts.js"
import { ENVELOPE_REJECTIONS, MESSAGE_FACTS, PARTY_NAMES, type MessageFacts, type MessageTag, type PartyKind, type RejectionCase } from "./MessageFacts.js"

/** The codecs the receivers are read from, and a message's tag: shared with the ProVerif model's generator (`src/prove/`). */
export { ACCEPTS, tagOf }

/** One hop of the protocol and the module that defines its messages. */
interface Hop {
  readonly title: string
  readonly module: Readonly<Record<string, unknown>>
  readonly channel: "session" | "signed"
}

/** The hops, by the name a generated block uses (`messages <hop>`). */
export const HOPS: Readonly<Record<string, Hop>> = {
  "browser-merchant": { title: "browser and merchant", module: BrowserMerchant, channel: "session" },
  "merchant-gateway": { title: "merchant and gateway", module: MerchantGateway, channel: "signed" },
  "gateway-issuer": { title: "gateway and issuer", module: GatewayIssuer, channel: "signed" },
  "issuer-phone": { title: "issuer and phone", module: IssuerPhone, channel: "signed" },
  clearing: { title: "clearing and settlement", module: Clearing, channel: "signed" }
}

/** The party whose keys have each role. */
const ROLE_PARTY: { readonly [R in Role]: PartyKind } = {
  merchant: "Merchant",
  gateway: "Gateway",
  issuer: "Issuer",
  device: "Phone",
  clearing: "ClearingHouse"
}

/** Every message of v1, in the order of the unions that list them. */
export const MESSAGES: ReadonlyArray<ClassSchema> = [
  ...BrowserMerchant.BrowserRequest.members,
  ...BrowserMerchant.MerchantResponse.members,
  ...SignedMessage.members
]

const hopOf = (message: ClassSchema): string => {
  const found = Object.entries(HOPS).find(([, hop]) => Object.values(hop.module).includes(message))
  if (found === undefined) throw new Error(`message reference: ${tagOf(message)} is defined in no hop's module`)
  return found[0]
}

/** Fails when a hop module exports a message that no union lists: it would be missing from the reference. */
const checkEveryMessageListed = (): void => {
  for (const hop of Object.values(HOPS)) {
    for (const value of Object.values(hop.module)) {
      if (isClass(value) && isMessage(value) && !MESSAGES.includes(value)) throw new Error(`message reference: ${tagOf(value)} is in no message union`)
    }
  }
}

const isSigned = (tag: string): tag is SignedTag => Object.hasOwn(SIGNER_ROLES, tag)

const factsOf = (tag: string): MessageFacts => {
  const facts = (MESSAGE_FACTS as Readonly<Record<MessageTag, MessageFacts>> as Readonly<Record<string, MessageFacts | undefined>>)[tag]
  if (facts === undefined) throw new Error(`message reference: no facts for ${tag} in docs/MessageFacts.ts`)
  return facts
}

/** Who sends a message: the parties whose keys have its signer roles, or for a session message the side of the union it is in. */
const sendersOf = (message: ClassSchema): ReadonlyArray<PartyKind> => {
  const tag = tagOf(message)
  if (isSigned(tag)) return SIGNER_ROLES[tag].map((role) => ROLE_PARTY[role])
  return [(BrowserMerchant.BrowserRequest.members as ReadonlyArray<unknown>).includes(message) ? "Browser" : "Merchant"]
}

/**
 * Who receives a message: for a signed message, every party whose `Accepts` codec lists it, in
 * the order of {@link ACCEPTS}; for a session message, the side its facts name.
 */
export const receiversOf = (tag: string): ReadonlyArray<PartyKind> => {
  if (!isSigned(tag)) {
    const { receiver } = factsOf(tag)
    if (receiver === undefined) throw new Error(`message reference: the session message ${tag} names no receiver in docs/MessageFacts.ts`)
    return [receiver]
  }
  const receivers = acceptedBy(tag)
  if (receivers.length === 0) throw new Error(`message reference: no party accepts ${tag}`)
  return receivers
}

/** Parties as running text: `gateway`, `gateway or issuer`. */
const named = (parties: ReadonlyArray<PartyKind>, joiner = " or "): string => parties.map((p) => PARTY_NAMES[p]).join(joiner)

// ---------------------------------------------------------------------------------------------
// Bounds, read from the checks of an AST node

const group = (n: number): string => {
  const digits = String(Math.abs(n))
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return n < 0 ? `-${grouped}` : grouped
}

const cell = (text: string): string => text.replace(/\|/g, "\\|")

interface Representation {
  readonly id: string
  readonly payload: Readonly<Record<string, unknown>> | null
}

const flatChecks = (checks: ReadonlyArray<SchemaAST.Check<unknown>> | undefined): ReadonlyArray<SchemaAST.Filter<unknown>> =>
  (checks ?? []).flatMap((c) => (c._tag === "Filter" ? [c] : flatChecks(c.checks)))

/** The bounds one AST node's checks impose, as phrases; `unit` names what a length counts. */
export const boundsOf = (ast: SchemaAST.AST, unit: "characters" | "entries"): ReadonlyArray<string> => {
  const phrases: Array<string> = []
  let minLength: number | undefined
  let maxLength: number | undefined
  for (const filter of flatChecks(ast.checks)) {
    const representation = (filter.annotations as { readonly representation?: Representation } | undefined)?.representation
    const payload = representation?.payload ?? {}
    switch (representation?.id) {
      case "effect/schema/isInt":
        phrases.push("integer")
        break
      case "effect/schema/isBetween": {
        const low = `${group(Number(payload["minimum"]))}${payload["exclusiveMinimum"] === true ? " (excluded)" : ""}`
        const high = `${group(Number(payload["maximum"]))}${payload["exclusiveMaximum"] === true ? " (excluded)" : ""}`
        phrases.push(`${low} to ${high}`)
        break
      }
      case "effect/schema/isMinLength":
        minLength = Number(payload["minLength"])
        break
      case "effect/schema/isMaxLength":
        maxLength = Number(payload["maxLength"])
        break
      case "effect/schema/isPattern":
        phrases.push(`matches \`/${String(payload["source"])}/${String(payload["flags"] ?? "")}\``)
        break
      default: {
        const expected = filter.annotations?.expected
        if (expected === undefined) throw new Error("message reference: a check with no representation and no `expected` text")
        phrases.push(expected)
      }
    }
  }
  const what = unit === "characters" ? "UTF-16 code units" : "entries"
  if (minLength !== undefined || maxLength !== undefined) {
    const length =
      minLength !== undefined && maxLength !== undefined
        ? `${group(minLength)} to ${group(maxLength)} ${what}`
        : minLength !== undefined
          ? `at least ${group(minLength)} ${what}`
          : `at most ${group(maxLength ?? 0)} ${what}`
    phrases.unshift(length)
  }
  return phrases
}

// ---------------------------------------------------------------------------------------------
// Field rows: every field of a message, nested objects flattened into dotted paths

/** One row of a message's field table. */
export interface FieldRow {
  readonly path: string
  readonly type: string
  readonly bounds: string
}

/** The short label of a type: its exported name, or its structure. */
const labelOf = (schema: Schema.Top | undefined, ast: SchemaAST.AST): string => {
  const name = nameOf(schema, ast)
  if (name !== undefined) return `\`${name}\``
  if (SchemaAST.isLiteral(ast)) return `\`${JSON.stringify(ast.literal)}\``
  if (SchemaAST.isNull(ast)) return "`null`"
  if (SchemaAST.isUnion(ast)) {
    const members = membersOf(schema)
    return ast.types.map((t) => labelOf(members.find((m) => m.ast === t), t)).join(" or ")
  }
  if (SchemaAST.isArrays(ast)) return "array"
  if (SchemaAST.isString(ast)) return "string"
  if (SchemaAST.isNumber(ast)) return flatChecks(ast.checks).some((f) => (f.annotations as { representation?: Representation } | undefined)?.representation?.id === "effect/schema/isInt") ? "integer" : "number"
  return ast._tag
}

const rowsOf = (path: string, schema: Schema.Top | undefined, ast: SchemaAST.AST, rows: Array<FieldRow>): void => {
  // A nullable field: describe the value it holds when it is not null.
  if (SchemaAST.isUnion(ast) && ast.types.some(SchemaAST.isNull)) {
    const others = ast.types.filter((t) => !SchemaAST.isNull(t))
    const [only] = others
    if (others.length === 1 && only !== undefined) {
      const member = membersOf(schema).find((m) => m.ast === only)
      const before = rows.length
      rowsOf(path, member, only, rows)
      const first = rows[before]
      if (first !== undefined && first.path === path) rows[before] = { ...first, type: `${first.type} or \`null\`` }
      return
    }
  }
  const label = labelOf(schema, ast)
  const literals = literalsOf(ast)
  if (literals !== undefined) {
    const values = literals.map((l) => `\`${String(l)}\``).join(", ")
    rows.push({ path, type: label, bounds: literals.length === 1 ? `exactly ${values}` : `one of ${values}` })
    return
  }
  if (SchemaAST.isDeclaration(ast)) {
    const id = identifierOf(ast)
    const cls = CLASSES.get(id)
    if (cls === undefined) throw new Error(`message reference: no class ${id} among the named modules`)
    rows.push({ path, type: `${label} (object)`, bounds: boundsOf(ast, "characters").join("; ") || "the fields below" })
    for (const [field, fieldSchema] of Object.entries(cls.fields)) rowsOf(`${path}.${field}`, fieldSchema, fieldSchema.ast, rows)
    return
  }
  if (SchemaAST.isArrays(ast)) {
    const [item] = ast.rest
    if (item === undefined || ast.elements.length > 0) throw new Error(`message reference: ${path} is a tuple, not an array`)
    const itemSchema = (schema as { readonly value?: unknown } | undefined)?.value
    const itemLabel = labelOf(Schema.isSchema(itemSchema) ? itemSchema : undefined, item)
    rows.push({ path, type: `array of ${itemLabel}`, bounds: boundsOf(ast, "entries").join("; ") || "any number of entries" })
    rowsOf(`${path}[]`, Schema.isSchema(itemSchema) ? itemSchema : undefined, item, rows)
    if (SchemaAST.isDeclaration(item)) rows.splice(rows.findIndex((r) => r.path === `${path}[]`), 1)
    return
  }
  if (SchemaAST.isString(ast) || SchemaAST.isNumber(ast)) {
    const bounds = boundsOf(ast, "characters").filter((b) => b !== "integer")
    rows.push({ path, type: label, bounds: bounds.join("; ") || "any" })
    return
  }
  throw new Error(`message reference: cannot describe ${path}, a ${ast._tag}`)
}

/** The field rows of a message (or any class schema): its fields, nested objects flattened. */
export const fieldRows = (message: ClassSchema): ReadonlyArray<FieldRow> => {
  const rows: Array<FieldRow> = []
  for (const [field, schema] of Object.entries(message.fields)) rowsOf(field, schema, schema.ast, rows)
  return rows
}

const fieldTable = (message: ClassSchema): string =>
  ["| field | type | bounds |", "| --- | --- | --- |", ...fieldRows(message).map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.bounds)} |`)].join("\n")

// ---------------------------------------------------------------------------------------------
// The blocks

const arrow = (message: ClassSchema): string => `${named(sendersOf(message))} → ${named(receiversOf(tagOf(message)))}`

/** The domain tag of a message type as text, and its length in bytes with the trailing zero byte. */
export const domainTagText = (tag: string): { readonly text: string; readonly bytes: number } => {
  const bytes = domainTag(tag)
  const text = new TextDecoder().decode(bytes.subarray(0, bytes.length - 1))
  if (bytes[bytes.length - 1] !== 0) throw new Error(`message reference: the domain tag of ${tag} does not end with a zero byte`)
  return { text, bytes: bytes.length }
}

/** A message type's signer roles, as code spans. */
const rolesText = (tag: SignedTag): string => SIGNER_ROLES[tag].map((role) => `\`${role}\``).join(" or ")

const signerOf = (tag: string): string => (isSigned(tag) ? rolesText(tag) : "none: an unsigned session message")

const qualified = (c: RejectionCase): string => {
  if (c.qualifiers === undefined) return `\`${c.rejection}\``
  const what = c.rejection === "Mismatch" ? "field" : "kind"
  return `\`${c.rejection}\` (${what} ${c.qualifiers.map((q) => `\`${q}\``).join(", ")})`
}

/** The rejections of a message in the order they are checked; with several receivers, a column says which makes each check. */
const rejectionTable = (cases: ReadonlyArray<RejectionCase>, receivers: ReadonlyArray<PartyKind>): string =>
  receivers.length === 1
    ? ["| rejection | when |", "| --- | --- |", ...cases.map((c) => `| ${qualified(c)} | ${cell(c.when)} |`)].join("\n")
    : [
        "| rejection | at | when |",
        "| --- | --- | --- |",
        ...cases.map((c) => `| ${qualified(c)} | ${c.at === undefined ? (receivers.length === 2 ? "both" : "every receiver") : PARTY_NAMES[c.at]} | ${cell(c.when)} |`)
      ].join("\n")

const messageSection = (message: ClassSchema): string => {
  const tag = tagOf(message)
  const facts = factsOf(tag)
  const receivers = receiversOf(tag)
  for (const c of facts.rejections) {
    if (c.at !== undefined && !receivers.includes(c.at)) throw new Error(`message reference: a rejection of ${tag} at the ${PARTY_NAMES[c.at]}, which does not receive it`)
  }
  const signed = isSigned(tag)
  const domain = domainTagText(tag)
  const lines = [
    `### ${tag}`,
    "",
    facts.purpose,
    "",
    `- **hop:** ${arrow(message)} (${signed ? "signed channel" : "session channel"})`,
    `- **signer role:** ${signerOf(tag)}`,
    `- **domain tag:** ${signed ? `\`${domain.text}\` followed by one 0x00 byte (${domain.bytes} bytes)` : "none (not signed)"}`,
    ...(facts.answer === undefined ? [] : [`- **answered by:** ${facts.answer.split(" or ").map((a) => `\`${a}\``).join(" or ")}`]),
    "",
    fieldTable(message),
    "",
    signed
      ? `**Rejections.** First the envelope checks (see [above](#opening-an-envelope)), then at the ${named(receivers, " and at the ")}, in this order:`
      : `**Rejections** at the ${named(receivers)}, in this order:`,
    "",
    facts.rejections.length === 0 ? "None beyond the envelope checks." : rejectionTable(facts.rejections, receivers),
    ...(facts.note === undefined ? [] : ["", facts.note])
  ]
  return lines.join("\n")
}

const hopBlock = (name: string): string => {
  const hop = HOPS[name]
  if (hop === undefined) throw new Error(`generated block: unknown hop ${name}; known: ${Object.keys(HOPS).join(", ")}`)
  return MESSAGES.filter((m) => hopOf(m) === name)
    .map(messageSection)
    .join("\n\n")
}

/** The summary table; its links go to `page` (empty: this page). */
const summaryBlock = (page: string): string =>
  [
    "| message | hop | signer role | domain tag |",
    "| --- | --- | --- | --- |",
    ...MESSAGES.map((m) => {
      const tag = tagOf(m)
      const signer = isSigned(tag) ? rolesText(tag) : "none (session)"
      return `| [${tag}](${page}#${tag.toLowerCase()}) | ${arrow(m)} | ${signer} | ${isSigned(tag) ? `\`${domainTagText(tag).text}\`` : "none"} |`
    })
  ].join("\n")

const envelopeBlock = (): string =>
  ["| order | rejection | when |", "| --- | --- | --- |", ...Object.entries(ENVELOPE_REJECTIONS).map(([tag, when], i) => `| ${i + 1} | \`${tag}\` | ${cell(when)} |`)].join("\n")

/** The names of the value types the messages' fields use, as the field tables show them. */
const typesInMessages = (): ReadonlySet<string> => {
  const used = new Set<string>()
  for (const message of MESSAGES) {
    for (const row of fieldRows(message)) for (const [, name] of row.type.matchAll(/`([A-Za-z_]+)`/g)) if (name !== undefined) used.add(name)
  }
  return used
}

/** The named value types the messages use, each with what it is and its bounds. */
const typesBlock = (): string => {
  const used = typesInMessages()
  const rows: Array<string> = []
  for (const [schema, name] of NAMES) {
    if (!used.has(name)) continue
    const s = schema as Schema.Top
    const literals = literalsOf(s.ast)
    if (isClass(s)) {
      const fields = Object.entries(s.fields).map(([f, fs]) => `\`${f}\`: ${labelOf(fs, fs.ast)}`).join(", ")
      rows.push(`| \`${name}\` | object { ${cell(fields)} } | ${cell(boundsOf(s.ast, "characters").join("; ") || "the bounds of its fields")} |`)
    } else if (SchemaAST.isDeclaration(s.ast)) {
      // A class narrowed by a check, such as PaymentAmount.
      rows.push(`| \`${name}\` | \`${identifierOf(s.ast)}\` | ${cell(boundsOf(s.ast, "characters").join("; "))} |`)
    } else if (literals !== undefined) {
      const kinds = [...new Set(literals.map((l) => typeof l))].join(" or ")
      rows.push(`| \`${name}\` | ${kinds} | one of ${literals.map((l) => `\`${String(l)}\``).join(", ")} |`)
    } else {
      const bounds = boundsOf(s.ast, "characters").filter((b) => b !== "integer")
      rows.push(`| \`${name}\` | ${labelOf(undefined, s.ast)} | ${cell(bounds.join("; ") || "any")} |`)
    }
  }
  return ["| type | is | bounds |", "| --- | --- | --- |", ...rows].join("\n")
}

/** Which signed messages each party accepts: the members of its `Accepts` codec, in the codec's order. */
const acceptsBlock = (): string =>
  [
    "| party | accepts |",
    "| --- | --- |",
    "| Browser | no signed message: only `OrderView` and `RequestRefused`, on its session |",
    ...(Object.entries(ACCEPTS) as ReadonlyArray<[PartyKind, AcceptedCodec]>).map(
      ([party, codec]) => `| ${PARTY_NAMES[party].replace(/^./, (c) => c.toUpperCase())} | ${tagsOf(codec).map((t) => `\`${t}\``).join(", ")} |`
    )
  ].join("\n")

/**
 * The content of a `messages <what> [page]` block: `summary`, `envelope`, `types`, `accepts`, or
 * a hop's name. A summary shown on another page than the reference names the reference's path as
 * `page`.
 */
export const renderMessages = (what: string, page = ""): string => {
  checkEveryMessageListed()
  switch (what) {
    case "summary":
      return summaryBlock(page)
    case "accepts":
      return acceptsBlock()
    case "envelope":
      return envelopeBlock()
    case "types":
      return typesBlock()
    default:
      return hopBlock(what)
  }
}
