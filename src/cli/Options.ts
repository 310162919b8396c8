/**
 * What the subcommands of the command-line tool share: the flags they have in common, and a
 * progress bar on standard error.
 *
 * @since 0.3.0
 */
import { Option } from "effect"
import { Flag } from "effect/cli"
import { BUGS } from "../bugs/Catalog.js"
import { BACKENDS, type BackendName } from "../harness/Job.js"

/**
 * `--backend node|tweetnacl`: the Ed25519 backend (default `node`, the fast one).
 *
 * @category flags
 * @since 0.3.0
 */
export const backendFlag = Flag.Literals("backend", Object.keys(BACKENDS) as ReadonlyArray<BackendName>).pipe(
  Flag.withDefault<BackendName>("node"),
  Flag.withDescription("Ed25519 backend: node (node:crypto, fast) or tweetnacl (portable)")
)

/**
 * `--json`: print one JSON object instead of the readable summary.
 *
 * @category flags
 * @since 0.3.0
 */
export const jsonFlag = Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print one JSON object"))

/**
 * A whole-number flag with a default and a least value.
 *
 * @category flags
 * @since 0.3.0
 */
export const countFlag = (name: string, fallback: number, least: number, description: string): Flag.Flag<number> =>
  Flag.Int(name).pipe(
    Flag.withDefault(fallback),
    Flag.filter(
      (n) => n >= least,
      () => `a whole number of at least ${least}`
    ),
    Flag.withDescription(`${description} (default ${fallback})`)
  )

/**
 * An optional text flag parsed by `parse`, which returns the value or, as a string, what is wrong
 * with the text: the message of the usage error.
 *
 * @category flags
 * @since 0.5.0
 */
export const parsedFlag = <A>(name: string, parse: (text: string) => A | string, description: string): Flag.Flag<Option.Option<A>> =>
  Flag.String(name).pipe(
    Flag.filterMap(
      (text) => {
        const parsed = parse(text)
        return typeof parsed === "string" ? Option.none() : Option.some(parsed)
      },
      (text) => parse(text) as string
    ),
    Flag.optional,
    Flag.withDescription(description)
  )

/**
 * Whether `name` is a seeded bug of the catalog; the error names every known bug.
 *
 * @category flags
 * @since 0.3.0
 */
export const knownBug = Flag.filter<string>(
  (name) => BUGS.some((b) => b.name === name),
  (name) => `no seeded bug named ${JSON.stringify(name)}; known: ${BUGS.map((b) => b.name).join(", ")}`
)

/**
 * A progress bar on standard error: redrawn in place on a terminal, a line per tenth otherwise.
 *
 * @category output
 * @since 0.3.0
 */
export const progressBar = (label: string, total: number): ((done: number) => void) => {
  let lastTenth = -1
  return (done) => {
    const fraction = total === 0 ? 1 : done / total
    if (process.stderr.isTTY) {
      const width = 30
      const filled = Math.round(fraction * width)
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`)
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10)
      process.stderr.write(`${label}: ${done}/${total}\n`)
    }
  }
}
