/**
 * The property the harness checks, and how a run ends: after the generated commands, faults stop
 * and the world runs to quiescence with fair delivery, retries and time, then liveness and
 * agreement are checked. A failure is reported with its seed, path and replayPath, the shrunk
 * trace as numbered lines, and the same trace as a Mermaid sequence diagram.
 */
import fc from "fast-check"
import type { Layer } from "effect"
import type { Ed25519 } from "../../src/crypto/Ed25519.js"
import { commandArbitraries, type HarnessCommand } from "./Commands.js"
import type { Core } from "./Core.js"
import { checkQuiescent } from "./Invariants.js"
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

/** Faults stop: deliver everything in flight, let time pass so retries and expiries happen, until nothing is left to do. */
export const settle = (world: World): void => {
  for (let round = 0; round < QUIESCENCE_ROUNDS; round++) {
    let delivered = 0
    while (world.net.inFlight.length > 0 && delivered < 5_000) {
      const packet = world.net.inFlight.shift()
      if (packet === undefined) break
      world.receive(`fair delivery of a packet ${packet.from} -> ${packet.to}`, packet.to, packet)
      delivered++
    }
    world.advance("quiescence: 16 s pass", 16_000)
  }
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
 * The harness's property. `onRun` hears of every run that held, until the first failure; the
 * re-runs fast-check makes while shrinking are not reported.
 */
export const harnessProperty = (settings: HarnessSettings, onRun: (summary: RunSummary) => void) => {
  let failed = false
  return fc.property(
    swarmArbitrary,
    fc.commands(commandArbitraries(), {
      maxCommands: settings.maxCommands,
      size: "max",
      ...(settings.replayPath === undefined ? {} : { replayPath: settings.replayPath })
    }),
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

/** A readable failure report: how to replay it, the shrunk trace as lines and as Mermaid. */
export const failureReport = (settings: HarnessSettings, details: fc.RunDetails<[Swarm, Iterable<HarnessCommand>]>): string => {
  if (!details.failed || details.counterexample === null) return "no failure"
  const [swarm, commands] = details.counterexample
  const script = String(commands)
  const replayPath = /replayPath="([^"]*)"/.exec(script)?.[1] ?? ""
  let world: World | undefined
  let error = String(details.errorInstance)
  try {
    world = runOnce(settings, swarm, commands)
  } catch (e) {
    error = String(e)
  }
  const worldForTrace = world ?? lastWorld(settings, swarm, commands)
  const participants = worldForTrace.parties
  return [
    `Harness failure: ${error}`,
    `Replay with: seed=${details.seed} path="${details.counterexamplePath}" replayPath="${replayPath}"`,
    `  npm run check -- --seed ${details.seed} --path "${details.counterexamplePath}" --replay-path "${replayPath}"`,
    `Swarm: ${JSON.stringify(swarm)}`,
    `Commands: ${script}`,
    "Trace:",
    ...worldForTrace.traceLines(),
    "",
    "```mermaid",
    settings.core.Trace.mermaid(worldForTrace.net.trace, participants),
    "```"
  ].join("\n")
}

/** Re-runs a failing script, keeping the world it failed in. */
const lastWorld = (settings: HarnessSettings, swarm: Swarm, commands: Iterable<HarnessCommand>): World => {
  const world = new World(settings.core, settings.crypto, runnerFor(settings.crypto), swarm)
  try {
    fc.modelRun(() => ({ model: { world }, real: world }), commands)
    settle(world)
  } catch {
    // The failure is what we want to show: the world as it was when the invariant broke.
  }
  return world
}
