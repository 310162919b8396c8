/**
 * The symbolic proof: every query of every model, then every variant, each a ProVerif run of its
 * own, as a table of what was expected and what ProVerif answered. A query of a model must be
 * proved ("true"); a weakened variant must be attacked ("false", with a trace); a defence-in-depth
 * variant must still be proved. Anything else is an unexpected row, and the proof fails.
 *
 * `run` gives the report, `table` prints it, `unexpected` lists what went wrong, and
 * `runAndPrint` does all three and returns the exit code, for `npm run prove`.
 *
 * @since 0.3.0
 */
import { Console, Effect } from "effect"
import { filesOf, MODELS, onlyQuery, queriesOf, type ModelFile, type ModelName } from "./Models.js"
import { locate, verify, type Locate, type ProVerifFailed, type ProVerifNotFound } from "./ProVerif.js"
import { applyEdits, VARIANTS, type Variant, type Verdict } from "./Variants.js"

/**
 * One ProVerif run: a query of a model, or of a variant of it.
 *
 * @category models
 * @since 0.3.0
 */
export interface ProofRow {
  readonly query: string
  readonly model: ModelName
  /** The variant's name; `null` for the model as written. */
  readonly variant: string | null
  readonly expected: Verdict
  readonly result: Verdict
  readonly seconds: number
}

/**
 * Every run, in order, and which `proverif` ran them.
 *
 * @category models
 * @since 0.3.0
 */
export interface ProofReport {
  readonly proverif: string
  readonly rows: ReadonlyArray<ProofRow>
}

/** A model's files, in ProVerif's reading order, as one text. */
const joined = (model: ModelName, files: ReadonlyMap<ModelFile, string>): string =>
  (["crypto.pvl", "messages.pvl", `${model}.pv`] as const).map((file) => files.get(file) ?? "").join("\n")

const row = (proverif: string, model: ModelName, query: string, variant: Variant | null, files: ReadonlyMap<ModelFile, string>): Effect.Effect<ProofRow, ProVerifFailed> => {
  const run = variant === null ? `${model}/${query}` : `${model}/${variant.name}/${query}`
  const text = onlyQuery(model, joined(model, variant === null ? files : applyEdits(variant, files)), query)
  return Effect.map(verify(proverif, run, text), ({ verdict, seconds }) => ({
    query,
    model,
    variant: variant?.name ?? null,
    expected: variant?.expected ?? "true",
    result: verdict,
    seconds
  }))
}

/**
 * The runs, in order: per model, per query, the model as written and then each of its variants
 * on that query. Throws if a variant names a query its model does not have.
 *
 * @category models
 * @since 0.3.0
 */
export const plan = (): ReadonlyArray<{ readonly model: ModelName; readonly query: string; readonly variant: Variant | null }> =>
  MODELS.flatMap(({ name }) => {
    const queries = queriesOf(name, filesOf(name).get(`${name}.pv`) ?? "").map((q) => q.name)
    const stray = VARIANTS.find((v) => v.model === name && !queries.includes(v.query))
    if (stray !== undefined) throw new Error(`variant ${name}/${stray.name}: model ${name} has no query ${stray.query}`)
    return queries.flatMap((query) => [
      { model: name, query, variant: null },
      ...VARIANTS.filter((v) => v.model === name && v.query === query).map((variant) => ({ model: name, query, variant }))
    ])
  })

/**
 * Finds ProVerif (see `locate`) and runs every query of every model and every variant, one after
 * the other.
 *
 * @category runner
 * @since 0.3.0
 */
export const run = (where: Locate = {}): Effect.Effect<ProofReport, ProVerifNotFound | ProVerifFailed> =>
  Effect.flatMap(locate(where), (proverif) =>
    Effect.suspend(() => {
      const files = new Map(MODELS.map(({ name }) => [name, filesOf(name)] as const))
      return Effect.map(
        Effect.forEach(plan(), ({ model, query, variant }) => row(proverif, model, query, variant, files.get(model) ?? new Map())),
        (rows) => ({ proverif, rows })
      )
    })
  )

/**
 * The rows whose result is not the one expected.
 *
 * @category runner
 * @since 0.3.0
 */
export const unexpected = (report: ProofReport): ReadonlyArray<ProofRow> => report.rows.filter((r) => r.result !== r.expected)

/** What a verdict means, for the table. */
const MEANING: { readonly [V in Verdict]: string } = { true: "proved", false: "attack found", "cannot be proved": "cannot be proved" }

/**
 * The report as a plain-text table (query, model or model/variant, expected, result, seconds),
 * with a last line of totals.
 *
 * @category runner
 * @since 0.3.0
 */
export const table = (report: ProofReport): string => {
  const header = ["query", "model/variant", "expected", "result", "seconds"]
  const lines = report.rows.map((r) => [
    r.query,
    r.variant === null ? r.model : `${r.model}/${r.variant}`,
    MEANING[r.expected],
    r.result === r.expected ? MEANING[r.result] : `${MEANING[r.result]} (UNEXPECTED)`,
    r.seconds.toFixed(2)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)))
  const format = (cells: ReadonlyArray<string>): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd()
  const total = report.rows.reduce((sum, r) => sum + r.seconds, 0)
  const wrong = unexpected(report).length
  return [
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...lines.map(format),
    "",
    `${report.rows.length} runs in ${total.toFixed(2)} s; ${wrong === 0 ? "every result as expected" : `${wrong} unexpected`} (${report.proverif})`
  ].join("\n")
}

/**
 * The exit codes of the symbolic proof: every result as expected; an unexpected result or a run
 * with no verdict; a usage error (for a command line); ProVerif not found.
 *
 * @category runner
 * @since 0.3.0
 */
export const EXIT = { ok: 0, unexpected: 1, usage: 2, notFound: 3 } as const

/**
 * Runs the proof and prints the table, or one line saying why it could not run (for a missing
 * ProVerif: how to install it), and returns the exit code (see {@link EXIT}). This is what
 * `npm run prove` and `checkout-protocol prove` do.
 *
 * @category runner
 * @since 0.3.0
 */
export const runAndPrint = (where: Locate = {}): Effect.Effect<number> =>
  run(where).pipe(
    Effect.flatMap((report) => Effect.as(Console.log(table(report)), unexpected(report).length === 0 ? EXIT.ok : EXIT.unexpected)),
    Effect.catchTags({
      ProVerifNotFound: (e) => Effect.as(Console.error(e.message), EXIT.notFound),
      ProVerifFailed: (e) => Effect.as(Console.error(e.message), EXIT.unexpected)
    })
  )
