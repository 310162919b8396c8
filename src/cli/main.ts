#!/usr/bin/env node
/**
 * The `checkout-protocol` command-line tool: `demo`, `check`, `explore`, `merge`, `bugs` and `prove`. Built with
 * `effect/cli`; a wrong flag, value or subcommand prints one line naming it on standard error
 * and exits 2, never a stack trace; `--help` on any subcommand says what it takes.
 *
 * @since 0.3.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { bugsCommand } from "./Bugs.js"
import { checkCommand } from "./Check.js"
import { demoCommand } from "./Demo.js"
import { exploreCommand } from "./Explore.js"
import { mergeCommand } from "./Merge.js"
import { proveCommand } from "./Prove.js"

/** The exit code of a command line the tool cannot run as given. */
const USAGE_EXIT_CODE = 2

/** The version printed by `--version`. */
const VERSION = "0.3.0"

const root = Command.make("checkout-protocol").pipe(
  Command.withDescription(
    "A checkout-to-settlement payment protocol as pure, Ed25519-signed state machines, with its adversarial proof. " +
      "Run a subcommand with --help to see its flags."
  ),
  Command.withSubcommands([demoCommand, checkCommand, exploreCommand, mergeCommand, bugsCommand, proveCommand])
)

/** An error message on one line. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/** Parse errors as one line on standard error; help and version as usual. */
const oneLineParseErrors = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Effect.sync(() => process.stderr.write(`${event.commandPath.join(" ")}: ${oneLine(event.errors.map((e) => e.message).join("; "))} (see --help)\n`))
      : CliOutput.defaultPresenter.present(event)
})

/** A subcommand's usage error (such as an unreadable file) as one line too. */
const oneLineUserErrors = CliOutput.layer({ ...CliOutput.defaultFormatter(), formatError: (error) => `checkout-protocol: ${oneLine(error.message)}` })

/** A usage error (a bad flag, value or file) exits 2; help asked for, or shown for no subcommand, exits 0. */
const exitCodeOf = (error: CliError.CliError): number => (error._tag === "ShowHelp" && error.errors.length === 0 ? 0 : USAGE_EXIT_CODE)

Command.run(root, { version: VERSION }).pipe(
  Effect.catchIf(CliError.isCliError, (error) =>
    Effect.sync(() => {
      process.exitCode = exitCodeOf(error)
    })
  ),
  Effect.provide(oneLineParseErrors),
  Effect.provide(oneLineUserErrors),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
