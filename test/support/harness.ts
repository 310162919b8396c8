/**
 * What the tests of the harness's end-of-run checks (canary, storable, retention) share: a calm
 * standard world, the reference core's settings, and the settings of a core with one seeded bug
 * planted.
 */
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { loadMutant, type Bug } from "../../src/bugs/Mutant.js"
import type { HarnessCommand } from "../../src/harness/Commands.js"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { play, type HarnessSettings } from "../../src/harness/Run.js"
import { STANDARD } from "../../src/harness/Scope.js"
import type { Swarm } from "../../src/harness/World.js"

/** The standard topology with no faults. */
export const CALM: Swarm = { scope: STANDARD, dropRate: 0, duplicateRate: 0, replayRate: 0 }

/** The reference core on `node:crypto`. */
export const reference: HarnessSettings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }

/** The reference settings with `flaw` planted in a copy of the core named for `test`: a catalogued bug, or one a test writes out itself. */
export const withFlaw = async (test: string, flaw: Bug): Promise<HarnessSettings> => ({
  ...reference,
  core: await loadMutant({ ...flaw, name: `${test}-test-${flaw.name}` })
})

/** The reference settings with the catalog's bug `name` planted in a copy of the core named for `test`. */
export const withBug = (test: string, name: string): Promise<HarnessSettings> => withFlaw(test, bugNamed(name))

/** The invariant violation a calm run of `script` with `settings` ends in, if it ends in one. */
export const violationOf = (settings: HarnessSettings, script: ReadonlyArray<HarnessCommand>): InvariantViolation | undefined => {
  const thrown = play(settings, CALM, script).error?.thrown
  return thrown instanceof InvariantViolation ? thrown : undefined
}
