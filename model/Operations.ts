/**
 * The issuer's verdicts on captures, voids and refunds, predicted (spec 9.2 and 9.5). Judged on an
 * honest issuer right after a step that took a `CaptureRequest`, `VoidRequest` or
 * `RefundRequest`, from its state before the step, the request and the step's time, without the
 * issuer's or the ledger's code:
 *
 * - **a new request** is answered with the status and amount the spec's table gives: refused, in
 *   this order, for an authorization not approved for that payment (`unknown_payment`), at or
 *   after the request's expiry (`request_expired`), then by the hold's own rules; accepted with
 *   what moved (a void: what the hold still reserved);
 * - **a repeat** (a request id the issuer has a record of) gets the recorded answer, byte for byte;
 * - **after the step**, the authorization it names, and every authorization a tick moved (a hold
 *   expired), stands where its hold says: `Held` while the hold is pending, `Captured` once
 *   anything was captured and the hold is no longer pending, `Voided` or `HoldExpired` when it
 *   closed with nothing captured, and no hold at all while `Challenging` or `Declined`. (The
 *   approval's own steps are judged by `noUnapprovedDebit` and `agreement`.)
 *
 * Safety checks see that no money moves wrongly; this sees that the right verdict is given: a void
 * refused, a refusal with the wrong reason, a void reporting the wrong release, a request honoured
 * after its expiry, all of which move no money wrongly. The gateway's part (its own refusals, what
 * it forwards, its relay of these answers) is judged by `GatewayOperations.ts`, the merchant's (its
 * staff's requests refused or sent) by `MerchantOperations.ts`.
 */
import type { Hold } from "../src/ledger/Ledger.js"
import type { Input, Output, Packet, Receive, Transitioned } from "../src/machine/Machine.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import type { IssuerAuthorization, IssuerState } from "../src/parties/Issuer.js"
import type { MerchantState } from "../src/parties/Merchant.js"
import { bodyOf, judgeRepeat, judgeVerdict, NOTHING_JUDGED, refused, refusedInput, sentTo, type Judgement, type Verdict } from "./Answers.js"
import { judgeGateway } from "./GatewayOperations.js"
import { judgeMerchant } from "./MerchantOperations.js"

/** An operation request as it travels, its body encoded: the fields its verdict depends on. */
interface OperationBody {
  readonly _tag: "CaptureRequest" | "VoidRequest" | "RefundRequest"
  readonly id: string
  readonly from: string
  readonly authorizationId: string
  readonly paymentId: string
  readonly expiresAt_ms: number
  readonly amount?: { readonly amount_minor: number; readonly currency: string }
}

const OPERATIONS: ReadonlyArray<string> = ["CaptureRequest", "VoidRequest", "RefundRequest"]

/** The operation request a packet carries, if it carries one. */
const operationOf = (packet: Packet): OperationBody | undefined => {
  const body = bodyOf(packet)
  return typeof body?._tag === "string" && OPERATIONS.includes(body._tag) ? (body as OperationBody) : undefined
}

/** The hold an issuer places for authorization `gateway/authorizationId`, under the id the spec gives it (spelled out here). */
const holdFor = (issuer: IssuerState, authorization: string): Hold | undefined => issuer.ledger.holds.get(`hold:${authorization}`)

/** A capture or void by the hold's rules: closed or expired holds take neither, nor does a pending one at or after its expiry. */
const holdRefusal = (hold: Hold, now_ms: number): Verdict | undefined => {
  if (hold.status === "expired") return refused("hold_expired")
  if (hold.status !== "pending") return refused("hold_closed")
  return now_ms >= hold.expiresAt_ms ? refused("hold_expired") : undefined
}

/** The verdict on a request for authorization `auth` with hold `hold` at `now_ms`, once it is known to be for an approved authorization and unexpired. */
const byTheHold = (body: OperationBody, hold: Hold | undefined, now_ms: number): Verdict => {
  const amount_minor = body.amount?.amount_minor ?? 0
  switch (body._tag) {
    case "CaptureRequest":
      if (hold === undefined) return refused("unknown_payment")
      if (body.amount?.currency !== hold.currency) return refused("exceeds_remaining")
      return holdRefusal(hold, now_ms) ?? (amount_minor > hold.amount_minor - hold.captured_minor ? refused("exceeds_remaining") : { status: "accepted", amount_minor })
    case "VoidRequest":
      if (hold === undefined) return refused("unknown_payment")
      return holdRefusal(hold, now_ms) ?? { status: "accepted", amount_minor: hold.amount_minor - hold.captured_minor }
    case "RefundRequest":
      if (hold === undefined || hold.captured_minor === 0) return refused("exceeds_remaining")
      // The ledger credits the shopper's account in its own currency only.
      return body.amount?.currency === hold.currency ? { status: "accepted", amount_minor } : refused("unknown_payment")
  }
}

/** Whether an authorization was approved: it has a hold (or had one), so operations may name it. */
const approved = (auth: IssuerAuthorization | undefined, paymentId: string): auth is IssuerAuthorization =>
  auth !== undefined && auth.request.paymentId === paymentId && auth.state !== "Challenging" && auth.state !== "Declined"

/**
 * What an issuer in state `issuer` must answer to the new request `body` arriving at `now_ms`
 * (spec 9.5, its refusals in the order this module's header gives).
 */
export const expectedVerdict = (issuer: IssuerState, body: OperationBody, now_ms: number): Verdict => {
  const authorization = `${body.from}/${body.authorizationId}`
  const auth = issuer.authorizations.get(authorization)
  if (!approved(auth, body.paymentId)) return refused("unknown_payment")
  if (now_ms >= body.expiresAt_ms) return refused("request_expired")
  return byTheHold(body, holdFor(issuer, authorization), now_ms)
}

/** Where an authorization with `hold` must stand: its hold's status, and whether anything was captured. */
const standingOf = (hold: Hold | undefined): string => {
  if (hold === undefined) return "Challenging or Declined"
  if (hold.status === "pending") return "Held"
  if (hold.captured_minor > 0) return "Captured"
  return hold.status === "expired" ? "HoldExpired" : "Voided"
}

/** Whether an authorization's state is the one its hold says. */
const agreesWithHold = (state: string, hold: Hold | undefined): boolean =>
  hold === undefined ? state === "Challenging" || state === "Declined" : state === standingOf(hold)

/** The authorizations named by key whose state is not the one their hold says. */
const standingFindings = (issuer: IssuerState, keys: Iterable<string>): ReadonlyArray<string> =>
  [...new Set(keys)].flatMap((key) => {
    const auth = issuer.authorizations.get(key)
    const hold = holdFor(issuer, key)
    return auth === undefined || agreesWithHold(auth.state, hold)
      ? []
      : [`authorization ${key} is ${auth.state}, its hold ${hold === undefined ? "does not exist" : `is ${hold.status} with ${hold.captured_minor} of ${hold.amount_minor} captured`}: it should be ${standingOf(hold)}`]
  })

/** The judgement of the answer to `body`, given the issuer's state `before` the step. */
const judgeAnswer = (before: IssuerState, body: OperationBody, now_ms: number, outputs: ReadonlyArray<Output>): Judgement => {
  if (refusedInput(outputs)) return NOTHING_JUDGED
  const request = `${body._tag} ${body.from}/${body.id}`
  const [answer] = sentTo(outputs, body.from, "OperationResponse", body.id)
  const record = before.records.get(`${body.from}/${body.id}`)
  if (record !== undefined) return judgeRepeat(request, record, answer)
  const expected = expectedVerdict(before, body, now_ms)
  return judgeVerdict(request, `${body._tag}: ${expected.status}`, expected, answer, now_ms)
}

/** The judgement of an honest issuer's step: its answer to an operation request, and the standing of the authorizations it touched. */
const judgeIssuer = (before: IssuerState, after: IssuerState, packet: Packet | undefined, now_ms: number, outputs: ReadonlyArray<Output>): Judgement => {
  const body = packet === undefined ? undefined : operationOf(packet)
  // A hold moves on operations and on its expiry; the approval's own path is the other checks' to judge.
  const moved = outputs.filter((o): o is Transitioned => o._tag === "Transitioned" && o.entity === "authorization" && o.on.startsWith("Tick (")).map((t) => t.id)
  const answer = body === undefined ? NOTHING_JUDGED : judgeAnswer(before, body, now_ms, outputs)
  const named = body === undefined ? [] : [`${body.from}/${body.authorizationId}`]
  return { judged: answer.judged, findings: [...answer.findings, ...standingFindings(after, [...named, ...moved])] }
}

/**
 * The judgement of an honest party of machine `kind` after a step that took `input` from `before`
 * to `after` with `outputs`. An issuer: a wrong verdict or repeat on an operation request, and an
 * authorization it named, or a tick moved, whose state its hold contradicts. A gateway: a
 * merchant's operation refused, forwarded or repeated otherwise than the spec says, or the
 * issuer's answer not relayed unchanged (`GatewayOperations.ts`). A merchant: its staff's capture,
 * void or refund refused or sent otherwise than the spec says (`MerchantOperations.ts`). Other
 * kinds have nothing to find.
 */
export const judgeOperations = (kind: string, before: unknown, after: unknown, input: Input, outputs: ReadonlyArray<Output>): Judgement => {
  const packet = input._tag === "Receive" ? (input as Receive).packet : undefined
  if (kind === "Issuer") return judgeIssuer(before as IssuerState, after as IssuerState, packet, input.now_ms, outputs)
  if (kind === "Gateway") return judgeGateway(before as GatewayState, packet, input.now_ms, outputs)
  if (kind === "Merchant") return judgeMerchant(before as MerchantState, after as MerchantState, input, outputs)
  return NOTHING_JUDGED
}
