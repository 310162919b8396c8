/**
 * A counterexample the explorer found, as the harness prints one: the violation, the path as
 * numbered lines with what each action caused, a Mermaid sequence diagram, and the command that
 * replays it.
 *
 * @since 0.5.0
 */
import type { Exploration, ExploreSettings } from "./Explorer.js"
import { replay } from "./Explorer.js"

/**
 * The readable report of `exploration`'s violation (an empty string when it has none); `bug` is
 * the seeded bug planted in the core, named in the replay command.
 *
 * @category explorer
 * @since 0.5.0
 */
export const counterexampleReport = (settings: ExploreSettings, exploration: Exploration, bug: string | null): string => {
  const violation = exploration.violation
  if (violation === null) return ""
  if (violation.path.length === 0 && violation.invariant === "vacuity") return `Violation: vacuity: ${violation.findings.join("; ")} (every reachable state was visited)`
  const { world } = replay(settings, violation.path)
  const command = ["checkout-protocol explore", `--scope ${settings.scope.name}`, ...(bug === null ? [] : [`--bug ${bug}`]), `--replay ${violation.path.join(",")}`].join(" ")
  return [
    `Violation: ${violation.invariant}: ${violation.findings.join("; ")}`,
    `Shortest counterexample: ${violation.path.length} actions (breadth-first), replay with:`,
    `  ${command}`,
    "Trace:",
    ...world.traceWithDiagram()
  ].join("\n")
}
