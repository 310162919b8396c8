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
  /** The issuer that sent the challenge: challenge ids are per issuer. */
  readonly issuer: string
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
  /** The merchant whose staff asked: payment ids are per merchant. */
  readonly merchant: string
  readonly operation: "capture" | "void" | "refund"
  readonly paymentId: string
  readonly amount_minor: number
}

/**
 * The model: the shoppers' decisions by challenge, the totals they agreed to pay per order, the
 * merchants' staff's requests, and forgeries that got through. Every key names the party whose
 * numbering its id follows (`issuer-2/ch-1`, `merchant-1/ord-3`), since ids collide across parties.
 */
export interface Model {
  /** By {@link decisionKeyOf}: issuer and challenge id. */
  readonly decisions: Readonly<Record<string, ShopperDecision>>
  /** By merchant and order id. */
  readonly orderTotals: Readonly<Record<string, Money>>
  /** The order each shopper last clicked "pay now" on, by browser: what an "approved" screen must be about. */
  readonly shoppersPaying: Readonly<Record<string, { readonly merchant: string; readonly orderId: string; readonly total: Money }>>
  /** The merchants' staff's captures, voids and refunds, by merchant and the operation id the merchant gave them. */
  readonly staffRequests: Readonly<Record<string, StaffRequest>>
  /** Forged or tampered packets a party accepted (changed state on): must stay zero. */
  readonly forgeriesAccepted: ReadonlyArray<string>
}

/** The model before anything happened. */
export const empty: Model = { decisions: {}, orderTotals: {}, shoppersPaying: {}, staffRequests: {}, forgeriesAccepted: [] }

/** The key of a decision: the issuer that numbered the challenge, and its id. */
export const decisionKeyOf = (issuer: string, challengeId: string): string => `${issuer}/${challengeId}`

/** The model after the shopper decided on challenge `challenge` from `issuer`, shown on `device` at `now_ms`. */
export const decide = (model: Model, device: string, issuer: string, challenge: Challenge, decision: "approve" | "decline", now_ms: number): Model =>
  Object.hasOwn(model.decisions, decisionKeyOf(issuer, challenge.id))
    ? model
    : {
        ...model,
        decisions: {
          ...model.decisions,
          [decisionKeyOf(issuer, challenge.id)]: {
            challengeId: challenge.id,
            issuer,
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

/** The model after the shopper on `browser` clicked "pay now" on order `orderId` of `merchant` showing `total`. */
export const payClicked = (model: Model, browser: string, merchant: string, orderId: string, total: Money): Model => {
  const key = `${merchant}/${orderId}`
  return {
    ...model,
    orderTotals: Object.hasOwn(model.orderTotals, key) ? model.orderTotals : { ...model.orderTotals, [key]: total },
    shoppersPaying: { ...model.shoppersPaying, [browser]: { merchant, orderId, total } }
  }
}

/** The model after a forged packet was accepted by a party: a violation of authenticity. */
export const forgeryAccepted = (model: Model, what: string): Model => ({ ...model, forgeriesAccepted: [...model.forgeriesAccepted, what] })

/** The model after a merchant's staff asked for `request`, which the merchant sent as operation `id`. */
export const staffAsked = (model: Model, id: string, request: StaffRequest): Model => ({
  ...model,
  staffRequests: { ...model.staffRequests, [`${request.merchant}/${id}`]: request }
})
