/**
 * A harness failure made readable: its seed, path and replayPath, the fast-check counterexample,
 * the minimized script, and the minimized run's trace as numbered lines and as a Mermaid
 * sequence diagram.
 */
import type fc from "fast-check"
import type { HarnessCommand } from "./Commands.js"
import { minimize } from "./Minimize.js"
import { failureKind, play, type HarnessInput, type HarnessSettings } from "./Run.js"

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
 * script, and the minimized run's trace as numbered lines and as Mermaid. With `minimizing`
 * false, the script is the counterexample's as it ran, not minimized.
 */
export const failureReport = (settings: HarnessSettings, details: fc.RunDetails<[HarnessInput]>, minimizing = true): FailureReport => {
  if (!details.failed || details.counterexample === null) return { text: "no failure", minimizedCommands: 0, kind: "none" }
  const [[swarm, commands]] = details.counterexample
  const kind = failureKind(details.errorInstance)
  const script = String(commands)
  const replayPath = /replayPath="([^"]*)"/.exec(script)?.[1] ?? ""
  const minimal = minimizing ? minimize(settings, swarm, ranCommands(commands), kind) : { swarm, commands: ranCommands(commands), reruns: 0 }
  const { world, error } = play(settings, minimal.swarm, minimal.commands)
  const text = [
    `Harness failure: ${String(error?.thrown ?? details.errorInstance)}`,
    `Replay with: seed=${details.seed} path="${details.counterexamplePath}" replayPath="${replayPath}"`,
    `  checkout-protocol check ${settings.bug === undefined ? "" : `--bug ${settings.bug} `}--seed ${details.seed} --path "${details.counterexamplePath}" --replay-path "${replayPath}"`,
    `Swarm: ${JSON.stringify(swarm)}`,
    `Counterexample (fast-check): ${script}`,
    `${minimizing ? "Minimized" : "Not minimized"} (${minimal.commands.length} commands, ${minimal.reruns} re-runs, swarm ${JSON.stringify(minimal.swarm)}): ${minimal.commands.map(String).join(", ")}`,
    `Trace of the ${minimizing ? "minimized" : "failing"} run:`,
    ...world.traceWithDiagram()
  ].join("\n")
  return { text, minimizedCommands: minimal.commands.length, kind }
}
