/**
 * The people's commands: shoppers at their pages (shop, a second tab, refresh, a mistake,
 * closing the tab), their answers on the phone, a late answer reaching a page, and a compromised
 * merchant lying to its own shoppers' pages.
 */
import { Schema } from "effect"
import type { ChallengeId, OrderId, PartyId, Timestamp_ms } from "../domain/Ids.js"
import type { Money } from "../domain/Money.js"
import type { Packet } from "../machine/Machine.js"
import type { BrowserRequest } from "../messages/BrowserMerchant.js"
import type { Payer } from "../messages/Common.js"
import type { Challenge } from "../messages/IssuerPhone.js"
import type { BrowserState } from "../parties/Browser.js"
import type { MerchantState } from "../parties/Merchant.js"
import type { PhoneState } from "../parties/Phone.js"
import * as ModelOps from "../../model/Model.js"
import { Base, deliver, pick, tagOf, type HarnessCommand, type HarnessModel } from "./Command.js"
import { garbledRequest } from "./Forgery.js"
import { MISLEADING_ANSWERS, tellLie, type MisleadingAnswer } from "./Lies.js"
import { faultHorizon } from "./Retention.js"
import type { Customer } from "./Scope.js"
import type { World } from "./World.js"

/**
 * The shopper fills a cart and goes through checkout up to "pay now" on a reliable session
 * (nothing on that stretch touches money, so it is not where the faults are aimed). Each request
 * is followed by two deliveries of session packets, the oldest in flight, or with `ownOnly` the
 * oldest to or from this shopper's page (the canary's checkout, which other pages' polling must
 * not hold up).
 */
export const checkoutOnReliableSession = (world: World, shopper: Customer, ownOnly = false): void => {
  const { core } = world
  const browser = shopper.browser
  const exchange = (label: string, input: { readonly _tag: string; readonly now_ms: Timestamp_ms } & Record<string, unknown>) => {
    world.input(label, browser, input)
    for (let i = 0; i < 2; i++) {
      const at = world.net.inFlight.findIndex((p) => p.channel === "session" && (!ownOnly || p.from === browser || p.to === browser))
      const packet = at < 0 ? undefined : world.net.inFlight.splice(at, 1)[0]
      if (packet !== undefined) deliver(world, packet)
    }
  }
  const now_ms = world.net.now_ms
  world.count("checkout")
  world.input(`shopper ${shopper.name}: add a kettle to the cart`, browser, { _tag: "AddToCart", now_ms, line: new core.BrowserMerchant.OrderLine({ sku: core.Topology.skus.kettle, quantity: 1 }) })
  exchange("shopper: confirm the order", { _tag: "ConfirmOrder", now_ms })
  exchange("shopper: choose express delivery", { _tag: "ChooseDelivery", now_ms, option: "express" })
  exchange("shopper: enter the address", { _tag: "EnterAddress", now_ms, address: core.Shopper.address })
}


/** The `index`-th shopper, counted round the world's customers. */
const shopperAt = (world: World, index: number): Customer => {
  const customers = world.directory.customers
  const customer = customers[index % customers.length]
  if (customer === undefined) throw new Error("a world has at least one customer")
  return customer
}

/** The payer of a shopper: their own account at their issuer. */
const payerOf = (world: World, shopper: Customer) => new world.core.Common.Payer({ issuer: shopper.issuer, account: shopper.account })

/** The shopper clicks "pay now" for `order` with `payer` (their own account unless they mistype it); the model records which order and total they agreed to. */
export const payNow = (
  world: World,
  shopper: Customer,
  order: { readonly orderId: OrderId; readonly total: Money },
  count: "payNow" | "payAgain" | "mistake",
  payer: Payer = payerOf(world, shopper)
): void => {
  world.count(count)
  world.model = ModelOps.payClicked(world.model, shopper.browser, shopper.merchant, order.orderId, order.total)
  world.input(`shopper ${shopper.name}: click pay now (${payer.account} at ${payer.issuer} pays ${shopper.merchant})`, shopper.browser, {
    _tag: "ClickPayNow",
    now_ms: world.net.now_ms,
    payer
  })
}

/**
 * A shopper takes the next step their page allows. A quick shopper checks out and pays in one go;
 * a slow one fills the cart, confirms, chooses delivery, enters the address, has second thoughts
 * (other delivery, the address again) and pays only when told to go quickly. After a decline they
 * pay again; after an approval they start over.
 */
export class Shop extends Base {
  constructor(
    readonly shopper: number,
    readonly slowly: boolean
  ) {
    super()
  }
  act(world: World): void {
    const core = world.core
    const shopper = shopperAt(world, this.shopper)
    const browser = world.net.state<BrowserState>(shopper.browser)
    const now_ms = world.net.now_ms
    const who = `shopper ${shopper.name}`
    switch (browser.screen) {
      case "Shopping":
        if (this.slowly) {
          world.count("shop")
          world.input(`${who}: add a mug to the cart`, shopper.browser, { _tag: "AddToCart", now_ms, line: new core.BrowserMerchant.OrderLine({ sku: core.Topology.skus.mug, quantity: 1 }) })
          world.input(`${who}: confirm the order`, shopper.browser, { _tag: "ConfirmOrder", now_ms })
        } else {
          checkoutOnReliableSession(world, shopper)
          const ready = world.net.state<BrowserState>(shopper.browser)
          if (ready.screen === "ReadyToPay" && ready.order !== null) payNow(world, shopper, ready.order, "payNow")
        }
        return
      case "Checkout":
        world.count("shop")
        if (browser.order?.delivery === null) world.input(`${who}: choose standard delivery`, shopper.browser, { _tag: "ChooseDelivery", now_ms, option: "standard" })
        else world.input(`${who}: enter the address`, shopper.browser, { _tag: "EnterAddress", now_ms, address: core.Shopper.address })
        return
      case "ReadyToPay":
      case "Declined": {
        const order = browser.order
        if (order === null) return
        if (this.slowly && browser.screen === "ReadyToPay") {
          // A slow shopper has second thoughts before paying: other delivery, or the address again.
          world.count("shop")
          if (order.delivery === "standard") world.input(`${who}: switch to express delivery`, shopper.browser, { _tag: "ChooseDelivery", now_ms, option: "express" })
          else world.input(`${who}: enter the address again`, shopper.browser, { _tag: "EnterAddress", now_ms, address: core.Shopper.address })
          return
        }
        payNow(world, shopper, order, browser.screen === "Declined" ? "payAgain" : "payNow")
        return
      }
      case "Approved":
        world.count("shop")
        world.net.restart(shopper.browser)
        world.lines.push({ command: `${who}: done, back to the shop for another order`, outputs: [] })
        return
      default:
        return
    }
  }
  toString(): string {
    return `Shop(${this.shopper}, ${this.slowly})`
  }
  /** The quick checkout; the first shopper, whose balance covers any order. */
  override simpler(): ReadonlyArray<HarnessCommand> {
    return [...(this.slowly ? [new Shop(this.shopper, false)] : []), ...(this.shopper === 0 ? [] : [new Shop(0, this.slowly)])]
  }
}

/**
 * A second tab on the same session, straight to the shopper's merchant: another "pay now" (or a
 * racing double click past the disabled button) with a new request id, or a change of delivery
 * option behind the first tab's back, so that tab's "pay now" carries a total that is no longer
 * the order's.
 */
export class SecondTab extends Base {
  constructor(
    readonly shopper: number,
    readonly what: "pay" | "delivery" = "pay"
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.state<BrowserState>(shopperAt(m.world, this.shopper).browser).order !== null
  }
  act(world: World): void {
    const { core } = world
    const shopper = shopperAt(world, this.shopper)
    const browser = world.net.state<BrowserState>(shopper.browser)
    const order = browser.order
    if (order === null) return
    const ids = { requestId: core.Ids.RequestId.make(`tab2.${world.steps}`), sessionId: browser.sessionId, orderId: order.orderId }
    if (this.what === "delivery") {
      world.count("changeInSecondTab")
      const option = order.delivery === "express" ? "standard" : "express"
      const body = new core.BrowserMerchant.SelectDelivery({ ...ids, option })
      return sendFromSecondTab(world, shopper, `shopper ${shopper.name}: choose ${option} delivery in a second tab`, body)
    }
    world.count("payTwice")
    world.model = ModelOps.payClicked(world.model, shopper.browser, shopper.merchant, order.orderId, order.total)
    const body = new core.BrowserMerchant.PayNow({ ...ids, total: order.total, payer: payerOf(world, shopper) })
    sendFromSecondTab(world, shopper, `shopper ${shopper.name}: pay now again from a second tab`, body)
  }
  override simpler(): ReadonlyArray<HarnessCommand> {
    return this.shopper === 0 ? [] : [new SecondTab(0, this.what)]
  }
  toString(): string {
    return this.what === "pay" ? `SecondTab(${this.shopper})` : `SecondTab(${this.shopper}, ${JSON.stringify(this.what)})`
  }
}

/** A request from a second tab reaches the merchant at once; its answer goes to the shopper's browser, which did not ask. */
const sendFromSecondTab = (world: World, shopper: Customer, label: string, body: BrowserRequest): void => {
  const packet: Packet = { from: shopper.browser, to: shopper.merchant, channel: "session", payload: Schema.encodeSync(world.core.BrowserMerchant.BrowserRequest)(body) }
  world.receive(label, shopper.merchant, packet)
}

/** The `phoneIndex`-th of the phones showing a challenge now (so the command follows whoever was asked to pay). */
const phoneOf = (world: World, phoneIndex: number): PartyId | undefined =>
  pick(
    world.directory.phones.filter((phone) => shownChallenge(world, phone) !== undefined),
    phoneIndex
  )

/** The issuer a phone is enrolled with. */
const issuerOfPhone = (world: World, phone: PartyId): PartyId => world.directory.customers.find((c) => c.phones.includes(phone))?.issuer ?? world.directory.clearing

/**
 * The person holding `phone` answers `challenge` on it: the model records their decision (once per
 * challenge), then the phone gets the input. `verb` names it in the trace (the decision, or
 * "approve again").
 */
export const answerOnPhone = (world: World, who: string, phone: PartyId, challenge: Challenge, decision: "approve" | "decline", verb: string = decision): void => {
  world.model = ModelOps.decide(world.model, phone, issuerOfPhone(world, phone), challenge, decision, world.net.now_ms)
  world.input(`${who}: ${verb} ${challenge.id} (${challenge.amount.amount_minor} ${challenge.amount.currency} to ${challenge.payee.name})`, phone, {
    _tag: "Answer",
    now_ms: world.net.now_ms,
    challengeId: challenge.id as ChallengeId,
    decision
  })
}

/** The challenges a phone shows now, waiting for an answer, in the order they came. */
export const shownChallenges = (world: World, phone: PartyId): ReadonlyArray<Challenge> =>
  world.net.state<PhoneState>(phone).challenges.values().filter((c) => c.state === "Pending").map((c) => c.challenge)

/** The challenge a phone shows now, waiting for an answer, if any: the first of them. */
export const shownChallenge = (world: World, phone: PartyId): Challenge | undefined => shownChallenges(world, phone)[0]

/** The shopper answers the challenge shown on a phone: approve, decline, approve twice, or approve late. */
export class Answer extends Base {
  constructor(
    readonly phoneIndex: number,
    readonly how: "approve" | "decline" | "approveTwice" | "approveLate"
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return phoneOf(m.world, this.phoneIndex) !== undefined
  }
  act(world: World): void {
    const phone = phoneOf(world, this.phoneIndex)
    if (phone === undefined) return
    const challenge = shownChallenge(world, phone)
    if (challenge === undefined) return
    const decision = this.how === "decline" ? "decline" : "approve"
    world.count(this.how)
    answerOnPhone(world, `shopper on ${phone}`, phone, challenge, decision)
    if (this.how === "approveTwice") answerOnPhone(world, `shopper on ${phone}`, phone, challenge, decision, "approve again")
    if (this.how === "approveLate") {
      // The answer is held up in the network and reaches the issuer at the challenge's deadline,
      // before the issuer's own clock has ticked past it; no later than the fault horizon, as
      // every clock move of a run's commands (a deadline past it is not reached, as `Deadline`'s).
      const held = world.net.inFlight.filter((p) => p.from === phone)
      world.net.inFlight.splice(0, world.net.inFlight.length, ...world.net.inFlight.filter((p) => p.from !== phone))
      if (challenge.expiresAt_ms <= faultHorizon(world)) world.net.now_ms = Math.max(world.net.now_ms, challenge.expiresAt_ms) as Timestamp_ms
      else world.count("clock:held at the fault horizon")
      for (const packet of held) world.receive(`deliver the held-up answer at ${world.net.now_ms}`, packet.to, packet)
    }
  }
  override simpler(): ReadonlyArray<HarnessCommand> {
    return [
      ...(this.how === "approve" || this.how === "decline" ? [] : [new Answer(this.phoneIndex, "approve")]),
      ...(this.phoneIndex === 0 ? [] : [new Answer(0, this.how)])
    ]
  }
  toString(): string {
    return `Answer(${this.phoneIndex}, ${JSON.stringify(this.how)})`
  }
}

/** A shopper abandons the checkout: closes the tab (the browser loses everything but the session). */
export class Abandon extends Base {
  constructor(readonly shopper: number) {
    super()
  }
  act(world: World): void {
    const shopper = shopperAt(world, this.shopper)
    world.count("abandon")
    world.net.restart(shopper.browser)
    world.lines.push({ command: `shopper ${shopper.name}: close the tab`, outputs: [] })
  }
  toString(): string {
    return `Abandon(${this.shopper})`
  }
}

/**
 * A shopper refreshes the page and reopens the order they were on, or opens the confirmation link
 * of an order that is not theirs (another session's, shared or guessed): the merchant must answer
 * that one as unknown.
 */
export class Refresh extends Base {
  constructor(
    readonly shopper: number,
    readonly link: "own" | "other" = "own"
  ) {
    super()
  }
  act(world: World): void {
    const shopper = shopperAt(world, this.shopper)
    const browser = world.net.state<BrowserState>(shopper.browser)
    const orderId = this.link === "own" ? browser.order?.orderId : foreignOrder(world, shopper.merchant, browser.sessionId)
    world.count(this.link === "own" ? "refresh" : "openOtherOrder")
    world.net.restart(shopper.browser)
    world.lines.push({ command: `shopper ${shopper.name}: refresh the page`, outputs: [] })
    if (orderId !== undefined) {
      const whose = this.link === "own" ? "" : " (a link to another shopper's order)"
      world.input(`shopper ${shopper.name}: open order ${orderId}${whose}`, shopper.browser, { _tag: "OpenOrder", now_ms: world.net.now_ms as Timestamp_ms, orderId: orderId as OrderId })
    }
  }
  override simpler(): ReadonlyArray<HarnessCommand> {
    return this.shopper === 0 ? [] : [new Refresh(0, this.link)]
  }
  toString(): string {
    return this.link === "own" ? `Refresh(${this.shopper})` : `Refresh(${this.shopper}, ${JSON.stringify(this.link)})`
  }
}

/** An order of `merchant`'s that another session made, or an id it never gave out. */
const foreignOrder = (world: World, merchant: PartyId, sessionId: string): string =>
  world.net.state<MerchantState>(merchant).orders.values().find((o) => o.sessionId !== sessionId)?.id ?? "ord-0"

/**
 * A shopper's honest mistake, as their page allows: on the shop, an order from a stale product
 * page (a product the merchant no longer sells), which the merchant refuses; ready to pay (or
 * after a decline), "pay now" with an account at a bank no acquirer reaches, which the gateway
 * declines.
 */
export class Mistake extends Base {
  constructor(readonly shopper: number) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    const browser = m.world.net.state<BrowserState>(shopperAt(m.world, this.shopper).browser)
    return browser.inFlight === null && (browser.screen === "Shopping" ? browser.cart.length === 0 : browser.screen === "ReadyToPay" || browser.screen === "Declined")
  }
  act(world: World): void {
    const { core } = world
    const shopper = shopperAt(world, this.shopper)
    const browser = world.net.state<BrowserState>(shopper.browser)
    const now_ms = world.net.now_ms
    const who = `shopper ${shopper.name}`
    if (browser.inFlight !== null) return
    if (browser.screen === "Shopping" && browser.cart.length === 0) {
      world.count("mistake")
      const line = new core.BrowserMerchant.OrderLine({ sku: core.Ids.Sku.make("sku-discontinued-teapot"), quantity: 1 })
      world.input(`${who}: add a discontinued teapot to the cart (a stale page)`, shopper.browser, { _tag: "AddToCart", now_ms, line })
      world.input(`${who}: confirm the order`, shopper.browser, { _tag: "ConfirmOrder", now_ms })
      return
    }
    const order = browser.order
    if ((browser.screen !== "ReadyToPay" && browser.screen !== "Declined") || order === null) return
    payNow(world, shopper, order, "mistake", new core.Common.Payer({ issuer: core.Ids.PartyId.make("issuer-unknown"), account: shopper.account }))
  }
  toString(): string {
    return `Mistake(${this.shopper})`
  }
}

/**
 * A shopper sends their merchant, on their own session, a request their page would never write:
 * the newest request the page sent, with a field dropped, of the wrong type or one too many, or
 * an unknown type (`Forgery.malformedBody`), as a shopper's own script or a broken client could.
 * The session is the shopper's, so the transport lets it through; the merchant must refuse it with
 * a typed rejection and change nothing, like any forgery.
 */
export class Garble extends Base {
  constructor(
    readonly shopper: number,
    readonly variant: number
  ) {
    super()
  }
  act(world: World): void {
    const shopper = shopperAt(world, this.shopper)
    const sent = world.recorded().filter((p) => p.channel === "session" && p.from === shopper.browser)
    const request = sent[sent.length - 1]
    if (request === undefined) return
    world.count("garble")
    const garbled = garbledRequest(request, this.variant)
    world.injectForgery(`shopper ${shopper.name}: send ${request.to} a garbled ${tagOf(request)} on the page's own session`, request.to, garbled)
  }
  override simpler(): ReadonlyArray<HarnessCommand> {
    return this.shopper === 0 ? [] : [new Garble(0, this.variant)]
  }
  toString(): string {
    return `Garble(${this.shopper}, ${this.variant})`
  }
}

/**
 * An old answer from the merchant reaches the shopper's browser late (a response held up in a
 * proxy, or a retried request answered twice): the `age`-th newest answer the merchant ever sent
 * that browser, or, once the minimizer has named it, the newest answer of that kind (an order
 * status such as `"paid"`, or `"refused"`). The browser must take only the answer to the request
 * it has in flight.
 */
export class LateAnswer extends Base {
  constructor(
    readonly shopper: number,
    readonly age: number | string
  ) {
    super()
  }
  act(world: World): void {
    const shopper = shopperAt(world, this.shopper)
    const packet = lateAnswer(world, shopper, this.age)
    if (packet === undefined) return
    world.count("lateAnswer")
    world.receive(`network: a late ${answerKind(packet)} ${tagOf(packet)} reaches ${shopper.browser}`, shopper.browser, packet)
  }
  /** The same with the kind of answer named, so removing other commands never changes which answer comes late; then for the first shopper. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const packet = lateAnswer(world, shopperAt(world, this.shopper), this.age)
    return [
      ...(packet === undefined || typeof this.age === "string" ? [] : [new LateAnswer(this.shopper, answerKind(packet))]),
      ...(this.shopper === 0 ? [] : [new LateAnswer(0, this.age)])
    ]
  }
  toString(): string {
    return `LateAnswer(${this.shopper}, ${JSON.stringify(this.age)})`
  }
}

/** What a merchant's answer says: the order's status, or `"refused"`. */
const answerKind = (packet: Packet): string => {
  const payload = packet.payload as { readonly _tag?: string; readonly status?: string }
  return payload._tag === "RequestRefused" ? "refused" : String(payload.status)
}

/** The answer {@link LateAnswer} delivers: the `age`-th newest to the shopper's browser, or the newest of a named kind. */
const lateAnswer = (world: World, shopper: Customer, age: number | string): Packet | undefined => {
  const answers = world.recorded().filter((p) => p.to === shopper.browser && (typeof age === "number" || answerKind(p) === age))
  return answers[answers.length - 1 - (typeof age === "number" ? age % Math.max(1, answers.length) : 0)]
}

/**
 * A compromised merchant starts lying to its own shoppers' pages: from now on, every answer it
 * sends a page arrives as another status of the order or a refusal (`answer` first, then the
 * others in turn; a later `Mislead` starts the turn again at its own `answer`), and a page
 * waiting now is lied to at once. What the pages then show is out of
 * the guarantees' scope (DESIGN.md section 8: the merchant's own customers); what must still hold
 * is that nobody's bank moves money without an approval on their phone.
 */
export class Mislead extends Base {
  constructor(
    readonly shopper: number,
    readonly answer: MisleadingAnswer
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.directory.compromised?.kind === "merchant"
  }
  act(world: World): void {
    const insider = world.directory.compromised
    if (insider?.kind !== "merchant") return
    world.lies = MISLEADING_ANSWERS.indexOf(this.answer)
    const waiting = world.directory.customers.filter((c) => c.merchant === insider.id && world.net.state<BrowserState>(c.browser).inFlight !== null)
    const shopper = pick(waiting, this.shopper)
    const requestId = shopper === undefined ? undefined : world.net.state<BrowserState>(shopper.browser).inFlight?.requestId
    if (shopper !== undefined && requestId !== undefined) tellLie(world, insider.id, shopper.browser, requestId)
    else world.lines.push({ command: `insider ${insider.id}: lie to its shoppers from now on`, outputs: [] })
  }
  toString(): string {
    return `Mislead(${this.shopper}, ${JSON.stringify(this.answer)})`
  }
}
