/**
 * Insiders: at most one party per run whose keys the attacker holds (DESIGN.md section 8): a
 * registered merchant, an enrolled phone of some customer, or a gateway (acquirer). The attacker
 * signs, with that party's real key and as that party, anything its role may sign: a recorded
 * message of that type made its own and sent to any party of the recipient's role, or, for a
 * phone, an approval of a challenge it saw on the wire for someone else. The compromised party's
 * own machine keeps running honestly beside it; the invariants are judged for the honest parties.
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Role } from "../crypto/KeyRegistry.js"
import type { PartyId } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import { SIGNER_ROLES } from "../messages/Signed.js"
import type { Core } from "./Core.js"
import { signWire } from "./Signing.js"

/**
 * The kinds of party an attacker may hold the keys of.
 *
 * @category insiders
 * @since 0.3.0
 */
export const INSIDER_KINDS = ["merchant", "phone", "gateway"] as const

/**
 * One kind of insider.
 *
 * @category insiders
 * @since 0.3.0
 */
export type InsiderKind = (typeof INSIDER_KINDS)[number]

/**
 * A run's insider: its kind, and which party of that kind, counted round.
 *
 * @category insiders
 * @since 0.3.0
 */
export interface Insider {
  readonly kind: InsiderKind
  readonly index: number
}

/**
 * The compromised party as the attacker holds it: its id, role and signing key.
 *
 * @category insiders
 * @since 0.3.0
 */
export interface Compromised {
  readonly kind: InsiderKind
  readonly id: PartyId
  readonly keyId: string
  readonly seed: Uint8Array
}

const ROLE_OF: Readonly<Record<InsiderKind, Role>> = { merchant: "merchant", phone: "device", gateway: "gateway" }

/**
 * The message types an insider of `kind` may sign, and so may make from recorded ones; a phone
 * also answers recorded challenges.
 *
 * @category insiders
 * @since 0.3.0
 */
export const sourceTags = (kind: InsiderKind): ReadonlyArray<string> => [
  ...Object.entries(SIGNER_ROLES)
    .filter(([, roles]) => roles.includes(ROLE_OF[kind]))
    .map(([tag]) => tag)
    .sort(),
  ...(kind === "phone" ? ["Challenge"] : [])
]

/**
 * The body the insider signs from a recorded one: the same fields as the insider's own, addressed
 * to `to`. A recorded challenge becomes the insider phone's approval of it, addressed back to the
 * issuer that sent it; a recorded clearing submission becomes the insider acquirer's submission
 * of the same items again, under new ids and as its own.
 *
 * @category insiders
 * @since 0.3.0
 */
export const insiderBody = (recorded: Readonly<Record<string, unknown>>, insider: PartyId, to: PartyId): Record<string, unknown> => {
  if (recorded["_tag"] === "Challenge") return { ...recorded, _tag: "ChallengeApproval", from: insider, to: recorded["from"] }
  if (recorded["_tag"] === "ClearingSubmission") {
    // The acquirer's oldest fraud: clear the same captures again, under new operation ids, as its own.
    const items = (recorded["items"] as ReadonlyArray<Readonly<Record<string, unknown>>>).map((item) => ({ ...item, id: `${String(item["id"])}-again`, acquirer: insider }))
    return { ...recorded, id: `${String(recorded["id"])}-again`, from: insider, to, items }
  }
  return { ...recorded, from: insider, to }
}

/**
 * Signs `body` as the compromised party, with its real key under its real key id, into a packet
 * from it to the body's recipient.
 *
 * @category insiders
 * @since 0.3.0
 */
export const insiderPacket = (core: Core, compromised: Compromised, body: Record<string, unknown>): Effect.Effect<Packet, never, Ed25519> =>
  Effect.map(signWire(core, String(body["_tag"]), body, compromised.seed, compromised.keyId), (payload) => ({
    from: compromised.id,
    to: String(body["to"]) as PartyId,
    channel: "signed" as const,
    payload
  }))

/**
 * Whether `packet` is a message the compromised party signed as itself: it names the insider as
 * its sender and its key as the signer, and its signature is the one the insider's key makes over
 * its bytes (Ed25519 signs deterministically, so signing again tells). Whoever puts such a packet
 * on the wire, and however often, it is the insider's own message, which it may send (DESIGN.md
 * section 8): no forgery, however it came about (an interception that broke it and a tampering
 * that mended it give back the very bytes the insider signed).
 *
 * @category insiders
 * @since 0.6.0
 */
export const isInsiderOwn = (core: Core, compromised: Compromised, packet: Packet): Effect.Effect<boolean, never, Ed25519> => {
  const payload = packet.payload as Partial<Readonly<Record<string, unknown>>> | null
  const body = payload?.["body"] as Partial<Readonly<Record<string, unknown>>> | null | undefined
  if (packet.channel !== "signed" || payload?.["signer"] !== compromised.keyId || body?.["from"] !== compromised.id) return Effect.succeed(false)
  return Effect.map(signWire(core, String(body["_tag"]), body, compromised.seed, compromised.keyId), (signed) => signed.signature === payload["signature"])
}
