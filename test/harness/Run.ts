/**
 * The property the harness checks, and how a run ends: after the generated commands, faults stop
 * and the world runs to quiescence with fair delivery, retries and time, then liveness and
 * agreement are checked. A failure is reported with its seed, path and replayPath, the shrunk
 * trace as numbered lines, and the same trace as a Mermaid sequence diagram.
 */
import fc from "fast-check"
import type { Layer } from "effect"
import type { Ed25519 } from "../../src/crypto/Ed25519.js"
import { scripts, type HarnessCommand } from "./Commands.js"
import type { Core } from "./Core.js"
import { checkQuiescent, InvariantViolation } from "./Invariants.js"
import type { ClearingHouseState } from "../../src/parties/ClearingHouse.js"
import { runnerFor, World, type Swarm } from "./World.js"

/** Settings of a harness run. */
export interface HarnessSettings {
  readonly core: Core
  readonly crypto: Layer.Layer<Ed25519>
  /** The most commands a generated run may have. */
  readonly maxCommands: number
  /** A replayPath printed by an earlier failure, to replay it exactly. */
  readonly replayPath?: string
}

/** What one run exercised. */
export interface RunSummary {
  readonly commands: number
  readonly steps: number
  readonly exercised: ReadonlyMap<string, number>
}

/** Swarm testing: each run draws its own fault rates. */
export const swarmArbitrary: fc.Arbitrary<Swarm> = fc.record({
  dropRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  duplicateRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  replayRate: fc.double({ min: 0, max: 0.5, noNaN: true })
})

/** The longest the world may take to quiesce: rounds of delivering everything, then 16 s passing. */
export const QUIESCENCE_ROUNDS = 20

/** Whether the clearing house's open cycle has items to close. */
const cycleToClose = (world: World): boolean => {
  const clearing = world.net.state<ClearingHouseState>(world.ids.clearing)
  return (clearing.cycles[String(clearing.cycle)]?.items.length ?? 0) > 0
}

/**
 * Rounds of delivering everything in flight, closing the clearing cycle if it has items, and
 * letting 16 s pass, until the world is at rest or {@link QUIESCENCE_ROUNDS} rounds have passed.
 * At rest means nothing is in flight after the clock moved and no cycle waits to be closed: every
 * outbox entry falls due within 16 s and a waiting browser polls, so an empty network then means
 * every outbox is empty and nobody waits; further rounds would only tick idle parties.
 */
const quiescenceRounds = (world: World): void => {
  for (let round = 0; round < QUIESCENCE_ROUNDS; round++) {
    let delivered = 0
    while (world.net.inFlight.length > 0 && delivered < 2_000) {
      const packet = world.net.inFlight.shift()
      if (packet === undefined) break
      world.receive(`fair delivery of a packet ${packet.from} -> ${packet.to}`, packet.to, packet)
      delivered++
      world.trimNetwork()
    }
    if (cycleToClose(world)) world.input("quiescence: the clearing house closes the cycle", world.ids.clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
    world.advance("quiescence: 16 s pass", 16_000)
    if (world.net.inFlight.length === 0 && !cycleToClose(world)) return
  }
}

/**
 * Faults stop: deliver everything in flight and let time pass so retries, expiries and clearing
 * cycles happen; then let every hold reach its expiry, and do it all again, so that nothing is
 * left to do.
 */
export const settle = (world: World): void => {
  quiescenceRounds(world)
  world.advance("quiescence: every hold reaches its expiry", world.core.Issuer.HOLD_TTL_ms)
  quiescenceRounds(world)
  checkQuiescent(world, "the world quiesced")
}

/** Builds a fresh world and runs `commands` in it, then settles it. Throws on any violation. */
export const runOnce = (settings: HarnessSettings, swarm: Swarm, commands: Iterable<HarnessCommand>): World => {
  const world = new World(settings.core, settings.crypto, runnerFor(settings.crypto), swarm)
  fc.modelRun(() => ({ model: { world }, real: world }), commands)
  settle(world)
  return world
}

/**
 * The most candidates fast-check's own shrinking tries. Its first candidates cut the script hard;
 * past them it mostly tries tweaks that still hold, each a whole run. The cheaper, deterministic
 * {@link minimize} takes it from there, so fast-check leaves the swarm's rates alone.
 */
export const SHRINK_BUDGET = 200

/**
 * The harness's property. `onRun` hears of every run that held, until the first failure; the
 * re-runs fast-check makes while shrinking (at most {@link SHRINK_BUDGET}) are not reported.
 */
export const harnessProperty = (settings: HarnessSettings, onRun: (summary: RunSummary) => void) => {
  let failed = false
  return fc.property(
    fc.noShrink(swarmArbitrary),
    fc.limitShrink(scripts(settings.maxCommands, settings.replayPath), SHRINK_BUDGET),
    (swarm, commands) => {
      let world: World
      try {
        world = runOnce(settings, swarm, commands)
      } catch (error) {
        failed = true
        throw error
      }
      if (!failed) onRun({ commands: world.commands, steps: world.steps, exercised: world.exercised })
    }
  )
}

/** What broke: the invariant's name, or `"crash"` for any other exception (a machine that threw). */
export const failureKind = (error: unknown): string => (error instanceof InvariantViolation ? error.invariant : "crash")

/** Whether running `commands` in a fresh world fails in the way `kind` names. */
const failsAs = (settings: HarnessSettings, swarm: Swarm, commands: ReadonlyArray<HarnessCommand>, kind: string): boolean => {
  try {
    runOnce(settings, swarm, commands)
    return false
  } catch (error) {
    return failureKind(error) === kind
  }
}

/** The most re-runs {@link minimize} makes. */
export const MINIMIZE_BUDGET = 1_000

/**
 * After fast-check's shrinking, makes the script 1-minimal the way delta debugging does: removes
 * runs of one to three commands, newest first, for as long as the run still fails; then tries
 * each command's simpler variants, keeping one only if the script then minimizes to something
 * shorter. Only candidates that fail the same way (`kind`, see {@link failureKind}) are kept.
 * Deterministic: the same counterexample always minimizes to the same script.
 */
export const minimize = (
  settings: HarnessSettings,
  swarm: Swarm,
  commands: ReadonlyArray<HarnessCommand>,
  kind: string
): ReadonlyArray<HarnessCommand> => {
  let budget = MINIMIZE_BUDGET
  const stillFails = (candidate: ReadonlyArray<HarnessCommand>): boolean => budget-- > 0 && failsAs(settings, swarm, candidate, kind)
  const deletions = (start: ReadonlyArray<HarnessCommand>): ReadonlyArray<HarnessCommand> => {
    let current = start
    for (let changed = true; changed && budget > 0; ) {
      changed = false
      for (const width of [3, 2, 1]) {
        for (let i = current.length - width; i >= 0 && budget > 0; i--) {
          const candidate = [...current.slice(0, i), ...current.slice(i + width)]
          if (stillFails(candidate)) {
            current = candidate
            changed = true
          }
        }
      }
    }
    return current
  }
  let current = deletions(commands)
  for (let i = 0; i < current.length && budget > 0; i++) {
    for (const simpler of current[i]?.simpler() ?? []) {
      const replaced = current.map((c, j) => (j === i ? simpler : c))
      if (!stillFails(replaced)) continue
      const shorter = deletions(replaced)
      if (shorter.length < current.length) {
        current = shorter
        i = -1
        break
      }
    }
  }
  return current
}

/** The commands of a fast-check counterexample that actually ran, unwrapped. */
export const ranCommands = (commands: Iterable<HarnessCommand>): ReadonlyArray<HarnessCommand> =>
  [...commands].flatMap((c) => {
    const wrapper = c as HarnessCommand & { readonly hasRan?: boolean; readonly cmd?: HarnessCommand }
    return wrapper.cmd === undefined ? [c] : wrapper.hasRan === true ? [wrapper.cmd] : []
  })

/** A failure, minimized and made readable. */
export interface FailureReport {
  readonly text: string
  readonly minimizedCommands: number
  /** What broke, as {@link failureKind} names it. */
  readonly kind: string
}

/**
 * A readable failure report: how to replay it, the fast-check counterexample, its minimized
 * script, and the minimized run's trace as numbered lines and as Mermaid.
 */
export const failureReport = (settings: HarnessSettings, details: fc.RunDetails<[Swarm, Iterable<HarnessCommand>]>): FailureReport => {
  if (!details.failed || details.counterexample === null) return { text: "no failure", minimizedCommands: 0, kind: "none" }
  const [swarm, commands] = details.counterexample
  const kind = failureKind(details.errorInstance)
  const script = String(commands)
  const replayPath = /replayPath="([^"]*)"/.exec(script)?.[1] ?? ""
  const minimal = minimize(settings, swarm, ranCommands(commands), kind)
  const world = new World(settings.core, settings.crypto, runnerFor(settings.crypto), swarm)
  let error = String(details.errorInstance)
  try {
    fc.modelRun(() => ({ model: { world }, real: world }), minimal)
    settle(world)
  } catch (e) {
    error = String(e)
  }
  const text = [
    `Harness failure: ${error}`,
    `Replay with: seed=${details.seed} path="${details.counterexamplePath}" replayPath="${replayPath}"`,
    `  npm run check -- --seed ${details.seed} --path "${details.counterexamplePath}" --replay-path "${replayPath}"`,
    `Swarm: ${JSON.stringify(swarm)}`,
    `Counterexample (fast-check): ${script}`,
    `Minimized (${minimal.length} commands): ${minimal.map(String).join(", ")}`,
    "Trace of the minimized run:",
    ...world.traceLines(),
    "",
    "```mermaid",
    settings.core.Trace.mermaid(world.net.trace, world.parties),
    "```"
  ].join("\n")
  return { text, minimizedCommands: minimal.length, kind }
}
