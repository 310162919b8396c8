/**
 * The reference model: the small, obviously correct record of what the people in the story
 * wanted, against which the parties' real states are judged.
 *
 * It holds only what a person decided, never what a party computed: which payment the shopper
 * approved or declined on the phone's screen (payment, account, amount, payee, when, and the
 * challenge's deadline shown), which orders they asked to pay at which total, and what the
 * merchant's staff asked to capture, void and refund. The invariant
 * checkers compare the real parties' states with it, so a party that holds money nobody
 * approved, or approves something other than what was on the screen, is caught.
 */
import type { Money } from "../src/domain/Money.js"
import type { Challenge } from "../src/messages/IssuerPhone.js"

/** What the shopper saw and decided on the phone for one challenge. */
export interface ShopperDecision {
  readonly challengeId: string
  readonly device: string
  readonly decision: "approve" | "decline"
  readonly paymentId: string
  readonly account: string
  readonly amount: Money
  readonly payeeMerchant: string
  readonly payeeName: string
  readonly decidedAt_ms: number
  readonly expiresAt_ms: number
}

/** What the merchant's staff asked for on one payment: a capture or refund of an amount, or a void. */
export interface StaffRequest {
  readonly operation: "capture" | "void" | "refund"
  readonly paymentId: string
  readonly amount_minor: number
}

/** The model: the shopper's decisions by challenge, the totals they agreed to pay per order, the merchant's staff's requests, and forgeries that got through. */
export interface Model {
  readonly decisions: Readonly<Record<string, ShopperDecision>>
  readonly orderTotals: Readonly<Record<string, Money>>
  /** The merchant staff's captures, voids and refunds, by the operation id the merchant gave them. */
  readonly staffRequests: Readonly<Record<string, StaffRequest>>
  /** Forged or tampered packets a party accepted (changed state on): must stay zero. */
  readonly forgeriesAccepted: ReadonlyArray<string>
}

/** The model before anything happened. */
export const empty: Model = { decisions: {}, orderTotals: {}, staffRequests: {}, forgeriesAccepted: [] }

/** The model after the shopper decided on challenge `challenge` shown on `device` at `now_ms`. */
export const decide = (model: Model, device: string, challenge: Challenge, decision: "approve" | "decline", now_ms: number): Model =>
  Object.hasOwn(model.decisions, challenge.id)
    ? model
    : {
        ...model,
        decisions: {
          ...model.decisions,
          [challenge.id]: {
            challengeId: challenge.id,
            device,
            decision,
            paymentId: challenge.paymentId,
            account: challenge.account,
            amount: challenge.amount,
            payeeMerchant: challenge.payee.merchant,
            payeeName: challenge.payee.name,
            decidedAt_ms: now_ms,
            expiresAt_ms: challenge.expiresAt_ms
          }
        }
      }

/** The model after the shopper clicked "pay now" on `orderId` showing `total`. */
export const payClicked = (model: Model, orderId: string, total: Money): Model =>
  Object.hasOwn(model.orderTotals, orderId) ? model : { ...model, orderTotals: { ...model.orderTotals, [orderId]: total } }

/** The model after a forged packet was accepted by a party: a violation of authenticity. */
export const forgeryAccepted = (model: Model, what: string): Model => ({ ...model, forgeriesAccepted: [...model.forgeriesAccepted, what] })

/** The model after the merchant's staff asked for `request`, which the merchant sent as operation `id`. */
export const staffAsked = (model: Model, id: string, request: StaffRequest): Model => ({ ...model, staffRequests: { ...model.staffRequests, [id]: request } })
