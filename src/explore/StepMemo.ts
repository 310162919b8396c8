/**
 * Steps remembered: the explorer reaches the same party state with the same input in many worlds
 * (every interleaving of the other parties' steps), and a machine's step is a pure function of
 * its state and input (`Machine.ts`). So a party's step is computed once per state object, time
 * and packet object (or tick), and its result, the very same state and outputs, reused.
 *
 * States and packets are immutable values, and the worlds the explorer queues hold one object per
 * distinct party state and packet (`Fingerprint.ts`, interning), so the same pair recurs as the
 * same objects. Equal values held in different objects only miss the memo; they never share a
 * wrong result.
 *
 * @since 0.5.0
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Input, Machine, Packet, Step } from "../machine/Machine.js"

/** What a step is remembered by, beside its state: the input's time, and its packet or that it is a tick. */
type Remembered<S> = Map<number, WeakMap<Packet | typeof TICK, Step<S>>>

/** The key of a tick among the packets. */
const TICK = {}

/** The steps remembered from `state` at `now_ms`, by packet or tick; made empty the first time. */
const inputsOf = <S>(steps: WeakMap<object, Remembered<S>>, state: object, now_ms: number): WeakMap<Packet | typeof TICK, Step<S>> => {
  let byTime = steps.get(state)
  if (byTime === undefined) steps.set(state, (byTime = new Map()))
  let byInput = byTime.get(now_ms)
  if (byInput === undefined) byTime.set(now_ms, (byInput = new WeakMap()))
  return byInput
}

/**
 * `machine` with its steps on packets and ticks remembered (see the module's doc); the other
 * inputs (a shopper's click, a staff request) are stepped each time.
 *
 * @category explorer
 * @since 0.5.0
 */
export const rememberingSteps = <S, I extends Input>(machine: Machine<S, I>): Machine<S, I> => {
  const steps = new WeakMap<object, Remembered<S>>()
  const step = (state: S, input: I): Effect.Effect<Step<S>, never, Ed25519> => {
    const what = input._tag === "Tick" ? TICK : input._tag === "Receive" ? (input as unknown as { readonly packet: Packet }).packet : undefined
    if (what === undefined || typeof state !== "object" || state === null) return machine.step(state, input)
    const byInput = inputsOf(steps, state, input.now_ms)
    const known = byInput.get(what)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.map(machine.step(state, input), (result) => {
      byInput.set(what, result)
      return result
    })
  }
  return { ...machine, step }
}
