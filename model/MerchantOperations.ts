/**
 * The merchant's back office, predicted (spec 4, "Back office"; spec 5's table of the merchant's
 * rejections). Judged on an honest merchant right after its staff asked for a capture, void or
 * refund, from its state before the step, without the merchant's code:
 *
 * - **a request the confirmed figures rule out** is refused by the merchant itself, with the first
 *   reason that applies, in the spec's order: a payment that is not the merchant's
 *   (`UnknownReference`); a payment that is not `Authorized` or `Captured`; a void of a payment
 *   already voided; an amount that is not a positive integer; a capture of a voided payment, at or
 *   after the hold's expiry, or beyond the authorized amount less what was captured; a refund
 *   beyond what was captured less what was refunded; then an outbox with no room. Nothing is sent
 *   and no operation is recorded;
 * - **any other** is sent once to the merchant's gateway as the matching request: the next
 *   operation id of the payment, the payment's id, the amount asked for in the payment's currency,
 *   expiring `AUTHORIZATION_TTL_ms` from now; and it is recorded `Pending` on the payment.
 *
 * The gateway's and the issuer's part of an operation is judged by `GatewayOperations.ts` and
 * `Operations.ts`. This sees what those cannot: a request that should never have gone out (it is
 * refused one hop later and no money moves) and one the merchant refuses though it is right.
 */
import type { Output, Transitioned } from "../src/machine/Machine.js"
import { OUTBOX_LIMIT } from "../src/machine/Outbox.js"
import { AUTHORIZATION_TTL_ms, type MerchantPayment, type MerchantState } from "../src/parties/Merchant.js"
import type { BackOffice } from "../src/parties/MerchantOperations.js"
import { bodyOf, NOTHING_JUDGED, type Judgement } from "./Answers.js"

/** The back-office inputs, by tag. */
const BACK_OFFICE: ReadonlyArray<string> = ["Capture", "Void", "Refund"]

/** Whether a step's input is the staff's capture, void or refund. */
const isBackOffice = (input: { readonly _tag: string }): input is BackOffice => BACK_OFFICE.includes(input._tag)

/** The request each back-office action is sent as. */
const SENT_AS: Readonly<Record<BackOffice["_tag"], string>> = { Capture: "CapturePayment", Void: "VoidPayment", Refund: "RefundPayment" }

/** The reason the spec gives for refusing `input` on `payment`'s confirmed figures, or `null`. */
const reasonOnTheFigures = (payment: MerchantPayment, input: BackOffice): string | null => {
  if (payment.state !== "Authorized" && payment.state !== "Captured") return `payment is ${payment.state.toLowerCase()}`
  if (input._tag === "Void") return payment.voided ? "payment is already voided" : null
  if (!Number.isSafeInteger(input.amount_minor) || input.amount_minor <= 0) return "the amount must be a positive integer in minor units"
  if (input._tag === "Refund") return input.amount_minor > payment.captured_minor - payment.refunded_minor ? "more than was captured and not refunded" : null
  if (payment.voided) return "payment is voided"
  if (payment.holdExpiresAt_ms !== null && input.now_ms >= payment.holdExpiresAt_ms) return "the hold has expired"
  return input.amount_minor > payment.request.amount.amount_minor - payment.captured_minor ? "more than the hold has left" : null
}

/** What the merchant must do with `input` from state `before`: the rejection it must give (its tag and text), or the payment to send it for. */
export const expectedBackOffice = (before: MerchantState, input: BackOffice): { readonly refused: string } | { readonly payment: MerchantPayment } => {
  const payment = before.payments.get(input.paymentId)
  if (payment === undefined) return { refused: "UnknownReference (payment)" }
  const reason = reasonOnTheFigures(payment, input)
  if (reason !== null) return { refused: `InvalidRequest: ${input._tag.toLowerCase()} refused: ${reason}` }
  return before.outbox.size < (before.config.outboxLimit ?? OUTBOX_LIMIT) ? { payment } : { refused: "InvalidRequest: too many requests in flight, try again later" }
}

/** The rejection a step gave, as `Tag: detail`, `Tag (kind)` or `Tag`, or `null`. */
const rejectionOf = (outputs: ReadonlyArray<Output>): string | null => {
  for (const o of outputs) {
    if (o._tag !== "Rejected") continue
    const { _tag, detail, kind } = o.rejection as { readonly _tag: string; readonly detail?: unknown; readonly kind?: unknown }
    return detail !== undefined ? `${_tag}: ${String(detail)}` : kind !== undefined ? `${_tag} (${String(kind)})` : _tag
  }
  return null
}

/** The fields the request sent must carry, as one comparable string. */
const carried = (body: { readonly _tag?: unknown; readonly id?: unknown; readonly from?: unknown; readonly to?: unknown; readonly paymentId?: unknown; readonly expiresAt_ms?: unknown; readonly amount?: unknown }): string =>
  JSON.stringify([body._tag, body.id, body.from, body.to, body.paymentId, body.expiresAt_ms, body.amount ?? null])

/** What is wrong with a step that should have sent `input` for `payment`: one request to the gateway with the spec's fields, recorded `Pending` on the payment. */
const sendingFindings = (before: MerchantState, after: MerchantState, payment: MerchantPayment, input: BackOffice, outputs: ReadonlyArray<Output>): ReadonlyArray<string> => {
  const request = `${input._tag} of ${input.paymentId}`
  const sent = outputs.flatMap((o) => (o._tag === "Send" ? [o.packet] : []))
  const [only] = sent
  if (only === undefined || sent.length > 1) return [`${request} should be sent once to ${before.config.gateway}, it was sent ${sent.length} times${rejectionOf(outputs) === null ? "" : ` (refused: ${rejectionOf(outputs)})`}`]
  const id = `${input.paymentId}.o${payment.operations.length + 1}`
  const currency = payment.request.amount.currency
  const expected = carried({
    _tag: SENT_AS[input._tag],
    id,
    from: before.identity.id,
    to: before.config.gateway,
    paymentId: input.paymentId,
    expiresAt_ms: input.now_ms + AUTHORIZATION_TTL_ms,
    ...(input._tag === "Void" ? {} : { amount: { amount_minor: input.amount_minor, currency } })
  })
  const body = bodyOf(only) as Parameters<typeof carried>[0] | undefined
  const findings = only.to === before.config.gateway && body !== undefined && carried(body) === expected ? [] : [`${request} was sent to ${only.to} as ${body === undefined ? "nothing" : carried(body)}, not ${expected}`]
  const recorded = after.operations.get(id)
  const listed = after.payments.get(input.paymentId)?.operations.at(-1) === id
  return recorded?.state === "Pending" && listed ? findings : [...findings, `${request}: operation ${id} is ${recorded?.state ?? "not recorded"}${listed ? "" : ", and not listed on the payment"}; it should be Pending`]
}

/**
 * The judgement of an honest merchant's step that took the staff's `input` from state `before`
 * to `after` with `outputs`: refused with the spec's reason and nothing sent, or sent once as the
 * spec's request and recorded.
 */
export const judgeBackOffice = (before: MerchantState, after: MerchantState, input: BackOffice, outputs: ReadonlyArray<Output>): Judgement => {
  const expected = expectedBackOffice(before, input)
  const request = `${input._tag} of ${input.paymentId}`
  if ("payment" in expected) return { judged: `${input._tag}: sent`, findings: sendingFindings(before, after, expected.payment, input, outputs) }
  const given = rejectionOf(outputs)
  const acted = outputs.some((o) => o._tag === "Send" || (o._tag === "Transitioned" && (o as Transitioned).entity === "operation"))
  const findings = [
    ...(given === expected.refused ? [] : [`${request} at ${input.now_ms} was ${given === null ? "not refused" : `refused ${given}`}; the spec says ${expected.refused}`]),
    ...(acted ? [`${request} should be refused by the merchant itself, yet it sent or recorded an operation`] : [])
  ]
  return { judged: `${input._tag}: refused (${expected.refused})`, findings }
}

/** Nothing judged unless the input is the staff's. */
export const judgeMerchant = (before: MerchantState, after: MerchantState, input: { readonly _tag: string }, outputs: ReadonlyArray<Output>): Judgement =>
  isBackOffice(input) ? judgeBackOffice(before, after, input, outputs) : NOTHING_JUDGED
