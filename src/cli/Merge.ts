/**
 * `checkout-protocol merge FILE...`: adds up the JSON reports of `check --shard i/n --json` run
 * on several machines into the report of the whole campaign. Each file is decoded with the
 * report Schema; reports of different campaigns, or with a block in common, are refused.
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import { Argument, CliError, Command } from "effect/cli"
import { readFileSync } from "node:fs"
import { decodeReport, mergeReports } from "../harness/Summary.js"
import { emitReport } from "./Check.js"
import { jsonFlag } from "./Options.js"

/** Reads and decodes one report file, naming the file in any error. */
const readReport = (file: string) => {
  try {
    return decodeReport(JSON.parse(readFileSync(file, "utf8")))
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The `merge` subcommand.
 *
 * @category commands
 * @since 0.3.0
 */
export const mergeCommand = Command.make(
  "merge",
  { files: Argument.String("file").pipe(Argument.atLeast(1), Argument.withDescription("JSON reports of `check --shard i/n --json`")), json: jsonFlag },
  ({ files, json }) =>
    Effect.try({
      try: () => emitReport(mergeReports(files.map(readReport)), json),
      catch: (error) => new CliError.UserError({ cause: error, userMessage: error instanceof Error ? error.message : String(error) })
    })
).pipe(Command.withDescription("Add up the JSON reports of the shards of one campaign (check --shard i/n --json) into the report of the whole."))
