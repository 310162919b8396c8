/** How the tests run the command line from the sources. */

/**
 * The arguments to give `process.execPath` to run `checkout-protocol` from the sources, in one
 * process: node with tsx's loader. The `tsx` command would run node as a child, a second process
 * to start, and stops at SIGINT whatever its child does.
 */
export const CLI = ["--import", "tsx", "src/cli/main.ts"] as const
