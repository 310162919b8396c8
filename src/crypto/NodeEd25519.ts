/**
 * The fast Ed25519 backend: OpenSSL through `node:crypto`.
 *
 * `node:crypto` works on `KeyObject`s, not raw bytes: the 32-byte seed is wrapped in a PKCS#8 DER
 * document and the 32-byte public key in an SPKI DER document (RFC 8410). Building a private
 * `KeyObject` derives the public key, which costs about fifteen times a signature, and building a
 * public one about as much as a verification, so both are kept in least-recently-used caches of
 * at most {@link NODE_KEY_CACHE_BOUND} entries each, keyed by the bytes of the seed or public key
 * (`BytesMemo.ts`).
 * The private-key cache holds secret keys for the life of the process, which is no worse than the
 * application holding the seeds.
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import * as crypto from "node:crypto"
import { Layer } from "effect"
import { Ed25519, type Ed25519Backend, PUBLIC_KEY_BYTES } from "./Ed25519.js"
import { memoOnBytes } from "./BytesMemo.js"
import { makeStrictEd25519 } from "./VerifyPolicy.js"

/**
 * The most entries each `KeyObject` cache of the node backend holds (one cache of private keys by
 * seed, one of public keys by public key); beyond it, the least recently used is dropped and
 * rebuilt when next needed. This also bounds the memory an attacker can make the verifier use by
 * presenting many different public keys.
 *
 * @category constants
 * @since 0.1.0
 */
export const NODE_KEY_CACHE_BOUND = 1024

/** PKCS#8 `PrivateKeyInfo` for Ed25519 (OID 1.3.101.112) up to the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex")
/** SPKI `SubjectPublicKeyInfo` for Ed25519 up to the 32-byte public key. */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

interface PrivateEntry {
  readonly key: crypto.KeyObject
  readonly publicKey: Uint8Array
}

const privateKey = memoOnBytes((seed: Uint8Array): PrivateEntry => {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" })
  const spki = crypto.createPublicKey(key).export({ format: "der", type: "spki" })
  return { key, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length, SPKI_PREFIX.length + PUBLIC_KEY_BYTES)) }
}, NODE_KEY_CACHE_BOUND)

/** `undefined` when OpenSSL refuses the key, so that `verify` answers `false` instead of throwing. */
const publicKey = memoOnBytes((bytes: Uint8Array): crypto.KeyObject | undefined => {
  try {
    return crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: "der", type: "spki" })
  } catch {
    return undefined
  }
}, NODE_KEY_CACHE_BOUND)

/**
 * The raw `node:crypto` backend, without the strict policy (OpenSSL accepts small-order and
 * non-canonically encoded public keys), so use it only through {@link NodeEd25519} or
 * `makeStrictEd25519`. Returned arrays are plain `Uint8Array` copies, never cached key material.
 *
 * @category backends
 * @since 0.1.0
 */
export const nodeBackend: Ed25519Backend = {
  name: "node",
  publicKeyFromSeed: (seed) => privateKey(seed).publicKey.slice(),
  sign: (seed, message) => new Uint8Array(crypto.sign(null, message, privateKey(seed).key)),
  verify: (bytes, message, signature) => {
    const key = publicKey(bytes)
    return key !== undefined && crypto.verify(null, message, key, signature)
  }
}

/**
 * The {@link Ed25519} service backed by OpenSSL through `node:crypto`, with the strict
 * verification policy applied: the layer to use on Node, much faster than `TweetnaclEd25519`.
 *
 * @category layers
 * @since 0.1.0
 */
export const NodeEd25519: Layer.Layer<Ed25519> = Layer.succeed(Ed25519, makeStrictEd25519(nodeBackend))
