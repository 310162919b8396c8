/**
 * The harness's commands: the network's faults, the attacker's moves, crashes, the clock, and
 * the people's actions. One class per command, each with a readable `toString()` so a shrunk
 * counterexample reads as a script. After every command the safety invariants are checked.
 */
import fc from "fast-check"
import type { PartyId, PaymentId, Timestamp_ms } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import type { IssuerState } from "../parties/Issuer.js"
import type { MerchantPayment, MerchantState } from "../parties/Merchant.js"
import * as ModelOps from "../../model/Model.js"
import { FORGERY_KINDS, forge, forgeable, forgeNamedField, namedField, type ForgeryKind, type NamedField } from "./Forgery.js"
import { INSIDER_KINDS, insiderBody, insiderPacket, sourceTags, type InsiderKind } from "./Insider.js"
import { Base, deliver, named, pick, SIGNED_TAGS, tagOf, targetTag, type HarnessCommand, type HarnessModel, type Target } from "./Command.js"
import { MISLEADING_ANSWERS } from "./Lies.js"
import { Abandon, Answer, LateAnswer, Mislead, Refresh, SecondTab, Shop, Mistake, Garble } from "./Shoppers.js"
import { sweepArbitrary } from "./Sweep.js"
import { craftArbitrary, OPERATORS } from "./CraftedOperations.js"
import { endOfRetention, expiryOf, faultHorizon } from "./Retention.js"
import type { Swarm, World } from "./World.js"

export type { HarnessCommand, HarnessModel, Target } from "./Command.js"
export { SIGNED_TAGS, tagOf } from "./Command.js"
export { Abandon, Answer, LateAnswer, Mislead, Refresh, SecondTab, Shop, Mistake, Garble } from "./Shoppers.js"

/** The people's actions the harness counts; every other kind it counts is a fault or an attack. */
export const PEOPLE_ACTIONS = [
  "shop",
  "checkout",
  "payNow",
  "payAgain",
  "payTwice",
  "changeInSecondTab",
  "mistake",
  "openOtherOrder",
  "approve",
  "decline",
  "approveLate",
  "approveTwice",
  "abandon",
  "refresh",
  "capture",
  "captureAll",
  "void",
  "shipPart",
  "refund",
  "closeCycle"
] as const

const takeInFlight = (world: World, index: number): Packet | undefined => {
  const inFlight = world.net.inFlight
  if (inFlight.length === 0) return undefined
  return inFlight.splice(index % inFlight.length, 1)[0]
}

const signedRecorded = (world: World): ReadonlyArray<Packet> => world.recorded().filter((p) => p.channel === "signed")

/**
 * Replays a recorded packet, aimed by message type and age, to its own recipient (`partyIndex` 0)
 * or to another party: the first indexes after 0 name the other parties of the recipient's role
 * (another bank, another phone), where a misdelivered message would pass for one addressed there,
 * and the rest every party. A session packet goes to its own recipient only: its transport (TLS,
 * the session cookie) binds it to that session, so no other page or shop can receive it.
 */
const replayRecorded = (world: World, target: Target, recordIndex: number, partyIndex: number, label: string): void => {
  const packet = aim(world.recorded(), ALL_TAGS, target, recordIndex)
  const misdirected = (to: PartyId): ReadonlyArray<PartyId> => [...sameRole(world, to).filter((peer) => peer !== to), ...world.parties]
  const to = packet === undefined || partyIndex === 0 || packet.channel === "session" ? packet?.to : pick(misdirected(packet.to), partyIndex - 1)
  if (packet === undefined || to === undefined) return
  world.count("replay")
  world.receive(`${label}: replay a recorded ${tagOf(packet)} to ${to}`, to, packet)
}

/** Delivers the `index`-th packet in flight, unless the run's swarm rates turn it into a drop, a duplicate or a replay. */
export class Deliver extends Base {
  constructor(
    readonly index: number,
    readonly roll: number,
    readonly extra: number
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.inFlight.length > 0
  }
  act(world: World): void {
    const packet = takeInFlight(world, this.index)
    if (packet === undefined) return
    const fate = swarmFate(world.swarm, this.roll)
    if (fate === "drop") return befall(world, "drop", packet)
    if (fate === "duplicate") {
      world.count("duplicate")
      world.net.inFlight.push(packet)
    }
    if (this.index % world.net.inFlight.length !== 0) world.count("reorder")
    deliver(world, packet)
    if (swarmReplays(world.swarm, this.extra)) replayRecorded(world, this.index, Math.floor(this.roll * 8), 0, "swarm")
  }
  /**
   * A calm flush; this delivery without its drop or duplicate, or without its replay; the drop
   * as its own command; and delivering each kind of packet in flight.
   */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const packet = pick(world.net.inFlight, this.index)
    const fate = swarmFate(world.swarm, this.roll)
    return [
      CALM_FLUSH,
      ...(fate === "deliver" ? [] : [new Deliver(this.index, CALM_ROLL, this.extra)]),
      ...(swarmReplays(world.swarm, this.extra) ? [new Deliver(this.index, this.roll, CALM_ROLL)] : []),
      ...(packet !== undefined && fate === "drop" ? [aimedAt("drop", packet)] : []),
      ...deliveriesByKind(world)
    ]
  }
  toString(): string {
    return `Deliver(${this.index}, ${this.roll.toFixed(3)}, ${this.extra.toFixed(3)})`
  }
}

/**
 * A burst of traffic: packets are delivered in order, including the ones the deliveries cause,
 * until the network is quiet (at most {@link FLUSH_LIMIT} deliveries), each subject to the swarm's
 * drop and duplicate rates.
 */
export class Flush extends Base {
  constructor(readonly rolls: ReadonlyArray<number>) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.inFlight.length > 0
  }
  act(world: World): void {
    for (let i = 0; i < FLUSH_LIMIT && world.net.inFlight.length > 0; i++) {
      const packet = world.net.inFlight.shift()
      if (packet === undefined) return
      const fate = swarmFate(world.swarm, this.rolls[i % this.rolls.length] ?? CALM_ROLL)
      if (fate === "drop") {
        befall(world, "drop", packet)
        continue
      }
      if (fate === "duplicate") {
        world.count("duplicate")
        world.net.inFlight.push(packet)
      }
      deliver(world, packet)
    }
  }
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    return [...(this.rolls.every((roll) => roll === CALM_ROLL) ? [] : [CALM_FLUSH]), ...deliveriesByKind(world)]
  }
  toString(): string {
    return `Flush([${this.rolls.map((r) => r.toFixed(3)).join(", ")}])`
  }

}

/** The most deliveries one {@link Flush} makes. */
export const FLUSH_LIMIT = 64

/**
 * A roll that no swarm turns into a fault. Faults live at the top of a roll's range (see
 * {@link swarmFate}), so a roll that fast-check shrinks towards 0 shrinks towards a calm network.
 */
const CALM_ROLL = 0

/**
 * What the swarm's fault rates make of a delivery whose roll (in [0, 1]) is `roll`: a drop if
 * the roll lands in the top `dropRate` of the range, a duplicate in the `duplicateRate` below
 * that, and otherwise a plain delivery.
 */
const swarmFate = (swarm: Swarm, roll: number): "drop" | "duplicate" | "deliver" =>
  roll > 1 - swarm.dropRate ? "drop" : roll > 1 - swarm.dropRate - swarm.duplicateRate ? "duplicate" : "deliver"

/** Whether a delivery whose second roll is `roll` is followed by a replay: the roll lands in the top `replayRate` of its range. */
const swarmReplays = (swarm: Swarm, roll: number): boolean => roll > 1 - swarm.replayRate

/** A flush that delivers everything in order, whatever the swarm's rates. */
export const CALM_FLUSH: HarnessCommand = new Flush([CALM_ROLL])

/** What a single-packet fault does to the `index`-th packet in flight. */
const FAULTS: Record<Exclude<Fate, "deliver">, (world: World, packet: Packet) => void> = {
  /** The packet is lost. */
  drop: (_world: World, _packet: Packet) => undefined,
  /** The packet arrives twice: a copy joins the back of the queue. */
  duplicate: (world: World, packet: Packet) => void world.net.inFlight.push(packet, packet),
  /** The packet is held up: it goes to the back of the queue. */
  delay: (world: World, packet: Packet) => void world.net.inFlight.push(packet)
} as const

/** Drops, duplicates or delays the `index`-th packet in flight. */
export class Fault extends Base {
  constructor(
    readonly kind: keyof typeof FAULTS,
    readonly index: number
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.inFlight.length > (this.kind === "delay" ? 1 : 0)
  }
  act(world: World): void {
    const packet = takeInFlight(world, this.index)
    if (packet !== undefined) befall(world, this.kind, packet)
  }
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const packet = pick(world.net.inFlight, this.index)
    return packet === undefined ? [] : [aimedAt(this.kind, packet)]
  }
  toString(): string {
    return `Fault(${JSON.stringify(this.kind)}, ${this.index})`
  }
}

/** What an {@link Aimed} command does to its packet: delivers it, or one of the network faults. */
export type Fate = "deliver" | "drop" | "duplicate" | "delay"

/** Does `fate` to `packet`, already taken off the wire; a fault gets its own line in the trace. */
const befall = (world: World, fate: Fate, packet: Packet): void => {
  if (fate === "deliver") return deliver(world, packet)
  world.count(fate)
  FAULTS[fate](world, packet)
  world.lines.push({ command: `${fate} ${tagOf(packet)} ${packet.from} -> ${packet.to}`, outputs: [] })
}

/**
 * Delivers, drops, duplicates or delays the oldest packet in flight of one message type from one
 * party to another. Never generated: the minimizer tries it in place of a {@link Deliver}, a
 * {@link Flush} or a {@link Fault}, because it still takes the same packet after other commands
 * are removed, where those aim by position in flight or stop after {@link FLUSH_LIMIT} deliveries.
 */
export class Aimed extends Base {
  constructor(
    readonly fate: Fate,
    readonly tag: string,
    readonly from: PartyId,
    readonly to: PartyId
  ) {
    super()
  }
  #at(world: World): number {
    return world.net.inFlight.findIndex((p) => p.from === this.from && p.to === this.to && tagOf(p) === this.tag)
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return this.#at(m.world) >= 0
  }
  act(world: World): void {
    const at = this.#at(world)
    const packet = at < 0 ? undefined : world.net.inFlight.splice(at, 1)[0]
    if (packet !== undefined) befall(world, this.fate, packet)
  }
  toString(): string {
    return `Aimed(${[this.fate, this.tag, this.from, this.to].map((s) => JSON.stringify(s)).join(", ")})`
  }
}

/** An {@link Aimed} command doing `fate` to packets of the kind of `packet`: its type, sender and recipient. */
const aimedAt = (fate: Fate, packet: Packet): Aimed => new Aimed(fate, tagOf(packet), packet.from, packet.to)

/**
 * Delivering each kind of packet in flight, oldest first, as {@link Aimed} commands. There are a
 * few dozen kinds at most, however many packets are in flight.
 */
const deliveriesByKind = (world: World): ReadonlyArray<HarnessCommand> => {
  const kinds = new Map<string, Aimed>()
  for (const packet of world.net.inFlight) {
    const aimed = aimedAt("deliver", packet)
    if (!kinds.has(aimed.toString())) kinds.set(aimed.toString(), aimed)
  }
  return [...kinds.values()]
}

/** Replays a recorded packet to its own recipient or to another party. */
export class Replay extends Base {
  constructor(
    readonly target: Target,
    readonly recordIndex: number,
    readonly partyIndex: number
  ) {
    super()
  }
  act(world: World): void {
    replayRecorded(world, this.target, this.recordIndex, this.partyIndex, "attacker")
  }
  /** The same replay with its message type named, then to the message's own recipient. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    return named(targetTag(world.recorded(), ALL_TAGS, this.target), this.target, this.partyIndex, (tag, partyIndex) => new Replay(tag, this.recordIndex, partyIndex))
  }
  toString(): string {
    return `Replay(${JSON.stringify(this.target)}, ${this.recordIndex}, ${this.partyIndex})`
  }
}

/**
 * Picks a packet the way an attacker aims: first a message type (see {@link Target}), then one
 * message of that type, newest first.
 */
const aim = (packets: ReadonlyArray<Packet>, tags: ReadonlyArray<string>, target: Target, index: number): Packet | undefined => {
  const tag = targetTag(packets, tags, target)
  return pick(packets.filter((p) => tagOf(p) === tag).reverse(), index)
}

/** Every message type, signed or not. */
const ALL_TAGS: ReadonlyArray<string> = [...SIGNED_TAGS, "CreateOrder", "GetOrder", "OrderView", "PayNow", "RequestRefused", "SelectDelivery", "SetShippingAddress"]

/** Counts a forgery of kind `kind` made from `original`, and sends it to the original's recipient. */
const injectForged = (world: World, kind: ForgeryKind, original: Packet, forged: Packet): void => {
  countAttack(world, "forge", kind, original)
  world.injectForgery(`attacker: forge (${kind}) a ${tagOf(original)} to ${original.to}`, original.to, forged)
}

/** Forges a packet from a recorded signed one and sends it to the original's recipient. */
export class Forge extends Base {
  constructor(
    readonly kind: ForgeryKind,
    readonly target: Target,
    readonly recordIndex: number,
    readonly variant: number
  ) {
    super()
  }
  act(world: World): void {
    const recorded = signedRecorded(world)
    const packet = aim(recorded, SIGNED_TAGS, this.target, this.recordIndex)
    const donor = pick(recorded, this.variant)
    if (packet === undefined || donor === undefined) return
    injectForged(world, this.kind, packet, world.run(forge(world.core, this.kind, packet, donor, this.variant)))
  }
  /**
   * A field forgery named exactly (which field, changed to what, signed by whom), so that removing
   * other commands no longer changes the donor it took its values from; then the same forgery with
   * its message type named, then of the newest message of that type.
   */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const recorded = signedRecorded(world)
    const tag = targetTag(recorded, SIGNED_TAGS, this.target)
    const byType = named(tag, this.target, this.recordIndex, (t, index) => new Forge(this.kind, t, index, this.variant))
    const packet = aim(recorded, SIGNED_TAGS, this.target, this.recordIndex)
    const donor = pick(recorded, this.variant)
    if (this.kind !== "field" || tag === undefined || packet === undefined || donor === undefined) return byType
    const field = world.run(namedField(world.core, packet, donor, this.variant))
    return field === undefined ? byType : [new ForgeField(tag, this.recordIndex, field), ...byType]
  }
  toString(): string {
    return `Forge(${[this.kind, this.target, this.recordIndex, this.variant].map((a) => JSON.stringify(a)).join(", ")})`
  }
}

/**
 * A field forgery named exactly, as the minimizer offers it for a {@link Forge}: the recorded
 * message of type `tag` at `recordIndex` (newest first), with the change of `field` made to it
 * and signed as `field` says, sent to that message's recipient.
 */
export class ForgeField extends Base {
  constructor(
    readonly tag: string,
    readonly recordIndex: number,
    readonly field: NamedField
  ) {
    super()
  }
  act(world: World): void {
    const packet = aim(signedRecorded(world), SIGNED_TAGS, this.tag, this.recordIndex)
    const forged = packet === undefined ? undefined : world.run(forgeNamedField(world.core, packet, this.field))
    if (packet === undefined || forged === undefined) return
    injectForged(world, "field", packet, forged)
  }
  /** The same forgery of the newest message of its type. */
  override simpler(): ReadonlyArray<HarnessCommand> {
    return this.recordIndex === 0 ? [] : [new ForgeField(this.tag, 0, this.field)]
  }
  toString(): string {
    return `ForgeField(${[this.tag, this.recordIndex, this.field.tweak, this.field.signer].map((a) => JSON.stringify(a)).join(", ")})`
  }
}

/**
 * The insider at work: the attacker takes a recorded message of a type the compromised party may
 * sign (or, for a phone, a challenge it saw), makes it the insider's own, signs it with the
 * insider's real key and sends it to the original recipient or to another party of that role.
 */
export class Impersonate extends Base {
  constructor(
    readonly target: Target,
    readonly recordIndex: number,
    readonly recipientIndex: number
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.directory.compromised !== null
  }
  act(world: World): void {
    const insider = world.directory.compromised
    if (insider === null) return
    const tags = sourceTags(insider.kind)
    const packet = aim(signedRecorded(world), tags, this.target, this.recordIndex)
    if (packet === undefined) return
    const recorded = (packet.payload as { readonly body: Readonly<Record<string, unknown>> }).body
    const to = this.recipientIndex === 0 ? packet.to : pick(sameRole(world, packet.to), this.recipientIndex - 1)
    if (to === undefined) return
    world.count(`insider:${insider.kind}:${tagOf(packet)}`)
    const signed = world.run(insiderPacket(world.core, insider, insiderBody(recorded, insider.id, to)))
    world.receive(`insider ${insider.id}: sign a ${String(insiderBody(recorded, insider.id, to)["_tag"])} as its own, from a recorded ${tagOf(packet)}, to ${signed.to}`, signed.to, signed)
  }
  /** The same with the message type named, then of the newest message of that type, then to the original recipient. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const insider = world.directory.compromised
    if (insider === null) return []
    const tag = targetTag(signedRecorded(world), sourceTags(insider.kind), this.target)
    return [
      ...named(tag, this.target, this.recordIndex, (t, index) => new Impersonate(t, index, this.recipientIndex)),
      ...(this.recipientIndex === 0 ? [] : [new Impersonate(this.target, this.recordIndex, 0)])
    ]
  }
  toString(): string {
    return `Impersonate(${JSON.stringify(this.target)}, ${this.recordIndex}, ${this.recipientIndex})`
  }
}

/**
 * The parties of the same role as `party` (itself included): where an insider may send what it
 * signs from a packet that went to `party`.
 *
 * @category commands
 * @since 0.5.0
 */
export const sameRole = (world: World, party: PartyId): ReadonlyArray<PartyId> => {
  const d = world.directory
  return [d.browsers, d.merchants, d.gateways, d.issuers, d.phones, [d.clearing]].find((parties) => parties.includes(party)) ?? [party]
}

/** Counts an attack by its kind, and by the message type it aimed at. */
const countAttack = (world: World, how: "forge" | "intercept", kind: ForgeryKind, packet: Packet): void => {
  world.count(`${how}:${kind}`)
  world.count(`attack:${tagOf(packet)}`)
}

/**
 * A man in the middle: takes a signed packet off the wire and puts a forgery of it in its place,
 * to be delivered like any other packet.
 */
export class Intercept extends Base {
  constructor(
    readonly kind: ForgeryKind,
    readonly target: Target,
    readonly index: number,
    readonly variant: number
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.inFlight.some(forgeable)
  }
  act(world: World): void {
    const packet = aim(world.net.inFlight.filter(forgeable), SIGNED_TAGS, this.target, this.index)
    const donor = pick(signedRecorded(world), this.variant)
    if (packet === undefined || donor === undefined) return
    countAttack(world, "intercept", this.kind, packet)
    const forged = world.run(forge(world.core, this.kind, packet, donor, this.variant))
    world.markForged(forged)
    world.net.inFlight.splice(world.net.inFlight.indexOf(packet), 1, forged)
    world.lines.push({ command: `attacker in the middle: replace ${tagOf(packet)} ${packet.from} -> ${packet.to} with a forgery (${this.kind})`, outputs: [] })
  }
  /** The same interception with its message type named, then of the newest packet of that type in flight. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    return named(targetTag(world.net.inFlight.filter(forgeable), SIGNED_TAGS, this.target), this.target, this.index, (tag, index) => new Intercept(this.kind, tag, index, this.variant))
  }
  toString(): string {
    return `Intercept(${[this.kind, this.target, this.index, this.variant].map((a) => JSON.stringify(a)).join(", ")})`
  }
}

/**
 * A party crashes and restarts from its durable state. An even `target` crashes a party with work
 * in its outbox when there is one (a request it still waits on, an answer it must resend), where a
 * crash that loses state shows; an odd one any party. Minimized, the party is named.
 */
export class Crash extends Base {
  constructor(readonly target: number | string) {
    super()
  }
  act(world: World): void {
    const party = crashed(world, this.target)
    if (party === undefined) return
    world.count("crash")
    world.net.restart(party)
    world.lines.push({ command: `crash and restart ${party}`, outputs: [] })
  }
  /** The same crash with the party named, so removing other commands never changes who crashes. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const party = crashed(world, this.target)
    return party === undefined || party === this.target ? [] : [new Crash(party)]
  }
  toString(): string {
    return `Crash(${JSON.stringify(this.target)})`
  }
}

/** The party a {@link Crash} of `target` crashes now. */
const crashed = (world: World, target: number | string): PartyId | undefined => {
  if (typeof target === "string") return world.parties.find((p) => p === target)
  const busy = world.parties.filter((p) => (world.net.state<{ readonly outbox?: { readonly size: number } }>(p).outbox?.size ?? 0) > 0)
  return pick(target % 2 === 0 && busy.length > 0 ? busy : world.parties, Math.floor(target / 2))
}

/** The clock moves the generator draws: short ones (retries), long ones (past a challenge's deadline), and a week (past a hold's). */
const CLOCK_MOVES_ms = { short: { min: 100, max: 20_000 }, long: { min: 60_000, max: 200_000 }, week: 7 * 24 * 3_600_000 } as const

/** Moves the clock forward; every party ticks. */
export class Advance extends Base {
  constructor(readonly delta_ms: number) {
    super()
  }
  act(world: World): void {
    world.count(this.delta_ms >= 60_000 ? "clock:expiry" : "clock")
    world.advance(`clock +${this.delta_ms} ms`, this.delta_ms, faultHorizon(world))
  }
  /** The longest clock move of each shorter band the generator draws from. */
  override simpler(): ReadonlyArray<HarnessCommand> {
    return [CLOCK_MOVES_ms.short.max, CLOCK_MOVES_ms.long.max].filter((d) => d < this.delta_ms).map((d) => new Advance(d))
  }
  toString(): string {
    return `Advance(${this.delta_ms})`
  }
}

/** The kinds of deadline a {@link Deadline} command moves the clock to. */
export const DEADLINE_KINDS = ["challenge", "hold", "request", "retention"] as const

/** One kind of deadline. */
export type DeadlineKind = (typeof DEADLINE_KINDS)[number]

/** A deadline pending now: when, the party it binds, and for the end of a request's retention, a copy of that request. */
interface PendingDeadline {
  readonly at_ms: number
  readonly owner: PartyId
  readonly copy?: Packet
}

/**
 * The deadlines of `kind` pending now, soonest first. The end of retention of a request that a
 * party sent counts only up to the fault horizon (`Retention.ts`: 320 s before the retention
 * horizon, which the clock never passes while an honest party waits).
 */
const pendingDeadlines = (world: World, kind: DeadlineKind): ReadonlyArray<PendingDeadline> => {
  const found: Array<PendingDeadline> = []
  for (const issuer of world.directory.issuers) {
    const state = world.net.state<IssuerState>(issuer)
    if (kind === "challenge") for (const c of state.challenges.values()) if (c.state === "Pending") found.push({ at_ms: c.challenge.expiresAt_ms, owner: issuer })
    if (kind === "hold") for (const h of state.ledger.holds.values()) if (h.status === "pending") found.push({ at_ms: h.expiresAt_ms, owner: issuer })
  }
  if (kind === "request") {
    for (const packet of world.net.inFlight) {
      const expires = expiryOf(packet)
      if (expires !== undefined) found.push({ at_ms: expires, owner: packet.to })
    }
  }
  if (kind === "retention") {
    const horizon = faultHorizon(world)
    for (const packet of world.recorded()) {
      const at_ms = endOfRetention(world, packet)
      if (at_ms !== undefined && at_ms > world.net.now_ms && at_ms <= horizon) found.push({ at_ms, owner: packet.to, copy: packet })
    }
  }
  return found.sort((a, b) => a.at_ms - b.at_ms)
}

/**
 * Every deadline, exactly: moves the clock to a pending deadline (a challenge's or a hold's expiry
 * at an issuer, the expiry of a request in flight, or the end of retention of a request a party
 * sent) plus `offset_ms` (-1, 0 or +1), delivers the packets in flight to the party the deadline
 * binds at that instant, before anyone's clock ticks (and, at the end of a retention, a copy of
 * that request: answered from its record a millisecond before, refused `Stale` from then on),
 * then lets every party tick. A deadline already past, or beyond the
 * fault horizon (`Retention.ts`), is left alone.
 */
export class Deadline extends Base {
  constructor(
    readonly kind: DeadlineKind,
    readonly index: number,
    readonly offset_ms: -1 | 0 | 1
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return pendingDeadlines(m.world, this.kind).length > 0
  }
  act(world: World): void {
    const deadline = pick(pendingDeadlines(world, this.kind), this.index)
    // A deadline past the fault horizon (a forgery's, say) is one the clock never reaches while requests wait.
    if (deadline === undefined || deadline.at_ms + this.offset_ms < world.net.now_ms || deadline.at_ms + this.offset_ms > faultHorizon(world)) return
    world.count(`deadline:${this.kind}:${this.offset_ms}`)
    world.net.now_ms = (deadline.at_ms + this.offset_ms) as Timestamp_ms
    const held = world.net.inFlight.filter((p) => p.to === deadline.owner)
    world.net.inFlight.splice(0, world.net.inFlight.length, ...world.net.inFlight.filter((p) => p.to !== deadline.owner))
    for (const packet of held) world.receive(`deliver ${tagOf(packet)} ${packet.from} -> ${packet.to} at the ${this.kind} deadline ${this.offset_ms >= 0 ? "+" : ""}${this.offset_ms} ms`, packet.to, packet)
    if (deadline.copy !== undefined) world.receive(`replay ${tagOf(deadline.copy)} ${deadline.copy.from} -> ${deadline.owner} at its end of retention ${this.offset_ms >= 0 ? "+" : ""}${this.offset_ms} ms`, deadline.owner, deadline.copy)
    world.advance(`clock at the ${this.kind} deadline ${this.offset_ms >= 0 ? "+" : ""}${this.offset_ms} ms: every party ticks`, 0)
  }
  /** The soonest deadline of the kind; exactly at it. */
  override simpler(): ReadonlyArray<HarnessCommand> {
    return [...(this.index === 0 ? [] : [new Deadline(this.kind, 0, this.offset_ms)]), ...(this.offset_ms === 0 ? [] : [new Deadline(this.kind, this.index, 0)])]
  }
  toString(): string {
    return `Deadline(${JSON.stringify(this.kind)}, ${this.index}, ${this.offset_ms})`
  }
}

/** The merchants' payments their staff can still act on: authorized, partly or wholly captured. */
const livePayments = (world: World): ReadonlyArray<{ readonly merchant: PartyId; readonly payment: MerchantPayment }> =>
  world.directory.merchants.flatMap((merchant) =>
    world.net.state<MerchantState>(merchant).payments.values()
      .filter((p) => p.state === "Authorized" || p.state === "Captured")
      .map((payment) => ({ merchant, payment }))
  )

/**
 * How much of a payment the staff's capture or refund takes: all, half or one minor unit of what
 * is left; or the whole of what was authorized (a capture) or captured (a refund), whatever was
 * taken already: a misclick, which the back office must refuse itself once any of it was.
 */
export type Portion = "all" | "half" | "one" | "whole"

const portionOf = (of_minor: number, portion: Portion): number => (portion === "all" || portion === "whole" ? of_minor : portion === "half" ? Math.max(1, Math.floor(of_minor / 2)) : 1)

/** The merchant's staff ask for one operation on a payment; the model records what they asked. */
export const staffAsk = (world: World, merchant: PartyId, paymentId: PaymentId, operation: "capture" | "void" | "refund", amount_minor: number): void => {
  const now_ms = world.net.now_ms
  const input = operation === "void" ? { _tag: "Void" as const, now_ms, paymentId } : { _tag: operation === "capture" ? ("Capture" as const) : ("Refund" as const), now_ms, paymentId, amount_minor }
  const outputs = world.input(`${merchant} staff: ${operation} ${operation === "void" ? "" : `${amount_minor} of `}${paymentId}`, merchant, input)
  for (const o of outputs) {
    if (o._tag === "Transitioned" && o.entity === "operation") world.model = ModelOps.staffAsked(world.model, o.id, { merchant, operation, paymentId, amount_minor })
  }
}

/**
 * The merchant's staff capture, void or refund a payment, as its back office allows: a capture takes
 * a portion of what the hold has left, a refund a portion of what was captured and not refunded,
 * as the merchant last heard from the gateway (or, a misclick, the whole {@link Portion}); or they
 * ship part of the order and cancel the rest (a capture and a void at once). Requests are not
 * serialized: a second one may go out while the first is in flight.
 */
export class Staff extends Base {
  constructor(
    readonly operation: "capture" | "void" | "refund" | "shipPart",
    readonly paymentIndex: number,
    readonly portion: Portion
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return livePayments(m.world).length > 0
  }
  act(world: World): void {
    const live = pick(livePayments(world), this.paymentIndex)
    if (live === undefined) return
    const { payment } = live
    const whole = this.portion === "whole"
    const left = payment.request.amount.amount_minor - (whole ? 0 : payment.captured_minor)
    const refundable = payment.captured_minor - (whole ? 0 : payment.refunded_minor)
    if (this.operation === "shipPart") {
      // Part of the order ships and the rest is cancelled: a capture and a void in flight at once.
      world.count("shipPart")
      staffAsk(world, live.merchant, payment.request.id, "capture", portionOf(left, this.portion))
      staffAsk(world, live.merchant, payment.request.id, "void", 0)
      return
    }
    const amount_minor = this.operation === "capture" ? portionOf(left, this.portion) : this.operation === "refund" ? portionOf(refundable, this.portion) : 0
    world.count(this.operation === "capture" && this.portion === "all" ? "captureAll" : this.operation)
    staffAsk(world, live.merchant, payment.request.id, this.operation, amount_minor)
  }
  /** The first live payment; all of what is left (a void takes no portion at all). */
  override simpler(): ReadonlyArray<HarnessCommand> {
    return [...(this.paymentIndex === 0 ? [] : [new Staff(this.operation, 0, this.portion)]), ...(this.portion === "all" ? [] : [new Staff(this.operation, this.paymentIndex, "all")])]
  }
  toString(): string {
    return `Staff(${JSON.stringify(this.operation)}, ${this.paymentIndex}, ${JSON.stringify(this.portion)})`
  }
}

/** The clearing house's operator closes the clearing cycle: the end of the clearing day. */
class CloseCycle extends Base {
  act(world: World): void {
    world.count("closeCycle")
    world.input("clearing house: close the cycle", world.directory.clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
  }
  toString(): string {
    return "CloseCycle()"
  }
}

const index = fc.nat({ max: 1_000 })
/** A shopper, counted round the world's customers (at most 12 browsers): shrinks towards the first. */
const shopper = fc.nat({ max: 11 })
/** Small indexes shrink towards the newest messages. */
const small = fc.nat({ max: 8 })

const HOW: fc.Arbitrary<"approve" | "decline" | "approveTwice" | "approveLate"> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("approve" as const) },
  { weight: 2, arbitrary: fc.constant("decline" as const) },
  { weight: 1, arbitrary: fc.constant("approveTwice" as const) },
  { weight: 1, arbitrary: fc.constant("approveLate" as const) }
)

/**
 * How late a {@link LateAnswer} is: one of the six newest answers to the page, or (one draw in
 * three) the newest "paid" one, which after a second order is an earlier order's approval: the
 * stale answer a page must never take for the answer to its request in flight.
 */
const lateAge = (drawn: number): number | "paid" => (drawn >= 6 ? "paid" : drawn)

/** `entry` in a world whose compromised party is of one of `kinds`; nothing in any other world. */
const insiderOnly = (
  insider: InsiderKind | null,
  kinds: ReadonlyArray<InsiderKind>,
  entry: fc.WeightedArbitrary<HarnessCommand>
): Array<fc.WeightedArbitrary<HarnessCommand>> => (insider !== null && kinds.includes(insider) ? [entry] : [])

/**
 * Every command a world may run, weighted so that runs go deep: deliveries and shopper progress
 * dominate, faults are frequent. `insider` is the kind of the world's compromised party (`null`
 * for none): the commands only an insider can make (impersonation, crafted operations, a lying
 * merchant) are drawn only in a world that has one of their kind, so that in any other world
 * they take no place from the rest of the script.
 */
export const commandArbitraries = (insider: InsiderKind | null): Array<fc.Arbitrary<HarnessCommand>> => [
  fc.oneof(
    { weight: 20, arbitrary: fc.tuple(index, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([i, r, e]) => new Deliver(i, r, e)) },
    { weight: 18, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }).map((rolls) => new Flush(rolls)) },
    { weight: 14, arbitrary: fc.tuple(shopper, fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })).map(([p, slowly]) => new Shop(p, slowly)) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom("drop", "duplicate", "delay") as fc.Arbitrary<keyof typeof FAULTS>, index).map(([k, i]) => new Fault(k, i)) },
    { weight: 3, arbitrary: fc.tuple(fc.nat({ max: ALL_TAGS.length - 1 }), small, small).map(([t, r, p]) => new Replay(t, r, p)) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...FORGERY_KINDS), fc.nat({ max: SIGNED_TAGS.length - 1 }), small, index).map(([k, t, r, v]) => new Forge(k, t, r, v)) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...FORGERY_KINDS), fc.nat({ max: SIGNED_TAGS.length - 1 }), small, index).map(([k, t, i, v]) => new Intercept(k, t, i, v)) },
    { weight: 3, arbitrary: sweepArbitrary },
    { weight: 1, arbitrary: index.map((i) => new Crash(i)) },
    ...insiderOnly(insider, INSIDER_KINDS, { weight: 5, arbitrary: fc.tuple(fc.nat({ max: 20 }), small, small).map(([t, r, p]) => new Impersonate(t, r, p)) }),
    ...insiderOnly(insider, OPERATORS, { weight: 6, arbitrary: craftArbitrary }),
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...DEADLINE_KINDS), small, fc.constantFrom(0 as const, -1 as const, 1 as const)).map(([k, i, o]) => new Deadline(k, i, o))
    },
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          { weight: 6, arbitrary: fc.integer(CLOCK_MOVES_ms.short) },
          { weight: 2, arbitrary: fc.integer(CLOCK_MOVES_ms.long) },
          { weight: 1, arbitrary: fc.constant(CLOCK_MOVES_ms.week) }
        )
        .map((d) => new Advance(d))
    },
    { weight: 6, arbitrary: fc.tuple(small, HOW).map(([p, h]) => new Answer(p, h)) },
    { weight: 1, arbitrary: fc.tuple(shopper, fc.constantFrom("pay" as const, "delivery" as const)).map(([p, what]) => new SecondTab(p, what)) },
    { weight: 1, arbitrary: shopper.map((p) => new Abandon(p)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(shopper, fc.oneof({ weight: 3, arbitrary: fc.constant("own" as const) }, { weight: 1, arbitrary: fc.constant("other" as const) }))
        .map(([p, link]) => new Refresh(p, link))
    },
    { weight: 1, arbitrary: shopper.map((p) => new Mistake(p)) },
    { weight: 1, arbitrary: fc.tuple(shopper, index).map(([p, v]) => new Garble(p, v)) },
    { weight: 2, arbitrary: fc.tuple(shopper, small).map(([p, age]) => new LateAnswer(p, lateAge(age))) },
    ...insiderOnly(insider, ["merchant"], { weight: 3, arbitrary: fc.tuple(small, fc.constantFrom(...MISLEADING_ANSWERS)).map(([p, answer]) => new Mislead(p, answer)) }),
    {
      weight: 10,
      arbitrary: fc
        .tuple(
          fc.constantFrom("capture", "capture", "capture", "void", "refund", "refund", "shipPart") as fc.Arbitrary<"capture" | "void" | "refund" | "shipPart">,
          small,
          fc.constantFrom("all", "half", "half", "one") as fc.Arbitrary<Portion>
        )
        .map(([operation, i, portion]) => new Staff(operation, i, portion))
    },
    { weight: 2, arbitrary: fc.constant(new CloseCycle()) }
  )
]

/**
 * Generated command scripts of up to `maxCommands` commands for a world whose compromised party is
 * of kind `insider` (`null` for none), replaying `replayPath` when given.
 */
export const scripts = (maxCommands: number, insider: InsiderKind | null, replayPath?: string): fc.Arbitrary<Iterable<HarnessCommand>> =>
  fc.commands(commandArbitraries(insider), { maxCommands, size: "max", ...(replayPath === undefined ? {} : { replayPath }) }) as fc.Arbitrary<
    Iterable<HarnessCommand>
  >
