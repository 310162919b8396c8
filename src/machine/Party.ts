/**
 * What every signing party has, and the two things it does with it: seal an outgoing body into a
 * packet, and open an incoming packet.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { open, seal, type MessageCodec, type Opened, type OpenRejection, type SigningIdentity } from "../crypto/Envelope.js"
import type { KeyRegistry } from "../crypto/KeyRegistry.js"
import type { PartyId } from "../domain/Ids.js"
import { DecodeError } from "../domain/Rejection.js"
import { AnySigned, type SignedMessage } from "../messages/Signed.js"
import type { Packet } from "./Machine.js"

/**
 * A signing party's identity: its party id, its own signing key, and the registry of keys it
 * trusts. Durable: it survives crashes.
 *
 * @category models
 * @since 0.1.0
 */
export interface PartyIdentity {
  readonly id: PartyId
  readonly signing: SigningIdentity
  readonly registry: KeyRegistry
}

/** Signs `body` and wraps it in a packet addressed to `body.to`. @since 0.1.0 */
export const sealPacket = (identity: PartyIdentity, body: SignedMessage): Effect.Effect<Packet, never, Ed25519> =>
  Effect.map(seal(AnySigned, body, identity.signing), (wire) => ({
    from: identity.id,
    to: body.to,
    channel: "signed" as const,
    payload: wire
  }))

/** Opens a signed packet with the party's registry, accepting only the messages in `codec`. @since 0.1.0 */
export const openPacket = <B extends SignedMessage>(
  codec: MessageCodec<B>,
  identity: PartyIdentity,
  packet: Packet
): Effect.Effect<Opened<B>, OpenRejection, Ed25519> =>
  packet.channel === "signed"
    ? open(codec, packet.payload, { me: identity.id, registry: identity.registry })
    : Effect.fail(new DecodeError({ detail: `expected a signed packet, got a ${packet.channel} packet` }))

/** The Schema-encoded form of a signed body, for idempotency fingerprints. @since 0.1.0 */
export const encodeSigned = (body: SignedMessage): unknown => Schema.encodeSync(AnySigned.schema)(body)
