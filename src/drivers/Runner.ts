/**
 * How a driver runs steps: synchronously, with one Ed25519 layer built once.
 *
 * @since 0.3.0
 */
import { Effect, Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"

/** Runs an effect that needs only {@link Ed25519} to its value. @category models @since 0.3.0 */
export type SyncRunner = <A>(effect: Effect.Effect<A, never, Ed25519>) => A

/** A runner over `crypto`, whose layer is built once (both shipped layers are synchronous). @since 0.3.0 */
export const syncRunner = (crypto: Layer.Layer<Ed25519>): SyncRunner => {
  const context = Effect.runSync(Layer.build(crypto).pipe(Effect.scoped))
  return (effect) => Effect.runSync(Effect.provideContext(effect, context))
}
