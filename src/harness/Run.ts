/**
 * The property the harness checks, and how a run ends: after the generated commands, faults stop
 * and the world runs to quiescence with fair delivery, retries and time, then liveness and
 * agreement are checked. `Minimize.ts` makes a failure small and `Report.ts` makes it readable.
 */
import fc from "fast-check"
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { scripts, type HarnessCommand } from "./Commands.js"
import type { Core } from "./Core.js"
import { checkQuiescent, InvariantViolation } from "./Invariants.js"
import { checkStorable } from "./Storable.js"
import { checkRetention } from "./Retention.js"
import { canary } from "./Canary.js"
import { quiescenceRounds } from "./Quiescence.js"
import type { Machine } from "../machine/Machine.js"
import { scopeArbitrary } from "./Scope.js"
import { World, type Swarm } from "./World.js"
import { syncRunner } from "../drivers/Runner.js"

export { QUIESCENCE_ROUNDS } from "./Quiescence.js"

/** Settings of a harness run. */
export interface HarnessSettings {
  readonly core: Core
  readonly crypto: Layer.Layer<Ed25519>
  /** The most commands a generated run may have. */
  readonly maxCommands: number
  /** A replayPath printed by an earlier failure, to replay it exactly. */
  readonly replayPath?: string
  /** The seeded bug planted in `core`, if any: a failure's replay command names it. */
  readonly bug?: string
  /**
   * Machines of your own to run in place of the core's, matched by `kind` (`"Issuer"`, `"Gateway"`,
   * ...): the harness then proves the invariants of your build of those parties, starting from the
   * core's initial states.
   */
  readonly machines?: ReadonlyArray<Machine<any, any>>
}

/** What one run exercised. */
export interface RunSummary {
  readonly commands: number
  readonly steps: number
  readonly exercised: ReadonlyMap<string, number>
}

/** Swarm testing: each run draws its own world and fault rates. */
export const swarmArbitrary: fc.Arbitrary<Swarm> = fc.record({
  scope: scopeArbitrary,
  dropRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  duplicateRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  replayRate: fc.double({ min: 0, max: 0.5, noNaN: true })
})

/**
 * A generated run: the swarm's world and fault rates, then a script drawn for that world, so that
 * a command its world cannot run (an insider's, in a world without that insider) is never drawn.
 * The swarm does not shrink (`Minimize.ts` does that); the script does.
 */
export const harnessInputs = (maxCommands: number, replayPath?: string): fc.Arbitrary<HarnessInput> =>
  fc.noShrink(swarmArbitrary).chain((swarm) => scripts(maxCommands, swarm.scope.insider?.kind ?? null, replayPath).map((commands): HarnessInput => [swarm, commands]))

/**
 * Faults stop: deliver everything in flight and let time pass so retries, expiries and clearing
 * cycles happen; then let every hold reach its expiry, and do it all again; then check liveness.
 * Then the canary (`Canary.ts`): one honest checkout on the calm network must succeed and settle, and
 * every invariant must still hold after it. Then every party's state must encode as its store
 * would hold it (`Storable.ts`). Last, the world ages past every request's retention window, and
 * replays of old requests must change nothing (`Retention.ts`).
 */
export const settle = (world: World): void => {
  quiescenceRounds(world)
  world.advance("quiescence: every hold reaches its expiry", world.core.Issuer.HOLD_TTL_ms)
  quiescenceRounds(world)
  checkQuiescent(world, "the world quiesced")
  if (canary(world)) checkQuiescent(world, "the canary's checkout settled")
  checkStorable(world, "the run settled")
  checkRetention(world, "the run settled")
}

/** A script's run: the world it left, the commands that ran, and what broke (`null` if nothing did). */
export interface Played {
  readonly world: World
  /** The commands whose `check` held, so that they ran, up to and including the one that broke. */
  readonly ran: ReadonlyArray<HarnessCommand>
  readonly error: { readonly thrown: unknown } | null
}

/**
 * Builds a fresh world, runs `commands` in it the way `fc.modelRun` does (each command whose
 * `check` holds), then settles it; records what ran and what broke instead of throwing.
 * `before` sees each command that runs, and the world just before it runs.
 */
export const play = (
  settings: HarnessSettings,
  swarm: Swarm,
  commands: Iterable<HarnessCommand>,
  before?: (command: HarnessCommand, world: World) => void
): Played => {
  const world = new World(settings.core, settings.crypto, syncRunner(settings.crypto), swarm, settings.machines)
  const model = { world }
  const ran: Array<HarnessCommand> = []
  try {
    for (const command of commands) {
      if (!command.check(model)) continue
      before?.(command, world)
      ran.push(command)
      command.run(model, world)
    }
    settle(world)
    return { world, ran, error: null }
  } catch (thrown) {
    return { world, ran, error: { thrown } }
  }
}

/** Builds a fresh world and runs `commands` in it, then settles it. Throws on any violation. */
export const runOnce = (settings: HarnessSettings, swarm: Swarm, commands: Iterable<HarnessCommand>): World => {
  const { world, error } = play(settings, swarm, commands)
  if (error !== null) throw error.thrown
  return world
}

/**
 * The most candidates fast-check's own shrinking tries. Its first candidates cut the script
 * hard; past them it mostly tries tweaks that still hold, each a whole run. The cheaper,
 * deterministic `minimize` of `Minimize.ts` takes it from there, the swarm's rates included, so
 * fast-check does not shrink those.
 */
export const SHRINK_BUDGET = 200

/** A generated run: the swarm's fault rates and the command script. */
export type HarnessInput = [Swarm, Iterable<HarnessCommand>]

/**
 * The harness's property. `onRun` hears of every run that held, until the first failure; the
 * re-runs fast-check makes while shrinking (at most {@link SHRINK_BUDGET}) are not reported.
 */
export const harnessProperty = (settings: HarnessSettings, onRun: (summary: RunSummary) => void) => {
  let failed = false
  return fc.property(fc.limitShrink(harnessInputs(settings.maxCommands, settings.replayPath), SHRINK_BUDGET), ([swarm, commands]) => {
    let world: World
    try {
      world = runOnce(settings, swarm, commands)
    } catch (error) {
      failed = true
      throw error
    }
    if (!failed) onRun({ commands: world.commands, steps: world.steps, exercised: world.exercised })
  })
}

/** What broke: the invariant's name, or `"crash"` for any other exception (a machine that threw). */
export const failureKind = (error: unknown): string => (error instanceof InvariantViolation ? error.invariant : "crash")
