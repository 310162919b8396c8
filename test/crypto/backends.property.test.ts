/**
 * Property tests holding the two backends to one behaviour: byte-identical keys and signatures
 * (Ed25519 is deterministic), and the same verdict from both strict services on valid signatures,
 * mutated ones and random inputs.
 */
import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Ed25519, type Ed25519Backend } from "../../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../../src/crypto/TweetnaclEd25519.js"

const service = (layer: Layer.Layer<Ed25519>): Ed25519Backend =>
  Effect.runSync(Effect.provide(Ed25519.useSync((ed25519) => ed25519), layer))

const tweetnacl = service(TweetnaclEd25519)
const node = service(NodeEd25519)

const L = 2n ** 252n + 27742317777372353535851937790883648493n

/** The encoding of the identity point (y = 1), a small-order "public key". */
const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))

const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 })
const messages = fc.uint8Array({ maxLength: 512 })

/** A copy of `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped. */
const flipBit = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = bytes.slice()
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7))
  return copy
}

/** The signature with S replaced by S + L: the same scalar mod L, encoded non-canonically. */
const addGroupOrderToS = (signature: Uint8Array): Uint8Array => {
  const s = signature.subarray(32).reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n) + L
  return Uint8Array.from([...signature.subarray(0, 32), ...Array.from({ length: 32 }, (_, i) => Number((s >> BigInt(8 * i)) & 0xffn))])
}

const mutations = [
  "none",
  "flipR",
  "flipS",
  "flipMessage",
  "sPlusL",
  "otherKey",
  "identityKeyForgery",
  "randomPublicKey",
  "randomSignature"
] as const
type Mutation = (typeof mutations)[number]

interface Triple {
  readonly publicKey: Uint8Array
  readonly message: Uint8Array
  readonly signature: Uint8Array
}

const mutate = (valid: Triple, mutation: Mutation, index: number, noise: Uint8Array): Triple => {
  switch (mutation) {
    case "none":
      return valid
    case "flipR":
      return { ...valid, signature: flipBit(valid.signature, index % 256) }
    case "flipS":
      return { ...valid, signature: flipBit(valid.signature, 256 + (index % 256)) }
    case "flipMessage":
      return {
        ...valid,
        message: valid.message.length === 0 ? Uint8Array.of(index & 0xff) : flipBit(valid.message, index % (valid.message.length * 8))
      }
    case "sPlusL":
      return { ...valid, signature: addGroupOrderToS(valid.signature) }
    case "randomPublicKey":
      return { ...valid, publicKey: noise.slice(0, 32) }
    case "randomSignature":
      return { ...valid, signature: noise }
    case "otherKey":
      return { ...valid, publicKey: node.publicKeyFromSeed(noise.subarray(0, 32)) }
    case "identityKeyForgery": // R = identity, S = 0 satisfies the equation under the identity "key"
      return { ...valid, publicKey: IDENTITY, signature: Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]) }
  }
}

describe("tweetnacl and node backends", () => {
  it("sign - should give byte-identical public keys and signatures that both backends verify", () => {
    fc.assert(
      fc.property(seeds, messages, (seed, message) => {
        const publicKey = tweetnacl.publicKeyFromSeed(seed)
        expect(node.publicKeyFromSeed(seed)).toEqual(publicKey)
        const signature = tweetnacl.sign(seed, message)
        expect(node.sign(seed, message)).toEqual(signature)
        expect(tweetnacl.verify(publicKey, message, signature)).toBe(true)
        expect(node.verify(publicKey, message, signature)).toBe(true)
      }),
      { numRuns: 100 }
    )
  })

  it("verify - should give the same verdict on valid, mutated and random triples", () => {
    fc.assert(
      fc.property(
        seeds,
        messages,
        fc.constantFrom(...mutations),
        fc.nat(),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (seed, message, mutation, index, noise) => {
          const valid = { publicKey: node.publicKeyFromSeed(seed), message, signature: node.sign(seed, message) }
          const { publicKey, message: signed, signature } = mutate(valid, mutation, index, noise)
          const verdict = node.verify(publicKey, signed, signature)
          expect(tweetnacl.verify(publicKey, signed, signature)).toBe(verdict)
          if (mutation === "none") expect(verdict).toBe(true)
          if (mutation !== "none" && !mutation.startsWith("random")) expect(verdict).toBe(false)
        }
      ),
      { numRuns: 300 }
    )
  })
})
