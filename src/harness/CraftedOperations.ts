/**
 * An insider's own operations: a compromised merchant or acquirer, holding its real key, sends
 * captures, voids and refunds of its own devising on any payment it knows of, approved or not: a
 * merchant to its gateway, a gateway to the payment's issuer. The honest merchant or gateway
 * refuses or never sends each of these; the receiver must judge them on its own, and the
 * `operations` check predicts its every verdict (`model/GatewayOperations.ts`,
 * `model/Operations.ts`).
 *
 * Each request names a payment from a message the insider sent or was sent, under an operation id
 * of its own, and goes over the network like any other message, so that the network's faults and
 * the `Deadline` commands apply to it (delivered at a hold's or its own expiry, exactly). A twist
 * makes it one of the requests the receiver's last-line refusals exist for.
 *
 * @since 0.6.0
 */
import fc from "fast-check"
import { CURRENCIES } from "../domain/Money.js"
import { AUTHORIZATION_TTL_ms } from "../parties/Merchant.js"
import { Base, bodyOf, pick, tagOf, type HarnessCommand, type HarnessModel } from "./Command.js"
import { insiderPacket } from "./Insider.js"
import type { Packet } from "../machine/Machine.js"
import type { World } from "./World.js"

/** The operations an insider crafts. @category commands @since 0.6.0 */
export const CRAFTED_KINDS = ["capture", "void", "refund"] as const

/** One kind of crafted operation. @category commands @since 0.6.0 */
export type CraftedKind = (typeof CRAFTED_KINDS)[number]

/**
 * How the crafted request differs from the one an honest party would send for the payment:
 *
 * - `asIs`: the whole authorized amount, expiring in five minutes;
 * - `double`: twice the authorized amount;
 * - `otherCurrency`: the authorized amount in another currency;
 * - `otherPayment`: a gateway names the payment id of another authorization it was answered; a
 *   merchant, a payment id it never asked for;
 * - `reusedId`: the id of an operation request the insider sent (its newest capture, or without
 *   one its newest void, then refund; see {@link knownTo}), with this other body;
 * - `outlivesHold`: expiring a millisecond after the hold does (a merchant, which is not told
 *   when a declined payment's hold would have lapsed, a week and a day from now), so that it can
 *   reach the issuer at the hold's expiry or after it. An insider gateway sends it at the hold's
 *   expiry, when that is still to come (see {@link CraftOperation}).
 *
 * @category commands
 * @since 0.6.0
 */
export const CRAFT_TWISTS = ["asIs", "double", "otherCurrency", "otherPayment", "reusedId", "outlivesHold"] as const

/** One twist of a crafted operation. @category commands @since 0.6.0 */
export type CraftTwist = (typeof CRAFT_TWISTS)[number]

/** The kinds of insider that craft operations: a merchant to its gateway, a gateway to an issuer. @category commands @since 0.6.0 */
export const OPERATORS = ["merchant", "gateway"] as const

/** One kind of insider that sends operations. @category commands @since 0.6.0 */
export type Operator = (typeof OPERATORS)[number]

/** Each insider's operation requests, by kind: the merchant's to its gateway, the gateway's to an issuer. */
const TAGS: Readonly<Record<Operator, Readonly<Record<CraftedKind, string>>>> = {
  merchant: { capture: "CapturePayment", void: "VoidPayment", refund: "RefundPayment" },
  gateway: { capture: "CaptureRequest", void: "VoidRequest", refund: "RefundRequest" }
}

/**
 * What an insider knows of the payments it may operate on: a merchant, the payments it asked for
 * (`AuthorizePayment`, whatever became of them); a gateway, the authorizations an issuer answered
 * it (`AuthorizationResponse`, approved or declined).
 */
const SOURCES: Readonly<Record<Operator, { readonly tag: string; readonly side: "from" | "to" }>> = {
  merchant: { tag: "AuthorizePayment", side: "from" },
  gateway: { tag: "AuthorizationResponse", side: "to" }
}

/** A week and a day: longer than any hold. */
const BEYOND_ANY_HOLD_ms = 8 * 24 * 3_600_000

/** A message body as it travels, Schema-encoded. @category commands @since 0.6.0 */
export type Body = Readonly<Record<string, unknown>>

interface EncodedAmount {
  readonly amount_minor: number
  readonly currency: string
}

/** The bodies of the signed packets of type `tag` among `packets` (oldest first) that the insider sent (`from`) or was sent (`to`), newest first. */
const insiders = (packets: ReadonlyArray<Packet>, tag: string, side: "from" | "to", insider: string): ReadonlyArray<Body> =>
  packets
    .filter((p) => p.channel === "signed" && tagOf(p) === tag && p[side] === insider)
    .map(bodyOf)
    .reverse()

/**
 * What an insider knows of, among `packets` (oldest first): the payments it may operate on
 * (`sources`, newest first) and the operation requests it sent (`operations`: its captures,
 * then its voids, then its refunds, each newest first), as {@link craftedOperation} takes them.
 *
 * @category commands
 * @since 0.6.0
 */
export const knownTo = (
  packets: ReadonlyArray<Packet>,
  operator: Operator,
  insider: string
): { readonly sources: ReadonlyArray<Body>; readonly operations: ReadonlyArray<Body> } => ({
  sources: insiders(packets, SOURCES[operator].tag, SOURCES[operator].side, insider),
  operations: Object.values(TAGS[operator]).flatMap((t) => insiders(packets, t, "from", insider))
})

/** The first currency of the protocol's list that is not `currency`. */
const otherCurrency = (currency: string): string => CURRENCIES.find((c) => c !== currency) ?? currency

/**
 * The encoded body of the operation request an insider `insider` of kind `operator` crafts at
 * `now_ms` on the payment `source` (for a merchant, an `AuthorizePayment` body it sent; for a
 * gateway, an `AuthorizationResponse` body it was sent), given the other such bodies and the
 * operation requests it sent, newest first.
 *
 * @category commands
 * @since 0.6.0
 */
export const craftedOperation = (
  operator: Operator,
  insider: string,
  source: Body,
  kind: CraftedKind,
  twist: CraftTwist,
  others: { readonly sources: ReadonlyArray<Body>; readonly operations: ReadonlyArray<Body> },
  now_ms: number
): Body => {
  const gateway = operator === "gateway"
  const authorized = source["amount"] as EncodedAmount
  const paymentId = gateway ? source["paymentId"] : source["id"]
  const otherPayment = gateway ? others.sources.find((a) => a["paymentId"] !== paymentId)?.["paymentId"] : `${String(paymentId)}-unasked`
  const reused = others.operations[0]?.["id"]
  const holdExpiry = source["holdExpiresAt_ms"]
  const amount =
    twist === "double"
      ? { ...authorized, amount_minor: authorized.amount_minor * 2 }
      : twist === "otherCurrency"
        ? { ...authorized, currency: otherCurrency(authorized.currency) }
        : authorized
  const expiresAt_ms = twist !== "outlivesHold" ? now_ms + AUTHORIZATION_TTL_ms : typeof holdExpiry === "number" ? holdExpiry + 1 : now_ms + BEYOND_ANY_HOLD_ms
  return {
    _tag: TAGS[operator][kind],
    id: twist === "reusedId" && reused !== undefined ? reused : `${String(source["id"])}-${kind}-${twist}`,
    from: insider,
    to: gateway ? source["from"] : source["to"],
    ...(gateway ? { authorizationId: source["id"] } : {}),
    paymentId: twist === "otherPayment" && otherPayment !== undefined ? otherPayment : paymentId,
    expiresAt_ms,
    ...(kind === "void" ? {} : { amount })
  }
}

/**
 * An insider merchant or gateway crafts a capture, void or refund (see {@link CraftTwist}; with
 * `every`, one of each twist at once) on the `sourceIndex`-th newest payment it knows of, signs
 * it with its real key and puts it in flight to its gateway or to the payment's issuer. Does
 * nothing unless the run's insider is a merchant or a gateway that knows of a payment.
 *
 * An insider gateway times an `outlivesHold` request on an approved authorization whose hold
 * expires later: it sends it at the hold's expiry, whenever the clock gets there, and the issuer
 * takes it at that instant, before its own tick releases the hold (`World.sendAt`). Only a
 * request that outlives the hold is still valid then, and the issuer must refuse it as
 * `hold_expired`. Sent at once, it reached the issuer at that instant only when a run hit the
 * hold's expiry with it still in flight, which no run of seeds 1 to 3 at the catalog's budget did.
 *
 * @category commands
 * @since 0.6.0
 */
export class CraftOperation extends Base {
  constructor(
    readonly kind: CraftedKind,
    readonly sourceIndex: number,
    readonly twist: CraftTwist | "every"
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    const insider = m.world.directory.compromised?.kind
    return OPERATORS.some((kind) => kind === insider)
  }
  act(world: World): void {
    const insider = world.directory.compromised
    if (insider === null || insider.kind === "phone") return
    const known = knownTo(world.recorded(), insider.kind, insider.id)
    const source = pick(known.sources, this.sourceIndex)
    if (source === undefined) return
    const holdExpiry = source["holdExpiresAt_ms"]
    const timed = insider.kind === "gateway" && typeof holdExpiry === "number" && holdExpiry > world.net.now_ms
    for (const twist of this.twist === "every" ? CRAFT_TWISTS : [this.twist]) {
      const body = craftedOperation(insider.kind, insider.id, source, this.kind, twist, known, world.net.now_ms)
      world.count(`insider:${insider.kind}:craft:${this.kind}:${twist}`)
      const packet = world.run(insiderPacket(world.core, insider, body))
      if (twist === "outlivesHold" && timed) {
        world.count("insider:gateway:craft timed to the hold's expiry")
        world.sendAt(holdExpiry, packet)
      } else world.net.inFlight.push(packet)
    }
  }
  /** The newest payment; each twist alone, or the request with no twist. */
  override simpler(): ReadonlyArray<HarnessCommand> {
    const twists: ReadonlyArray<CraftTwist> = this.twist === "every" ? CRAFT_TWISTS : this.twist === "asIs" ? [] : ["asIs"]
    return [...(this.sourceIndex === 0 ? [] : [new CraftOperation(this.kind, 0, this.twist)]), ...twists.map((twist) => new CraftOperation(this.kind, this.sourceIndex, twist))]
  }
  toString(): string {
    return `CraftOperation(${JSON.stringify(this.kind)}, ${this.sourceIndex}, ${JSON.stringify(this.twist)})`
  }
}

/**
 * Crafted operations: which kind, on which payment (newest first), and one twist or, one draw in
 * two, every twist at once.
 *
 * @category commands
 * @since 0.6.0
 */
export const craftArbitrary: fc.Arbitrary<HarnessCommand> = fc
  .tuple(fc.constantFrom(...CRAFTED_KINDS), fc.nat({ max: 8 }), fc.oneof(fc.constant("every" as const), fc.constantFrom(...CRAFT_TWISTS)))
  .map(([kind, sourceIndex, twist]) => new CraftOperation(kind, sourceIndex, twist))
