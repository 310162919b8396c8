/**
 * RFC 8032, Section 7.1 (TEST 1, 2, 3, 1024 and SHA(abc)): each backend, through the strict
 * service, derives the published public key, reproduces the published signature byte for byte
 * and verifies it, and rejects it once a bit of the message or of the signature changes.
 */
import { readFileSync } from "node:fs"
import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Ed25519, type Ed25519Backend } from "../../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../../src/crypto/TweetnaclEd25519.js"

interface RfcVector {
  readonly name: string
  readonly secretKey: string
  readonly publicKey: string
  readonly message: string
  readonly signature: string
}

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/rfc8032-ed25519.json", import.meta.url), "utf8")
) as ReadonlyArray<RfcVector>

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

const service = (layer: Layer.Layer<Ed25519>): Ed25519Backend =>
  Effect.runSync(Effect.provide(Ed25519.useSync((ed25519) => ed25519), layer))

const backends = [
  ["tweetnacl", TweetnaclEd25519],
  ["node", NodeEd25519]
] as const

/** A copy of `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped. */
const flipBit = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = bytes.slice()
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7))
  return copy
}

describe("RFC 8032 test vectors", () => {
  it("should hold the five vectors of Section 7.1", () => {
    expect(vectors.map((vector) => vector.name)).toEqual(["TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)"])
    expect(fromHex(vectors[3]?.message ?? "").length).toBe(1023)
  })

  for (const [backendName, layer] of backends) {
    describe(backendName, () => {
      const ed25519 = service(layer)

      for (const vector of vectors) {
        const seed = fromHex(vector.secretKey)
        const publicKey = fromHex(vector.publicKey)
        const message = fromHex(vector.message)
        const signature = fromHex(vector.signature)

        describe(vector.name, () => {
          it("publicKeyFromSeed - should derive the published public key", () => {
            expect(toHex(ed25519.publicKeyFromSeed(seed))).toBe(vector.publicKey)
          })

          it("sign - should produce exactly the published signature", () => {
            expect(toHex(ed25519.sign(seed, message))).toBe(vector.signature)
          })

          it("verify - should accept the published signature", () => {
            expect(ed25519.verify(publicKey, message, signature)).toBe(true)
          })

          it("verify - should reject the signature over a message with one bit flipped (or a byte added when empty)", () => {
            const changed = message.length === 0
              ? [Uint8Array.of(0)]
              : [0, 7, message.length * 8 - 1].map((bit) => flipBit(message, bit))
            for (const other of changed) expect(ed25519.verify(publicKey, other, signature)).toBe(false)
          })

          it("verify - should reject the signature with one bit flipped in R or in S", () => {
            for (const bit of [0, 1, 100, 254, 255, 256, 300, 500, 508, 511]) {
              expect(ed25519.verify(publicKey, message, flipBit(signature, bit)), `bit ${bit}`).toBe(false)
            }
          })

          it("verify - should reject the signature under a public key with one bit flipped", () => {
            for (const bit of [0, 128, 255]) {
              expect(ed25519.verify(flipBit(publicKey, bit), message, signature), `bit ${bit}`).toBe(false)
            }
          })
        })
      }
    })
  }
})
