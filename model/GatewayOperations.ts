/**
 * The gateway's part in captures, voids and refunds, predicted (spec 9.2, 9.5 and the message
 * reference). Judged on an honest gateway right after a step, from its state before the step:
 *
 * - **a merchant's new request** is refused by the gateway itself, in this order, for a payment
 *   that is not one of this merchant's it approved (`unknown_payment`; a voided payment is still
 *   one), at or after the request's expiry (`request_expired`), for an amount in another currency
 *   than the payment's, or a refund beyond the captures less the refunds made and in flight
 *   (`exceeds_remaining`), with an `OperationResult` moving nothing and nothing forwarded; any
 *   other is forwarded to the payment's issuer as the matching request, for the same payment,
 *   authorization, amount and expiry, and not answered yet;
 * - **a repeat** gets the recorded result byte for byte, or nothing while it is being forwarded;
 * - **the issuer's answer** to an operation being forwarded is relayed to the merchant unchanged:
 *   the same status and amount.
 */
import type { Output, Packet } from "../src/machine/Machine.js"
import type { GatewayPayment, GatewayState } from "../src/parties/Gateway.js"
import { bodyOf, judgeRepeat, judgeVerdict, NOTHING_JUDGED, refused, refusedInput, sentTo, verdictOf, type Judgement } from "./Answers.js"

/** A merchant's capture, void or refund as it travels, its body encoded. */
interface MerchantOperationBody {
  readonly _tag: "CapturePayment" | "VoidPayment" | "RefundPayment"
  readonly id: string
  readonly from: string
  readonly paymentId: string
  readonly expiresAt_ms: number
  readonly amount?: { readonly amount_minor: number; readonly currency: string }
}

/** The issuer's answer to an operation, as it travels. */
interface OperationResponseBody {
  readonly _tag: "OperationResponse"
  readonly id: string
}

/** The request the gateway forwards each merchant operation as. */
const FORWARDED_AS: Readonly<Record<MerchantOperationBody["_tag"], string>> = { CapturePayment: "CaptureRequest", VoidPayment: "VoidRequest", RefundPayment: "RefundRequest" }

/** The payment states a merchant's operation may act on: approved, and since captured or voided. */
const OPERABLE: ReadonlyArray<string> = ["Approved", "Captured", "Voided"]

/** Why the gateway must refuse `body` itself at `now_ms`, given the payment it names (if the gateway has it); or that payment, to forward it on. */
const gatewayDecision = (payment: GatewayPayment | undefined, body: MerchantOperationBody, now_ms: number): string | GatewayPayment => {
  if (payment === undefined || !OPERABLE.includes(payment.state)) return "unknown_payment"
  if (now_ms >= body.expiresAt_ms) return "request_expired"
  if (body.amount !== undefined && body.amount.currency !== payment.request.amount.currency) return "exceeds_remaining"
  const refundable = payment.captured_minor - payment.refunded_minor - payment.refundsInFlight_minor
  return body._tag === "RefundPayment" && (body.amount?.amount_minor ?? 0) > refundable ? "exceeds_remaining" : payment
}

/** The fields a forwarded request must carry over, as one comparable string. */
const carried = (fields: { readonly authorizationId?: unknown; readonly paymentId?: unknown; readonly expiresAt_ms?: unknown; readonly amount?: { readonly amount_minor: number; readonly currency: string } | undefined }): string =>
  JSON.stringify({ authorizationId: fields.authorizationId, paymentId: fields.paymentId, expiresAt_ms: fields.expiresAt_ms, amount: fields.amount === undefined ? null : [fields.amount.amount_minor, fields.amount.currency] })

/** What is wrong with the requests `forwarded` as the gateway's forwarding of `request` (`body`) for `payment`: one, carrying the payment's authorization and the merchant's amount and expiry. */
const forwardingFindings = (request: string, payment: GatewayPayment, body: MerchantOperationBody, forwarded: ReadonlyArray<Packet>): ReadonlyArray<string> => {
  const [only] = forwarded
  if (only === undefined || forwarded.length > 1) return [`${request} should be forwarded once to ${payment.request.payer.issuer}, it was forwarded ${forwarded.length} times`]
  const expected = carried({ ...body, authorizationId: payment.authorizationId })
  const sent = carried((only.payload as { readonly body: Parameters<typeof carried>[0] }).body)
  return sent === expected ? [] : [`${request} was forwarded as ${sent}, not ${expected}`]
}

/** The judgement of the gateway's answer to a merchant's operation `body`, from its state `before` the step. */
const judgeMerchantOperation = (before: GatewayState, body: MerchantOperationBody, now_ms: number, outputs: ReadonlyArray<Output>): Judgement => {
  const request = `${body._tag} ${body.from}/${body.id}`
  const [answer] = sentTo(outputs, body.from, "OperationResult", body.id)
  const payment = before.payments.get(`${body.from}/${body.paymentId}`)
  const forwarded = payment === undefined ? [] : sentTo(outputs, payment.request.payer.issuer, FORWARDED_AS[body._tag])
  const record = before.operationRecords.get(`${body.from}/${body.id}`)
  if (record !== undefined) {
    const repeat = judgeRepeat(request, record, answer)
    return forwarded.length === 0 ? repeat : { ...repeat, findings: [...repeat.findings, `${request} is a repeat forwarded again`] }
  }
  const decision = gatewayDecision(payment, body, now_ms)
  if (typeof decision === "string") {
    const judged = judgeVerdict(request, `${body._tag}: ${decision}`, refused(decision), answer, now_ms)
    return forwarded.length === 0 ? judged : { ...judged, findings: [...judged.findings, `${request} is forwarded to the issuer, though the gateway should refuse it itself`] }
  }
  const early = answer === undefined ? [] : [`${request} was answered ${verdictOf(answer).status} before the issuer decided; it should be forwarded`]
  return { judged: `${body._tag}: forwarded`, findings: [...early, ...forwardingFindings(request, decision, body, forwarded)] }
}

/** The judgement of the gateway's relay of the issuer's answer `response`, from its state `before` the step: unchanged while the operation is being forwarded, and not again once decided. */
const judgeRelay = (before: GatewayState, response: Packet, now_ms: number, outputs: ReadonlyArray<Output>): Judgement => {
  const { id } = (response.payload as { readonly body: OperationResponseBody }).body
  const key = before.byOperation.get(id)
  const op = key === undefined ? undefined : before.operations.get(key)
  if (op === undefined) return NOTHING_JUDGED
  const [relayed] = sentTo(outputs, op.request.from, "OperationResult", op.request.id)
  const request = `the answer to ${op.request._tag} ${key}`
  if (op.state !== "Forwarding") return { judged: "relay", findings: relayed === undefined ? [] : [`${request} was relayed again, once decided`] }
  return judgeVerdict(request, "relay", verdictOf(response), relayed, now_ms)
}

/**
 * The judgement of an honest gateway's step that took `packet` at `now_ms` from state `before`
 * with `outputs`: a merchant's operation refused, forwarded or repeated as the spec says, or the
 * issuer's answer relayed unchanged.
 */
export const judgeGateway = (before: GatewayState, packet: Packet | undefined, now_ms: number, outputs: ReadonlyArray<Output>): Judgement => {
  const tag = packet === undefined ? undefined : bodyOf(packet)?._tag
  if (packet === undefined || refusedInput(outputs)) return NOTHING_JUDGED
  if (tag === "OperationResponse") return judgeRelay(before, packet, now_ms, outputs)
  if (tag === "CapturePayment" || tag === "VoidPayment" || tag === "RefundPayment") {
    return judgeMerchantOperation(before, (packet.payload as { readonly body: MerchantOperationBody }).body, now_ms, outputs)
  }
  return NOTHING_JUDGED
}
