/**
 * `checkout-protocol demo`: the main job, a full checkout to settlement on the simulated network
 * with its signed-message trace, then a short adversarial check and campaign (see `Checkout.ts`).
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import { Command } from "effect/cli"
import { runDemo } from "../demo/Checkout.js"

/**
 * The `demo` subcommand.
 *
 * @category commands
 * @since 0.3.0
 */
export const demoCommand = Command.make("demo", {}, () =>
  Effect.sync(() => {
    process.exitCode = runDemo()
  })
).pipe(
  Command.withDescription(
    "Three checkouts on the simulated network (approved, then captured, refunded, cleared and settled; declined; expired), " +
      "every signed hop printed, every bank's books, a Mermaid diagram, then a short adversarial check and campaign."
  )
)
