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

/**
 * The key `party` used before its current one: registered with every party that trusts `party`,
 * revoked, and held by the attacker (a lost phone, a merchant's or bank's retired key that
 * leaked). A message signed with it must be refused as `RevokedKey`, whatever it says.
 *
 * @category signing
 * @since 0.4.0
 */
export const retiredKey = (core: Core, party: string): { readonly keyId: string; readonly seed: Uint8Array } => ({
  keyId: `${party}.k0`,
  seed: core.Topology.seedFor("retired", party)
})
