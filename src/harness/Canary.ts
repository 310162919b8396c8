/**
 * The canary: the invariants are safety properties and agreement, and liveness asks only that
 * everything end, so a core that declines every payment, or never captures or settles one, passes
 * them all. After a run has settled, one honest shopper checks out on the calm network; the
 * payment must be approved and shown as approved, captured in full, and settled: the customer's
 * account debited by the total and the merchant's account at its acquirer credited with the total
 * less the acquirer's fee. The capture's cycle is cleared step by step: each bank must confirm
 * its instruction in the step that posts it, and a bank whose confirmation is lost must confirm
 * the clearing house's retry again. Then half of the payment is refunded, and the rest while the
 * acquirer's submission of the first refund is held up in the network: the acquirer must not
 * submit again before that one's receipt, and both refunds must be settled back. Then the same
 * shopper pays a second order, and the staff void it: the hold must be released, and nobody's
 * posted balance moves. Then the staff misclick: a capture, void or refund the merchant's figures
 * rule out must be refused by the merchant itself. Then a third order ships in part and the rest
 * is cancelled, the void's answer overtaking the capture's, and the unit shipped comes back. Then
 * a fourth order is captured at once, the capture reaching the issuer at its own expiry, and again
 * a millisecond before its hold expires, the capture reaching the issuer at the hold's expiry;
 * where the clearing house's bound of instructions unconfirmed is lowered, banks slow to confirm
 * keep a refund's cycle from closing past it; and two more orders race for the shopper's last
 * funds. Last, on a busy day, every honest customer who can pays, and every payment is captured
 * and cleared in one cycle.
 */
import { PaymentId, type OrderId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import type { OrderView } from "../messages/BrowserMerchant.js"
import type { BrowserState } from "../parties/Browser.js"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { GatewayState } from "../parties/Gateway.js"
import type { IssuerState } from "../parties/Issuer.js"
import type { MerchantPayment, MerchantState } from "../parties/Merchant.js"
import { acquirerFee, merchantAccountId, postedBalance, spendable } from "../../model/Books.js"
import { bodyOf } from "../../model/Answers.js"
import { chainOf } from "../../model/Links.js"
import { staffAsk, tagOf } from "./Commands.js"
import { checkSafety, InvariantViolation } from "./Invariants.js"
import { deliverAll, quiescenceRounds } from "./Quiescence.js"
import { quickCheckoutOf, type Customer } from "./Scope.js"
import { answerOnPhone, checkoutOnReliableSession, payNow, shownChallenge, shownChallenges } from "./Shoppers.js"
import type { World } from "./World.js"

/** Whether a shopper's whole path is honest: their merchant, its acquirer and their phones are not the insider, and the merchant prices in their account's currency. */
const honest = (world: World, shopper: Customer): boolean => {
  const insider = world.directory.compromised?.id
  const merchant = world.net.state<MerchantState>(shopper.merchant)
  const insiders = shopper.phones.some((phone) => phone === insider) || shopper.merchant === insider || world.directory.gatewayOf[shopper.merchant] === insider
  return !insiders && merchant.config.currency === shopper.currency
}

/** What the shopper's account can still spend at their issuer. */
const spendableOf = (world: World, shopper: Customer): number => spendable(world.net.state<IssuerState>(shopper.issuer).ledger, shopper.account)

/** Fails the canary unless the shopper's account can spend what it could before `step`. */
const expectSpendable = (world: World, shopper: Customer, before: number, step: string): void => {
  const now = spendableOf(world, shopper)
  if (now !== before) dead(`${shopper.issuer} ${shopper.account}: ${now} spendable after ${step}, not ${before}`)
}

/** What the shopper would have left after a quick checkout at their merchant (negative when they cannot afford one). */
const spareAfterQuickCheckout_minor = (world: World, shopper: Customer): number =>
  spendableOf(world, shopper) - quickCheckoutOf(world.core, world.net.state<MerchantState>(shopper.merchant).config)

/** Whether the shopper can pay in the canary: their whole path is honest, they have a phone, and their account covers a quick checkout. */
const canPay = (world: World, shopper: Customer): boolean => honest(world, shopper) && shopper.phones.length > 0 && spareAfterQuickCheckout_minor(world, shopper) >= 0

/** The merchant's payment for an order: its latest attempt. */
const paymentFor = (world: World, merchant: PartyId, orderId: OrderId): MerchantPayment | undefined => {
  const state = world.net.state<MerchantState>(merchant)
  const id = state.orders.get(orderId)?.payments.at(-1)
  return id === undefined ? undefined : state.payments.get(id)
}

/** Fails the run with the canary's finding. */
const dead = (finding: string): never => {
  throw new InvariantViolation("canary", "the canary's checkout", [finding])
}

/** The merchant's staff ask for one operation, the world quiesces, and every safety invariant is checked after it. */
const staffStep = (world: World, merchant: PartyId, payment: MerchantPayment, operation: "capture" | "void" | "refund", amount_minor: number, step: string): void => {
  staffAsk(world, merchant, payment.request.id, operation, amount_minor)
  quiescenceRounds(world)
  checkSafety(world, `the canary's ${step}`)
}

/**
 * Clears a capture the merchant has heard accepted step by step on the calm network, losing one
 * confirmation: a millisecond passes and the acquirer submits, the clearing house closes the
 * cycle, and its instructions are delivered with no more time passing. Every bank must confirm
 * its instruction at once, in the step that posts it, not when the instruction is sent again; the
 * first confirmation is lost, and once the world quiesces the bank must have confirmed the
 * clearing house's retry of it from its records, so the cycle settles.
 */
const clearLosingAConfirmation = (world: World): void => {
  const clearing = world.directory.clearing
  const house = (): ClearingHouseState => world.net.state<ClearingHouseState>(clearing)
  world.advance("canary: a millisecond passes, the acquirer submits the capture", 1)
  deliverAll(world)
  const cycle = String(house().cycle)
  world.input("canary: the clearing house closes the cycle", clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
  const lost: Array<Packet> = []
  deliverAll(world, (packet) => {
    if (lost.length > 0 || tagOf(packet) !== "SettlementConfirmation") return false
    lost.push(packet)
    world.count("canaryLostConfirmation")
    world.lines.push({ command: `canary: the confirmation ${packet.from} -> ${packet.to} is lost`, outputs: [] })
    return true
  })
  const [confirmation] = lost
  if (confirmation === undefined) return dead(`cycle ${cycle}: no bank confirmed its instruction in the step that posted it`)
  const unconfirmed = house().cycles.get(cycle)?.unconfirmed ?? []
  if (unconfirmed.length !== 1) return dead(`cycle ${cycle}: ${unconfirmed.length} instructions unconfirmed before any was sent again, not only the one whose confirmation was lost`)
  quiescenceRounds(world)
  checkSafety(world, "the canary's lost confirmation")
  const settled = house().cycles.get(cycle)
  if (settled?.state !== "Settled") return dead(`cycle ${cycle}: ${settled?.state ?? "missing"}, not settled once ${confirmation.from} was sent its instruction again`)
}

/** Takes `gateway`'s clearing submissions out of the network, held up there until they are put back. */
const holdSubmissions = (world: World, gateway: PartyId): ReadonlyArray<Packet> => {
  const inFlight = world.net.inFlight
  const held = inFlight.filter((p) => p.from === gateway && tagOf(p) === "ClearingSubmission")
  if (held.length === 0) return held
  inFlight.splice(0, inFlight.length, ...inFlight.filter((p) => !held.includes(p)))
  world.lines.push({ command: `canary: ${gateway}'s clearing submission is held up in the network`, outputs: [] })
  return held
}

/**
 * Checks out on a fresh page of `shopper` and clicks "pay now"; returns the order once everything
 * in flight has been delivered (the issuer's challenge is on the shopper's phone), or fails the
 * canary if the checkout did not end ready to pay.
 */
const payOnFreshPage = (world: World, shopper: Customer, step: string): OrderView => {
  world.net.restart(shopper.browser)
  world.lines.push({ command: `canary: shopper ${shopper.name} opens a fresh page (${step})`, outputs: [] })
  checkoutOnReliableSession(world, shopper, true)
  const ready = world.net.state<BrowserState>(shopper.browser)
  const order = ready.order
  if (ready.screen !== "ReadyToPay" || order === null) return dead(`shopper ${shopper.name}'s checkout ended on ${ready.screen}, not ready to pay`)
  payNow(world, shopper, order, "payNow")
  deliverAll(world)
  checkSafety(world, `the canary's pay now (${step})`)
  return order
}

/**
 * Checks out on a fresh page of `shopper`, pays and approves on `phone`, and returns the order
 * and its payment once the world has quiesced and the page shows it approved; fails the canary
 * otherwise.
 */
const approvedCheckout = (world: World, shopper: Customer, phone: PartyId, step: string): { readonly order: OrderView; readonly payment: MerchantPayment } => {
  const { merchant } = shopper
  const order = payOnFreshPage(world, shopper, step)
  const challenge = shownChallenge(world, phone) ?? dead(`${phone} shows no challenge for ${merchant}/${order.orderId}`)
  answerOnPhone(world, `canary: shopper on ${phone}`, phone, challenge, "approve")
  quiescenceRounds(world)
  checkSafety(world, `the canary's approval (${step})`)
  const shown = world.net.state<BrowserState>(shopper.browser)
  if (shown.screen !== "Approved" || shown.order?.orderId !== order.orderId) return dead(`shopper ${shopper.name}'s page shows ${shown.screen} for ${shown.order?.orderId ?? "no order"}, not approved for ${order.orderId}`)
  const payment = paymentFor(world, merchant, order.orderId)
  if (payment?.state !== "Authorized") return dead(`${merchant}/${order.orderId}: payment ${payment?.state ?? "missing"}, not authorized`)
  return { order, payment }
}

/**
 * Runs the canary on a settled world: the first honest shopper whose account holds exactly what
 * a quick checkout costs, or else the first whose account covers one, opens a fresh page, checks
 * out, pays, approves on their first phone, and the merchant's staff capture the whole payment
 * (its cycle cleared losing one bank's confirmation), then refund half of it, then the rest (with
 * the acquirer's first submission held up); then the shopper pays a second order and the staff
 * void it, then misclick on both payments; then a third order ships one unit and is cancelled for
 * the rest, the void's answer overtaking the capture's, and the unit is refunded; then a fourth
 * order is captured at once, the capture reaching the issuer at its own expiry (it must be refused),
 * and again a millisecond before its hold expires, the capture reaching the issuer at the hold's
 * expiry (it must be refused and the hold released); then, in a world that lowers the clearing
 * house's bound of instructions unconfirmed, another order is captured and refunded with the
 * banks' confirmations of the capture's cycle held up (the refund's cycle must not close past the
 * bound); then, if the shopper can afford one quick checkout and not two, two more orders race
 * for the last funds, both approved (one must
 * be held, the other declined for funds, and the one held is voided). The third and the race need
 * two of the merchant's requests in flight at once, and are skipped at a merchant that keeps only
 * one (a world that lowers the bound; counted `canaryOneInFlight`). After each step the world quiesces
 * again (the clearing cycle closes and settles), and every safety invariant is checked, so a bug
 * the canary runs into is named by the invariant it breaks. Throws an {@link InvariantViolation}
 * named `canary` if a payment is not approved and shown, or the first not captured, settled and
 * refunded in full, a bank's confirmation not sent at once or not sent again, the second's hold
 * not released, or the third not captured for the unit and voided for the rest, or not refunded
 * and settled back, or the fourth captured or its hold not released, or the slow banks' order not
 * settled back, or the race not won by exactly one payment. Returns whether it ran: a world whose
 * every shopper is an insider's customer or out of funds has no canary (the run's
 * coverage counts `canarySkipped`).
 */
export const canary = (world: World): boolean => {
  const able = world.directory.customers.filter((c) => canPay(world, c))
  // A shopper with exactly a quick checkout's worth comes first: a payment of all the funds available must be held too.
  const exact = able.find((c) => spareAfterQuickCheckout_minor(world, c) === 0)
  const shopper = exact ?? able[0]
  const phone = shopper?.phones[0]
  if (shopper === undefined || phone === undefined) {
    world.count("canarySkipped")
    return false
  }
  world.count("canary")
  if (exact !== undefined) world.count("canaryExactFunds")
  const { merchant } = shopper
  const gateway = world.directory.gatewayOf[merchant] ?? dead(`${merchant} has no acquirer`)
  const merchantAccount = merchantAccountId(merchant, shopper.currency)
  const customerBefore = postedBalance(world.net.state<IssuerState>(shopper.issuer).ledger, shopper.account)
  const merchantBefore = postedBalance(world.net.state<GatewayState>(gateway).ledger, merchantAccount)

  const { order, payment: authorized } = approvedCheckout(world, shopper, phone, "capture and refund")
  staffAsk(world, merchant, authorized.request.id, "capture", order.total.amount_minor)
  deliverAll(world)
  checkSafety(world, "the canary's capture")
  const captured = paymentFor(world, merchant, order.orderId)
  if (captured?.state !== "Captured" || captured.captured_minor !== order.total.amount_minor) {
    return dead(`${merchant}/${order.orderId}: payment ${captured?.state ?? "missing"} with ${captured?.captured_minor ?? 0} captured, not ${order.total.amount_minor}`)
  }
  clearLosingAConfirmation(world)
  const fee = acquirerFee(order.total.amount_minor, world.net.state<GatewayState>(gateway).config.feeBps)
  expectMoved(world, shopper, gateway, merchantAccount, { customer: customerBefore - order.total.amount_minor, merchant: merchantBefore + order.total.amount_minor - fee })

  // Half of it comes back, then the rest, asked for while the acquirer's submission of the first waits for its receipt.
  const half_minor = Math.floor(order.total.amount_minor / 2)
  let held: ReadonlyArray<Packet> = []
  for (const [step, refund_minor] of [["half", half_minor], ["the rest", order.total.amount_minor - half_minor]] as const) {
    const before = paymentFor(world, merchant, order.orderId) ?? dead(`${merchant}/${order.orderId}: payment missing before the refund of ${step}`)
    staffAsk(world, merchant, before.request.id, "refund", refund_minor)
    deliverAll(world)
    world.advance(`canary: a millisecond passes, ${gateway} may submit the refund of ${step}`, 1)
    checkSafety(world, `the canary's refund of ${step}`)
    const refunded = paymentFor(world, merchant, order.orderId)
    if (refunded?.refunded_minor !== before.refunded_minor + refund_minor) {
      return dead(`${merchant}/${order.orderId}: ${refunded?.refunded_minor ?? 0} refunded after the refund of ${step}, not ${before.refunded_minor + refund_minor}`)
    }
    if (held.length === 0) held = holdSubmissions(world, gateway)
  }
  if (held.length === 0) return dead(`${gateway} submitted no refund for clearing`)
  world.net.inFlight.push(...held)
  quiescenceRounds(world)
  checkSafety(world, "the canary's refunds settled")
  expectMoved(world, shopper, gateway, merchantAccount, { customer: customerBefore, merchant: merchantBefore - fee })

  // A second order, paid and then cancelled: the void must release the hold and move no money.
  const spendableBefore = spendableOf(world, shopper)
  const second = approvedCheckout(world, shopper, phone, "void")
  staffStep(world, merchant, second.payment, "void", 0, "void")
  const voided = paymentFor(world, merchant, second.order.orderId)
  if (voided?.voided !== true) return dead(`${merchant}/${second.order.orderId}: payment ${voided?.state ?? "missing"}, not voided`)
  const hold = chainOf(world.view(), world.net.state<MerchantState>(merchant), voided).hold
  if (hold?.status !== "voided") return dead(`${shopper.issuer}: the hold for ${merchant}/${second.order.orderId} is ${hold?.status ?? "missing"}, not voided`)
  expectSpendable(world, shopper, spendableBefore, "the void")
  expectMoved(world, shopper, gateway, merchantAccount, { customer: customerBefore, merchant: merchantBefore - fee })
  misclicks(world, merchant, authorized.request.id, second.payment.request.id)
  // Two requests of the merchant in flight at once: a capture and a void, then two payments.
  const inFlight = world.net.state<MerchantState>(merchant).config.outboxLimit
  const twoInFlight = inFlight === undefined || inFlight >= 2
  if (twoInFlight) crossedShipment(world, shopper, phone, gateway, merchantAccount, { customer: customerBefore, merchant: merchantBefore - fee })
  lateCaptures(world, shopper, phone, gateway, merchantAccount)
  if (world.net.state<ClearingHouseState>(world.directory.clearing).outboxLimit !== undefined) slowBanks(world, shopper, phone, gateway, merchantAccount)
  if (twoInFlight) raceForTheLastFunds(world, shopper, phone)
  else world.count("canaryOneInFlight")
  busyDay(world)
  return true
}

/**
 * The staff's misclicks: requests the merchant's confirmed figures already rule out, on the payment
 * captured and refunded in full and on the one voided, and on a payment the merchant never had.
 * Each must be refused by the merchant itself, with the spec's reason, and nothing sent: the
 * `operations` check judges every one (`model/MerchantOperations.ts`), and the world is checked
 * once they are done. The random runs' staff act only on payments still open, with portions of
 * what the merchant last heard, so they reach few of these refusals.
 */
const misclicks = (world: World, merchant: PartyId, refunded: PaymentId, voided: PaymentId): void => {
  world.count("canaryMisclicks")
  const unknown = PaymentId.make(`${voided}-not-a-payment`)
  const asks: ReadonlyArray<readonly [PaymentId, "capture" | "void" | "refund", number]> = [
    [voided, "capture", 1],
    [voided, "void", 0],
    [refunded, "refund", 1],
    [refunded, "capture", 1],
    [refunded, "capture", 0],
    [refunded, "refund", 0.5],
    [unknown, "void", 0]
  ]
  for (const [paymentId, operation, amount_minor] of asks) staffAsk(world, merchant, paymentId, operation, amount_minor)
  quiescenceRounds(world)
  checkSafety(world, "the canary's misclicks")
}

/**
 * A partial shipment whose answers cross: the shopper pays a third order, and the staff capture
 * one unit of it and cancel the rest at once. The issuer takes the capture first, but its answer
 * is held up in the network until the void's has reached the gateway and the merchant, so both
 * see the payment voided and then captured (the declared `Voided -> Captured`, which the random
 * runs take about once in 1,000), and the capture's result reaches the merchant twice. The
 * payment must end captured for that unit (once) and voided, at the merchant as at the issuer;
 * then the unit comes back, and once the cycle settles the customer's and the merchant's posted
 * balances (the merchant's `merchantAccount` at `gateway`, as the canary found them) are
 * `before`'s, less the acquirer's fee on the unit.
 */
const crossedShipment = (
  world: World,
  shopper: Customer,
  phone: PartyId,
  gateway: PartyId,
  merchantAccount: string,
  before: { readonly customer: number; readonly merchant: number }
): void => {
  const { merchant } = shopper
  const { order, payment } = approvedCheckout(world, shopper, phone, "partial shipment")
  const where = `${merchant}/${order.orderId}`
  staffAsk(world, merchant, payment.request.id, "capture", 1)
  staffAsk(world, merchant, payment.request.id, "void", 0)
  const held: Array<Packet> = []
  deliverAll(world, (packet) => {
    if (held.length > 0 || packet.from !== shopper.issuer || packet.to !== gateway || tagOf(packet) !== "OperationResponse" || (bodyOf(packet) as { readonly operation?: unknown } | undefined)?.operation !== "capture") return false
    held.push(packet)
    world.lines.push({ command: `canary: the answer to the capture of one unit, ${packet.from} -> ${packet.to}, is held up in the network`, outputs: [] })
    return true
  })
  const voided = paymentFor(world, merchant, order.orderId)
  if (held.length === 0 || voided?.state !== "Voided") return dead(`${where}: payment ${voided?.state ?? "missing"} with the capture's answer ${held.length === 0 ? "never sent" : "held up"}, not voided`)
  world.count("canaryCrossedAnswers")
  world.net.inFlight.push(...held)
  // The capture's result reaches the merchant twice: the second copy must change nothing.
  let duplicated = false
  deliverAll(world, (packet) => {
    if (duplicated || packet.to !== merchant || tagOf(packet) !== "OperationResult") return false
    duplicated = true
    world.net.inFlight.push(packet)
    world.lines.push({ command: `canary: the capture's result ${packet.from} -> ${packet.to} is duplicated in the network`, outputs: [] })
    return false
  })
  checkSafety(world, "the canary's partial shipment")
  const shipped = paymentFor(world, merchant, order.orderId)
  const hold = shipped === undefined ? undefined : chainOf(world.view(), world.net.state<MerchantState>(merchant), shipped).hold
  if (shipped?.state !== "Captured" || shipped.captured_minor !== 1 || !shipped.voided || hold?.status !== "voided" || hold.captured_minor !== 1) {
    return dead(`${where}: payment ${shipped?.state ?? "missing"} with ${shipped?.captured_minor ?? 0} captured, its hold ${hold?.status ?? "missing"} with ${hold?.captured_minor ?? 0} captured, not one unit captured and the rest voided`)
  }
  staffStep(world, merchant, shipped, "refund", 1, "refund of the unit shipped")
  expectOnlyTheFeeMoved(world, shopper, gateway, merchantAccount, before, 1)
}

/**
 * The staff capture `payment` in full, and the acquirer's capture request (only this payment's:
 * another may be in flight, such as an insider acquirer's request retried forever) is held up in
 * the network until the clock reads `arrival` of it, when it reaches the issuer, before anyone
 * ticks; `moment` names that instant in the trace, and `step` the canary's step whose safety is
 * checked once the issuer's answer has been delivered. Fails the canary if no such capture was
 * forwarded.
 */
const captureArrivingAt = (
  world: World,
  shopper: Customer,
  gateway: PartyId,
  paid: { readonly payment: MerchantPayment; readonly authorizationId: string; readonly amount_minor: number },
  arrival: (request: { readonly expiresAt_ms: number }) => number,
  moment: string,
  step: string
): void => {
  staffAsk(world, shopper.merchant, paid.payment.request.id, "capture", paid.amount_minor)
  const held: Array<Packet> = []
  deliverAll(world, (packet) => {
    if (held.length > 0 || packet.from !== gateway || tagOf(packet) !== "CaptureRequest" || (bodyOf(packet) as { readonly authorizationId?: unknown } | undefined)?.authorizationId !== paid.authorizationId) return false
    held.push(packet)
    return true
  })
  const request = held[0] === undefined ? undefined : (bodyOf(held[0]) as { readonly expiresAt_ms: number } | undefined)
  if (request === undefined) return dead(`${shopper.merchant}: ${gateway} forwarded no capture of ${paid.payment.request.id} (${step})`)
  const at = arrival(request)
  world.net.now_ms = at as Timestamp_ms
  world.lines.push({ command: `canary: the capture reaches ${shopper.issuer} at ${moment}, ${at}, before anyone ticks`, outputs: [] })
  world.net.inFlight.push(...held)
  deliverAll(world)
  checkSafety(world, `the canary's ${step}`)
}

/**
 * Two captures that come too late: the shopper pays a fourth order, and the staff capture it at
 * once, but the acquirer's request is held up in the network until its own expiry, when it reaches
 * the issuer (**the stale capture**): the issuer must refuse it `request_expired`, as the acquirer
 * would, from that instant on (the `operations` check predicts it), and take nothing. Then nobody
 * ships the order until a millisecond before its hold expires, when the staff capture it all
 * again (**the late capture**). The merchant sends the capture (the hold has not expired) and the
 * gateway forwards it, but it reaches the issuer at the hold's expiry, before any tick has
 * released the hold: the issuer must refuse it `hold_expired` (spec 4.5), not `hold_closed` (a
 * pending hold past its expiry is not closed), which the `operations` check predicts, and release
 * the hold on its next tick. The payment must end with nothing captured, its hold expired, and no
 * money moved (the merchant's `merchantAccount` at `gateway`). The random runs reach a request in
 * flight at exactly its own expiry, or a capture at exactly a hold's, only by the chance of their
 * clock moves.
 */
const lateCaptures = (world: World, shopper: Customer, phone: PartyId, gateway: PartyId, merchantAccount: string): void => {
  const { merchant } = shopper
  const before = balancesOf(world, shopper, gateway, merchantAccount)
  const { order, payment } = approvedCheckout(world, shopper, phone, "late captures")
  const where = `${merchant}/${order.orderId}`
  const chain = (of: MerchantPayment) => chainOf(world.view(), world.net.state<MerchantState>(merchant), of)
  const notCaptured = (hold: "pending" | "expired", step: string): void => {
    const late = paymentFor(world, merchant, order.orderId)
    const now = late === undefined ? undefined : chain(late).hold
    if (late === undefined || late.captured_minor !== 0 || now?.status !== hold || now.captured_minor !== 0) {
      dead(`${where}: payment ${late?.state ?? "missing"} with ${late?.captured_minor ?? 0} captured, its hold ${now?.status ?? "missing"} with ${now?.captured_minor ?? 0} captured, not refused and ${hold} after the ${step}`)
    }
  }
  const paid = chain(payment)
  const expiresAt_ms = paid.hold?.expiresAt_ms ?? dead(`${where}: no hold at ${shopper.issuer}`)
  const capture = { payment, authorizationId: paid.atGateway?.authorizationId ?? dead(`${where}: no authorization at ${gateway}`), amount_minor: order.total.amount_minor }
  world.count("canaryStaleCapture")
  captureArrivingAt(world, shopper, gateway, capture, (request) => request.expiresAt_ms, "the request's own expiry", "stale capture")
  notCaptured("pending", "stale capture")
  world.advance(`canary: nobody ships ${order.orderId} until a millisecond before its hold expires`, expiresAt_ms - 1 - world.net.now_ms)
  if (world.net.now_ms !== expiresAt_ms - 1) dead(`${where}: the clock stopped at ${world.net.now_ms}, short of a millisecond before the hold's expiry at ${expiresAt_ms}`)
  world.count("canaryLateCapture")
  captureArrivingAt(world, shopper, gateway, capture, () => expiresAt_ms, "the hold's expiry", "late capture")
  quiescenceRounds(world)
  checkSafety(world, "the canary's late capture's hold released")
  notCaptured("expired", "late capture")
  expectMoved(world, shopper, gateway, merchantAccount, before)
}

/**
 * Banks slow to confirm, in a world that lowers the clearing house's bound of instructions
 * unconfirmed (`ClearingBounds.outboxLimit`): the shopper pays another order, the staff capture it,
 * the acquirer submits and the clearing house closes the cycle, and every bank's confirmation is
 * held up in the network. Then the staff refund it all, the acquirer submits, and the clearing
 * house is asked to close again with those instructions still unconfirmed: past its bound, it must
 * refuse (`outbox full`; the `bounded` check holds it to the bound it was configured with) and keep
 * the cycle open. Once the confirmations arrive both cycles settle, and nobody's posted balance
 * has moved but for the acquirer's fee on the capture. Only a world with the bound lowered to about
 * its settlement accounts reaches it: the random runs close a cycle with items only after the tick
 * whose retries have confirmed the last one.
 */
const slowBanks = (world: World, shopper: Customer, phone: PartyId, gateway: PartyId, merchantAccount: string): void => {
  const { merchant } = shopper
  const clearing = world.directory.clearing
  const before = balancesOf(world, shopper, gateway, merchantAccount)
  const { order, payment } = approvedCheckout(world, shopper, phone, "banks slow to confirm")
  const confirmations: Array<Packet> = []
  const holdConfirmations = (packet: Packet): boolean => {
    if (tagOf(packet) !== "SettlementConfirmation") return false
    confirmations.push(packet)
    return true
  }
  world.count("canarySlowBanks")
  for (const operation of ["capture", "refund"] as const) {
    staffAsk(world, merchant, payment.request.id, operation, order.total.amount_minor)
    deliverAll(world)
    world.advance(`canary: a millisecond passes, ${gateway} submits the ${operation} for clearing`, 1)
    deliverAll(world, holdConfirmations)
    world.input(`canary: the clearing house closes the cycle of the ${operation}, ${confirmations.length} confirmations held up`, clearing, { _tag: "CloseCycle", now_ms: world.net.now_ms })
    deliverAll(world, holdConfirmations)
    world.lines.push({ command: `canary: the banks' confirmations of the ${operation}'s cycle are held up in the network`, outputs: [] })
    checkSafety(world, `the canary's banks slow to confirm the ${operation}`)
  }
  world.net.inFlight.push(...confirmations)
  quiescenceRounds(world)
  checkSafety(world, "the canary's slow confirmations delivered")
  expectOnlyTheFeeMoved(world, shopper, gateway, merchantAccount, before, order.total.amount_minor)
}

/**
 * The race for the last funds: a shopper whose account covers one quick checkout and not two pays
 * a fifth order, leaves the page before answering on the phone, pays a sixth on a fresh page, and
 * then approves both challenges. Each request fitted the funds alone, so the issuer challenged
 * both, and only placing the hold tells them apart: exactly one payment must be authorized and the
 * other declined for funds, and no account overdrawn after either answer (the `noOverdraft`
 * check). Then the staff void the one authorized, and the account can spend what it could before.
 * Skipped for a shopper who can afford two checkouts; the random runs race two payments for one
 * account's last funds only when two browsers share it and both are approved in time.
 */
const raceForTheLastFunds = (world: World, shopper: Customer, phone: PartyId): void => {
  const { merchant } = shopper
  const spare_minor = spareAfterQuickCheckout_minor(world, shopper)
  if (spare_minor < 0 || spare_minor >= quickCheckoutOf(world.core, world.net.state<MerchantState>(merchant).config)) return
  world.count("canaryRaceForFunds")
  const spendableBefore = spendableOf(world, shopper)
  const earlier = new Set(shownChallenges(world, phone).map((c) => c.id))
  const orders = [payOnFreshPage(world, shopper, "race for the last funds"), payOnFreshPage(world, shopper, "race for the last funds, again")]
  const where = `${merchant}/${orders.map((o) => o.orderId).join(" and ")}`
  const challenges = shownChallenges(world, phone).filter((c) => !earlier.has(c.id))
  if (challenges.length !== orders.length) return dead(`${where}: ${phone} shows ${challenges.length} new challenges, not one for each order`)
  for (const challenge of challenges) {
    answerOnPhone(world, `canary: shopper on ${phone}`, phone, challenge, "approve")
    deliverAll(world)
    checkSafety(world, `the canary's race for the last funds: ${challenge.id} approved`)
  }
  quiescenceRounds(world)
  checkSafety(world, "the canary's race for the last funds")
  const payments = orders.map((o) => paymentFor(world, merchant, o.orderId))
  const [won, ...others] = payments.filter((p) => p?.state === "Authorized")
  if (won === undefined || others.length > 0 || !payments.some((p) => p?.state === "Declined" && p.status === "insufficient_funds")) {
    return dead(`${where}: payments ${payments.map((p) => `${p?.state ?? "missing"} (${p?.status ?? "no answer"})`).join(" and ")}, not one authorized and one declined for funds`)
  }
  staffStep(world, merchant, won, "void", 0, "void of the race's winner")
  expectSpendable(world, shopper, spendableBefore, "the race")
}

/**
 * The busy day: honest customers who can afford a quick checkout, each bringing an issuer, an
 * acquirer or a currency the ones before did not, pay and approve; then the staff capture every
 * payment in full, and only then does the clearing cycle close. So one cycle holds items of every
 * issuer, acquirer and currency those customers reach (as many cycles as they take in a world that
 * lowers a cycle's items of one bank), and its settlement must still debit each
 * customer by their own total and credit each merchant with its own captures less the acquirer's
 * fee, and the world must quiesce with the cycle settled: an instruction that lists another
 * bank's items, or another currency's, fails here. Skipped with fewer than two such customers.
 */
const busyDay = (world: World): void => {
  // Each shopper brings an issuer, an acquirer or a currency the ones before did not: a few checkouts mix them all.
  const banks = (c: Customer): ReadonlyArray<string> => [`issuer ${c.issuer}`, `acquirer ${world.directory.gatewayOf[c.merchant] ?? ""}`, `currency ${c.currency}`]
  const met = new Set<string>()
  const shoppers = world.directory.customers.filter((c) => {
    const eligible = canPay(world, c)
    // One checkout per account: a second browser of the same account would find its funds held.
    const account = `account ${c.issuer}/${c.account}`
    if (!eligible || met.has(account) || (met.size > 0 && banks(c).every((b) => met.has(b)))) return false
    for (const b of [...banks(c), account]) met.add(b)
    return true
  })
  if (shoppers.length < 2) return
  world.count("canaryBusyDay")
  const merchantBalance = (merchant: PartyId, currency: string): number =>
    postedBalance(world.net.state<GatewayState>(world.directory.gatewayOf[merchant] ?? merchant).ledger, merchantAccountId(merchant, currency))
  const customerBalance = (c: Customer): number => postedBalance(world.net.state<IssuerState>(c.issuer).ledger, c.account)
  const expected = new Map<string, { readonly merchant: PartyId; readonly currency: string; balance: number }>()
  const customersBefore = shoppers.map(customerBalance)
  const paid = shoppers.map((shopper) => ({ shopper, ...approvedCheckout(world, shopper, shopper.phones[0] ?? shopper.browser, "busy day") }))
  for (const { shopper, order, payment } of paid) {
    const key = `${shopper.merchant}:${shopper.currency}`
    const gateway = world.directory.gatewayOf[shopper.merchant] ?? dead(`${shopper.merchant} has no acquirer`)
    const entry = expected.get(key) ?? { merchant: shopper.merchant, currency: shopper.currency, balance: merchantBalance(shopper.merchant, shopper.currency) }
    entry.balance += order.total.amount_minor - acquirerFee(order.total.amount_minor, world.net.state<GatewayState>(gateway).config.feeBps)
    expected.set(key, entry)
    staffAsk(world, shopper.merchant, payment.request.id, "capture", order.total.amount_minor)
    deliverAll(world)
    checkSafety(world, `the canary's busy day: ${shopper.merchant} captures ${order.orderId}`)
  }
  // Only now do the acquirers submit (on their next tick) and the clearing house close the cycle: once, for every item.
  quiescenceRounds(world)
  checkSafety(world, "the canary's busy day settled")
  paid.forEach(({ shopper, order }, i) => {
    const now = customerBalance(shopper)
    const want = (customersBefore[i] ?? 0) - order.total.amount_minor
    if (now !== want) dead(`busy day: ${shopper.issuer} ${shopper.account}: posted balance ${now}, not ${want}`)
  })
  for (const { merchant, currency, balance } of expected.values()) {
    const now = merchantBalance(merchant, currency)
    if (now !== balance) dead(`busy day: ${merchant}'s account in ${currency} at its acquirer: posted balance ${now}, not ${balance}`)
  }
}

/** Fails the canary unless the customer's and the merchant's posted balances are now the ones expected. */
const expectMoved = (world: World, shopper: Customer, gateway: PartyId, merchantAccount: string, expected: Balances): void => {
  const { customer, merchant } = balancesOf(world, shopper, gateway, merchantAccount)
  if (customer !== expected.customer) dead(`${shopper.issuer} ${shopper.account}: posted balance ${customer}, not ${expected.customer}`)
  if (merchant !== expected.merchant) dead(`${gateway} ${merchantAccount}: posted balance ${merchant}, not ${expected.merchant}`)
}

/**
 * Fails the canary unless, once `captured_minor` has been captured and refunded in full and
 * settled, the customer's posted balance is `before`'s and the merchant's is `before`'s less the
 * acquirer's fee on the capture.
 */
const expectOnlyTheFeeMoved = (world: World, shopper: Customer, gateway: PartyId, merchantAccount: string, before: Balances, captured_minor: number): void =>
  expectMoved(world, shopper, gateway, merchantAccount, {
    customer: before.customer,
    merchant: before.merchant - acquirerFee(captured_minor, world.net.state<GatewayState>(gateway).config.feeBps)
  })

/** The customer's and the merchant's posted balances. */
interface Balances {
  readonly customer: number
  readonly merchant: number
}

/** The shopper's posted balance at their issuer, and the merchant's `merchantAccount` at `gateway`. */
const balancesOf = (world: World, shopper: Customer, gateway: PartyId, merchantAccount: string): Balances => ({
  customer: postedBalance(world.net.state<IssuerState>(shopper.issuer).ledger, shopper.account),
  merchant: postedBalance(world.net.state<GatewayState>(gateway).ledger, merchantAccount)
})
