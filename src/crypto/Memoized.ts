/**
 * An Ed25519 service that remembers its answers, for drivers that run the same signed steps many
 * times over: the explorer delivers one packet in thousands of states, and each delivery verifies
 * the same signature over the same bytes again.
 *
 * Signing (RFC 8032 signatures are deterministic) and verifying are pure functions of their
 * bytes, so an answer kept under the exact bytes it was computed from is the answer the wrapped
 * service would give again: the strict policy, and any backend, are unchanged. The memo is keyed
 * by the whole input (key, message and signature), never by a digest of it, and holds at most
 * {@link MEMO_BOUND} answers of each kind; when full, it is emptied and fills again.
 *
 * @since 0.6.0
 */
import { Buffer } from "node:buffer"
import { Effect, Layer } from "effect"
import { Ed25519, type Ed25519Backend } from "./Ed25519.js"

/** The most answers the memo keeps of each kind (signatures made, verdicts given) before it starts again. @category constants @since 0.6.0 */
export const MEMO_BOUND = 100_000

/** `compute` with its answers kept under its exact arguments, at most `bound` of them. */
const remembering = <A>(compute: (first: Uint8Array, second: Uint8Array, third: Uint8Array) => A, bound: number) => {
  const answers = new Map<string, A>()
  return (first: Uint8Array, second: Uint8Array, third: Uint8Array): A => {
    // The lengths of the first two make the concatenation unambiguous.
    const key = `${first.length},${second.length}:${Buffer.concat([first, second, third]).toString("latin1")}`
    const known = answers.get(key)
    if (known !== undefined) return known
    const answer = compute(first, second, third)
    if (answers.size >= bound) answers.clear()
    answers.set(key, answer)
    return answer
  }
}

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
      const NOTHING = new Uint8Array(0)
      const sign = remembering((seed, message) => ed.sign(seed, message), bound)
      const verify = remembering((publicKey, signature, message) => ed.verify(publicKey, message, signature), bound)
      return {
        name: `${ed.name}, memoized`,
        publicKeyFromSeed: ed.publicKeyFromSeed,
        sign: (seed, message) => sign(seed, message, NOTHING).slice(),
        verify: (publicKey, message, signature) => verify(publicKey, signature, message)
      }
    })
  )
