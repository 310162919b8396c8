/**
 * Mutants: copies of `src/` with one seeded bug each, loaded as a separate module tree so the
 * harness can be pointed at them. The shipped core has no switches for bugs: each bug is a set
 * of text replacements applied to the copy, and a replacement that no longer finds its text fails
 * loudly, so a refactor of the core cannot silently disarm a bug.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { register } from "tsx/esm/api"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Core } from "../harness/Core.js"

/** One text replacement in a file under `src/`. */
export interface Edit {
  readonly file: string
  readonly find: string
  readonly replace: string
}

/** A seeded bug: a name, what it breaks, and the edits that plant it. */
export interface Bug {
  readonly name: string
  readonly description: string
  readonly edits: ReadonlyArray<Edit>
  /** The longest shrunk counterexample allowed, in commands, when not the default of 10 (settlement bugs need a payment captured first: 12). */
  readonly maxShrunk?: number
}

/** The folders of `src/` that are tooling, not core: a mutant copies only the core. */
const TOOLING = new Set(["harness", "bugs", "cli", "demo", "prove"])

/** The package's root folder, found from this module's place in `src/` (sources) or `dist/src/` (built). */
const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error("checkout-protocol: no package.json above the bug catalog")
    dir = parent
  }
  return dir
}

/** Writes the mutant's copy of `src/` and returns its directory. Throws if an edit does not apply exactly once. */
export const plant = (bug: Bug): string => {
  const project = packageRoot()
  const source = join(project, "src")
  // Under the package's node_modules/.cache: ignored by git, the type checker and the test runner,
  // and still inside the package, so the mutant resolves `effect` and the other dependencies from
  // the same node_modules as the harness (in an installed package, the project's).
  const root = join(project, "node_modules", ".cache", "checkout-protocol-mutants", bug.name)
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  cpSync(source, join(root, "src"), { recursive: true, filter: (path) => !TOOLING.has(relative(source, path)) })
  // Inside node_modules a file belongs to no package unless one says so: without this the copy
  // would load as CommonJS, with a second instance of effect that the harness's Schema does not know.
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", private: true }))
  for (const edit of bug.edits) {
    const path = join(root, "src", edit.file)
    const text = readFileSync(path, "utf8")
    const at = text.indexOf(edit.find)
    if (at < 0 || text.indexOf(edit.find, at + 1) >= 0) {
      throw new Error(`bug ${bug.name}: the text to replace in src/${edit.file} must occur exactly once, found ${at < 0 ? "none" : "several"}:\n${edit.find}`)
    }
    writeFileSync(path, text.slice(0, at) + edit.replace + text.slice(at + edit.find.length))
  }
  return root
}

/** Whether this process can import TypeScript already: run by tsx, or by vitest's module runner. */
let typeScriptLoads = process.execArgv.some((arg) => arg.includes("tsx")) || process.env["VITEST"] !== undefined

/**
 * Plants `bug` and imports the mutant core. The copy is TypeScript source: from the built package,
 * tsx's loader is registered for the whole process first (not namespaced: a namespaced import
 * would load a second copy of `effect`, whose Schemas the harness's would not know).
 */
export const loadMutant = async (bug: Bug): Promise<Core> => importMutant(plant(bug))

/** Imports the mutant core planted in `root` (by {@link plant}), as {@link loadMutant} does: another thread can import the copy one thread planted. */
export const importMutant = async (root: string): Promise<Core> => {
  if (!typeScriptLoads) {
    register()
    typeScriptLoads = true
  }
  return (await import(pathToFileURL(join(root, "src", "index.ts")).href)) as Core
}
