import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The test files that take longest (each 20 s or more on 2 cores), longest first. Vitest starts
 * the files it has timings for longest first, but a fresh clone (CI) has none, and it starts the
 * largest files first instead: `test/harness/harness.test.ts`, small and the longest (about 90 s),
 * came last and ran alone for a minute and a half (CI's suite took 233 s, where runs with timings
 * took 167 to 188 s on the same machine).
 */
const LONGEST_FIRST = [
  "test/harness/harness.test.ts",
  "test/explore/Explorer.test.ts",
  "test/explore/Parallel.test.ts",
  "test/explore/Checkpoint.test.ts",
  "test/store/crash.test.ts"
]

/** Vitest's own order, with the {@link LONGEST_FIRST} files moved to the front, in that order. */
class LongestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const rank = (file: TestSpecification): number => {
      const at = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path))
      return at < 0 ? LONGEST_FIRST.length : at
    }
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // A beforeAll that plants and loads several seeded bugs takes over Vitest's default 10 s when both cores are busy.
    hookTimeout: 60_000,
    // Vitest's own default outside watch mode is one worker fewer than the machine's cores: one on
    // the 2-core machines `npm test` is budgeted for, which left a core idle (194 s against 120 s).
    maxWorkers: "100%",
    // Test files share a worker's loaded modules instead of loading effect and the core afresh
    // each: the summed import time fell from 52 s to 9 s, and the suite from 240 s to 184 s on
    // this 2-core machine. Safe because no test mocks a module or stubs a global, each planted
    // mutant has a folder of its own, and the core keeps nothing between calls but a cache of the
    // key pairs tweetnacl derives from seeds.
    isolate: false,
    sequence: { sequencer: LongestFirst }
  }
})
