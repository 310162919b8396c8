/**
 * Forgeries an attacker without the parties' keys can make from recorded packets.
 *
 * Each takes a recorded signed packet and returns a packet that differs from it, so an honest
 * party must reject it: a tampered field, another message's signature, a re-signature with the
 * attacker's own key (under a key id nobody registered, or under the victim's real key id), a
 * message whose type tag (and so its domain tag) was changed: a decline passed off as an approval,
 * or any field of the message changed as its Schema allows and signed again by a key the attacker
 * holds, or not at all (`field`, see `Tamper.ts`); a message signed with its sender's retired,
 * revoked key (`revokedKey`); or an envelope no honest party writes (`malformed`: a signature in
 * another base64url form of the same bytes or one byte short, a body field dropped, of the wrong
 * type or one too many, the type tag unknown, the signer missing).
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Packet } from "../machine/Machine.js"
import type { Core } from "./Core.js"
import { retiredKey, signWire } from "./Signing.js"
import { isRecord, plausibleFrom, retamperPacket, tamperPacket, tweakOf, type AttackerKey, type Plausible, type Tampering, type TamperOptions, type Tweak } from "./Tamper.js"

/** The kinds of forgery. */
export const FORGERY_KINDS = ["tamper", "field", "swapSignature", "unregisteredKey", "stolenKeyId", "retag", "revokedKey", "malformed"] as const
/** One kind of forgery. */
export type ForgeryKind = (typeof FORGERY_KINDS)[number]

interface Wire {
  readonly body: Record<string, unknown>
  readonly signer: string
  readonly signature: string
}

const wireOf = (packet: Packet): Wire => structuredClone(packet.payload) as Wire

/**
 * Whether `packet` carries an envelope the forgeries can start from: a body, a signer and a
 * signature. A malformed envelope in flight (the signer missing) does not, and is not forged
 * again; a malformed body in a whole envelope is, as any other.
 */
export const forgeable = (packet: Packet): boolean => {
  const { body, signer, signature } = (packet.payload ?? {}) as { readonly body?: unknown; readonly signer?: unknown; readonly signature?: unknown }
  return packet.channel === "signed" && typeof body === "object" && body !== null && typeof signer === "string" && typeof signature === "string"
}

const TAG_SWAPS: Readonly<Record<string, string>> = {
  AuthorizePayment: "AuthorizationRequest",
  AuthorizationRequest: "AuthorizePayment",
  AuthorizationResult: "AuthorizationResponse",
  AuthorizationResponse: "AuthorizationResult",
  Challenge: "ChallengeApproval",
  ChallengeApproval: "ChallengeDecline",
  ChallengeDecline: "ChallengeApproval",
  ChallengeReceipt: "ChallengeApproval"
}

/**
 * Changes one signed field: the amount if there is one, else the status, else the id. The body
 * may be one a malformed forgery made (an amount turned into a number, say): a field is changed
 * only where it has the shape that change needs.
 */
const tamper = (packet: Packet, variant: number): Packet => {
  const wire = wireOf(packet)
  const body = wire.body
  const amount = body["amount"]
  const choices: Array<() => void> = []
  if (isRecord(amount)) {
    choices.push(() => (amount["amount_minor"] = Number(amount["amount_minor"]) + 1 + (variant % 1000)))
    choices.push(() => (amount["currency"] = amount["currency"] === "EUR" ? "USD" : "EUR"))
  }
  if (typeof body["status"] === "string") choices.push(() => (body["status"] = body["status"] === "approved" ? "insufficient_funds" : "approved"))
  const payee = body["payee"]
  if (isRecord(payee)) {
    choices.push(() => (payee["name"] = "Mallory Ltd"))
    choices.push(() => (payee["merchant"] = "merchant-mallory"))
  }
  choices.push(() => (body["id"] = `${String(body["id"])}x`))
  choices[variant % choices.length]?.()
  return { ...packet, payload: wire }
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/** A field of `body` other than its type tag, chosen by `variant`. */
const someField = (body: Record<string, unknown>, variant: number): string => {
  const fields = Object.keys(body).filter((k) => k !== "_tag").sort()
  return fields[variant % fields.length] ?? "_tag"
}

/** The bodies no honest party writes, each made from `body`: a field dropped, turned into a number, or joined by one the Schema does not know; the type tag one no party knows. */
const BODY_MALFORMATIONS: ReadonlyArray<(body: Record<string, unknown>, variant: number) => Record<string, unknown>> = [
  (body, variant) => {
    const { [someField(body, variant)]: _dropped, ...rest } = body
    return rest
  },
  (body, variant) => ({ ...body, [someField(body, variant)]: 7 }),
  (body) => ({ ...body, note: "pay me instead" }),
  (body) => ({ ...body, _tag: `${String(body["_tag"])}V2` })
]

/** How many kinds of malformed body {@link malformedBody} makes: its variant picks one, in turn. */
const MALFORMED_BODIES = BODY_MALFORMATIONS.length

/**
 * Malformed body number `variant` (a field dropped, turned into a number, or one too many; the
 * type tag unknown; in turn) made from `body`: a browser request or a signed message's body that
 * its Schema refuses. The variant's higher digits pick the field.
 */
export const malformedBody = (body: Record<string, unknown>, variant: number): Record<string, unknown> =>
  BODY_MALFORMATIONS[variant % MALFORMED_BODIES]?.(body, Math.floor(variant / MALFORMED_BODIES)) ?? body

/**
 * `request`, a page's request on its session, with its body malformed as `variant` says
 * ({@link malformedBody}): what a shopper's own script or a broken client could send.
 */
export const garbledRequest = (request: Packet, variant: number): Packet => ({ ...request, payload: malformedBody(request.payload as Record<string, unknown>, variant) })

/**
 * Every distinct garbling of `request` ({@link garbledRequest}): each field dropped, each turned
 * into a number, one field too many, and an unknown type tag, each once.
 */
export const everyGarbling = (request: Packet): ReadonlyArray<Packet> => {
  const fields = Math.max(1, Object.keys(request.payload as Record<string, unknown>).filter((k) => k !== "_tag").length)
  const byBody = new Map<string, Packet>()
  for (let variant = 0; variant < MALFORMED_BODIES * fields; variant++) {
    const garbled = garbledRequest(request, variant)
    const body = JSON.stringify(garbled.payload)
    if (!byBody.has(body)) byBody.set(body, garbled)
  }
  return [...byBody.values()]
}

/**
 * The envelopes no honest party writes, each made from `wire`: the same signature bytes with
 * base64 padding, or with a non-zero trailing bit in its last character (both decode to the
 * bytes signed); the signature one byte short; each malformed body; the signer missing.
 */
const MALFORMATIONS: ReadonlyArray<(wire: Wire, variant: number) => unknown> = [
  (wire) => ({ ...wire, signature: `${wire.signature}==` }),
  (wire) => {
    const last = BASE64URL.indexOf(wire.signature.slice(-1))
    return { ...wire, signature: `${wire.signature.slice(0, -1)}${BASE64URL[last | 1] ?? "B"}` }
  },
  (wire) => ({ ...wire, signature: Buffer.from(wire.signature, "base64url").subarray(1).toString("base64url") }),
  ...BODY_MALFORMATIONS.map((malform) => (wire: Wire, variant: number) => ({ ...wire, body: malform(wire.body, variant) })),
  (wire) => ({ body: wire.body, signature: wire.signature })
]

/** How many kinds of malformed envelope a `malformed` forgery makes: its variant picks one, in turn. */
export const MALFORMED_VARIANTS = MALFORMATIONS.length

const flipFirstCharacter = (signature: string): string => `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`

/** The attacker's own key number `n` (0 to 2), which no party registered. */
const ownKey = (core: Core, n: number): AttackerKey => ({ keyId: `attacker-${n}.k1`, seed: core.Topology.seedFor("attacker", String(n)) })

/**
 * What the attacker brings to a `field` forgery besides the two packets; each has a default.
 *
 * - `plausible`: the values seen in the run to tamper with (default: those of the packet and the
 *   donor). Build it with `Tamper.plausibleFrom` from the bodies of the recorded packets.
 * - `keys`: the keys the attacker holds, each signing under its own key id (default: the
 *   attacker's own unregistered key). Add a compromised party's keys here.
 * - `tampered`: called with each tampering made, e.g. to count `tamper:<Tag>.<field>`.
 */
export interface ForgeryContext {
  readonly plausible?: Plausible
  readonly keys?: ReadonlyArray<AttackerKey>
  readonly tampered?: (tampering: Tampering, resignedBy: string | null) => void
}

/** What a `field` forgery tampers with and who signs it: the values of `packet` and `donor`, and the attacker's own key, unless `context` names others. */
const fieldOptions = (core: Core, packet: Packet, donor: Packet, variant: number, context: ForgeryContext): TamperOptions => ({
  plausible: context.plausible ?? plausibleFrom([wireOf(packet).body, wireOf(donor).body]),
  keys: context.keys ?? [ownKey(core, variant % 3)]
})

/**
 * A `field` forgery named exactly: the change made to the body ({@link Tweak}) and who signs the
 * result (0: the original signature is kept; n: the attacker's own key n - 1).
 *
 * @category models
 * @since 0.3.0
 */
export interface NamedField {
  readonly tweak: Tweak
  readonly signer: number
}

/**
 * The `field` forgery {@link forge} makes of `packet` with `donor` and `variant` (and no
 * context), named, so that it can be made again once the donor is gone; `undefined` when the
 * packet offers no field to tamper with.
 */
export const namedField = (core: Core, packet: Packet, donor: Packet, variant: number): Effect.Effect<NamedField | undefined, never, Ed25519> =>
  Effect.map(tamperPacket(core, packet, variant, fieldOptions(core, packet, donor, variant, {})), (made) =>
    made === undefined ? undefined : { tweak: tweakOf(made.tampering), signer: made.resignedBy === null ? 0 : (variant % 3) + 1 }
  )

/** Makes a {@link NamedField} forgery again on `packet`; `undefined` when the packet has no such field or the result no longer decodes. */
export const forgeNamedField = (core: Core, packet: Packet, named: NamedField): Effect.Effect<Packet | undefined, never, Ed25519> =>
  Effect.map(retamperPacket(core, packet, named.tweak, named.signer === 0 ? undefined : ownKey(core, named.signer - 1)), (made) => made?.packet)

/** Builds a forged packet of `kind` from `packet`, using `donor` where another message is needed. */
export const forge = (
  core: Core,
  kind: ForgeryKind,
  packet: Packet,
  donor: Packet,
  variant: number,
  context: ForgeryContext = {}
): Effect.Effect<Packet, never, Ed25519> => {
  const wire = wireOf(packet)
  switch (kind) {
    case "tamper":
      return Effect.succeed(tamper(packet, variant))
    case "field": {
      return Effect.map(tamperPacket(core, packet, variant, fieldOptions(core, packet, donor, variant, context)), (made) => {
        if (made === undefined) return tamper(packet, variant)
        context.tampered?.(made.tampering, made.resignedBy)
        return made.packet
      })
    }
    case "swapSignature": {
      const donorSignature = wireOf(donor).signature
      // A donor with the very same signature (a retry of the same message) gives way to a signature with one bit of R flipped.
      const signature = donorSignature === wire.signature ? flipFirstCharacter(wire.signature) : donorSignature
      return Effect.succeed({ ...packet, payload: { ...wire, signature } })
    }
    case "retag":
      return Effect.succeed({ ...packet, payload: { ...wire, body: { ...wire.body, _tag: TAG_SWAPS[String(wire.body["_tag"])] ?? "Challenge" } } })
    case "malformed": {
      const malform = MALFORMATIONS[variant % MALFORMATIONS.length]
      return Effect.succeed({ ...packet, payload: malform?.(wire, Math.floor(variant / MALFORMATIONS.length)) })
    }
    case "revokedKey": {
      const retired = retiredKey(core, String(wire.body["from"]))
      return Effect.map(signWire(core, String(wire.body["_tag"]), wire.body, retired.seed, retired.keyId), (payload) => ({ ...packet, payload }))
    }
    case "unregisteredKey":
    case "stolenKeyId": {
      // The attacker signs whatever bytes it likes with its own key, even a body no party would decode.
      const own = ownKey(core, variant % 3)
      const keyId = kind === "stolenKeyId" ? wire.signer : own.keyId
      return Effect.map(signWire(core, String(wire.body["_tag"]), wire.body, own.seed, keyId), (payload) => ({ ...packet, payload }))
    }
  }
}
