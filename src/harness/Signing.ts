/**
 * How the attacker signs: any body it likes, with a seed it holds (its own, or a compromised
 * party's), over the protocol's signing bytes, under whatever key id it chooses to claim. The one
 * place the forgeries, the tamperings and the insider share.
 *
 * @since 0.3.0
 */
import type { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Core } from "./Core.js"

/**
 * A wire envelope as the attacker builds it.
 *
 * @category signing
 * @since 0.3.0
 */
export interface AttackerWire {
  readonly body: unknown
  readonly signer: string
  readonly signature: string
}

/**
 * Signs `body` as a message of type `tag` with `seed`, claiming key id `signer`.
 *
 * @category signing
 * @since 0.3.0
 */
export const signWire = (core: Core, tag: string, body: unknown, seed: Uint8Array, signer: string): Effect.Effect<AttackerWire, never, Ed25519> => {
  const bytes = core.Envelope.signingBytes(tag, body)
  return core.Ed25519.Ed25519.useSync((ed) => ({ body, signer, signature: Buffer.from(ed.sign(seed, bytes)).toString("base64url") }))
}
