/**
 * The state codec round-trips every party's state from generated harness runs: swarm worlds of
 * several merchants, gateways, issuers and currencies, with faults, crashes, insiders and
 * settlement. States are taken in the middle of a run (every few commands, outboxes and
 * challenges still open) and at its end, each encoded, written as JSON text, parsed and decoded
 * with the party's identity, and compared with the original.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { State } from "../../src/index.js"
import { play, harnessInputs } from "../../src/harness/Run.js"
import type { World } from "../../src/harness/World.js"
import { roundTrip } from "./support.js"

const settings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 150 }

/** How often, in commands, the states are round-tripped during a run. */
const EVERY = 10

/** Round-trips every party's state in `world`; returns how many rows of each kind went through. */
const roundTripWorld = (world: World, where: string, rows: Map<string, number>): void => {
  for (const party of world.parties) {
    const kind = world.kinds.get(party) ?? "?"
    if (!State.isPartyKind(kind)) throw new Error(`${where}: ${party} is a ${kind}, a kind the codec does not know`)
    const state = world.net.state<never>(party)
    roundTrip(kind, state, `${where}, ${party} (${kind})`)
    for (const [table, tableRows] of Object.entries(State.split(kind, state).tables)) {
      rows.set(`${kind}.${table}`, (rows.get(`${kind}.${table}`) ?? 0) + (tableRows as Core.Table<unknown>).size)
    }
  }
}

describe("state codec over harness runs", () => {
  it("encodeState/decodeState - should round-trip every party's state, mid-run and at the end of generated runs, to an equal state", () => {
    const rows = new Map<string, number>()
    let run = 0
    fc.assert(
      fc.property(harnessInputs(settings.maxCommands), ([swarm, commands]) => {
        run++
        let ran = 0
        const played = play(settings, swarm, commands, (_command, world) => {
          if (ran++ % EVERY === 0) roundTripWorld(world, `run ${run}, before command ${ran}`, rows)
        })
        if (played.error !== null) throw played.error.thrown
        roundTripWorld(played.world, `run ${run}, at the end`, rows)
      }),
      { numRuns: 25, seed: 14, endOnFailure: true }
    )
    console.log(`state codec: ${run} runs, rows round-tripped by table: ${[...rows].map(([t, n]) => `${t} ${n}`).join(", ")}`)
    // The runs reached the tables that matter: open outboxes, challenges, holds, submissions, cycles.
    for (const table of ["Merchant.outbox", "Gateway.payments", "Gateway.outbox", "Gateway.submissions", "Issuer.challenges", "Issuer.holds", "Phone.challenges", "Phone.outbox", "ClearingHouse.cycles", "ClearingHouse.instructions"]) {
      expect(rows.get(table) ?? 0, table).toBeGreaterThan(0)
    }
  })
})
