/**
 * Ed25519 as an Effect service, with one strict verification policy shared by every backend.
 *
 * The protocol core never imports a crypto library directly: it asks for the {@link Ed25519}
 * service, and the embedding application provides one of the two layers, `TweetnaclEd25519`
 * (portable, pure JavaScript) or `NodeEd25519` (`node:crypto`, much faster to verify). Ed25519 is
 * deterministic (RFC 8032), so both layers produce byte-identical signatures and give the same
 * verdict on every input; the property tests hold them to that.
 *
 * @since 0.1.0
 */
import { Context } from "effect"

/** Length in bytes of an Ed25519 seed (the secret key as RFC 8032 defines it). @since 0.1.0 */
export const SEED_BYTES = 32
/** Length in bytes of an Ed25519 public key. @since 0.1.0 */
export const PUBLIC_KEY_BYTES = 32
/** Length in bytes of an Ed25519 signature (`R || S`). @since 0.1.0 */
export const SIGNATURE_BYTES = 64

/**
 * What a backend must do. `verify` is only ever called by {@link Ed25519} after the strict
 * policy checks have passed, so a backend may assume well-formed lengths.
 *
 * @category models
 * @since 0.1.0
 */
export interface Ed25519Backend {
  /** A short name for traces and benchmarks, such as `"tweetnacl"` or `"node"`. */
  readonly name: string
  /** Derives the 32-byte public key from a 32-byte seed. */
  readonly publicKeyFromSeed: (seed: Uint8Array) => Uint8Array
  /** Signs `message` with the key derived from the 32-byte `seed`; returns 64 bytes. */
  readonly sign: (seed: Uint8Array, message: Uint8Array) => Uint8Array
  /** The backend's own verdict on a 64-byte signature over `message` by a 32-byte public key. */
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean
}

/**
 * The Ed25519 service the protocol core depends on. Its `verify` applies the strict policy (see
 * `VerifyPolicy`) before asking the backend, so every backend accepts exactly the same
 * signatures.
 *
 * @category services
 * @since 0.1.0
 */
export class Ed25519 extends Context.Service<Ed25519, Ed25519Backend>()("checkout-protocol/Ed25519") {}
