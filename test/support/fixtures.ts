/**
 * Shared fixtures for the party machine tests: deterministic keys, a synchronous runner, packet
 * builders for any party, forgeries, and helpers to read a step's outputs.
 *
 * API (everything else in this file is private):
 *
 * - `keys`: `Topology.makeKeys(NodeEd25519, "test")`, the standard parties' keys.
 * - `run(effect)`: runs an `Effect<A, never, Ed25519>` synchronously with `NodeEd25519`.
 * - `parties.{merchant, gateway, issuer, alicePhone, bobPhone, clearing}` and `makeParty(id, role)`: a
 *   {@link TestParty} (id, signing key, registered public key). `makeParty` derives a new key for
 *   any extra party (a second merchant, a third phone, ...); nobody trusts it until you put it in
 *   an `identity`.
 * - `identity(me, trusts)`: the {@link PartyIdentity} of `me` whose registry holds the keys of
 *   `trusts` (a `TestParty` or a `RegisteredKey`, e.g. a revoked one from `KeyRegistry.revoke`).
 * - `seal(signer, body)`: the packet `signer` sends for `body` (`sealPacket` with its identity).
 * - `receive(packet, now_ms)`, `tick(now_ms)`: machine inputs.
 * - Forgeries: `sealWith(signing, body)` signs with any key (an unregistered one, another
 *   party's); `mutateBody(packet, patch)` changes signed fields and keeps the signature;
 *   `swapSignature(packet, donor)` puts another packet's signature on it; `sealBytes(signing,
 *   encodedBody, prefix)` signs `prefix || canonicalJson(encodedBody)` for any JSON body (e.g. one
 *   with an unknown field, or a prefix without or with another domain tag; `prefix` defaults to
 *   the correct domain tag).
 * - Reading steps: `sent(step)`, `transitionsIn(step)`, `bodyOf(packet)` (the decoded signed
 *   body), `wireBytes(packet)` (the canonical JSON of the whole envelope, for byte-identical
 *   comparisons), `expectRejected(step, before, tag)` (asserts the state object is unchanged and the
 *   only output is that rejection, and returns it).
 * - `TransitionCoverage`: records the `Transitioned` outputs of the steps it is given and lists the
 *   declared transitions not yet observed; it also fails if a step emits an undeclared one. A file
 *   that covers only its part of a table (see `transitionParts.ts`) passes that part as `covers`.
 */
import { Effect, Schema } from "effect"
import { expect } from "vitest"
import { canonicalBytes, canonicalJson } from "../../src/crypto/Canonical.js"
import { Ed25519 } from "../../src/crypto/Ed25519.js"
import { domainTag, seal as sealEnvelope, type SigningIdentity, type WireEnvelope } from "../../src/crypto/Envelope.js"
import { makeRegistry, type RegisteredKey, type Role } from "../../src/crypto/KeyRegistry.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import * as Topology from "../../src/drivers/Topology.js"
import { KeyId, PartyId, type Timestamp_ms } from "../../src/domain/Ids.js"
import type { Rejection } from "../../src/domain/Rejection.js"
import type { Packet, Receive, Step, Tick, Transition, Transitioned } from "../../src/machine/Machine.js"
import { sealPacket, type PartyIdentity } from "../../src/machine/Party.js"
import { AnySigned, type SignedMessage } from "../../src/messages/Signed.js"

/** The standard topology's keys under the label `"test"`. */
export const keys: Topology.Keys = Topology.makeKeys(NodeEd25519, "test")

/** Runs an Effect that needs only {@link Ed25519}, synchronously, with `NodeEd25519`. */
export const run = <A>(effect: Effect.Effect<A, never, Ed25519>): A => Effect.runSync(Effect.provide(effect, NodeEd25519))

/** A party as the tests see it: its id, the key it signs with, and that key as others register it. */
export interface TestParty {
  readonly id: PartyId
  readonly signing: SigningIdentity
  readonly key: RegisteredKey
}

const standard = (id: PartyId): TestParty => {
  const signing = keys.identities[id]
  const key = keys.keys[id]
  if (signing === undefined || key === undefined) throw new Error(`fixtures: no standard key for ${id}`)
  return { id, signing, key }
}

/** The standard topology's signing parties. */
export const parties = {
  merchant: standard(Topology.ids.merchant),
  gateway: standard(Topology.ids.gateway),
  issuer: standard(Topology.ids.issuer),
  alicePhone: standard(Topology.ids.alicePhone),
  bobPhone: standard(Topology.ids.bobPhone),
  clearing: standard(Topology.ids.clearing)
} as const

/** A party outside the standard topology, with a key derived from `id` (key id `<id>.k1`). */
export const makeParty = (id: string, role: Role): TestParty => {
  const party = PartyId.make(id)
  const seed = Topology.seedFor("test", id)
  const keyId = KeyId.make(`${id}.k1`)
  const publicKey = run(Ed25519.useSync((ed) => ed.publicKeyFromSeed(seed)))
  return { id: party, signing: { keyId, seed }, key: { keyId, owner: party, role, publicKey, status: "active" } }
}

/** The identity of `me`, trusting the keys of `trusts`. */
export const identity = (me: TestParty, trusts: ReadonlyArray<TestParty | RegisteredKey>): PartyIdentity => ({
  id: me.id,
  signing: me.signing,
  registry: makeRegistry(trusts.map((t) => ("key" in t ? t.key : t)))
})

/** The packet `signer` sends for `body`, signed with its key. */
export const seal = (signer: TestParty, body: SignedMessage): Packet => run(sealPacket(identity(signer, []), body))

/** A `Receive` input. */
export const receive = (packet: Packet, now_ms: number): Receive => ({ _tag: "Receive", now_ms: now_ms as Timestamp_ms, packet })

/** A `Tick` input. */
export const tick = (now_ms: number): Tick => ({ _tag: "Tick", now_ms: now_ms as Timestamp_ms })

/** A signed packet's envelope. */
export const envelopeOf = (packet: Packet): WireEnvelope => packet.payload as WireEnvelope

/** Forgery: `body` sealed with any signing key, sent as if from `body.from`. */
export const sealWith = (signing: SigningIdentity, body: SignedMessage): Packet => ({
  from: body.from,
  to: body.to,
  channel: "signed",
  payload: run(sealEnvelope(AnySigned, body, signing))
})

/** The Schema-encoded (JSON-ready) form of a signed body. */
export const encode = (body: SignedMessage): Record<string, unknown> =>
  Schema.encodeSync(AnySigned.schema)(body) as Record<string, unknown>

/**
 * Forgery: signs `prefix || canonicalJson(encodedBody without its _tag)` with `signing`. `prefix` defaults to the
 * correct domain tag of `encodedBody._tag`; pass `new Uint8Array()` for none, or
 * `domainTag("OtherTag")` for another message type's.
 */
export const sealBytes = (signing: SigningIdentity, encodedBody: Record<string, unknown>, prefix?: Uint8Array): Packet => {
  const head = prefix ?? domainTag(String(encodedBody["_tag"]))
  const { _tag: _type, ...fields } = encodedBody
  const tail = canonicalBytes(fields)
  const bytes = new Uint8Array(head.length + tail.length)
  bytes.set(head, 0)
  bytes.set(tail, head.length)
  const signature = run(Ed25519.useSync((ed) => ed.sign(signing.seed, bytes)))
  return {
    from: PartyId.make(String(encodedBody["from"])),
    to: PartyId.make(String(encodedBody["to"])),
    channel: "signed",
    payload: { body: encodedBody, signer: signing.keyId, signature: Buffer.from(signature).toString("base64url") }
  }
}

/** Forgery: the packet with its encoded body replaced by `patch(body)`, signature kept. */
export const mutateBody = (packet: Packet, patch: (body: Record<string, unknown>) => Record<string, unknown>): Packet => {
  const envelope = envelopeOf(packet)
  return { ...packet, payload: { ...envelope, body: patch(structuredClone(envelope.body) as Record<string, unknown>) } }
}

/** Forgery: the packet carrying `donor`'s signature (and signer) instead of its own. */
export const swapSignature = (packet: Packet, donor: Packet): Packet => {
  const d = envelopeOf(donor)
  return { ...packet, payload: { ...envelopeOf(packet), signer: d.signer, signature: d.signature } }
}

/** The packets a step sends, in order. */
export const sent = <S>(step: Step<S>): ReadonlyArray<Packet> =>
  step.outputs.flatMap((o) => (o._tag === "Send" ? [o.packet] : []))

/** The `Transitioned` outputs of a step, in order. */
export const transitionsIn = <S>(step: Step<S>): ReadonlyArray<Transitioned> =>
  step.outputs.flatMap((o) => (o._tag === "Transitioned" ? [o] : []))

/** The decoded body of a signed packet. */
export const bodyOf = (packet: Packet): SignedMessage =>
  Schema.decodeUnknownSync(AnySigned.schema)(envelopeOf(packet).body)

/** The canonical JSON of a packet's whole envelope: equal strings mean byte-identical envelopes. */
export const wireBytes = (packet: Packet): string => canonicalJson(packet.payload)

/**
 * Asserts `step` is a rejection of the given tag: the very same state object as `before` and one
 * `Rejected` output. Returns the rejection.
 */
export const expectRejected = <S, T extends Rejection["_tag"]>(step: Step<S>, before: S, tag: T): Extract<Rejection, { _tag: T }> => {
  expect(step.state).toBe(before)
  expect(step.outputs).toHaveLength(1)
  const output = step.outputs[0]
  if (output?._tag !== "Rejected") throw new Error(`expected a Rejected output, got ${output?._tag}`)
  expect(output.rejection._tag).toBe(tag)
  return output.rejection as Extract<Rejection, { _tag: T }>
}

const transitionKey = (t: Transition): string => `${t.entity}: ${t.from} -[${t.on}]-> ${t.to}`

/**
 * Collects the transitions the tests of one machine exercise, to check they cover its table, or
 * the part of it (`covers`, by default all of `declared`) that this test file is responsible for.
 * Every recorded transition must be declared, whichever part it belongs to.
 */
export class TransitionCoverage {
  readonly #declared: ReadonlySet<string>
  readonly #covers: ReadonlyArray<string>
  readonly #seen = new Set<string>()

  constructor(
    readonly declared: ReadonlyArray<Transition>,
    covers: ReadonlyArray<Transition> = declared
  ) {
    this.#declared = new Set(declared.map(transitionKey))
    this.#covers = covers.map(transitionKey)
  }

  /** Records the step's `Transitioned` outputs (failing on an undeclared one) and returns the step. */
  record<S>(step: Step<S>): Step<S> {
    for (const t of transitionsIn(step)) {
      const key = transitionKey(t)
      expect(this.#declared.has(key), `undeclared transition ${key}`).toBe(true)
      this.#seen.add(key)
    }
    return step
  }

  /** The covered transitions no recorded step has produced yet. */
  missing(): ReadonlyArray<string> {
    return this.#covers.filter((key) => !this.#seen.has(key))
  }
}
