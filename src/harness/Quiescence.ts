/**
 * How a run's world comes to rest once faults stop: fair delivery of everything in flight, the
 * clearing cycle closed when it has items, and the clock moved so every retry falls due.
 */
import type { Packet } from "../machine/Machine.js"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { World } from "./World.js"

/** How far the clock moves in each round of quiescence: RETRY_MAX_ms, so every outbox entry falls due in each round. */
const QUIESCENCE_STEP_ms = 16_000

/** The longest the world may take to quiesce: rounds of delivering everything, then `QUIESCENCE_STEP_ms` (16 s) passing; a round that closes a clearing cycle is not counted. */
export const QUIESCENCE_ROUNDS = 20

/**
 * The most time quiescence lets pass while requests that expire may still wait: {@link
 * QUIESCENCE_ROUNDS} rounds of 16 s, 320 s. Fair delivery answers those in the first rounds; the
 * rounds that close a cycle, not counted, go on only to clear items (clearing submissions and
 * settlement instructions carry no expiry), as many as the cycles they take: in a world that lowers
 * a cycle's items to one, a cycle per item.
 */
export const QUIESCENCE_SPAN_ms = QUIESCENCE_ROUNDS * QUIESCENCE_STEP_ms

/** The most cycles one quiescence closes: a stop for a core that makes clearing items without end. */
const MOST_CYCLES_CLOSED = 200

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

/** The clearing house's state. */
const clearingOf = (world: World): ClearingHouseState => world.net.state<ClearingHouseState>(world.directory.clearing)

/** Whether the clearing house's open cycle has items to close. @since 0.6.0 */
export const cycleToClose = (world: World): boolean => {
  const clearing = clearingOf(world)
  return (clearing.cycles.get(String(clearing.cycle))?.items.length ?? 0) > 0
}

/**
 * Rounds of delivering everything in flight, closing the clearing cycle if it has items, and
 * letting `QUIESCENCE_STEP_ms` (16 s) pass, until the world is at rest or {@link QUIESCENCE_ROUNDS}
 * rounds that closed no cycle have passed (or {@link MOST_CYCLES_CLOSED} cycles were closed). At
 * rest means nothing is in flight after the clock moved and no cycle waits to be closed: every
 * outbox entry falls due in each round and a waiting browser polls, so an empty network then means
 * every outbox is empty and nobody waits; further rounds would only tick idle parties.
 */
export const quiescenceRounds = (world: World): void => {
  let waited = 0
  let closed = 0
  while (waited < QUIESCENCE_ROUNDS && closed < MOST_CYCLES_CLOSED) {
    deliverAll(world)
    // A cycle closed is progress, not waiting: the round is not counted (a refused close is).
    if (closesTheCycle(world)) closed++
    else waited++
    world.advance(`quiescence: ${QUIESCENCE_STEP_ms / 1000} s pass`, QUIESCENCE_STEP_ms)
    if (world.net.inFlight.length === 0 && !cycleToClose(world)) return
  }
}

/** The clearing house closes its open cycle if it has items; whether it did (a new cycle opened). */
const closesTheCycle = (world: World): boolean => {
  if (!cycleToClose(world)) return false
  const open = clearingOf(world).cycle
  world.input("quiescence: the clearing house closes the cycle", world.directory.clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
  return clearingOf(world).cycle !== open
}
