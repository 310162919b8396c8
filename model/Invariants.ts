/**
 * The invariants of DESIGN.md section 5, one checker each. A checker reads the real parties'
 * states (a {@link SystemView}) and the reference {@link Model}, and returns the violations it
 * found as sentences (empty when the invariant holds).
 */
import { getOwn } from "../src/domain/Records.js"
import * as Ledger from "../src/ledger/Ledger.js"
import * as Money from "../src/domain/Money.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import type { IssuerAuthorization, IssuerState } from "../src/parties/Issuer.js"
import type { MerchantState } from "../src/parties/Merchant.js"
import type { PhoneState } from "../src/parties/Phone.js"
import type { Model } from "./Model.js"

/** Every party's real state at one instant. */
export interface SystemView {
  readonly now_ms: number
  readonly browsers: ReadonlyArray<BrowserState>
  readonly merchant: MerchantState
  readonly gateway: GatewayState
  readonly issuer: IssuerState
  readonly phones: ReadonlyArray<PhoneState>
}

/** A checker: the violations of one invariant in a view. */
export type Checker = (view: SystemView, model: Model) => ReadonlyArray<string>


/** The issuer's holds with the authorization each belongs to. */
const holdsWithAuthorization = (issuer: IssuerState): ReadonlyArray<{ readonly hold: Ledger.Hold; readonly auth: IssuerAuthorization | undefined }> =>
  Object.values(issuer.ledger.holds).map((hold) => ({ hold, auth: getOwn(issuer.authorizations, hold.id.replace(/^hold:/, "")) }))

/** The issuer's authorizations for a payment id. */
const authorizationsFor = (issuer: IssuerState, paymentId: string): ReadonlyArray<IssuerAuthorization> =>
  Object.values(issuer.authorizations).filter((a) => a.request.paymentId === paymentId)

/**
 * No double charge: at most one hold per payment, never capturing beyond a hold, at most one
 * held payment per order, and never more held for an order than its total.
 */
export const noDoubleCharge: Checker = (view) => {
  const violations: Array<string> = []
  const heldPerOrder = new Map<string, Array<string>>()
  const perPayment = new Map<string, number>()
  for (const { hold, auth } of holdsWithAuthorization(view.issuer)) {
    if (hold.captured_minor > hold.amount_minor) violations.push(`hold ${hold.id} captured ${hold.captured_minor} of ${hold.amount_minor}`)
    if (auth === undefined) {
      violations.push(`hold ${hold.id} belongs to no authorization`)
      continue
    }
    const paymentId = auth.request.paymentId
    perPayment.set(paymentId, (perPayment.get(paymentId) ?? 0) + 1)
    if (hold.status === "voided" || hold.status === "expired") continue
    const payment = getOwn(view.merchant.payments, paymentId)
    if (payment === undefined) {
      violations.push(`hold ${hold.id} for payment ${paymentId}, which the merchant never requested`)
      continue
    }
    const orderId = payment.request.orderId
    heldPerOrder.set(orderId, [...(heldPerOrder.get(orderId) ?? []), hold.id])
    const order = getOwn(view.merchant.orders, orderId)
    if (order !== undefined && hold.amount_minor > payment.request.amount.amount_minor) {
      violations.push(`hold ${hold.id} of ${hold.amount_minor} exceeds payment ${paymentId} of ${payment.request.amount.amount_minor}`)
    }
  }
  for (const [paymentId, n] of perPayment) if (n > 1) violations.push(`payment ${paymentId} has ${n} holds`)
  for (const [orderId, holds] of heldPerOrder) if (holds.length > 1) violations.push(`order ${orderId} has ${holds.length} live holds: ${holds.join(", ")}`)
  return violations
}

/** Whether the issuer accepted the answer to `challengeId` before the challenge expired. */
const answeredInTime = (issuer: IssuerState, challengeId: string): boolean => {
  const c = getOwn(issuer.challenges, challengeId)
  return c !== undefined && c.answeredAt_ms !== null && c.answeredAt_ms < c.challenge.expiresAt_ms
}

/**
 * No unapproved debit: every hold matches a decision of the shopper to approve, on a device
 * enrolled for the account, for the same payment, account, amount, currency and payee, made
 * before the challenge expired, and each approval backs at most one hold.
 */
export const noUnapprovedDebit: Checker = (view, model) => {
  const violations: Array<string> = []
  const used = new Map<string, number>()
  for (const { hold, auth } of holdsWithAuthorization(view.issuer)) {
    const challengeId = auth?.challengeId ?? null
    const decision = challengeId === null ? undefined : getOwn(model.decisions, challengeId)
    if (auth === undefined || challengeId === null || decision === undefined || decision.decision !== "approve") {
      violations.push(`hold ${hold.id} without the shopper's approval`)
      continue
    }
    used.set(challengeId, (used.get(challengeId) ?? 0) + 1)
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
              : decision.decidedAt_ms >= decision.expiresAt_ms || !answeredInTime(view.issuer, challengeId)
                ? "deadline"
                : !(getOwn(view.issuer.customers, r.account)?.devices.includes(decision.device as never) ?? false)
                  ? "device"
                  : null
    if (mismatch !== null) violations.push(`hold ${hold.id} does not match what the shopper approved: ${mismatch}`)
  }
  for (const [challengeId, n] of used) if (n > 1) violations.push(`approval ${challengeId} backs ${n} holds`)
  return violations
}

/**
 * Authenticity: no forged packet was ever accepted, and the merchant marks an order paid only on
 * a gateway result approving that payment for that amount.
 */
export const authenticity: Checker = (view, model) => {
  const violations: Array<string> = model.forgeriesAccepted.map((what) => `a party accepted a forgery: ${what}`)
  for (const payment of Object.values(view.merchant.payments)) {
    if (payment.state !== "Authorized") continue
    const atGateway = getOwn(view.gateway.payments, `${view.merchant.identity.id}/${payment.request.id}`)
    if (atGateway?.state !== "Approved" || !Money.equals(atGateway.request.amount, payment.request.amount)) {
      violations.push(`merchant authorized ${payment.request.id} without the gateway approving it for that amount`)
    }
  }
  return violations
}

/**
 * Agreement: a paid order has a payment the issuer holds (or held until it lapsed), a gateway
 * approval has an issuer hold, and a browser shows "approved" only for an order the merchant has
 * paid.
 */
export const agreement: Checker = (view) => {
  const violations: Array<string> = []
  const issuerHolds = (paymentId: string) => authorizationsFor(view.issuer, paymentId).some((a) => a.state === "Held" || a.state === "HoldExpired")
  for (const order of Object.values(view.merchant.orders)) {
    if (order.state !== "Paid") continue
    const paymentId = order.payments.at(-1)
    if (paymentId === undefined || !issuerHolds(paymentId)) violations.push(`order ${order.id} is paid but the issuer holds no payment for it`)
  }
  for (const [key, payment] of Object.entries(view.gateway.payments)) {
    if (payment.state === "Approved" && !issuerHolds(payment.request.id)) violations.push(`gateway approved ${key} but the issuer holds nothing`)
  }
  for (const browser of view.browsers) {
    if (browser.screen !== "Approved") continue
    const order = browser.order === null ? undefined : getOwn(view.merchant.orders, browser.order.orderId)
    if (order?.state !== "Paid") violations.push(`browser ${browser.me} shows approved for an order that is not paid`)
  }
  return violations
}

/**
 * Liveness, checked once the world is quiet after faults stopped: every payment is final and all
 * parties agree on its outcome, no challenge is left open, and no hold outlives its expiry.
 */
export const liveness: Checker = (view) => {
  const violations: Array<string> = []
  for (const payment of Object.values(view.merchant.payments)) {
    const id = payment.request.id
    if (payment.state === "Authorizing") {
      violations.push(`payment ${id} is still authorizing`)
      continue
    }
    const atGateway = getOwn(view.gateway.payments, `${view.merchant.identity.id}/${id}`)
    const atIssuer = authorizationsFor(view.issuer, id)
    if (atGateway === undefined || (atGateway.state === "Approved") !== (payment.state === "Authorized")) {
      violations.push(`payment ${id}: merchant ${payment.state}, gateway ${atGateway?.state ?? "unaware"}`)
    }
    const issuerApproved = atIssuer.some((a) => a.status === "approved")
    if (atIssuer.length > 0 && issuerApproved !== (payment.state === "Authorized")) {
      violations.push(`payment ${id}: merchant ${payment.state}, issuer ${atIssuer.map((a) => a.state).join("/")}`)
    }
  }
  for (const c of Object.values(view.issuer.challenges)) if (c.state === "Pending") violations.push(`issuer challenge ${c.challenge.id} still pending`)
  for (const phone of view.phones) {
    for (const c of Object.values(phone.challenges)) {
      if (c.state === "Pending" || c.state === "Answered") violations.push(`phone ${phone.identity.id} challenge ${c.challenge.id} still ${c.state}`)
    }
  }
  for (const h of Ledger.expiredHolds(view.issuer.ledger, view.now_ms)) violations.push(`hold ${h.id} outlived its expiry`)
  return violations
}

/** The invariants checked after every command, by name. */
export const safety = { noDoubleCharge, noUnapprovedDebit, authenticity, agreement } as const

/** The invariants checked once the world is quiet. */
export const atQuiescence = { liveness } as const
