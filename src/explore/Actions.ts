/**
 * The explorer's actions: everything that may happen next in a world of a scope, and doing it.
 *
 * - **the network:** deliver any packet in flight (in any order), drop one or duplicate one, and
 *   replay any packet sent so far (the attacker's recording) to its addressee or to any other
 *   party, while the path's fault budget lasts;
 * - **the outsider's forgeries** (no key): from any signed packet sent so far, each field changed
 *   once as its Schema allows (`Tamper.sweep`, to a value seen on the wire, one more or less, the
 *   other currency, ...) under the original signature, and the message's type swapped (a decline
 *   passed off as an approval), each sent to the packet's addressee;
 * - **the insider** (scopes whose topology hands one party's key to the attacker): any recorded
 *   signed message its role may sign, made its own and signed with its real key, sent to any party
 *   of the recipient's role; a phone's approval of a challenge it saw for someone else (`Insider.ts`);
 *   and a merchant's or acquirer's own operations (`CraftedOperations.ts`): on each payment it
 *   knows of, each kind (capture, void, refund) with each twist, put in flight to its receiver;
 * - **failures:** crash and restart any party, while the budget lasts;
 * - **time:** while the path's clock budget lasts, move the clock to each of the two soonest
 *   pending expiries (of a request, a challenge or a hold), a millisecond before, at, or after
 *   it, or to the soonest other time a party named (a retry or a poll), without anyone ticking
 *   (so a packet can be delivered at that very instant), in any state or, if the scope says so,
 *   only while nothing is in flight, or only once the insider has sent its message and while its
 *   packets are all that is in flight, to one of their expiries; and let every party tick;
 * - **ageing:** while the path's retention budget lasts, once the people are done and nothing is
 *   in flight, move the clock to the end of retention of a recorded request (a millisecond
 *   before, at or after it); a replay of a request at or after its end of retention must change
 *   nothing (spec 4.9), or the path fails as `retention`;
 * - **the people:** each of the scope's shoppers pays (a fresh order each time) and reloads a page
 *   that shows "paying" (once per payment); a shopper approves or declines on any phone that shows
 *   a challenge; the merchant's staff ask for the scope's operations; the clearing house closes a
 *   cycle; while the budget lasts, a shopper sends, on their own session, a request their page
 *   sent so far, garbled as no page writes it (`Forgery.everyGarbling`).
 *
 * Every action goes through the harness's commands or the parties' public `step` and `restart`,
 * and checks every safety invariant and the declared transitions after it, as the harness does.
 *
 * @since 0.5.0
 */
import { hash } from "node:crypto"
import type { PartyId, Timestamp_ms } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import type { BrowserState } from "../parties/Browser.js"
import { Answer, Refresh, Shop, shownChallenge } from "../harness/Shoppers.js"
import { sameRole, Staff } from "../harness/Commands.js"
import { bodyOf, tagOf } from "../harness/Command.js"
import { everyGarbling, forge, MALFORMED_VARIANTS } from "../harness/Forgery.js"
import { insiderBody, insiderPacket, sourceTags } from "../harness/Insider.js"
import { CRAFT_TWISTS, CRAFTED_KINDS, craftedOperation, knownTo, type Operator } from "../harness/CraftedOperations.js"
import { checkSafety, InvariantViolation } from "../harness/Invariants.js"
import { cycleToClose } from "../harness/Quiescence.js"
import { endOfRetention, expiryOf, retentionHorizon } from "../harness/Retention.js"
import { plausibleFrom, sweepPacket, type Plausible } from "../harness/Tamper.js"
import type { World, WorldSnapshot } from "../harness/World.js"
import { shoppersOf, type ExploreScope, type StaffOperation } from "./Scopes.js"

/** What a path has left of its budgets: faults, payments and staff operations. @category explorer @since 0.5.0 */
export interface Remaining {
  readonly drops: number
  readonly duplicates: number
  readonly replays: number
  readonly forgeries: number
  readonly crashes: number
  readonly impersonations: number
  readonly insiderTampers: number
  readonly garbles: number
  readonly clockMoves: number
  readonly retentionMoves: number
  /** Per shopper (in the order of the scope's `shoppers`), the clicks on "pay now" left. */
  readonly payments: ReadonlyArray<number>
  /** Per shopper, page reloads: one per payment, so that a page waiting on "paying" can learn the result without the clock moving. */
  readonly refreshes: ReadonlyArray<number>
  readonly staff: ReadonlyArray<StaffOperation>
}

/**
 * The budgets whose only effect is to enable actions: a drop, a duplicate, a crash or a clock move
 * while any is left, and nothing else depends on them. A world with more of each left can do all
 * that the same world with less can (`Visited.ts` keeps the one with more); the other budgets
 * change what else is enabled (the recording is kept while replays are left, ageing waits for
 * the payments to be spent), so they are part of a state's fingerprint.
 *
 * @category explorer
 * @since 0.5.0
 */
export const SPARE_BUDGETS = ["drops", "duplicates", "crashes", "clockMoves"] as const

/** What `remaining` has left of each of the {@link SPARE_BUDGETS}, in their order. @category explorer @since 0.5.0 */
export const spareOf = (remaining: Remaining): ReadonlyArray<number> => SPARE_BUDGETS.map((budget) => remaining[budget])

/** `remaining` without the {@link SPARE_BUDGETS}: the budgets a state's fingerprint hashes. @category explorer @since 0.5.0 */
export const hashedBudgetsOf = (remaining: Remaining): Partial<Remaining> =>
  Object.fromEntries(Object.entries(remaining).filter(([name]) => !(SPARE_BUDGETS as ReadonlyArray<string>).includes(name)))

/** The budgets a scope starts with. @category explorer @since 0.5.0 */
export const initialRemaining = (scope: ExploreScope): Remaining => {
  const each = shoppersOf(scope).map(() => scope.payments)
  return { ...scope.faults, payments: each, refreshes: each, staff: scope.staff }
}

/** One action. @category explorer @since 0.5.0 */
export type Action =
  | { readonly _tag: "Deliver" | "Drop" | "Duplicate"; readonly index: number }
  | { readonly _tag: "Replay"; readonly packet: Packet; readonly to: PartyId }
  | { readonly _tag: "Forge"; readonly packet: Packet; readonly what: string }
  | { readonly _tag: "Impersonate"; readonly packet: Packet; readonly what: string }
  | { readonly _tag: "InsiderTamper"; readonly packet: Packet; readonly what: string }
  | { readonly _tag: "Craft"; readonly packet: Packet; readonly what: string }
  | { readonly _tag: "Garble"; readonly packet: Packet; readonly what: string }
  | { readonly _tag: "Crash"; readonly party: PartyId }
  | { readonly _tag: "Clock"; readonly at_ms: number }
  | { readonly _tag: "Age"; readonly at_ms: number }
  | { readonly _tag: "Tick" }
  | { readonly _tag: "Pay"; readonly shopper: number; readonly customer: number }
  | { readonly _tag: "Refresh"; readonly shopper: number; readonly customer: number }
  | { readonly _tag: "Answer"; readonly phone: number; readonly how: "approve" | "decline" }
  | { readonly _tag: "Staff"; readonly operation: StaffOperation }
  | { readonly _tag: "CloseCycle" }

/** How many of the soonest pending expiries the clock may move to from one state. */
const EXPIRIES_PER_STATE = 2

/**
 * A packet's identity: the SHA-256 of its route, channel and canonical payload; two packets with
 * the same key are the same packet. A digest, not the text: the explorer keeps one for each
 * packet it holds, and a signed envelope's text is a kilobyte or more.
 *
 * @category explorer
 * @since 0.5.0
 */
export const packetKey = (world: World, packet: Packet): string => {
  const keys = packetKeys.get(world.core) ?? new WeakMap<Packet, string>()
  packetKeys.set(world.core, keys)
  const known = keys.get(packet)
  if (known !== undefined) return known
  const key = hash("sha256", `${packet.from}>${packet.to}:${packet.channel}:${world.core.Canonical.canonicalJson(packet.payload)}`, "base64")
  keys.set(packet, key)
  return key
}

/** Each packet's key, per core (a seeded bug may change the canonical encoding), computed once: packets are immutable values. */
const packetKeys = new WeakMap<object, WeakMap<Packet, string>>()

/** The first index of each distinct packet in flight: delivering either of two equal packets leads to the same world. */
const distinctPackets = (world: World): ReadonlyArray<number> => {
  const seen = new Set<string>()
  const indexes: Array<number> = []
  world.net.inFlight.forEach((packet, i) => {
    const key = packetKey(world, packet)
    if (!seen.has(key)) indexes.push(i)
    seen.add(key)
  })
  return indexes
}

/**
 * What the attacker has recorded on the wire, each distinct packet once, ordered by its key
 * ({@link packetKey}) so that two paths that sent the same packets hold the same recording. It is
 * part of a state only while the path may still replay or forge: once those budgets are spent, it
 * is empty.
 *
 * @category explorer
 * @since 0.5.0
 */
export type Recording = ReadonlyArray<{ readonly key: string; readonly packet: Packet }>

/** The recording after an action: the one before it, with what the world has sent since it was restored (`World.recorded`), while replays, forgeries, insider messages, insider tamperings, garbled requests or moves to an end of retention remain. @category explorer @since 0.5.0 */
export const recordingAfter = (world: World, before: Recording, remaining: Remaining): Recording => {
  if (remaining.replays === 0 && remaining.forgeries === 0 && remaining.impersonations === 0 && remaining.insiderTampers === 0 && remaining.garbles === 0 && remaining.retentionMoves === 0) return []
  const sent = world.recorded()
  if (sent.length === 0) return before
  const byKey = new Map(before.map((entry) => [entry.key, entry]))
  for (const packet of sent) {
    const key = packetKey(world, packet)
    if (!byKey.has(key)) byKey.set(key, { key, packet })
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** The times in the future that the world's states and packets name: expiries (`…xpiresAt_ms` fields), and the others (retries, polls), each soonest first. */
export const pendingDeadlines = (world: World, documents: ReadonlyArray<unknown>): { readonly expiries: ReadonlyArray<number>; readonly others: ReadonlyArray<number> } => {
  const now = world.net.now_ms
  const expiries = new Set<number>()
  const others = new Set<number>()
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "number") {
      if (key.endsWith("_ms") && value > now) (key.endsWith("xpiresAt_ms") ? expiries : others).add(value)
    } else if (Array.isArray(value)) for (const item of value) walk(item, key)
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k)
  }
  for (const document of documents) walk(document, "")
  for (const packet of world.net.inFlight) walk(packet.payload, "")
  const soonestFirst = (times: Set<number>): ReadonlyArray<number> => [...times].sort((a, b) => a - b)
  return { expiries: soonestFirst(expiries), others: soonestFirst(others) }
}

/** A deadline, a millisecond before, at and after it. */
const around = (t: number): ReadonlyArray<number> => [t - 1, t, t + 1]

/** The ends of retention of the requests recorded on the wire, each a millisecond before, at and after, that the clock may still reach, soonest first. */
const retentionEnds = (world: World, recording: Recording, horizon: number): ReadonlyArray<number> => {
  const times = new Set<number>()
  for (const { packet } of recording) {
    const end = endOfRetention(world, packet)
    if (end === undefined) continue
    for (const at_ms of around(end)) if (at_ms > world.net.now_ms && at_ms <= horizon) times.add(at_ms)
  }
  return [...times].sort((a, b) => a - b)
}

/** A forged packet and what was changed, as a line of a trace says it. */
interface Forged {
  readonly packet: Packet
  readonly what: string
}

/** The values a tampering may draw from, per recording: those of the bodies of every signed packet in it. */
const plausibleCache = new WeakMap<Recording, Plausible>()

/** The plausible values of `recording`'s signed bodies, computed once per recording: forgeries and the insider's tamperings draw from them. */
const plausibleOf = (recording: Recording): Plausible => {
  const known = plausibleCache.get(recording)
  if (known !== undefined) return known
  const plausible = plausibleFrom(recording.filter((r) => r.packet.channel === "signed").map((r) => bodyOf(r.packet)))
  plausibleCache.set(recording, plausible)
  return plausible
}

/** The forgeries of each recorded packet, per recording: they depend on the values the recording holds, and a recording is a value of the state. */
const forgeryCache = new WeakMap<Recording, Map<string, ReadonlyArray<Forged>>>()

/**
 * What an outsider forges from `original`, a recorded signed packet: each field tampered with
 * once, under the original signature, with values from the bodies of the whole recording; the
 * message with its type swapped; the message signed with its sender's revoked key; and each
 * malformed envelope of it.
 */
const forgeriesOf = (world: World, recording: Recording, original: { readonly key: string; readonly packet: Packet }): ReadonlyArray<Forged> => {
  const byPacket = forgeryCache.get(recording) ?? new Map<string, ReadonlyArray<Forged>>()
  forgeryCache.set(recording, byPacket)
  const cached = byPacket.get(original.key)
  if (cached !== undefined) return cached
  const tampered = world.run(sweepPacket(world.core, original.packet, 0, { plausible: plausibleOf(recording), keys: [] }))
  const retagged = world.run(forge(world.core, "retag", original.packet, original.packet, 0))
  const revoked = world.run(forge(world.core, "revokedKey", original.packet, original.packet, 0))
  const malformed = Array.from({ length: MALFORMED_VARIANTS }, (_, variant) => ({
    packet: world.run(forge(world.core, "malformed", original.packet, original.packet, variant)),
    what: `${tagOf(original.packet)} malformed (${variant + 1} of ${MALFORMED_VARIANTS})`
  }))
  const forged: ReadonlyArray<Forged> = [
    ...tampered.map((t) => ({ packet: t.packet, what: t.tampering.name })),
    { packet: retagged, what: `${tagOf(original.packet)} retagged as ${tagOf(retagged)}` },
    { packet: revoked, what: `${tagOf(original.packet)} signed with ${original.packet.from}'s revoked key` },
    ...malformed
  ]
  byPacket.set(original.key, forged)
  return forged
}

/** What the insider signed from each recorded packet for each recipient: signing is deterministic, so once per world. */
const impersonationCache = new WeakMap<World, Map<string, Forged>>()

/**
 * What the scope's insider signs as its own from the recorded signed packets its role may sign
 * (and, for a phone, the challenges it saw): each made its own and sent to every party of the
 * recipient's role, as the harness's `Impersonate` command does.
 */
const impersonationsOf = (world: World, recording: Recording): ReadonlyArray<Forged> => {
  const insider = world.directory.compromised
  if (insider === null) return []
  const cache = impersonationCache.get(world) ?? new Map<string, Forged>()
  impersonationCache.set(world, cache)
  const tags = sourceTags(insider.kind)
  // An approval made from a challenge goes back to the issuer that sent it, so one recipient only.
  const recipients = (packet: Packet): ReadonlyArray<PartyId> => (tagOf(packet) === "Challenge" ? [packet.to] : sameRole(world, packet.to))
  return recording
    .filter(({ packet }) => packet.channel === "signed" && tags.includes(tagOf(packet)))
    .flatMap(({ key, packet }) =>
      recipients(packet).map((to) => {
        const known = cache.get(`${key}>${to}`)
        if (known !== undefined) return known
        const body = insiderBody((packet.payload as { readonly body: Readonly<Record<string, unknown>> }).body, insider.id, to)
        const made: Forged = { packet: world.run(insiderPacket(world.core, insider, body)), what: `${insider.id}: sign a ${String(body["_tag"])} as its own, from a recorded ${tagOf(packet)} (${packet.from} -> ${packet.to})` }
        cache.set(`${key}>${to}`, made)
        return made
      })
    )
}

/** The insider's tamperings of each of its own recorded packets, per recording: they depend on the values the recording holds. */
const insiderTamperCache = new WeakMap<Recording, Map<string, ReadonlyArray<Forged>>>()

/**
 * What the scope's insider sends from each signed packet of its own on the wire: each field
 * changed once to a plausible other value from the bodies of the whole recording and signed again
 * with its key, as the harness's sweep does for an insider (`Sweep.ts`); sent to the packet's
 * recipient. A copy signed in its own name is its own message, judged by what it does to others.
 */
const insiderTampersOf = (world: World, recording: Recording): ReadonlyArray<Forged> => {
  const insider = world.directory.compromised
  if (insider === null) return []
  const byPacket = insiderTamperCache.get(recording) ?? new Map<string, ReadonlyArray<Forged>>()
  insiderTamperCache.set(recording, byPacket)
  return recording
    .filter(({ packet }) => packet.channel === "signed" && packet.from === insider.id)
    .flatMap(({ key, packet }) => {
      const known = byPacket.get(key)
      if (known !== undefined) return known
      const made = world
        .run(sweepPacket(world.core, packet, 0, { plausible: plausibleOf(recording), keys: [insider] }))
        .filter((copy) => copy.resignedBy === insider.keyId)
        .map((copy): Forged => ({ packet: copy.packet, what: `${copy.tampering.name}, signed again by ${insider.id}` }))
      byPacket.set(key, made)
      return made
    })
}

/** The operations the insider crafted from each recorded payment, per recording and instant: a request expires a while after it is crafted. */
const craftCache = new WeakMap<Recording, Map<string, ReadonlyArray<Forged>>>()

/**
 * The operations the scope's insider, a merchant or an acquirer, crafts of its own now (as the
 * harness's `CraftOperation` does, `CraftedOperations.ts`): on each payment it knows of from the
 * recording, a capture, a void and a refund, each with each twist, signed with its real key.
 * What it knows comes in the reverse of the recording's order (by packet key), not newest
 * first, so a `reusedId` request reuses the id of the last of its captures (or voids, or refunds)
 * in the recording.
 */
const craftedOf = (world: World, recording: Recording): ReadonlyArray<Forged> => {
  const insider = world.directory.compromised
  if (insider === null || insider.kind === "phone") return []
  const cache = craftCache.get(recording) ?? new Map<string, ReadonlyArray<Forged>>()
  craftCache.set(recording, cache)
  const at = String(world.net.now_ms)
  const cached = cache.get(at)
  if (cached !== undefined) return cached
  const operator: Operator = insider.kind
  const known = knownTo(recording.map((r) => r.packet), operator, insider.id)
  const made = known.sources.flatMap((source) =>
    CRAFTED_KINDS.flatMap((kind) =>
      CRAFT_TWISTS.map((twist): Forged => {
        const body = craftedOperation(operator, insider.id, source, kind, twist, known, world.net.now_ms)
        return { packet: world.run(insiderPacket(world.core, insider, body)), what: `${insider.id}: craft a ${String(body["_tag"])} (${twist}) on ${String(body["paymentId"])}` }
      })
    )
  )
  cache.set(at, made)
  return made
}

/** What the scope's shoppers' pages would never write, from each request they sent so far on their session ({@link everyGarbling}), each with what was changed. */
const garblesOf = (world: World, scope: ExploreScope, recording: Recording): ReadonlyArray<Forged> => {
  const pages = new Set(shoppersOf(scope).map((customer) => world.directory.customers[customer]?.browser))
  return recording
    .filter(({ packet }) => packet.channel === "session" && pages.has(packet.from))
    .flatMap(({ packet }) => everyGarbling(packet).map((garbled) => ({ packet: garbled, what: `${tagOf(packet)} ${changeOf(packet.payload as Record<string, unknown>, garbled.payload as Record<string, unknown>)}` })))
}

/** How the body `after` differs from `before`: a field dropped, added or changed, or the type. */
const changeOf = (was: Readonly<Record<string, unknown>>, is: Readonly<Record<string, unknown>>): string => {
  if (was["_tag"] !== is["_tag"]) return `retyped ${String(is["_tag"])}`
  const dropped = Object.keys(was).find((k) => !(k in is))
  if (dropped !== undefined) return `without ${dropped}`
  const added = Object.keys(is).find((k) => !(k in was))
  if (added !== undefined) return `with ${added} added`
  const changed = Object.keys(is).find((k) => JSON.stringify(is[k]) !== JSON.stringify(was[k]))
  return `with ${changed ?? "a field"} set to ${JSON.stringify(changed === undefined ? null : is[changed])}`
}

/** The browser of the world's `customer`-th customer. */
const browserOf = (world: World, customer: number): BrowserState => world.net.state<BrowserState>(world.directory.customers[customer]?.browser ?? world.directory.clearing)

/** The phones that show a challenge waiting for an answer, in the directory's order. */
const phonesShowing = (world: World): ReadonlyArray<PartyId> => world.directory.phones.filter((p) => shownChallenge(world, p) !== undefined)

/**
 * Each staff operation: the harness's command for it, on the merchants' first live payment (the
 * second for `captureSecond`), for all that is left but one minor unit for a part shipped and all
 * that was captured for `refundCaptured`; and the words a line of a counterexample says it with.
 */
const STAFF: Readonly<Record<StaffOperation, { readonly command: Staff; readonly words: string }>> = {
  capture: { command: new Staff("capture", 0, "all"), words: "capture the payment" },
  void: { command: new Staff("void", 0, "all"), words: "void the payment" },
  refund: { command: new Staff("refund", 0, "all"), words: "refund all that is left of the payment" },
  shipPart: { command: new Staff("shipPart", 0, "one"), words: "ship part of the order and cancel the rest" },
  refundCaptured: { command: new Staff("refund", 0, "whole"), words: "refund all that was captured, whatever was refunded" },
  captureSecond: { command: new Staff("capture", 1, "all"), words: "capture the second live payment" }
}

/** Whether the shoppers before `shopper` have spent their clicks on "pay now" and their pages show the result. */
const turnCame = (world: World, scope: ExploreScope, remaining: Remaining, shopper: number): boolean =>
  shoppersOf(scope).slice(0, shopper).every((customer, earlier) => remaining.payments[earlier] === 0 && ["Declined", "Approved"].includes(browserOf(world, customer).screen))

/** Whether the path may move the clock now: a move is left, and the scope's condition on when (nothing in flight; the insider's message sent and only its packets in flight) holds. */
const clockMayMove = (world: World, scope: ExploreScope, remaining: Remaining): boolean =>
  remaining.clockMoves > 0 &&
  (scope.clockWhenQuiet !== true || world.net.inFlight.length === 0) &&
  (scope.clockOnInsider !== true || (remaining.impersonations === 0 && world.net.inFlight.every((packet) => packet.from === world.directory.compromised?.id)))

/** The deadlines the clock may move to in a scope with no condition on them: the soonest pending expiries (each ±1 ms) and the soonest other deadline (a retry). */
const soonestDeadlines = (world: World, documents: ReadonlyArray<unknown>): ReadonlyArray<number> => {
  const { expiries, others } = pendingDeadlines(world, documents)
  return [...expiries.slice(0, EXPIRIES_PER_STATE).flatMap(around), ...others.slice(0, 1)]
}

/** The expiries (each ±1 ms) of the packets in flight: in a scope that moves the clock on the insider's deadlines, all of them are the insider's (see `clockMayMove`). */
const inFlightDeadlines = (world: World): ReadonlyArray<number> =>
  world.net.inFlight.flatMap((packet) => {
    const expires = expiryOf(packet)
    return expires === undefined ? [] : around(expires)
  })

/** The instants the clock may move to from `world`, soonest first: the scope's deadlines after now and no later than `horizon`. */
const clockTimes = (world: World, scope: ExploreScope, documents: () => ReadonlyArray<unknown>, horizon: number): ReadonlyArray<number> => {
  const candidates = scope.clockOnInsider === true ? inFlightDeadlines(world) : soonestDeadlines(world, documents())
  return [...new Set(candidates.filter((at_ms) => at_ms > world.net.now_ms && at_ms <= horizon))].sort((a, b) => a - b)
}

/**
 * The actions enabled in the world now, in a fixed order (so a path of indexes replays), given
 * what the path has left, the encoded documents of the parties' states (asked for only when the
 * clock may move, to find its deadlines), and the attacker's recording.
 *
 * @category explorer
 * @since 0.5.0
 */
export const enabled = (world: World, scope: ExploreScope, remaining: Remaining, documents: () => ReadonlyArray<unknown>, recording: Recording): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  for (const index of distinctPackets(world)) {
    actions.push({ _tag: "Deliver", index })
    if (remaining.drops > 0) actions.push({ _tag: "Drop", index })
    if (remaining.duplicates > 0) actions.push({ _tag: "Duplicate", index })
  }
  if (remaining.replays > 0)
    for (const { packet } of recording) {
      // A page's session packets travel between one browser and its merchant only, as in the harness.
      const targets = packet.channel === "session" ? [packet.to] : [packet.to, ...world.parties.filter((p) => p !== packet.to)]
      for (const to of targets) actions.push({ _tag: "Replay", packet, to })
    }
  if (remaining.forgeries > 0)
    for (const entry of recording) if (entry.packet.channel === "signed") for (const { packet, what } of forgeriesOf(world, recording, entry)) actions.push({ _tag: "Forge", packet, what })
  if (remaining.impersonations > 0) {
    for (const { packet, what } of impersonationsOf(world, recording)) actions.push({ _tag: "Impersonate", packet, what })
    for (const { packet, what } of craftedOf(world, recording)) actions.push({ _tag: "Craft", packet, what })
  }
  if (remaining.insiderTampers > 0) for (const { packet, what } of insiderTampersOf(world, recording)) actions.push({ _tag: "InsiderTamper", packet, what })
  if (remaining.garbles > 0) for (const { packet, what } of garblesOf(world, scope, recording)) actions.push({ _tag: "Garble", packet, what })
  if (remaining.crashes > 0) for (const party of world.parties) actions.push({ _tag: "Crash", party })
  const horizon = retentionHorizon(world)
  if (clockMayMove(world, scope, remaining)) for (const at_ms of clockTimes(world, scope, documents, horizon)) actions.push({ _tag: "Clock", at_ms })
  // Aging is an epilogue, as the harness's retention check is: once the people are done and nothing is in flight.
  if (remaining.retentionMoves > 0 && remaining.payments.every((left) => left === 0) && remaining.staff.length === 0 && world.net.inFlight.length === 0) for (const at_ms of retentionEnds(world, recording, horizon)) actions.push({ _tag: "Age", at_ms })
  actions.push({ _tag: "Tick" })
  shoppersOf(scope).forEach((customer, shopper) => {
    const screen = browserOf(world, customer).screen
    if ((remaining.payments[shopper] ?? 0) > 0 && ["Shopping", "ReadyToPay", "Declined", "Approved"].includes(screen) && (scope.shoppersInTurn !== true || turnCame(world, scope, remaining, shopper))) actions.push({ _tag: "Pay", shopper, customer })
    if ((remaining.refreshes[shopper] ?? 0) > 0 && screen === "Paying") actions.push({ _tag: "Refresh", shopper, customer })
  })
  for (const phone of phonesShowing(world).keys()) actions.push({ _tag: "Answer", phone, how: "approve" }, { _tag: "Answer", phone, how: "decline" })
  for (const operation of new Set(remaining.staff)) if (STAFF[operation].command.check({ world })) actions.push({ _tag: "Staff", operation })
  if (scope.settle && cycleToClose(world)) actions.push({ _tag: "CloseCycle" })
  return actions
}

/** `action` as a line of a counterexample. @category explorer @since 0.5.0 */
export const describeAction = (action: Action, world?: World): string => {
  const packet = (index: number): string => {
    const p: Packet | undefined = world?.net.inFlight[index]
    return p === undefined ? `#${index}` : `${tagOf(p)} ${p.from} -> ${p.to}`
  }
  switch (action._tag) {
    case "Deliver":
    case "Drop":
    case "Duplicate":
      return `${action._tag.toLowerCase()} ${packet(action.index)}`
    case "Replay":
      return `attacker: replay a recorded ${tagOf(action.packet)} (${action.packet.from} -> ${action.packet.to}) to ${action.to}`
    case "Forge":
      return `attacker: forge ${action.what}, sent to ${action.packet.to}`
    case "Impersonate":
      return `insider ${action.what}, to ${action.packet.to}`
    case "InsiderTamper":
      return `insider: ${action.what}, to ${action.packet.to}`
    case "Craft":
      return `insider ${action.what}, in flight to ${action.packet.to}`
    case "Garble":
      return `shopper's page: send ${action.packet.to} a ${action.what}, on its own session`
    case "Crash":
      return `crash and restart ${action.party}`
    case "Clock":
      return `clock to ${action.at_ms} (no one ticks yet)`
    case "Age":
      return `clock to ${action.at_ms}, at the end of a request's retention (no one ticks yet)`
    case "Tick":
      return "every party ticks"
    case "Pay":
      return `shopper ${world?.directory.customers[action.customer]?.name ?? action.customer} checks out and pays`
    case "Refresh":
      return `shopper ${world?.directory.customers[action.customer]?.name ?? action.customer} reloads the page`
    case "Answer":
      return `the shopper ${action.how}s on ${world === undefined ? "the phone" : (phonesShowing(world)[action.phone] ?? "the phone")}`
    case "Staff":
      return `the merchant's staff ${STAFF[action.operation].words}`
    case "CloseCycle":
      return "the clearing house closes the cycle"
  }
}

/** What the path has left after `action`. */
const spend = (remaining: Remaining, action: Action): Remaining => {
  switch (action._tag) {
    case "Drop":
      return { ...remaining, drops: remaining.drops - 1 }
    case "Duplicate":
      return { ...remaining, duplicates: remaining.duplicates - 1 }
    case "Replay":
      return { ...remaining, replays: remaining.replays - 1 }
    case "Forge":
      return { ...remaining, forgeries: remaining.forgeries - 1 }
    case "Impersonate":
    case "Craft":
      return { ...remaining, impersonations: remaining.impersonations - 1 }
    case "InsiderTamper":
      return { ...remaining, insiderTampers: remaining.insiderTampers - 1 }
    case "Garble":
      return { ...remaining, garbles: remaining.garbles - 1 }
    case "Crash":
      return { ...remaining, crashes: remaining.crashes - 1 }
    case "Clock":
      return { ...remaining, clockMoves: remaining.clockMoves - 1 }
    case "Age":
      return { ...remaining, retentionMoves: remaining.retentionMoves - 1 }
    case "Pay":
      return { ...remaining, payments: remaining.payments.map((left, i) => (i === action.shopper ? left - 1 : left)) }
    case "Refresh":
      return { ...remaining, refreshes: remaining.refreshes.map((left, i) => (i === action.shopper ? left - 1 : left)) }
    case "Staff": {
      const at = remaining.staff.indexOf(action.operation)
      return { ...remaining, staff: [...remaining.staff.slice(0, at), ...remaining.staff.slice(at + 1)] }
    }
    default:
      return remaining
  }
}

/** Whether the safety invariants see the same world in both: the same party state objects (immutable values), the same clock and the same model. */
const judgedAlike = (before: WorldSnapshot, after: WorldSnapshot): boolean =>
  before.now_ms === after.now_ms && before.model === after.model && before.states.every((state, i) => state === after.states[i])

/**
 * Whether `after` is `before` itself: no party's state, packet in flight, clock or model changed
 * (states and packets are immutable values, so identity is equality).
 *
 * @category explorer
 * @since 0.5.0
 */
export const unchanged = (before: WorldSnapshot, after: WorldSnapshot): boolean =>
  judgedAlike(before, after) &&
  before.lies === after.lies &&
  before.inFlight.length === after.inFlight.length &&
  before.inFlight.every((packet, i) => packet === after.inFlight[i])

/**
 * Spec 4.9: a copy of a request that arrives at or after its end of retention is refused as
 * stale and changes nothing, whether its record is still kept or already pruned. A replay that
 * breaks this fails as `retention`, as the harness's retention check does.
 */
const checkStaleReplay = (world: World, before: WorldSnapshot, packet: Packet, label: string): void => {
  const end = endOfRetention(world, packet)
  if (end === undefined || world.net.now_ms < end || unchanged(before, world.snapshot())) return
  throw new InvariantViolation("retention", label, [`a copy of ${tagOf(packet)} (${packet.from} -> ${packet.to}) at or after its end of retention changed the world: it must be refused as stale`])
}

/**
 * Does `action` to the world, then checks every safety invariant ({@link judgeReached}: throwing
 * the harness's `InvariantViolation`, as a declared-transitions failure also does); returns what
 * the path has left. With `judge` false they are not checked: for a path whose every state was
 * judged before, walked again to rebuild its last world, and for the explorer, which judges a
 * world only the first time it reaches it (`Frontier.ts`).
 *
 * @category explorer
 * @since 0.5.0
 */
export const apply = (world: World, remaining: Remaining, action: Action, judge = true): Remaining => {
  const label = describeAction(action, world)
  const before = world.snapshot()
  switch (action._tag) {
    case "Deliver":
    case "Drop":
    case "Duplicate": {
      const packet = world.net.inFlight[action.index]
      if (packet === undefined) break
      if (action._tag === "Duplicate") world.net.inFlight.push(packet)
      else world.net.inFlight.splice(action.index, 1)
      if (action._tag === "Deliver") world.receive(label, packet.to, packet)
      else world.lines.push({ command: label, outputs: [] })
      break
    }
    case "Replay": {
      world.count("replay")
      world.receive(label, action.to, action.packet)
      checkStaleReplay(world, before, action.packet, label)
      break
    }
    case "Forge":
      world.count("forge")
      world.injectForgery(label, action.packet.to, action.packet)
      break
    case "Impersonate":
      world.count("insider")
      world.receive(label, action.packet.to, action.packet)
      break
    case "InsiderTamper":
      world.count("insider:tamper")
      world.injectForgery(label, action.packet.to, action.packet)
      break
    case "Garble":
      world.count("garble")
      world.injectForgery(label, action.packet.to, action.packet)
      break
    case "Craft":
      world.count("insider:craft")
      world.net.inFlight.push(action.packet)
      world.lines.push({ command: label, outputs: [] })
      break
    case "Crash":
      world.net.restart(action.party)
      world.lines.push({ command: label, outputs: [] })
      break
    case "Clock":
    case "Age":
      world.net.now_ms = action.at_ms as Timestamp_ms
      world.lines.push({ command: label, outputs: [] })
      break
    case "Tick":
      world.advance(label, 0)
      break
    case "Pay": {
      // Paying again after an approval: the world between the two is judged here, since it is no state of the exploration's.
      if (browserOf(world, action.customer).screen === "Approved") new Shop(action.customer, false).run({ world }, world)
      new Shop(action.customer, false).perform(world)
      break
    }
    case "Refresh":
      new Refresh(action.customer).perform(world)
      break
    case "Answer":
      new Answer(action.phone, action.how).perform(world)
      break
    case "Staff":
      STAFF[action.operation].command.perform(world)
      break
    case "CloseCycle":
      world.input(label, world.directory.clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
      break
  }
  if (judge) judgeReached(world, before, label)
  return spend(remaining, action)
}

/**
 * Checks every safety invariant on the world an action `label` reached from `before` (throwing
 * the harness's `InvariantViolation`), unless it left every party's state, the clock and the
 * model as they were (a drop, a duplicate, a packet its recipient ignored): the invariants read
 * nothing else, and the world before was judged.
 *
 * @category explorer
 * @since 0.5.0
 */
export const judgeReached = (world: World, before: WorldSnapshot, label: string): void => {
  if (!judgedAlike(before, world.snapshot())) checkSafety(world, label)
}

