/**
 * `checkout-protocol prove [--proverif PATH]`: the symbolic proof. Finds ProVerif (the path given,
 * else `PROVERIF`, else `proverif` on `PATH`), runs every query of every model in `spec/proverif/`
 * and every weakened variant, and prints the table. Exits 0 when every query is proved and every
 * variant attacked; 1 on an unexpected result; 3 when ProVerif is not found, with one line saying
 * how to install it (`opam install proverif`).
 *
 * @since 0.3.0
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { runAndPrint } from "../prove/Prove.js"

/**
 * The `prove` subcommand.
 *
 * @category commands
 * @since 0.3.0
 */
export const proveCommand = Command.make(
  "prove",
  { proverif: Flag.String("proverif").pipe(Flag.optional, Flag.withDescription("the proverif binary (default: $PROVERIF, else proverif on PATH)")) },
  ({ proverif }) =>
    Effect.flatMap(runAndPrint({ path: Option.getOrUndefined(proverif) }), (code) =>
      Effect.sync(() => {
        process.exitCode = code
      })
    )
).pipe(
  Command.withDescription(
    "Run the ProVerif models of the signed hops: every guarantee proved for unboundedly many sessions with compromised parties, and an attack found on every weakened variant."
  )
)
