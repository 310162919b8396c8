/**
 * An Ed25519 service that remembers its answers, for drivers that run the same signed steps many
 * times over: the explorer delivers one packet in thousands of states, and each delivery verifies
 * the same signature over the same bytes again.
 *
 * Signing (RFC 8032 signatures are deterministic) and verifying are pure functions of their
 * bytes, so an answer kept under the exact bytes it was computed from is the answer the wrapped
 * service would give again: the strict policy, and any backend, are unchanged. The memo is keyed
 * by the whole input (key, message and signature), never by a digest of it, and holds at most
 * {@link MEMO_BOUND} answers of each kind, the least recently used dropped first (`BytesMemo.ts`,
 * as the node backend keeps its keys).
 *
 * @since 0.6.0
 */
import { Effect, Layer } from "effect"
import { memoOnBytes } from "./BytesMemo.js"
import { Ed25519, type Ed25519Backend } from "./Ed25519.js"

/** The most answers the memo keeps of each kind (signatures made, verdicts given). @category constants @since 0.6.0 */
export const MEMO_BOUND = 100_000

/**
 * The service of `layer`, its signatures and verdicts remembered (see the module's summary).
 * Returned signatures are copies, so a caller that writes into one cannot change the memo.
 *
 * @category layers
 * @since 0.6.0
 */
export const memoizedEd25519 = (layer: Layer.Layer<Ed25519>, bound: number = MEMO_BOUND): Layer.Layer<Ed25519> =>
  Layer.effect(
    Ed25519,
    Effect.map(Effect.provide(Effect.service(Ed25519), layer), (ed): Ed25519Backend => {
      const sign = memoOnBytes((seed: Uint8Array, message: Uint8Array) => ed.sign(seed, message), bound)
      return {
        name: `${ed.name}, memoized`,
        publicKeyFromSeed: ed.publicKeyFromSeed,
        sign: (seed, message) => sign(seed, message).slice(),
        verify: memoOnBytes((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => ed.verify(publicKey, message, signature), bound)
      }
    })
  )
