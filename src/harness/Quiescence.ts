/**
 * How a run's world comes to rest once faults stop: fair delivery of everything in flight, the
 * clearing cycle closed when it has items, and the clock moved so every retry falls due.
 */
import type { Packet } from "../machine/Machine.js"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { World } from "./World.js"

/** How far the clock moves in each round of quiescence: RETRY_MAX_ms, so every outbox entry falls due in each round. */
const QUIESCENCE_STEP_ms = 16_000

/** The longest the world may take to quiesce: rounds of delivering everything, then `QUIESCENCE_STEP_ms` (16 s) passing. */
export const QUIESCENCE_ROUNDS = 20

/** The most time quiescence lets pass: {@link QUIESCENCE_ROUNDS} rounds of 16 s, 320 s. */
export const QUIESCENCE_SPAN_ms = QUIESCENCE_ROUNDS * QUIESCENCE_STEP_ms

/** Faults stop: delivers every packet in flight, including the ones the deliveries cause, but those `lost` takes, which are dropped (by default none). */
export const deliverAll = (world: World, lost: (packet: Packet) => boolean = () => false): void => {
  for (let delivered = 0; world.net.inFlight.length > 0 && delivered < 2_000; delivered++) {
    const packet = world.net.inFlight.shift()
    if (packet === undefined) return
    if (lost(packet)) continue
    world.receive(`fair delivery of a packet ${packet.from} -> ${packet.to}`, packet.to, packet)
    world.trimNetwork()
  }
}

/** Whether the clearing house's open cycle has items to close. */
const cycleToClose = (world: World): boolean => {
  const clearing = world.net.state<ClearingHouseState>(world.directory.clearing)
  return (clearing.cycles.get(String(clearing.cycle))?.items.length ?? 0) > 0
}

/**
 * Rounds of delivering everything in flight, closing the clearing cycle if it has items, and
 * letting `QUIESCENCE_STEP_ms` (16 s) pass, until the world is at rest or {@link QUIESCENCE_ROUNDS}
 * rounds have passed. At rest means nothing is in flight after the clock moved and no cycle waits
 * to be closed: every outbox entry falls due in each round and a waiting browser polls, so an
 * empty network then means every outbox is empty and nobody waits; further rounds would only tick
 * idle parties.
 */
export const quiescenceRounds = (world: World): void => {
  for (let round = 0; round < QUIESCENCE_ROUNDS; round++) {
    deliverAll(world)
    if (cycleToClose(world)) world.input("quiescence: the clearing house closes the cycle", world.directory.clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
    world.advance(`quiescence: ${QUIESCENCE_STEP_ms / 1000} s pass`, QUIESCENCE_STEP_ms)
    if (world.net.inFlight.length === 0 && !cycleToClose(world)) return
  }
}
