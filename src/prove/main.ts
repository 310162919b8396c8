/**
 * `npx tsx src/prove/main.ts [--proverif PATH]`: the symbolic proof. Finds ProVerif (the path
 * given, else `PROVERIF`, else `proverif` on `PATH`), runs every query of every model in
 * `spec/proverif/` and every variant, and prints the table.
 *
 * Exit codes (`EXIT` in `Prove.ts`): 0 every result as expected; 1 an unexpected result, or a run
 * with no verdict; 2 a usage error; 3 ProVerif not found (one line says how to install it).
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import { EXIT, runAndPrint } from "./Prove.js"

const args = process.argv.slice(2)
const path = args[0] === "--proverif" && args.length === 2 ? args[1] : undefined
if (args.length > 0 && path === undefined) {
  console.error("usage: npx tsx src/prove/main.ts [--proverif PATH]")
  process.exit(EXIT.usage)
}
process.exit(await Effect.runPromise(runAndPrint({ path })))
