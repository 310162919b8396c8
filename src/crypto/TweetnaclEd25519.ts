/**
 * The portable Ed25519 backend: tweetnacl, pure JavaScript, no native code.
 *
 * tweetnacl signs with a 64-byte secret key (`seed || publicKey`) that `nacl.sign.keyPair.fromSeed`
 * derives from the 32-byte seed. That derivation is a full scalar multiplication, as costly as
 * the signature itself, so derived key pairs are kept in a least-recently-used cache of at most
 * {@link TWEETNACL_KEY_CACHE_BOUND} entries keyed by the seed's hex; signing with a cached key pair
 * takes about half the time. The cache holds secret keys for the life of the process (as strings
 * and arrays that cannot be wiped), which is no worse than the application holding the seeds.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import nacl from "tweetnacl"
import { Ed25519, type Ed25519Backend } from "./Ed25519.js"
import { makeStrictEd25519 } from "./VerifyPolicy.js"

/**
 * The most key pairs the tweetnacl backend keeps derived at once (a few hundred bytes each);
 * beyond it, the least recently used is dropped and derived again when next needed.
 *
 * @category constants
 * @since 0.1.0
 */
export const TWEETNACL_KEY_CACHE_BOUND = 1024

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => HEX[byte]).join("")

const keyPairs = new Map<string, nacl.SignKeyPair>()

const keyPairFromSeed = (seed: Uint8Array): nacl.SignKeyPair => {
  const id = toHex(seed)
  const cached = keyPairs.get(id)
  if (cached !== undefined) {
    keyPairs.delete(id)
    keyPairs.set(id, cached)
    return cached
  }
  const keyPair = nacl.sign.keyPair.fromSeed(seed)
  if (keyPairs.size >= TWEETNACL_KEY_CACHE_BOUND) {
    const oldest = keyPairs.keys().next()
    if (oldest.done !== true) keyPairs.delete(oldest.value)
  }
  keyPairs.set(id, keyPair)
  return keyPair
}

/**
 * The raw tweetnacl backend, without the strict policy: its `verify` accepts a non-canonical `S`
 * (`S + L`) and throws on wrong lengths, so use it only through {@link TweetnaclEd25519} or
 * `makeStrictEd25519`. Returned arrays are fresh copies, never the cached key material.
 *
 * @category backends
 * @since 0.1.0
 */
export const tweetnaclBackend: Ed25519Backend = {
  name: "tweetnacl",
  publicKeyFromSeed: (seed) => keyPairFromSeed(seed).publicKey.slice(),
  sign: (seed, message) => nacl.sign.detached(message, keyPairFromSeed(seed).secretKey),
  verify: (publicKey, message, signature) => nacl.sign.detached.verify(message, signature, publicKey)
}

/**
 * The {@link Ed25519} service backed by tweetnacl, with the strict verification policy applied:
 * portable to any JavaScript runtime, but far slower than `NodeEd25519` (on Node 20, about 5 ms
 * per verification against 0.06 ms).
 *
 * @category layers
 * @since 0.1.0
 */
export const TweetnaclEd25519: Layer.Layer<Ed25519> = Layer.succeed(Ed25519, makeStrictEd25519(tweetnaclBackend))
