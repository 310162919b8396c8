/**
 * Every party's state must be one its own store can hold. The harness runs every party in
 * memory, where a field no step reads can hold anything; a party run from SQLite encodes each
 * row it writes with its state codec, and would throw at its commit on a row outside the row's
 * Schema (a state name the codec does not know, say) or on a machine kind no codec knows. So at
 * the end of every run the whole state of every party is encoded, as a store would write it.
 */
import type { PartyId } from "../domain/Ids.js"
import type { StateOf } from "../state/State.js"
import { countCheck, InvariantViolation } from "./Invariants.js"
import type { World } from "./World.js"

/** Fails the run with an {@link InvariantViolation} named `storable` unless every party's state encodes with its kind's codec. */
export const checkStorable = (world: World, after: string): void => {
  const { State } = world.core
  const findings: Array<string> = []
  for (const [id, kind] of world.kinds) {
    if (!State.isPartyKind(kind)) {
      findings.push(`${id} runs as a ${JSON.stringify(kind)}, which no state codec knows`)
      continue
    }
    try {
      State.encodeState(kind, world.net.state<StateOf<typeof kind>>(id as PartyId))
    } catch (error) {
      findings.push(`${id}'s state cannot be stored: ${error instanceof Error ? error.message.split("\n").slice(0, 4).join(" ") : String(error)}`)
    }
  }
  countCheck("storable")
  if (findings.length > 0) throw new InvariantViolation("storable", after, findings)
}
