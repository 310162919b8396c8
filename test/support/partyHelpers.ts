/**
 * Helpers shared by the party machine unit tests (Merchant, Browser, Phone): running a step,
 * building identities the way the standard topology does, forging signed packets, picking
 * outputs apart, asserting rejections, and tracking which declared transitions a test file has
 * exercised.
 */
import { envelopeOf, keys } from "./fixtures.js"
import { Effect } from "effect"
import { expect } from "vitest"
import type { Ed25519 } from "../../src/crypto/Ed25519.js"
import { makeRegistry, type RegisteredKey } from "../../src/crypto/KeyRegistry.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import * as Topology from "../../src/drivers/Topology.js"
import { KeyId, type PartyId, type Timestamp_ms } from "../../src/domain/Ids.js"
import type { Output, Packet, Rejected, Step, Transition, Transitioned } from "../../src/machine/Machine.js"
import { sealPacket, type PartyIdentity } from "../../src/machine/Party.js"
import type { SignedMessage } from "../../src/messages/Signed.js"

/** Runs an Effect that needs the Ed25519 service, with the `node:crypto` layer; a failure throws (and fails the test). */
export const run = <A, E>(effect: Effect.Effect<A, E, Ed25519>): A => Effect.runSync(Effect.provide(effect, NodeEd25519))


/** `offset_ms` after the standard topology's start. */
export const at = (offset_ms: number): Timestamp_ms => (Topology.START_ms + offset_ms) as Timestamp_ms

const registeredKey = (party: PartyId): RegisteredKey => {
  const key = keys.keys[party]
  if (key === undefined) throw new Error(`partyHelpers: no key for ${party}`)
  return key
}

/** The identity of `party` trusting `trusts`, built as `Topology.standardNodes` builds it. */
export const identityOf = (party: PartyId, trusts: ReadonlyArray<PartyId>): PartyIdentity => {
  const signing = keys.identities[party]
  if (signing === undefined) throw new Error(`partyHelpers: no signing key for ${party}`)
  return { id: party, signing, registry: makeRegistry(trusts.map(registeredKey)) }
}

/**
 * An impostor speaking as `party` with a key the recipients never registered (derived under
 * another seed label). With `keyId` left out it claims `party`'s registered key id, so the
 * signature fails to verify; with another key id, the key is unknown.
 */
export const impostorOf = (party: PartyId, keyId: string = `${party}.k1`): PartyIdentity => ({
  id: party,
  signing: { keyId: KeyId.make(keyId), seed: Topology.seedFor("other", party) },
  registry: makeRegistry([])
})

/** The initial state a standard-topology node starts with. */
export const standardState = <S>(party: PartyId): S => {
  const found = Topology.standardNodes(keys).find((n) => n.id === party)
  if (found === undefined) throw new Error(`partyHelpers: no standard node ${party}`)
  return found.state as S
}

/** Signs `body` as `identity` into a packet. */
export const seal = (identity: PartyIdentity, body: SignedMessage): Packet => run(sealPacket(identity, body))


/** `packet` with its envelope's signature replaced by the one `donor` carries. */
export const withSignatureOf = (packet: Packet, donor: Packet): Packet => ({
  ...packet,
  payload: { ...envelopeOf(packet), signature: envelopeOf(donor).signature }
})

/** `packet` with its signed body changed by `mutate` after signing (on a deep copy). */
export const withBody = (packet: Packet, mutate: (body: Record<string, any>) => void): Packet => {
  const envelope = structuredClone(envelopeOf(packet)) as { body: Record<string, any>; signer: string; signature: string }
  mutate(envelope.body)
  return { ...packet, payload: envelope }
}

/** The Transitioned outputs of a step. */
export const transitionsOf = (outputs: ReadonlyArray<Output>): ReadonlyArray<Transitioned> =>
  outputs.filter((o): o is Transitioned => o._tag === "Transitioned")

/** The Rejected outputs of a step. */
export const rejectionsOf = (outputs: ReadonlyArray<Output>): ReadonlyArray<Rejected> =>
  outputs.filter((o): o is Rejected => o._tag === "Rejected")

/** The packets a step sends. */
export const sentOf = (outputs: ReadonlyArray<Output>): ReadonlyArray<Packet> =>
  outputs.flatMap((o) => (o._tag === "Send" ? [o.packet] : []))

/**
 * Asserts that a step refused its input: the very same state object back, exactly one Rejected
 * output with the given rejection tag, and no transition. Returns the Rejected output.
 */
export const expectRejected = <S>(result: Step<S>, before: S, tag: string): Rejected => {
  expect(result.state).toBe(before)
  const rejected = rejectionsOf(result.outputs)
  expect(rejected.map((r) => r.rejection._tag)).toEqual([tag])
  expect(transitionsOf(result.outputs)).toEqual([])
  return rejected[0] as Rejected
}

/** A readable key for a transition. */
export const transitionKey = (t: Pick<Transition, "entity" | "from" | "on" | "to">): string => `${t.entity}: ${t.from} --[${t.on}]--> ${t.to}`

/**
 * Tracks a machine's transitions over a test file: every Transitioned output a step makes must
 * be declared (checked by {@link Coverage.observe}), and {@link Coverage.expect} asserts that a
 * step made exactly the given transition and records it as exercised. `covers` (by default all of
 * `declared`) is the part of the table this file is responsible for (see `transitionParts.ts`).
 */
export class Coverage {
  readonly #declared: ReadonlySet<string>
  readonly #covers: ReadonlyArray<string>
  readonly #exercised = new Set<string>()

  constructor(readonly party: PartyId, declared: ReadonlyArray<Transition>, covers: ReadonlyArray<Transition> = declared) {
    this.#declared = new Set(declared.map(transitionKey))
    this.#covers = covers.map(transitionKey)
  }

  /** Asserts that every transition in `result` is declared; returns `result`. */
  observe<S>(result: Step<S>): Step<S> {
    for (const t of transitionsOf(result.outputs)) expect(this.#declared.has(transitionKey(t)), transitionKey(t)).toBe(true)
    return result
  }

  /** Asserts that `result` has this Transitioned output, and records it as exercised. */
  expect<S>(result: Step<S>, t: { readonly entity: string; readonly id: string; readonly from: string; readonly on: string; readonly to: string }): void {
    expect(transitionsOf(result.outputs)).toContainEqual({ _tag: "Transitioned", party: this.party, ...t })
    this.#exercised.add(transitionKey(t))
  }

  /** The covered transitions no test asserted yet. */
  missing(): ReadonlyArray<string> {
    return this.#covers.filter((key) => !this.#exercised.has(key))
  }

  /** How many distinct covered transitions were asserted. */
  get exercised(): number {
    return this.#covers.filter((key) => this.#exercised.has(key)).length
  }
}

export { envelopeOf, keys }
