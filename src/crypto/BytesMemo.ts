/**
 * A bounded memo of a function of byte arrays, as the Ed25519 layers keep them: the node backend
 * its `KeyObject`s by key bytes, the memoized service its signatures and verdicts by the bytes
 * asked about. Answers are kept under the exact bytes of the arguments (never a digest of them),
 * and once `bound` are kept, the least recently used is dropped.
 *
 * @since 0.6.0
 */
import { Buffer } from "node:buffer"

/** The memo's key of `args`: the lengths of all but the last, which make the concatenation unambiguous, then the bytes. */
const keyOf = (args: ReadonlyArray<Uint8Array>): string =>
  `${args
    .slice(0, -1)
    .map((bytes) => bytes.length)
    .join(",")}:${Buffer.concat(args).toString("latin1")}`

/**
 * `compute`, its answers kept under the exact bytes of its arguments, at most `bound` of them
 * (the least recently used dropped first).
 *
 * @since 0.6.0
 */
export const memoOnBytes = <Args extends ReadonlyArray<Uint8Array>, A>(compute: (...args: Args) => A, bound: number): ((...args: Args) => A) => {
  const answers = new Map<string, A>()
  return (...args) => {
    const key = keyOf(args)
    if (answers.has(key)) {
      const known = answers.get(key) as A
      answers.delete(key)
      answers.set(key, known)
      return known
    }
    const answer = compute(...args)
    if (answers.size >= bound) {
      const oldest = answers.keys().next()
      if (oldest.done !== true) answers.delete(oldest.value)
    }
    answers.set(key, answer)
    return answer
  }
}
