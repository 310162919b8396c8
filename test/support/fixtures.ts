/**
 * The support of the party machine tests (`test/parties/*.test.ts`): deterministic keys, a
 * synchronous runner, the parties and their identities, inputs, signed packets and forgeries of
 * them, readers of a step's outputs, the rejection assertion, and transition coverage.
 *
 * API (everything else in this file is private):
 *
 * - `run(effect)`: runs an Effect that needs only `Ed25519` synchronously with `NodeEd25519`.
 * - `at(offset_ms)`: a time `offset_ms` after the standard topology's start.
 * - Parties: `parties.{merchant, gateway, issuer, alicePhone, bobPhone, clearing}` (the standard
 *   topology's, keys derived under the label `"test"`) and `makeParty(id, role)` are
 *   {@link TestParty}s (id, signing key, registered public key); `makeParty` derives a new key for
 *   any extra party (a second merchant, a third phone, ...), which nobody trusts until you put it
 *   in an `identity`. `impostorOf(party, keyId?)` is a {@link Signer} posing as `party` with a key
 *   nobody registered.
 * - `identity(me, trusts)`: the {@link PartyIdentity} of `me` whose registry holds the keys of
 *   `trusts` (a `TestParty` or a `RegisteredKey`, e.g. a revoked one from `KeyRegistry.revoke`).
 *   `standardState(id)`: the state a node of `Topology.standardNodes` starts in.
 * - Inputs: `receive(packet, now_ms)`, `tick(now_ms)`.
 * - Packets: `seal(signer, body)` is the packet `signer` sends for `body`; `envelopeOf(packet)` its
 *   envelope; `encode(body)` a body's JSON-ready form.
 * - `issuerSignatureOn(signer, item)`: the {@link IssuerSignature} `signer` puts on its acceptance
 *   of the operation a clearing item names (the key id and signature of the `OperationResponse`
 *   `Clearing.acceptanceOf(item)` it would send); with the item's issuer as `signer`, the genuine
 *   evidence a gateway books.
 * - Forgeries: `sealWith(signing, body)` signs with any key and sends as `body.from`;
 *   `mutateBody(packet, mutate)` changes signed fields (on a copy) and keeps the signature;
 *   `swapSignature(packet, donor)` puts another packet's signer and signature on it;
 *   `sealBytes(signing, encodedBody, prefix)` signs `prefix || canonicalJson(fields)` for any
 *   JSON body (one with an unknown field, or with no or another domain tag; `prefix` defaults to
 *   the correct domain tag).
 * - Reading steps: `sent(step)`, `sentOne(step)` (the one packet sent), `transitionsIn(step)`,
 *   `rejectionsIn(step)`, `bodyOf(packet)` (the decoded signed body), `wireBytes(packet)` (the
 *   canonical JSON of the whole envelope, for byte-identical comparisons).
 * - Assertions: `expectRejected(step, before, tag)` asserts the guarantee of spec 5.1 and returns
 *   the `Rejected` output; `expectSent(step, packets)` that a step sent exactly `packets`, byte
 *   for byte; `expectUnchanged(step, before, replayed?)` that a step changed nothing and sent
 *   nothing but `replayed` again; `expectBalanced(state, currencies?)` that a party's ledger
 *   balances, and `balance(state, account)` reads one of its accounts.
 * - `Coverage`: checks that every transition a step makes is declared, and lists the transitions
 *   this file covers that no step has made (`unobserved`) or no test has asserted (`unasserted`).
 *   A file that covers only its part of a table (see `transitionParts.ts`) passes that part as
 *   `covers`. `transitionKey(t)` is the readable key both name transitions by.
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
import type { Currency } from "../../src/domain/Money.js"
import type { Rejection } from "../../src/domain/Rejection.js"
import * as Ledger from "../../src/ledger/Ledger.js"
import type { Packet, Receive, Rejected, Step, Tick, Transition, Transitioned } from "../../src/machine/Machine.js"
import { sealPacket, type PartyIdentity } from "../../src/machine/Party.js"
import { acceptanceOf, IssuerSignature, SettlementConfirmation, type ClearingItem, type SettlementInstruction } from "../../src/messages/Clearing.js"
import { AnySigned, type SignedMessage } from "../../src/messages/Signed.js"

/** The standard topology's keys under the label `"test"`. */
const keys: Topology.Keys = Topology.makeKeys(NodeEd25519, "test")

/** Runs an Effect that needs only {@link Ed25519}, synchronously, with `NodeEd25519`; a failure throws (and fails the test). */
export const run = <A, E>(effect: Effect.Effect<A, E, Ed25519>): A => Effect.runSync(Effect.provide(effect, NodeEd25519))

/** `offset_ms` after the standard topology's start. */
export const at = (offset_ms: number): Timestamp_ms => (Topology.START_ms + offset_ms) as Timestamp_ms

/** Who signs a packet: the party it comes from and the key it signs with. */
export interface Signer {
  readonly id: PartyId
  readonly signing: SigningIdentity
}

/** A party as the tests see it: its id, the key it signs with, and that key as others register it. */
export interface TestParty extends Signer {
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

/**
 * An impostor speaking as `party` with a key nobody registered (derived under another seed label).
 * With `keyId` left out it claims `party`'s registered key id, so its signatures fail to verify;
 * under another key id, the key is unknown.
 */
export const impostorOf = (party: PartyId, keyId: string = `${party}.k1`): Signer => ({
  id: party,
  signing: { keyId: KeyId.make(keyId), seed: Topology.seedFor("other", party) }
})

/** The identity of `me`, trusting the keys of `trusts`. */
export const identity = (me: TestParty, trusts: ReadonlyArray<TestParty | RegisteredKey>): PartyIdentity => ({
  id: me.id,
  signing: me.signing,
  registry: makeRegistry(trusts.map((t) => ("key" in t ? t.key : t)))
})

/** The state the standard topology's node `party` starts in. */
export const standardState = <S>(party: PartyId): S => {
  const found = Topology.standardNodes(keys).find((n) => n.id === party)
  if (found === undefined) throw new Error(`fixtures: no standard node ${party}`)
  return found.state as S
}

/** A `Receive` input. */
export const receive = (packet: Packet, now_ms: number): Receive => ({ _tag: "Receive", now_ms: now_ms as Timestamp_ms, packet })

/** A `Tick` input. */
export const tick = (now_ms: number): Tick => ({ _tag: "Tick", now_ms: now_ms as Timestamp_ms })

/** The packet `signer` sends for `body`, signed with its key. */
export const seal = (signer: Signer, body: SignedMessage): Packet => run(sealPacket({ ...signer, registry: makeRegistry([]) }, body))

/** A signed packet's envelope. */
export const envelopeOf = (packet: Packet): WireEnvelope => packet.payload as WireEnvelope

/** The key id and signature `signer` puts on its acceptance of the operation `item` names: the evidence a clearing item carries. */
export const issuerSignatureOn = (signer: Signer, item: Pick<ClearingItem, "id" | "kind" | "acquirer" | "issuer" | "authorizationId" | "amount">): IssuerSignature => {
  const wire = envelopeOf(seal(signer, acceptanceOf(item)))
  return new IssuerSignature({ keyId: KeyId.make(wire.signer), signature: wire.signature })
}

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

/** Forgery: the packet with its encoded body changed by `mutate` (on a deep copy) after signing, signature kept. */
export const mutateBody = (packet: Packet, mutate: (body: Record<string, any>) => void): Packet => {
  const envelope = structuredClone(envelopeOf(packet))
  mutate(envelope.body as Record<string, any>)
  return { ...packet, payload: envelope }
}

/** Forgery: the packet carrying `donor`'s signature (and signer) instead of its own. */
export const swapSignature = (packet: Packet, donor: Packet): Packet => {
  const d = envelopeOf(donor)
  return { ...packet, payload: { ...envelopeOf(packet), signer: d.signer, signature: d.signature } }
}

/** The packets a step sends, in order. */
export const sent = <S>(step: Step<S>): ReadonlyArray<Packet> =>
  step.outputs.flatMap((o) => (o._tag === "Send" ? [o.packet] : []))

/** The one packet a step sends; fails the test unless it sends exactly one. */
export const sentOne = <S>(step: Step<S>): Packet => {
  const packets = sent(step)
  expect(packets).toHaveLength(1)
  return packets[0]!
}

/** The `Transitioned` outputs of a step, in order. */
export const transitionsIn = <S>(step: Step<S>): ReadonlyArray<Transitioned> =>
  step.outputs.flatMap((o) => (o._tag === "Transitioned" ? [o] : []))

/** The `Rejected` outputs of a step, in order. */
export const rejectionsIn = <S>(step: Step<S>): ReadonlyArray<Rejected> =>
  step.outputs.flatMap((o) => (o._tag === "Rejected" ? [o] : []))

/** The decoded body of a signed packet. */
export const bodyOf = (packet: Packet): SignedMessage =>
  Schema.decodeUnknownSync(AnySigned.schema)(envelopeOf(packet).body)

/** The canonical JSON of a packet's whole envelope: equal strings mean byte-identical envelopes. */
export const wireBytes = (packet: Packet): string => canonicalJson(packet.payload)

/** Whether a packet is the one thing a refusal may send: the merchant's `RequestRefused` to the browser. */
const isRefusal = (packet: Packet): boolean =>
  packet.channel === "session" && typeof packet.payload === "object" && packet.payload !== null && (packet.payload as { readonly _tag?: unknown })._tag === "RequestRefused"

/**
 * Asserts that `step` refused its input as spec 5.1 requires: the very same state object as
 * `before`, exactly one `Rejected` output, with a rejection of the given tag, no transition, and
 * nothing sent but a `RequestRefused` to the browser. Returns the `Rejected` output.
 */
export const expectRejected = <S, T extends Rejection["_tag"]>(
  step: Step<S>,
  before: S,
  tag: T
): Rejected & { readonly rejection: Extract<Rejection, { readonly _tag: T }> } => {
  expect(step.state).toBe(before)
  const rejected = rejectionsIn(step)
  expect(rejected.map((r) => r.rejection._tag)).toEqual([tag])
  expect(transitionsIn(step)).toEqual([])
  expect(sent(step).filter((packet) => !isRefusal(packet))).toEqual([])
  return rejected[0] as Rejected & { readonly rejection: Extract<Rejection, { readonly _tag: T }> }
}

/** Asserts that `bank`'s `step` posted settlement instruction `body` (None -> Posted) and confirmed it, signed, to the clearing house. */
export const expectPostedAndConfirmed = <S>(step: Step<S>, bank: PartyId, body: SettlementInstruction): void => {
  expect(transitionsIn(step)).toEqual([
    expect.objectContaining({ party: bank, entity: "instruction", id: `${body.from}/${body.id}`, from: "None", on: "SettlementInstruction", to: "Posted" })
  ])
  const packet = sentOne(step)
  expect(packet).toMatchObject({ from: bank, to: body.from })
  expect(bodyOf(packet)).toEqual(new SettlementConfirmation({ id: body.id, from: bank, to: body.from, cycle: body.cycle }))
}

/** Asserts that `step` sent exactly `packets`, in order and byte for byte (a retry or a replay of them). */
export const expectSent = <S>(step: Step<S>, packets: ReadonlyArray<Packet>): void => {
  expect(sent(step)).toEqual(packets)
  expect(sent(step).map(wireBytes)).toEqual(packets.map(wireBytes))
}

/**
 * Asserts that `step` changed nothing: the very same state object as `before`, no transition or
 * rejection, and nothing sent but `replayed`, byte for byte (a recorded answer sent again for a
 * repeat; by default nothing).
 */
export const expectUnchanged = <S>(step: Step<S>, before: S, replayed: ReadonlyArray<Packet> = []): void => {
  expect(step.state).toBe(before)
  expect(step.outputs.filter((o) => o._tag !== "Send")).toEqual([])
  expectSent(step, replayed)
}

/** The balance of `account` on a party's ledger. */
export const balance = (state: { readonly ledger: Ledger.Ledger }, account: string): number => Ledger.balance(state.ledger, account)

/** Asserts that a party's ledger balances: posted and pending totals of zero in each of `currencies`, and no other. */
export const expectBalanced = (state: { readonly ledger: Ledger.Ledger }, currencies: ReadonlyArray<Currency> = ["EUR"]): void => {
  expect(Ledger.trialBalance(state.ledger)).toEqual(Object.fromEntries(currencies.map((c) => [c, { posted: 0, pending: 0 }])))
}

/** A transition's readable key, `entity: from -[on]-> to`. */
export const transitionKey = (t: Pick<Transition, "entity" | "from" | "on" | "to">): string => `${t.entity}: ${t.from} -[${t.on}]-> ${t.to}`

/**
 * A machine's transition coverage over a test file. {@link Coverage.observe} checks that every
 * transition a step makes is declared and records it as observed; {@link Coverage.expect} asserts
 * that a step made exactly the given transition and records it as asserted. `covers` (by default
 * all of `declared`) is the part of the table the file is responsible for: `unobserved` and
 * `unasserted` list only its transitions, while every transition made must be declared, whichever
 * part it belongs to.
 */
export class Coverage {
  readonly #declared: ReadonlySet<string>
  readonly #covers: ReadonlyArray<string>
  readonly #observed = new Set<string>()
  readonly #asserted = new Set<string>()

  constructor(
    readonly party: PartyId,
    declared: ReadonlyArray<Transition>,
    covers: ReadonlyArray<Transition> = declared
  ) {
    this.#declared = new Set(declared.map(transitionKey))
    this.#covers = covers.map(transitionKey)
    const undeclared = this.#covers.filter((key) => !this.#declared.has(key))
    if (undeclared.length > 0) throw new Error(`Coverage: covers undeclared transitions ${undeclared.join(", ")}`)
  }

  /** Asserts that every transition `step` makes is this party's and declared, records them, and returns `step`. */
  observe<S>(step: Step<S>): Step<S> {
    for (const t of transitionsIn(step)) {
      const key = transitionKey(t)
      expect(t.party, `transition ${key}`).toBe(this.party)
      expect(this.#declared.has(key), `undeclared transition ${key}`).toBe(true)
      this.#observed.add(key)
    }
    return step
  }

  /** Asserts that `step` made this declared transition, and records it as asserted. */
  expect<S>(step: Step<S>, t: Omit<Transitioned, "_tag" | "party">): void {
    const key = transitionKey(t)
    expect(this.#declared.has(key), `undeclared transition ${key}`).toBe(true)
    expect(transitionsIn(step)).toContainEqual({ _tag: "Transitioned", party: this.party, ...t })
    this.#asserted.add(key)
  }

  /** The covered transitions no observed step has made. */
  unobserved(): ReadonlyArray<string> {
    return this.#covers.filter((key) => !this.#observed.has(key))
  }

  /** The covered transitions no test has asserted. */
  unasserted(): ReadonlyArray<string> {
    return this.#covers.filter((key) => !this.#asserted.has(key))
  }
}
