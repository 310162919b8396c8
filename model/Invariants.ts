/**
 * The invariants of DESIGN.md section 5, one checker each. A checker reads the real parties'
 * states (a {@link SystemView}) and the reference {@link Model}, and returns the violations it
 * found as sentences (empty when the invariant holds).
 */
import { getOwn } from "../src/domain/Records.js"
import { overdueHolds } from "./Books.js"
import * as Money from "../src/domain/Money.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { ClearingHouseState } from "../src/parties/ClearingHouse.js"
import type { GatewayPaymentState, GatewayState } from "../src/parties/Gateway.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import type { MerchantPaymentState, MerchantState } from "../src/parties/Merchant.js"
import type { PhoneState } from "../src/parties/Phone.js"
import { chains, heldForInsider, holds, issuerById, issuerHolds, merchantById, outOfScope, paymentKey } from "./Links.js"
import { decisionKeyOf, type Model } from "./Model.js"
import { conservation, noOverdraft, settlementExactlyOnce, settlementLiveness } from "./MoneyInvariants.js"

import { bounded } from "./Bounds.js"
import { isolation } from "./Isolation.js"
import { phoneFindings } from "./Screens.js"

export { bounded, conservation, isolation, noOverdraft, settlementExactlyOnce, settlementLiveness }

/** Every party's real state at one instant. */
export interface SystemView {
  readonly now_ms: number
  readonly browsers: ReadonlyArray<BrowserState>
  readonly merchants: ReadonlyArray<MerchantState>
  readonly gateways: ReadonlyArray<GatewayState>
  readonly issuers: ReadonlyArray<IssuerState>
  readonly phones: ReadonlyArray<PhoneState>
  readonly clearing: ClearingHouseState
  /** The party whose keys the attacker holds, if any (DESIGN.md section 8); the checkers speak for the honest parties. */
  readonly compromised: string | null
}

/** A checker: the violations of one invariant in a view. */
export type Checker = (view: SystemView, model: Model) => ReadonlyArray<string>

/** Whether the merchant's payment was authorized, whatever happened to it since. */
const merchantApproved = (state: MerchantPaymentState): boolean => state === "Authorized" || state === "Captured" || state === "Voided"

/** Whether the gateway's payment was approved, whatever happened to it since. */
const gatewayApproved = (state: GatewayPaymentState): boolean => state === "Approved" || state === "Captured" || state === "Voided"

/** Adds one to the count of `key`. */
const bump = (counts: Map<string, number>, key: string, by = 1): void => void counts.set(key, (counts.get(key) ?? 0) + by)

/**
 * No double charge: at most one hold per payment, never capturing beyond a hold nor beyond what
 * the merchant's staff asked to capture, at most one held payment per order, and never more held
 * for an order than its total. Payments and orders are told apart by their merchant: every
 * merchant numbers its own from 1.
 */
export const noDoubleCharge: Checker = (view, model) => {
  const violations: Array<string> = []
  const heldPerOrder = new Map<string, Array<string>>()
  const perPayment = new Map<string, number>()
  for (const { issuer, hold, auth } of holds(view)) {
    const at = `${issuer.identity.id} hold ${hold.id}`
    if (hold.captured_minor > hold.amount_minor) violations.push(`${at} captured ${hold.captured_minor} of ${hold.amount_minor}`)
    if (auth === undefined) {
      violations.push(`${at} belongs to no authorization`)
      continue
    }
    const merchantId = auth.request.payee.merchant
    if (heldForInsider(view, hold.id, merchantId)) continue
    const key = paymentKey(merchantId, auth.request.paymentId)
    bump(perPayment, key)
    if (hold.status === "voided" || hold.status === "expired") continue
    const payment = merchantById(view, merchantId)?.payments.get(auth.request.paymentId)
    if (payment === undefined) {
      violations.push(`${at} for payment ${key}, which the merchant never requested`)
      continue
    }
    const orderKey = paymentKey(merchantId, payment.request.orderId)
    heldPerOrder.set(orderKey, [...(heldPerOrder.get(orderKey) ?? []), hold.id])
    if (hold.amount_minor > payment.request.amount.amount_minor) {
      violations.push(`${at} of ${hold.amount_minor} exceeds payment ${key} of ${payment.request.amount.amount_minor}`)
    }
  }
  for (const [key, n] of perPayment) if (n > 1) violations.push(`payment ${key} has ${n} holds`)
  violations.push(...capturedBeyondAsked(view, model))
  for (const [orderKey, held] of heldPerOrder) if (held.length > 1) violations.push(`order ${orderKey} has ${held.length} live holds: ${held.join(", ")}`)
  return violations
}

/** Payments whose hold was captured beyond what the merchant's staff asked to capture on them. */
const capturedBeyondAsked = (view: SystemView, model: Model): ReadonlyArray<string> => {
  const asked = new Map<string, number>()
  for (const r of Object.values(model.staffRequests)) if (r.operation === "capture") bump(asked, paymentKey(r.merchant, r.paymentId), r.amount_minor)
  return holds(view).flatMap(({ hold, auth }) => {
    if (auth === undefined || heldForInsider(view, hold.id, auth.request.payee.merchant)) return []
    const key = paymentKey(auth.request.payee.merchant, auth.request.paymentId)
    return hold.captured_minor > (asked.get(key) ?? 0) ? [`payment ${key} captured ${hold.captured_minor}, the merchant asked for ${asked.get(key) ?? 0}`] : []
  })
}

/** Whether the issuer accepted the answer to `challengeId` before the challenge expired. */
const answeredInTime = (issuer: IssuerState, challengeId: string): boolean => {
  const c = issuer.challenges.get(challengeId)
  return c !== undefined && c.answeredAt_ms !== null && c.answeredAt_ms < c.challenge.expiresAt_ms
}

/**
 * No unapproved debit: every hold matches a decision of the shopper to approve, on a device
 * enrolled for the account, for the same payment, account, amount, currency and payee, made
 * before the challenge expired, and each approval backs at most one hold. Decisions are told apart
 * by issuer: every issuer numbers its own challenges.
 */
export const noUnapprovedDebit: Checker = (view, model) => {
  const violations: Array<string> = []
  const used = new Map<string, number>()
  for (const { issuer, hold, auth } of holds(view)) {
    const at = `${issuer.identity.id} hold ${hold.id}`
    const challengeId = auth?.challengeId ?? null
    // What a compromised phone approves for its own customer is out of scope; for anyone else's challenge it must be refused.
    if (challengeId !== null && issuer.challenges.get(challengeId)?.challenge.to === view.compromised) continue
    const decisionKey = challengeId === null ? "" : decisionKeyOf(issuer.identity.id, challengeId)
    const decision = challengeId === null ? undefined : getOwn(model.decisions, decisionKey)
    if (auth === undefined || challengeId === null || decision === undefined || decision.decision !== "approve") {
      violations.push(`${at} without the shopper's approval`)
      continue
    }
    bump(used, decisionKey)
    const r = auth.request
    const mismatch =
      decision.paymentId !== r.paymentId
        ? "payment"
        : decision.account !== hold.debit || decision.account !== r.account
          ? "account"
          : !Money.equals(decision.amount, r.amount) || decision.amount.amount_minor !== hold.amount_minor || decision.amount.currency !== hold.currency
            ? "amount"
            : decision.payeeMerchant !== r.payee.merchant || decision.payeeName !== r.payee.name
              ? "payee"
              : decision.decidedAt_ms >= decision.expiresAt_ms || !answeredInTime(issuer, challengeId)
                ? "deadline"
                : !(issuer.customers.get(r.account)?.devices.includes(decision.device as never) ?? false)
                  ? "device"
                  : null
    if (mismatch !== null) violations.push(`${at} does not match what the shopper approved: ${mismatch}`)
  }
  for (const [key, n] of used) if (n > 1) violations.push(`approval ${key} backs ${n} holds`)
  return violations
}

/**
 * Authenticity: no forged packet was ever accepted, and a merchant marks an order paid only on a
 * result of its own gateway approving that payment for that amount.
 */
export const authenticity: Checker = (view, model) => {
  const violations: Array<string> = model.forgeriesAccepted.map((what) => `a party accepted a forgery: ${what}`)
  for (const chain of chains(view)) {
    const { merchant, payment, atGateway } = chain
    if (!merchantApproved(payment.state) || outOfScope(view, chain)) continue
    if (atGateway === undefined || !gatewayApproved(atGateway.state) || !Money.equals(atGateway.request.amount, payment.request.amount)) {
      violations.push(`${merchant.identity.id} authorized ${payment.request.id} without its gateway approving it for that amount`)
    }
  }
  return violations
}

/**
 * Agreement: a paid order has a payment the payer's issuer holds (or held until it lapsed), a
 * gateway approval has an issuer hold, no party counts more captured or refunded than the issuer
 * does, a browser shows "approved" only for the order its shopper paid, once its merchant has
 * it paid, and an honest phone shows what its person answered and what the issuer decided (see
 * `model/Screens.ts`).
 */
export const agreement: Checker = (view, model) => {
  const violations: Array<string> = [...phoneFindings(view, model)]
  for (const merchant of view.merchants) {
    const me = merchant.identity.id
    if (outOfScope(view, { merchant })) continue
    for (const order of merchant.orders.values()) {
      if (order.state !== "Paid") continue
      const payment = merchant.payments.get(order.payments.at(-1) ?? "")
      if (payment === undefined || !issuerHolds(issuerById(view, payment.request.payer.issuer), me, payment.request.id)) {
        violations.push(`${me} order ${order.id} is paid but the issuer holds no payment for it`)
      }
    }
  }
  for (const gateway of view.gateways) {
    if (gateway.identity.id === view.compromised) continue
    for (const [key, payment] of gateway.payments.entries()) {
      if (payment.request.from === view.compromised) continue
      if (gatewayApproved(payment.state) && !issuerHolds(issuerById(view, payment.request.payer.issuer), payment.request.from, payment.request.id)) {
        violations.push(`${gateway.identity.id} approved ${key} but the issuer holds nothing`)
      }
    }
  }
  for (const chain of chains(view)) {
    const { merchant, payment, atGateway, auth, hold } = chain
    if (outOfScope(view, chain)) continue
    // Each party learns of a capture or refund after the one before it: none may count more than the issuer did.
    const id = `${merchant.identity.id}/${payment.request.id}`
    const gatewayCaptured = atGateway?.captured_minor ?? 0
    const issuerCaptured = hold?.captured_minor ?? 0
    if (payment.captured_minor > gatewayCaptured || gatewayCaptured > issuerCaptured) {
      violations.push(`payment ${id}: captured ${payment.captured_minor}/${gatewayCaptured}/${issuerCaptured} at merchant/gateway/issuer`)
    }
    const gatewayRefunded = atGateway?.refunded_minor ?? 0
    if (payment.refunded_minor > gatewayRefunded || gatewayRefunded > (auth?.refunded_minor ?? 0)) {
      violations.push(`payment ${id}: refunded ${payment.refunded_minor}/${gatewayRefunded}/${auth?.refunded_minor ?? 0} at merchant/gateway/issuer`)
    }
  }
  violations.push(...browserAgreement(view, model))
  return violations
}

/**
 * A browser shows "approved" only for the order its shopper last clicked "pay now" on, as the
 * model recorded it (not as the browser remembers it), at the total the shopper saw, and only once
 * that order's merchant has it paid.
 */
const browserAgreement = (view: SystemView, model: Model): ReadonlyArray<string> =>
  view.browsers.flatMap((browser) => {
    // A compromised merchant's pages show what it says (section 8: its own customers are out of scope).
    if (browser.screen !== "Approved" || browser.merchant === view.compromised) return []
    const paying = getOwn(model.shoppersPaying, browser.me)
    if (paying === undefined) return [`browser ${browser.me} shows approved, but its shopper never clicked pay now`]
    const merchant = merchantById(view, paying.merchant)
    const order = merchant?.orders.get(paying.orderId)
    const charged = merchant?.payments.get(order?.payments.at(-1) ?? "")?.request.amount
    if (browser.order?.orderId !== paying.orderId || browser.merchant !== paying.merchant) {
      return [`browser ${browser.me} shows approved for ${browser.merchant}/${browser.order?.orderId ?? "no order"}, its shopper paid ${paying.merchant}/${paying.orderId}`]
    }
    if (order?.state !== "Paid") return [`browser ${browser.me} shows approved for ${paying.merchant}/${paying.orderId}, which is not paid`]
    if (charged === undefined || !Money.equals(charged, paying.total)) {
      return [`browser ${browser.me} shows approved for a payment of ${charged === undefined ? "nothing" : Money.format(charged)}, its shopper agreed to ${Money.format(paying.total)}`]
    }
    return []
  })

/**
 * Liveness, checked once the world is quiet after faults stopped: every payment is final and all
 * parties agree on its outcome, no challenge is left open, no hold outlives its expiry, and no
 * honest party's outbox still waits for an answer from an honest one (every such request was answered).
 */
export const paymentLiveness: Checker = (view) => {
  const violations: Array<string> = []
  for (const chain of chains(view)) {
    const { merchant, payment, gateway, atGateway, issuer } = chain
    if (outOfScope(view, chain)) continue
    const id = `${merchant.identity.id}/${payment.request.id}`
    if (payment.state === "Authorizing") {
      violations.push(`payment ${id} is still authorizing`)
      continue
    }
    if (atGateway === undefined || gatewayApproved(atGateway.state) !== merchantApproved(payment.state)) {
      violations.push(`payment ${id}: merchant ${payment.state}, gateway ${atGateway?.state ?? "unaware"}`)
    }
    const atIssuer =
      issuer === undefined || gateway === undefined
        ? []
        : issuer.authorizations.entries()
            .filter(([key, a]) => key.startsWith(`${gateway.identity.id}/`) && a.request.payee.merchant === merchant.identity.id && a.request.paymentId === payment.request.id)
            .map(([, a]) => a)
    const issuerApproved = atIssuer.some((a) => a.status === "approved")
    if (atIssuer.length > 0 && issuerApproved !== merchantApproved(payment.state)) {
      violations.push(`payment ${id}: merchant ${payment.state}, issuer ${atIssuer.map((a) => a.state).join("/")}`)
    }
  }
  for (const issuer of view.issuers) {
    for (const c of issuer.challenges.values()) if (c.state === "Pending") violations.push(`${issuer.identity.id} challenge ${c.challenge.id} still pending`)
    for (const h of overdueHolds(issuer.ledger, view.now_ms)) violations.push(`${issuer.identity.id} hold ${h.id} outlived its expiry`)
  }
  for (const phone of view.phones) {
    if (phone.identity.id === view.compromised) continue
    for (const c of phone.challenges.values()) {
      if (c.state === "Pending" || c.state === "Answered") violations.push(`phone ${phone.identity.id} challenge ${c.challenge.id} still ${c.state}`)
    }
  }
  for (const party of [...view.merchants, ...view.gateways, ...view.issuers, ...view.phones, view.clearing]) {
    // What an insider leaves unanswered is out of scope: a compromised gateway may never answer its own merchants.
    const waiting = party.outbox.entries().filter(([, entry]) => entry.packet.to !== view.compromised).map(([id]) => id)
    if (party.identity.id !== view.compromised && waiting.length > 0) violations.push(`${party.identity.id} still waits for answers to ${waiting.join(", ")}`)
  }
  return violations
}

/** The invariants checked after every command, by name. */
export const safety = { noDoubleCharge, noUnapprovedDebit, authenticity, agreement, isolation, noOverdraft, conservation, settlementExactlyOnce, bounded } as const

/** Liveness, with settlement: see {@link paymentLiveness} and {@link settlementLiveness}. */
export const liveness: Checker = (view, model) => [...paymentLiveness(view, model), ...settlementLiveness(view, model)]

/** The invariants checked once the world is quiet. */
export const atQuiescence = { liveness } as const
