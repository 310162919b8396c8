/**
 * Steps remembered: the explorer reaches the same party state with the same input in many worlds
 * (every interleaving of the other parties' steps), and walks the same paths again to rebuild
 * the worlds of states it queued as numbers (`Frontier.ts`); a machine's step is a pure function
 * of its state and input (`Machine.ts`). So a party's step is computed once per state object,
 * time and input, and its result, the very same state and outputs, reused.
 *
 * States and packets are immutable values, and the worlds the explorer queues hold one object per
 * distinct party state and packet (`Fingerprint.ts`, interning), so the same pair recurs as the
 * same objects: a packet or a tick is told apart by object. A person's click or a staff request
 * is made afresh each time, so it is told apart by its JSON: inputs are plain values (strings,
 * numbers and Schema classes of them), so equal JSON is equal input. Equal values held in
 * different objects only miss the memo; they never share a wrong result.
 *
 * **Forgetting.** A step's result holds the next state and the packets sent, which key further
 * steps: kept for the whole run, the memo would hold every party state and packet the run ever
 * made (most of `settle-k1`'s memory growth). So it keeps two generations ({@link StepMemory}):
 * the explorer starts a new one at each level, a step found in the older is carried into the
 * newer, and a step not used for a whole level is forgotten. The steps along the paths to a
 * level's states are used again to rebuild its worlds (`Frontier.ts`), so they stay.
 *
 * @since 0.5.0
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Input, Machine, Packet, Step } from "../machine/Machine.js"

/** The steps remembered from one state at one time: on a packet or a tick, by object; on any other input, by its JSON. @category explorer @since 0.5.0 */
export interface Remembered<S> {
  readonly byObject: WeakMap<Packet | typeof TICK, Step<S>>
  readonly byJson: Map<string, Step<S>>
}

/** The key of a tick among the packets. */
const TICK = {}

/** The steps remembered from one state object, by time. */
type FromState = Map<number, Remembered<unknown>>

/**
 * The steps remembered, of every machine that shares it, in two generations (see the module's
 * doc): {@link StepMemory.age} starts a new one and forgets the older.
 *
 * @category explorer
 * @since 0.5.0
 */
export class StepMemory {
  #newer = new WeakMap<object, FromState>()
  #older = new WeakMap<object, FromState>()

  /** Starts a new generation: what was not used since the last call is forgotten. */
  age(): void {
    this.#older = this.#newer
    this.#newer = new WeakMap()
  }

  /** The steps remembered from `state` at `now_ms`, carried into the newer generation; made empty the first time. */
  rememberedOf(state: object, now_ms: number): Remembered<unknown> {
    let byTime = this.#newer.get(state)
    if (byTime === undefined) {
      byTime = this.#older.get(state) ?? new Map()
      this.#newer.set(state, byTime)
    }
    let remembered = byTime.get(now_ms)
    if (remembered === undefined) byTime.set(now_ms, (remembered = { byObject: new WeakMap(), byJson: new Map() }))
    return remembered
  }
}

/**
 * `machine` with its steps remembered in `memory` (see the module's doc).
 *
 * @category explorer
 * @since 0.5.0
 */
export const rememberingSteps = <S, I extends Input>(machine: Machine<S, I>, memory: StepMemory): Machine<S, I> => {
  const step = (state: S, input: I): Effect.Effect<Step<S>, never, Ed25519> => {
    if (typeof state !== "object" || state === null) return machine.step(state, input)
    const remembered = memory.rememberedOf(state, input.now_ms) as Remembered<S>
    const object = input._tag === "Tick" ? TICK : input._tag === "Receive" ? (input as unknown as { readonly packet: Packet }).packet : undefined
    const json = object === undefined ? JSON.stringify(input) : ""
    const known = object === undefined ? remembered.byJson.get(json) : remembered.byObject.get(object)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.map(machine.step(state, input), (result) => {
      if (object === undefined) remembered.byJson.set(json, result)
      else remembered.byObject.set(object, result)
      return result
    })
  }
  return { ...machine, step }
}
