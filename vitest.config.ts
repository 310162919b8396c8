import { defineConfig } from "vitest/config"

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
    isolate: false
  }
})
