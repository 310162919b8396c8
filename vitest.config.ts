import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // A beforeAll that plants and loads several seeded bugs takes over Vitest's default 10 s when both cores are busy.
    hookTimeout: 60_000,
    // Vitest's own default outside watch mode is one worker fewer than the machine's cores: one on
    // the 2-core machines `npm test` is budgeted for, which left a core idle (194 s against 120 s).
    maxWorkers: "100%"
  }
})
