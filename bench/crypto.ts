/**
 * Ed25519 sign and verify rates of one crypto layer, through the strict service the protocol uses
 * (so verification includes the strict policy's byte checks).
 */
import { Effect, type Layer } from "effect"
import { Ed25519, type Ed25519Backend } from "../src/crypto/Ed25519.js"
import { Topology } from "../src/index.js"
import { measure, type Rate } from "./measure.js"

/** The length of the message signed and verified, about the size of a signed protocol body. */
export const MESSAGE_BYTES = 200

/** The service a layer provides. The layers are synchronous, so this never blocks. */
export const serviceOf = (layer: Layer.Layer<Ed25519>): Ed25519Backend =>
  Effect.runSync(Effect.provide(Effect.gen(function* () { return yield* Ed25519 }), layer))

/** Sign and verify rates of `layer` over a fixed {@link MESSAGE_BYTES}-byte message. */
export const benchCrypto = (layer: Layer.Layer<Ed25519>, minDuration_s: number): { readonly sign: Rate; readonly verify: Rate } => {
  const ed = serviceOf(layer)
  const seed = Topology.seedFor("bench", "signer")
  const publicKey = ed.publicKeyFromSeed(seed)
  const message = Uint8Array.from({ length: MESSAGE_BYTES }, (_, i) => (i * 31 + 7) & 0xff)
  const signature = ed.sign(seed, message)
  if (!ed.verify(publicKey, message, signature)) throw new Error(`bench: ${ed.name} rejects its own signature`)
  let sink = 0
  const sign = measure(() => {
    sink ^= ed.sign(seed, message)[0] ?? 0
  }, minDuration_s)
  const verify = measure(() => {
    if (!ed.verify(publicKey, message, signature)) throw new Error(`bench: ${ed.name} stopped accepting a valid signature`)
  }, minDuration_s)
  if (sink < 0) throw new Error("unreachable")
  return { sign, verify }
}
