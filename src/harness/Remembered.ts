/**
 * Ed25519 that remembers its answers, for campaigns. Every harness run starts from the same world
 * with the same keys and ids, so a campaign signs and verifies the same bytes over and over: the
 * first payment's request, challenge and approval are byte for byte the same in every run that
 * gets that far. Ed25519 is deterministic (RFC 8032) and verification a pure function, so giving
 * back the signature or verdict computed for the same bytes before changes no run's outcome; it
 * only spares OpenSSL (or tweetnacl) the work.
 */
import { Buffer } from "node:buffer"
import { Effect, Layer } from "effect"
import { Ed25519, type Ed25519Backend } from "../crypto/Ed25519.js"

/** The most signatures, and the most verdicts, kept; when one memory is full it starts again empty. */
export const REMEMBERED_BOUND = 50_000

/** One key for a list of byte strings, each prefixed with its length so that no two lists share a key. */
const keyOf = (parts: ReadonlyArray<Uint8Array>): string =>
  parts.map((p) => `${p.length}:${Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("latin1")}`).join("")

/** `compute`, remembered by the bytes of its arguments, at most {@link REMEMBERED_BOUND} answers at a time. */
const remember = <A>(compute: (...parts: Array<Uint8Array>) => A): ((...parts: Array<Uint8Array>) => A) => {
  const answers = new Map<string, A>()
  return (...parts) => {
    const key = keyOf(parts)
    const known = answers.get(key)
    if (known !== undefined) return known
    const answer = compute(...parts)
    if (answers.size >= REMEMBERED_BOUND) answers.clear()
    answers.set(key, answer)
    return answer
  }
}

/** The service of `crypto` with `sign` and `verify` remembered (each caller gets its own copy of a signature). */
const rememberedBackend = (crypto: Layer.Layer<Ed25519>): Ed25519Backend => {
  const service = Effect.runSync(Effect.provide(Ed25519.useSync((ed) => ed), crypto))
  const sign = remember((seed, message) => service.sign(seed, message))
  return {
    name: service.name,
    publicKeyFromSeed: service.publicKeyFromSeed,
    sign: (seed, message) => sign(seed, message).slice(),
    verify: remember((publicKey, message, signature) => service.verify(publicKey, message, signature))
  }
}

/**
 * A layer giving the same answers as `crypto`, each computed once: build it once per campaign and
 * hand it to every run, so that the runs share its memory.
 */
export const remembered = (crypto: Layer.Layer<Ed25519>): Layer.Layer<Ed25519> => Layer.succeed(Ed25519, rememberedBackend(crypto))
