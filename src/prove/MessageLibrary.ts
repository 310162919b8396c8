/**
 * The message part of the ProVerif model (`spec/proverif/messages.pvl`), drawn from the code:
 * the value types of the fields, one data constructor per signed message type with every field
 * in Schema order, its domain tag, the canonical form of the fields its signature covers, the
 * signer roles allowed per type (`SIGNER_ROLES`), and the parties that accept it (their `Accepts`
 * codecs). The processes that use it are written by hand (`spec/proverif/*.pv`); the crypto
 * primitives they rest on are in `spec/proverif/crypto.pvl`.
 *
 * A signature covers `signingBytes(tag, canonical)`: the domain tag and the canonical JSON of the
 * fields without `_tag` (`Envelope.signingBytes`). Canonical JSON is keyed by field names, not
 * by type, so types with the same fields (`ChallengeApproval` and `ChallengeDecline`,
 * `CapturePayment` and `RefundPayment`, ...) share one canonical constructor: only the domain tag
 * tells their signatures apart, exactly as in the code.
 *
 * @since 0.3.0
 */
import { domainTag, PROTOCOL_VERSION } from "../crypto/Envelope.js"
import { Role } from "../crypto/KeyRegistry.js"
import { tagOf, type ClassSchema } from "../messages/Reflection.js"
import { SIGNER_ROLES, SignedMessage, type SignedTag } from "../messages/Signed.js"
import { acceptedBy } from "../parties/Accepts.js"
import { emptyDeclarations, typeOfField, type Declarations } from "./Terms.js"

/** One signed message type, as the model sees it. */
interface Message {
  readonly tag: SignedTag
  /** Its fields without `_tag`, in Schema order, with their ProVerif types. */
  readonly fields: ReadonlyArray<readonly [string, string]>
}

/** The canonical form shared by the types whose signed fields have the same names and types. */
interface Canonical {
  readonly name: string
  /** The fields, sorted as canonical JSON sorts keys. */
  readonly fields: ReadonlyArray<readonly [string, string]>
  readonly tags: ReadonlyArray<SignedTag>
}

/** Keys sorted by UTF-16 code units, as canonical JSON sorts them (`src/crypto/Canonical.ts`). */
const byKey = (a: readonly [string, string], b: readonly [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

const messagesOf = (declarations: Declarations): ReadonlyArray<Message> =>
  (SignedMessage.members as ReadonlyArray<ClassSchema>).map((schema) => {
    const tag = tagOf(schema) as SignedTag
    const fields = Object.entries(schema.fields)
      .filter(([field]) => field !== "_tag")
      .map(([field, fieldSchema]) => [field, typeOfField(tag, field, fieldSchema, fieldSchema.ast, declarations)] as const)
    return { tag, fields }
  })

const canonicalsOf = (messages: ReadonlyArray<Message>): ReadonlyArray<Canonical> => {
  const groups = new Map<string, { fields: ReadonlyArray<readonly [string, string]>; tags: Array<SignedTag> }>()
  for (const m of messages) {
    const fields = [...m.fields].sort(byKey)
    const key = fields.map(([f, t]) => `${f}:${t}`).join(",")
    const group = groups.get(key)
    if (group === undefined) groups.set(key, { fields, tags: [m.tag] })
    else group.tags.push(m.tag)
  }
  return [...groups.values()].map((g) => ({ name: `canonical_${g.tags.join("_")}`, fields: g.fields, tags: g.tags }))
}

/**
 * A note for each pair of canonical forms with the same field names and values of other Schemas:
 * canonical JSON does not tell such bodies apart (an id is a string, whatever its brand), the
 * typed model does, so a confusion between them is not modelled.
 */
const lookalikes = (canonicals: ReadonlyArray<Canonical>): ReadonlyArray<string> =>
  canonicals.flatMap((a, i) =>
    canonicals
      .slice(i + 1)
      .filter((b) => b.fields.map(([f]) => f).join() === a.fields.map(([f]) => f).join())
      .map(
        (b) =>
          `(* Note: ${a.tags.join(", ")} and ${b.tags.join(", ")} sign the same field names with values of other Schemas; their canonical JSON can coincide, their canonical forms here cannot, so a confusion between them is not modelled; their signers: ${rolesOf(a)}; ${rolesOf(b)}. *)`
      )
  )

const rolesOf = (c: Canonical): string => [...new Set(c.tags.flatMap((t) => SIGNER_ROLES[t]))].join(" or ")

const canonicalOf = (canonicals: ReadonlyArray<Canonical>, tag: SignedTag): Canonical => {
  const found = canonicals.find((c) => c.tags.includes(tag))
  if (found === undefined) throw new Error(`ProVerif model: no canonical form for ${tag}`)
  return found
}

const signature = (types: ReadonlyArray<string>): string => types.join(", ")
const forall = (fields: ReadonlyArray<readonly [string, string]>): string => (fields.length === 0 ? "" : `forall ${fields.map(([f, t]) => `${f}: ${t}`).join(", ")}; `)
const args = (fields: ReadonlyArray<readonly [string, string]>): string => fields.map(([f]) => f).join(", ")

/** A destructor with one rule per message type, and a last `otherwise` rule when given. */
const destructor = (head: string, rules: ReadonlyArray<string>, fallback?: string): string =>
  [head, ...rules.map((rule, i) => `${i === 0 ? "reduc" : "otherwise"} ${rule}`), ...(fallback === undefined ? [] : [`otherwise ${fallback}`])].join("\n") + "."

const domainTagComment = (tag: string): string => `(* "${PROTOCOL_VERSION}/${tag}" then 0x00: ${domainTag(tag).length} bytes *)`

const section = (title: string, lines: ReadonlyArray<string>): string => [`(* ${title} *)`, ...lines].join("\n")

/**
 * The text of `spec/proverif/messages.pvl`, generated from the Schemas of the signed messages,
 * `SIGNER_ROLES`, the domain tags and the parties' `Accepts` codecs.
 *
 * @category generator
 * @since 0.3.0
 */
export const messageLibrary = (): string => {
  const declarations = emptyDeclarations()
  const messages = messagesOf(declarations)
  const canonicals = canonicalsOf(messages)
  const roles = Role.literals as ReadonlyArray<string>
  const typeLines = [...declarations.types].map(([type, comment]) => `type ${type}. (* ${comment} *)`)
  const constantLines = [...declarations.constants].map(([name, type]) => `const ${name}: ${type}.`)
  const classLines = [...declarations.classes].map(
    ([type, c]) => `fun ${c.constructor}(${signature(c.fields.map(([, t]) => t))}): ${type} [data]. (* ${c.fields.map(([f]) => f).join(", ")} *)`
  )
  const bodyLines = messages.flatMap((m) => [
    `(* ${m.tag}: ${args(m.fields)}; signed by ${SIGNER_ROLES[m.tag].join(" or ")}; accepted by ${acceptedBy(m.tag).join(", ")} *)`,
    `fun ${m.tag}(${signature(m.fields.map(([, t]) => t))}): bitstring [data].`
  ])
  const canonicalLines = [...canonicals.flatMap((c) => [
    `(* ${c.fields.map(([f]) => f).join(", ")}: the signed fields of ${c.tags.join(", ")} *)`,
    `fun ${c.name}(${signature(c.fields.map(([, t]) => t))}): bitstring [data].`
  ]), ...lookalikes(canonicals)]
  const perType = (name: string, result: (m: Message) => string): ReadonlyArray<string> =>
    messages.map((m) => `${forall(m.fields)}${name}(${m.tag}(${args(m.fields)})) = ${result(m)}`)
  return [
    "(* GENERATED by `npx tsx src/prove/generate.ts` from the message Schemas (src/messages/), SIGNER_ROLES",
    "   (src/messages/Signed.ts), the domain tags (src/crypto/Envelope.ts) and the parties' Accepts codecs",
    "   (src/parties/). Do not edit: test/prove/MessageLibrary.test.ts fails when this file differs from",
    "   what the code generates. Load it after crypto.pvl and before a model. *)",
    "",
    section("The value types of the fields: symbols the model compares and never computes with.", typeLines),
    "",
    section("The literals of the enumerations, and the JSON null of each nullable field's type.", constantLines),
    "",
    section("Nested objects, as their canonical JSON: one data constructor per class, fields in Schema order.", classLines),
    "",
    section("The roles a key can have (KeyRegistry.Role).", ["type Role.", ...roles.map((r) => `const role_${r}: Role.`)]),
    "",
    section("The domain tag of each signed message type (Envelope.domainTag).", [
      "type Tag.",
      ...messages.map((m) => `const tag_${m.tag}: Tag. ${domainTagComment(m.tag)}`)
    ]),
    "",
    section("Each signed message type as a receiver decodes it: its _tag is the constructor, then every field in Schema order.", bodyLines),
    "",
    section("The canonical JSON of the signed fields (the body without _tag, keys sorted): one constructor per set of field names and types, shared by the types that sign the same fields.", canonicalLines),
    "",
    section("What a signature covers: the domain tag, then the canonical signed fields (Envelope.signingBytes).", [
      "fun signingBytes(Tag, bitstring): bitstring [data].",
      destructor("fun signingBytesOf(bitstring): bitstring", perType("signingBytesOf", (m) => {
        const c = canonicalOf(canonicals, m.tag)
        return `signingBytes(tag_${m.tag}, ${c.name}(${args(c.fields)}))`
      }))
    ]),
    "",
    section("A body's type, sender and recipient.", [
      destructor("fun tagOf(bitstring): Tag", perType("tagOf", (m) => `tag_${m.tag}`)),
      destructor("fun fromOf(bitstring): PartyId", perType("fromOf", () => "from")),
      destructor("fun toOf(bitstring): PartyId", perType("toOf", () => "to"))
    ]),
    "",
    section("The roles whose keys may sign each type (SIGNER_ROLES).", [
      destructor(
        "fun signerMay(Tag, Role): bool",
        messages.flatMap((m) => SIGNER_ROLES[m.tag].map((r) => `signerMay(tag_${m.tag}, role_${r}) = true`)),
        "forall t: Tag, r: Role; signerMay(t, r) = false"
      )
    ]),
    "",
    section("Envelope.seal, and the checks of Envelope.open once the body is decoded and the key of its sender looked up: the key's role may sign the type, and the signature verifies over its signing bytes.", [
      "letfun seal(body: bitstring, sk: skey) = envelope(body, sign(signingBytesOf(body), sk)).",
      "letfun opens(body: bitstring, r: Role, k: pkey, s: signature) = signerMay(tagOf(body), r) && verify(s, k, signingBytesOf(body))."
    ]),
    ""
  ].join("\n")
}
