/**
 * The invariants of DESIGN.md section 5, one checker each. A checker reads the real parties'
 * states (a {@link SystemView}) and the reference {@link Model}, and returns the violations it
 * found as sentences (empty when the invariant holds).
 */
import { getOwn } from "../src/domain/Records.js"
import * as Ledger from "../src/ledger/Ledger.js"
import * as Money from "../src/domain/Money.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { ClearingHouseState } from "../src/parties/ClearingHouse.js"
import type { GatewayPaymentState, GatewayState } from "../src/parties/Gateway.js"
import type { IssuerAuthorization, IssuerState } from "../src/parties/Issuer.js"
import type { MerchantPaymentState, MerchantState } from "../src/parties/Merchant.js"
import type { PhoneState } from "../src/parties/Phone.js"
import type { Model } from "./Model.js"
import { conservation, settlementExactlyOnce, settlementLiveness } from "./MoneyInvariants.js"

export { conservation, settlementExactlyOnce, settlementLiveness }

/** Every party's real state at one instant. */
export interface SystemView {
  readonly now_ms: number
  readonly browsers: ReadonlyArray<BrowserState>
  readonly merchant: MerchantState
  readonly gateway: GatewayState
  readonly issuer: IssuerState
  readonly phones: ReadonlyArray<PhoneState>
  readonly clearing: ClearingHouseState
}

/** A checker: the violations of one invariant in a view. */
export type Checker = (view: SystemView, model: Model) => ReadonlyArray<string>


/** Whether the merchant's payment was authorized, whatever happened to it since. */
const merchantApproved = (state: MerchantPaymentState): boolean => state === "Authorized" || state === "Captured" || state === "Voided"

/** Whether the gateway's payment was approved, whatever happened to it since. */
const gatewayApproved = (state: GatewayPaymentState): boolean => state === "Approved" || state === "Captured" || state === "Voided"

/** The issuer's holds with the authorization each belongs to. */
const holdsWithAuthorization = (issuer: IssuerState): ReadonlyArray<{ readonly hold: Ledger.Hold; readonly auth: IssuerAuthorization | undefined }> =>
  Object.values(issuer.ledger.holds).map((hold) => ({ hold, auth: getOwn(issuer.authorizations, hold.id.replace(/^hold:/, "")) }))

/** The issuer's authorizations for a payment id. */
const authorizationsFor = (issuer: IssuerState, paymentId: string): ReadonlyArray<IssuerAuthorization> =>
  Object.values(issuer.authorizations).filter((a) => a.request.paymentId === paymentId)

/**
 * No double charge: at most one hold per payment, never capturing beyond a hold nor beyond what
 * the merchant's staff asked to capture, at most one held payment per order, and never more held
 * for an order than its total.
 */
export const noDoubleCharge: Checker = (view, model) => {
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
  violations.push(...capturedBeyondAsked(view, model))
  for (const [orderId, holds] of heldPerOrder) if (holds.length > 1) violations.push(`order ${orderId} has ${holds.length} live holds: ${holds.join(", ")}`)
  return violations
}

/** Payments whose hold was captured beyond what the merchant's staff asked to capture on them. */
const capturedBeyondAsked = (view: SystemView, model: Model): ReadonlyArray<string> => {
  const asked = new Map<string, number>()
  for (const r of Object.values(model.staffRequests)) if (r.operation === "capture") asked.set(r.paymentId, (asked.get(r.paymentId) ?? 0) + r.amount_minor)
  return holdsWithAuthorization(view.issuer).flatMap(({ hold, auth }) => {
    const paymentId = auth?.request.paymentId ?? ""
    return hold.captured_minor > (asked.get(paymentId) ?? 0) ? [`payment ${paymentId} captured ${hold.captured_minor}, the merchant asked for ${asked.get(paymentId) ?? 0}`] : []
  })
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
    if (!merchantApproved(payment.state)) continue
    const atGateway = getOwn(view.gateway.payments, `${view.merchant.identity.id}/${payment.request.id}`)
    if (atGateway === undefined || !gatewayApproved(atGateway.state) || !Money.equals(atGateway.request.amount, payment.request.amount)) {
      violations.push(`merchant authorized ${payment.request.id} without the gateway approving it for that amount`)
    }
  }
  return violations
}

/**
 * Agreement: a paid order has a payment the issuer holds (or held until it lapsed), a gateway
 * approval has an issuer hold, no party counts more captured or refunded than the issuer does,
 * and a browser shows "approved" only for an order the merchant has paid.
 */
export const agreement: Checker = (view) => {
  const violations: Array<string> = []
  const issuerHolds = (paymentId: string) => authorizationsFor(view.issuer, paymentId).some((a) => a.state !== "Challenging" && a.state !== "Declined")
  for (const order of Object.values(view.merchant.orders)) {
    if (order.state !== "Paid") continue
    const paymentId = order.payments.at(-1)
    if (paymentId === undefined || !issuerHolds(paymentId)) violations.push(`order ${order.id} is paid but the issuer holds no payment for it`)
  }
  for (const [key, payment] of Object.entries(view.gateway.payments)) {
    if (gatewayApproved(payment.state) && !issuerHolds(payment.request.id)) violations.push(`gateway approved ${key} but the issuer holds nothing`)
  }
  for (const payment of Object.values(view.merchant.payments)) {
    // Each party learns of a capture or refund after the one before it: none may count more than the issuer did.
    const atGateway = getOwn(view.gateway.payments, `${view.merchant.identity.id}/${payment.request.id}`)
    const auth = atGateway === undefined ? undefined : getOwn(view.issuer.authorizations, `${view.gateway.identity.id}/${atGateway.authorizationId}`)
    const issuerCaptured = atGateway === undefined ? 0 : (Ledger.hold(view.issuer.ledger, `hold:${view.gateway.identity.id}/${atGateway.authorizationId}`)?.captured_minor ?? 0)
    const gatewayCaptured = atGateway?.captured_minor ?? 0
    if (payment.captured_minor > gatewayCaptured || gatewayCaptured > issuerCaptured) {
      violations.push(`payment ${payment.request.id}: captured ${payment.captured_minor}/${gatewayCaptured}/${issuerCaptured} at merchant/gateway/issuer`)
    }
    const gatewayRefunded = atGateway?.refunded_minor ?? 0
    if (payment.refunded_minor > gatewayRefunded || gatewayRefunded > (auth?.refunded_minor ?? 0)) {
      violations.push(`payment ${payment.request.id}: refunded ${payment.refunded_minor}/${gatewayRefunded}/${auth?.refunded_minor ?? 0} at merchant/gateway/issuer`)
    }
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
export const paymentLiveness: Checker = (view) => {
  const violations: Array<string> = []
  for (const payment of Object.values(view.merchant.payments)) {
    const id = payment.request.id
    if (payment.state === "Authorizing") {
      violations.push(`payment ${id} is still authorizing`)
      continue
    }
    const atGateway = getOwn(view.gateway.payments, `${view.merchant.identity.id}/${id}`)
    const atIssuer = authorizationsFor(view.issuer, id)
    if (atGateway === undefined || gatewayApproved(atGateway.state) !== merchantApproved(payment.state)) {
      violations.push(`payment ${id}: merchant ${payment.state}, gateway ${atGateway?.state ?? "unaware"}`)
    }
    const issuerApproved = atIssuer.some((a) => a.status === "approved")
    if (atIssuer.length > 0 && issuerApproved !== merchantApproved(payment.state)) {
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
export const safety = { noDoubleCharge, noUnapprovedDebit, authenticity, agreement, conservation, settlementExactlyOnce } as const

/** Liveness, with settlement: see {@link paymentLiveness} and {@link settlementLiveness}. */
export const liveness: Checker = (view, model) => [...paymentLiveness(view, model), ...settlementLiveness(view, model)]

/** The invariants checked once the world is quiet. */
export const atQuiescence = { liveness } as const
