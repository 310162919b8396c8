/**
 * Steps remembered (`src/explore/StepMemo.ts`): a party's step is computed once per state object,
 * time and packet object (or tick, or a click's JSON), and the very same result given again;
 * anything else that differs computes it afresh; a step not used for a whole generation is
 * forgotten.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { PartyId, Timestamp_ms } from "../../src/domain/Ids.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import type { Input, Machine, Packet, Step } from "../../src/machine/Machine.js"
import { rememberingSteps, StepMemory } from "../../src/explore/StepMemo.js"

interface Counter {
  readonly n: number
}

/** A machine that counts what it is given, and how often it was stepped. */
const counting = () => {
  let stepped = 0
  const machine: Machine<Counter, Input> = {
    kind: "Counter",
    transitions: [],
    step: (state, input) =>
      Effect.sync((): Step<Counter> => {
        stepped++
        return { state: { n: state.n + (input._tag === "Tick" ? 1 : 10) }, outputs: [] }
      }),
    restart: (state) => state
  }
  return { machine, stepped: () => stepped }
}

const packet = (): Packet => ({ from: "a" as PartyId, to: "b" as PartyId, channel: "session", payload: { hello: 1 } })
const at = (now_ms: number) => now_ms as Timestamp_ms

describe("rememberingSteps", () => {
  it("should step once per state, time and packet or tick, give back the very same result, and step again when any of them differs", () => {
    const { machine, stepped } = counting()
    const remembering = rememberingSteps(machine, new StepMemory())
    const run = (state: Counter, input: Input): Step<Counter> => Effect.runSync(Effect.provide(remembering.step(state, input), NodeEd25519))
    const state = { n: 0 }
    const sent = packet()
    const first = run(state, { _tag: "Receive", now_ms: at(5), packet: sent } as Input)
    expect(first.state).toEqual({ n: 10 })
    expect(run(state, { _tag: "Receive", now_ms: at(5), packet: sent } as Input)).toBe(first)
    expect(stepped()).toBe(1)
    // Another time, another packet object (equal or not), another state object, a tick: each stepped.
    run(state, { _tag: "Receive", now_ms: at(6), packet: sent } as Input)
    run(state, { _tag: "Receive", now_ms: at(5), packet: packet() } as Input)
    run({ n: 0 }, { _tag: "Receive", now_ms: at(5), packet: sent } as Input)
    const tick = run(state, { _tag: "Tick", now_ms: at(5) })
    expect(tick.state).toEqual({ n: 1 })
    expect(stepped()).toBe(5)
    expect(run(state, { _tag: "Tick", now_ms: at(5) })).toBe(tick)
    expect(stepped()).toBe(5)
  })

  it("should forget a step not used for a whole generation, and keep one used in each", () => {
    const { machine, stepped } = counting()
    const memory = new StepMemory()
    const remembering = rememberingSteps(machine, memory)
    const run = (state: Counter): Step<Counter> => Effect.runSync(Effect.provide(remembering.step(state, { _tag: "Tick", now_ms: at(5) }), NodeEd25519))
    const used = { n: 0 }
    const idle = { n: 1 }
    const first = run(used)
    run(idle)
    for (let generation = 0; generation < 3; generation++) {
      memory.age()
      expect(run(used)).toBe(first)
    }
    expect(stepped()).toBe(2)
    // Not used in the last three generations: stepped again.
    run(idle)
    expect(stepped()).toBe(3)
    // Used in the generation before last, carried into the last: still remembered.
    memory.age()
    run(idle)
    expect(stepped()).toBe(3)
  })

  it("should remember a person's click by its JSON: an equal click in another object is not stepped again, another click is", () => {
    const { machine, stepped } = counting()
    const remembering = rememberingSteps(machine, new StepMemory())
    const run = (state: Counter, input: Input): Step<Counter> => Effect.runSync(Effect.provide(remembering.step(state, input), NodeEd25519))
    const state = { n: 0 }
    const first = run(state, { _tag: "Answer", now_ms: at(5), challengeId: "chl-1", decision: "approve" } as Input)
    expect(run(state, { _tag: "Answer", now_ms: at(5), challengeId: "chl-1", decision: "approve" } as Input)).toBe(first)
    expect(stepped()).toBe(1)
    run(state, { _tag: "Answer", now_ms: at(5), challengeId: "chl-1", decision: "decline" } as Input)
    run(state, { _tag: "Answer", now_ms: at(6), challengeId: "chl-1", decision: "approve" } as Input)
    expect(stepped()).toBe(3)
    expect(remembering.kind).toBe("Counter")
  })
})
