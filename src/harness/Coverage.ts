/**
 * Transition coverage: which of the machines' declared transitions a campaign took, read from the
 * counters every run keeps (`transition:<Kind>: <entity>: <from> -> <to> on <input>`).
 *
 * @since 0.3.0
 */
import type { Machine } from "../machine/Machine.js"
import type { Core } from "./Core.js"
import { transitionCounter, transitionKey } from "./World.js"

/**
 * The machines of a core whose transitions coverage is counted over.
 *
 * @category coverage
 * @since 0.3.0
 */
export const machinesOf = (core: Core): ReadonlyArray<Machine<any, any>> => [
  core.Browser.Browser,
  core.Merchant.Merchant,
  core.Gateway.Gateway,
  core.Issuer.Issuer,
  core.Phone.Phone,
  core.ClearingHouse.ClearingHouse
]

/**
 * Every declared transition of a core's machines, as the counter a run keeps for it.
 *
 * @category coverage
 * @since 0.3.0
 */
export const declaredCounters = (core: Core): ReadonlyArray<string> =>
  machinesOf(core).flatMap((machine) => machine.transitions.map((t) => transitionCounter(machine.kind, transitionKey(t))))

/**
 * The declared transitions a campaign never took, given its exercised counters.
 *
 * @category coverage
 * @since 0.3.0
 */
export const untaken = (core: Core, exercised: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  declaredCounters(core).filter((counter) => !Object.hasOwn(exercised, counter))
