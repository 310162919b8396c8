/**
 * The memoized Ed25519 service (`src/crypto/Memoized.ts`): the same answers as the service it
 * wraps, asked once or many times, for valid and mutated signatures; the memo keyed by the exact
 * bytes, so moving bytes between the message and the signature is a different question; bounded;
 * and the signatures it hands out are copies.
 */
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Ed25519, type Ed25519Backend } from "../../src/crypto/Ed25519.js"
import { memoizedEd25519 } from "../../src/crypto/Memoized.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"

const service = (layer: Layer.Layer<Ed25519>): Ed25519Backend => Effect.runSync(Effect.provide(Ed25519.useSync((ed25519) => ed25519), layer))

const plain = service(NodeEd25519)

/** The node service, counting the calls that reach it. */
const counted = (): { readonly layer: Layer.Layer<Ed25519>; readonly calls: { sign: number; verify: number } } => {
  const calls = { sign: 0, verify: 0 }
  const layer = Layer.succeed(Ed25519, {
    ...plain,
    sign: (seed, message) => (calls.sign++, plain.sign(seed, message)),
    verify: (publicKey, message, signature) => (calls.verify++, plain.verify(publicKey, message, signature))
  })
  return { layer, calls }
}

const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 })
const messages = fc.uint8Array({ maxLength: 300 })

describe("memoizedEd25519", () => {
  it("should answer as the wrapped service, the first time and every time after, for valid and altered signatures", () => {
    const memo = service(memoizedEd25519(NodeEd25519))
    fc.assert(
      fc.property(seeds, messages, fc.nat(64 * 8 - 1), (seed, message, bit) => {
        const publicKey = plain.publicKeyFromSeed(seed)
        const signature = plain.sign(seed, message)
        const altered = signature.slice()
        altered[bit >> 3] = (altered[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        for (let round = 0; round < 2; round++) {
          expect(memo.sign(seed, message)).toEqual(signature)
          expect(memo.verify(publicKey, message, signature)).toBe(true)
          expect(memo.verify(publicKey, message, altered)).toBe(plain.verify(publicKey, message, altered))
        }
      }),
      { numRuns: 60 }
    )
  })

  it("should ask the wrapped service once per distinct question", () => {
    const { layer, calls } = counted()
    const memo = service(memoizedEd25519(layer))
    const seed = new Uint8Array(32).fill(9)
    const message = new TextEncoder().encode("checkout-protocol/v1/ChallengeApproval\u0000{}")
    const signature = memo.sign(seed, message)
    for (let i = 0; i < 5; i++) {
      memo.sign(seed, message)
      memo.verify(plain.publicKeyFromSeed(seed), message, signature)
    }
    expect(calls).toEqual({ sign: 1, verify: 1 })
  })

  it("should key the memo by the exact bytes: a byte moved from the message to the signature is a new question", () => {
    const memo = service(memoizedEd25519(NodeEd25519))
    const seed = new Uint8Array(32).fill(3)
    const publicKey = plain.publicKeyFromSeed(seed)
    const message = Uint8Array.from([1, 2, 3, 7])
    const signature = plain.sign(seed, message)
    expect(memo.verify(publicKey, message, signature)).toBe(true)
    // The same bytes end to end (key, message, signature, in the order verify takes them), cut in another place.
    expect(memo.verify(publicKey, message.subarray(0, -1), Uint8Array.from([7, ...signature]))).toBe(false)
  })

  it("should keep answering correctly once its bound is reached and it starts again", () => {
    const { layer, calls } = counted()
    const memo = service(memoizedEd25519(layer, 2))
    const seed = new Uint8Array(32).fill(5)
    const questions = [1, 2, 3, 1].map((n) => Uint8Array.from([n]))
    for (const message of questions) expect(memo.sign(seed, message)).toEqual(plain.sign(seed, message))
    // The third question pushed the first, the least recently used, out, so the fourth (a repeat of it) was asked again.
    expect(calls.sign).toBe(4)
  })

  it("should hand out copies: writing into a signature it returned does not change the next answer", () => {
    const memo = service(memoizedEd25519(NodeEd25519))
    const seed = new Uint8Array(32).fill(1)
    const message = Uint8Array.from([1, 2, 3])
    const first = memo.sign(seed, message)
    first.fill(0)
    expect(memo.sign(seed, message)).toEqual(plain.sign(seed, message))
  })
})
