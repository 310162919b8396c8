/**
 * The catalog's edits against today's source: each seeded bug must still plant, its every edit
 * finding its text exactly once, or `npm run bugs` fails an hour into a campaign (or, worse, on
 * CI). Fast: it reads the files and runs no harness.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { BUGS } from "../../src/bugs/Catalog.js"

const source = (file: string): string => readFileSync(fileURLToPath(new URL(`../../src/${file}`, import.meta.url)), "utf8")

describe("Catalog", () => {
  it("BUGS - should plant every bug: each edit finds its text exactly once and changes it", () => {
    const misses = BUGS.flatMap((bug) =>
      bug.edits.flatMap((edit) => {
        const found = source(edit.file).split(edit.find).length - 1
        return found === 1 && edit.replace !== edit.find ? [] : [`${bug.name}: ${edit.file} has its text ${found} times`]
      })
    )
    expect(misses).toEqual([])
  })

  it("BUGS - should name every bug once", () => {
    const names = BUGS.map((bug) => bug.name)
    expect(new Set(names).size).toBe(names.length)
  })
})
