/**
 * `npm run mutants`: the mutation campaign. Writes a StrykerJS configuration for the files asked
 * for and runs Stryker with its command runner, whose test is a short campaign of the harness:
 * `tsx src/cli/main.ts check --fail-fast ...`, nonzero exit = mutant killed. On demand only, never
 * in CI or `npm test`: see `docs/guides/mutation.md`.
 *
 * ```sh
 * npm run mutants                                          # every file of the decision code
 * npm run mutants -- --files src/ledger/Ledger.ts          # one file (or several, comma-separated)
 * npm run mutants -- --files src/parties/Phone.ts --runs 400 --incremental
 * npm run mutants -- --files src/parties/MerchantOperations.ts:78-78    # the mutants of one line
 * ```
 *
 * Reports go to `reports/mutation/<selection>/` (git-ignored): `mutation.html`, `mutation.json`,
 * `stryker.config.json` (what ran) and, with `--incremental` or `--survivors`, `incremental.json`.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { delimiter, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** The core's decision code: the files mutated when `--files` is not given. */
const DECISION_CODE = ["src/parties/**/*.ts", "src/crypto/Envelope.ts", "src/ledger/**/*.ts", "src/settlement/**/*.ts"]

/**
 * The campaign each mutant is judged by: 200 runs of at most 150 commands from seed 1, about 5 s
 * for a mutant that survives. On seed 1 it catches all 19 bugs of the seeded catalog
 * (`npm run bugs`), the slowest at run 146 of 200.
 */
const DEFAULTS = { runs: 200, maxCommands: 150, seed: 1 } as const

/** Where reports go; Stryker's sandboxes go under it too, so one `.gitignore` line covers both. */
const REPORTS = "reports/mutation"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const usage = `usage: npm run mutants -- [--files F[,F...]] [--runs N] [--max-commands M] [--seed S] [--incremental [--force] | --survivors]
  --files          files to mutate, relative to the package root (globs allowed; FILE:L1-L2 for lines L1 to L2 of one file); default: ${DECISION_CODE.join(", ")}
  --runs           harness runs per mutant (default ${DEFAULTS.runs})
  --max-commands   most commands in a run (default ${DEFAULTS.maxCommands})
  --seed           base seed of each mutant's campaign (default ${DEFAULTS.seed})
  --incremental    reuse the results of the last run of the same selection for mutants whose code did not change
  --force          with --incremental: run every mutant again (needed after the harness changed: see docs/guides/mutation.md)
  --survivors      judge again only the mutants that survived the last run of the same selection (its mutation.json), keeping every other result: after the harness gained a check`

/** A whole number of at least 1 from a flag, or the default. */
const count = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a whole number of at least 1, got ${JSON.stringify(text)}`)
  return n
}

/** A line range Stryker takes after a file's path (`:5-7`, or with columns `:5:4-7:10`). */
const LINE_RANGE = /:\d+(?::\d+)?-\d+(?::\d+)?$/

/** The files to mutate: each plain path (less its line range) must exist, so a typo is not a run that mutates nothing. */
const filesOf = (given: ReadonlyArray<string>): ReadonlyArray<string> => {
  const files = given.flatMap((f) => f.split(",")).map((f) => f.trim()).filter((f) => f !== "")
  if (files.length === 0) return DECISION_CODE
  for (const file of files) {
    const path = file.replace(LINE_RANGE, "")
    if (!/[*?{[]/.test(path) && !existsSync(join(root, path))) throw new Error(`--files: no file ${path} (paths are relative to the package root, e.g. src/ledger/Ledger.ts)`)
  }
  return files
}

/** The reports folder of a selection: `all` for the default, else the files' paths flattened. */
const selectionName = (files: ReadonlyArray<string>): string =>
  files === DECISION_CODE ? "all" : files.map((f) => f.replace(/\.ts$/, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")).join("+").slice(0, 120)

/**
 * Prepares `--survivors`: the last report of the selection, less its survivors, becomes the
 * incremental file, so that Stryker reuses every other mutant's result and runs the survivors as
 * new mutants. A harness that only gained checks kills at least what it killed before; the
 * survivors are the ones worth the time.
 */
const survivorsOnly = (dir: string): number => {
  const last = join(root, dir, "mutation.json")
  if (!existsSync(last)) throw new Error(`--survivors: no earlier report ${join(dir, "mutation.json")}; run this selection once without it first`)
  const report = JSON.parse(readFileSync(last, "utf8")) as { files: Record<string, { mutants: Array<{ status: string }> }> }
  let survivors = 0
  for (const file of Object.values(report.files)) {
    survivors += file.mutants.filter((m) => m.status === "Survived").length
    file.mutants = file.mutants.filter((m) => m.status !== "Survived")
  }
  writeFileSync(join(root, dir, "incremental.json"), JSON.stringify(report))
  return survivors
}

const main = (): number => {
  const { values } = parseArgs({
    options: {
      files: { type: "string", multiple: true, default: [] },
      runs: { type: "string" },
      "max-commands": { type: "string" },
      seed: { type: "string" },
      incremental: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      survivors: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  })
  if (values.help) {
    console.log(usage)
    return 0
  }
  const files = filesOf(values.files)
  const runs = count("runs", values.runs, DEFAULTS.runs)
  const maxCommands = count("max-commands", values["max-commands"], DEFAULTS.maxCommands)
  const seed = values.seed === undefined ? DEFAULTS.seed : Number(values.seed)
  if (!Number.isInteger(seed)) throw new Error(`--seed: expected a whole number, got ${JSON.stringify(values.seed)}`)
  const dir = join(REPORTS, selectionName(files))
  if (values.survivors && (values.incremental || values.force)) throw new Error("--survivors: not with --incremental or --force (it is its own incremental run)")
  if (values.survivors) console.log(`mutation campaign: judging again the ${survivorsOnly(dir)} survivors of ${join(dir, "mutation.json")}`)
  mkdirSync(join(root, dir), { recursive: true })
  const config = {
    $schema: relative(join(root, dir), join(root, "node_modules/@stryker-mutator/core/schema/stryker-schema.json")),
    testRunner: "command",
    commandRunner: { command: `tsx src/cli/main.ts check --fail-fast --runs ${runs} --max-commands ${maxCommands} --seed ${seed}` },
    // The command runner reports no coverage: every mutant runs the whole campaign.
    coverageAnalysis: "off",
    mutate: files,
    // One campaign at a time: the harness is CPU-bound and the other core is someone else's.
    concurrency: 1,
    // A mutant's timeout is 2 x the unmutated campaign + 10 s: a mutant that makes runs longer but
    // still ends (more retries, longer quiescence) finishes; a mutant that loops is cut off.
    timeoutFactor: 2,
    timeoutMS: 10_000,
    reporters: ["clear-text", "progress", "html", "json"],
    clearTextReporter: { reportMutants: true, reportScoreTable: true, logTests: false },
    htmlReporter: { fileName: `${dir}/mutation.html` },
    jsonReporter: { fileName: `${dir}/mutation.json` },
    incremental: values.incremental || values.survivors,
    incrementalFile: `${dir}/incremental.json`,
    force: values.force,
    tempDirName: `${REPORTS}/.stryker-tmp`,
    cleanTempDir: "always",
    ignorePatterns: ["/reports", "/dist", "/coverage", "/docs/site"],
    thresholds: { high: 90, low: 75, break: null }
  }
  writeFileSync(join(root, dir, "stryker.config.json"), `${JSON.stringify(config, null, 2)}\n`)
  console.log(`mutation campaign: ${files.join(", ")}; each mutant judged by \`${config.commandRunner.command}\`; reports in ${dir}/`)
  // The node running this script (Node 22 under npm) runs Stryker, and `tsx` from this package runs each campaign.
  const path = [join(root, "node_modules/.bin"), dirname(process.execPath), process.env["PATH"] ?? ""].join(delimiter)
  const stryker = spawnSync(process.execPath, [join(root, "node_modules/@stryker-mutator/core/bin/stryker.js"), "run", join(dir, "stryker.config.json")], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PATH: path }
  })
  return stryker.status ?? 1
}

try {
  process.exitCode = main()
} catch (error) {
  console.error(`mutants: ${error instanceof Error ? error.message : String(error)}\n${usage}`)
  process.exitCode = 2
}
