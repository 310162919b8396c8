/**
 * The signed messages the party tests exchange, with the values of the one payment they share:
 * `pay-1`, 12.50 EUR from Alice's account at issuer-1 to merchant-1 ("Teapot & Co"), forwarded by
 * gateway-1 as authorization `auth-1`, its captures and refunds forwarded as `op-<n>` and cleared
 * by clearing-1. Each builder takes `over` to change any field.
 *
 * API: the constants below, `authorizationRequest(over)` (gateway to issuer),
 * `authorizationResponse(status, over)` and `operationResponse(request, status, moved_minor,
 * over)` (issuer to gateway), `answerTo(challenge, decision, over)`
 * (the challenged phone's answer), `clearingItem(n, kind, amount_minor, over)` (signed by
 * issuer-1 as accepted) and
 * `settlementInstruction(bank, items, over)` (clearing house to bank, with the position the items
 * net to for that bank).
 */
import * as Topology from "../../src/drivers/Topology.js"
import { AuthorizationId, CycleNumber, InstructionId, OperationId, PaymentId, SubmissionId, type PartyId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import { ClearingItem, SettlementInstruction } from "../../src/messages/Clearing.js"
import { Payee, type AuthorizationStatus, type OperationKind, type OperationStatus } from "../../src/messages/Common.js"
import { AuthorizationRequest, AuthorizationResponse, CaptureRequest, OperationResponse, RefundRequest, VoidRequest } from "../../src/messages/GatewayIssuer.js"
import { challengeAnswer, type Challenge, type ChallengeAnswer, type ChallengeAnswerFields, type Decision } from "../../src/messages/IssuerPhone.js"
import { issuerSignatureOn, parties } from "./fixtures.js"

const { merchant, gateway, issuer, clearing } = parties

/** The standard topology's start. */
export const T0 = Topology.START_ms
export const PAY_1 = PaymentId.make("pay-1")
export const AUTH_1 = AuthorizationId.make("auth-1")
export const AMOUNT_minor = 1_250
export const PAYEE = new Payee({ merchant: merchant.id, name: "Teapot & Co" })
/** When the gateway's AuthorizationRequest expires. */
export const REQUEST_EXPIRES_ms = (T0 + 300_000) as Timestamp_ms
/** When an approved authorization's hold expires, as the issuer's response says. */
export const APPROVED_HOLD_EXPIRES_ms = (T0 + 1_000_000) as Timestamp_ms
/** The gateway's operation id `op-<n>`. */
export const OP = (n: number): OperationId => OperationId.make(`op-${n}`)
/** The acquirer's first two clearing submissions. */
export const SUB_1 = SubmissionId.make("sub-1")
export const SUB_2 = SubmissionId.make("sub-2")
/** The clearing house's first two cycles. */
export const CYCLE_1 = CycleNumber.make(1)
export const CYCLE_2 = CycleNumber.make(2)

/** The gateway's AuthorizationRequest for `pay-1` as `auth-1`. */
export const authorizationRequest = (over: Partial<ConstructorParameters<typeof AuthorizationRequest>[0]> = {}): AuthorizationRequest =>
  new AuthorizationRequest({
    id: AUTH_1,
    from: gateway.id,
    to: issuer.id,
    paymentId: PAY_1,
    account: Topology.accounts.alice,
    amount: Money.money(AMOUNT_minor, "EUR"),
    payee: PAYEE,
    expiresAt_ms: REQUEST_EXPIRES_ms,
    ...over
  })

/** The issuer's AuthorizationResponse to `auth-1`; an approval holds the funds until APPROVED_HOLD_EXPIRES_ms. */
export const authorizationResponse = (status: AuthorizationStatus, over: Partial<ConstructorParameters<typeof AuthorizationResponse>[0]> = {}): AuthorizationResponse =>
  new AuthorizationResponse({
    id: AUTH_1,
    from: issuer.id,
    to: gateway.id,
    paymentId: PAY_1,
    amount: Money.money(AMOUNT_minor, "EUR"),
    status,
    holdExpiresAt_ms: status === "approved" ? APPROVED_HOLD_EXPIRES_ms : null,
    ...over
  })

/** The issuer's OperationResponse to the gateway's `request`: `moved_minor` defaults to the request's amount (nothing for a void or a refusal). */
export const operationResponse = (
  request: CaptureRequest | VoidRequest | RefundRequest,
  status: OperationStatus = "accepted",
  moved_minor?: number,
  over: Partial<ConstructorParameters<typeof OperationResponse>[0]> = {}
): OperationResponse =>
  new OperationResponse({
    id: request.id,
    from: request.to,
    to: request.from,
    authorizationId: request.authorizationId,
    operation: KIND[request._tag],
    amount: Money.money(moved_minor ?? (status !== "accepted" || request._tag === "VoidRequest" ? 0 : request.amount.amount_minor), "EUR"),
    status,
    ...over
  })

const KIND: { readonly [T in (CaptureRequest | VoidRequest | RefundRequest)["_tag"]]: OperationKind } = {
  CaptureRequest: "capture",
  VoidRequest: "void",
  RefundRequest: "refund"
}

/** The answer the challenged device signs to `challenge`, bound to its every field. */
export const answerTo = (challenge: Challenge, decision: Decision, over: Partial<ChallengeAnswerFields> = {}): ChallengeAnswer =>
  challengeAnswer(decision, {
    id: challenge.id,
    from: challenge.to,
    to: challenge.from,
    account: challenge.account,
    paymentId: challenge.paymentId,
    amount: challenge.amount,
    payee: challenge.payee,
    expiresAt_ms: challenge.expiresAt_ms,
    ...over
  })

/** The gateway's clearing item for its operation `op-<n>` on `auth-1`, with issuer-1's signature on its acceptance of it (unless `over` gives another). */
export const clearingItem = (n: number, kind: "capture" | "refund", amount_minor: number, over: Partial<ConstructorParameters<typeof ClearingItem>[0]> = {}): ClearingItem => {
  const fields = { id: OP(n), kind, acquirer: gateway.id, issuer: issuer.id, authorizationId: AUTH_1, amount: Money.money(amount_minor, "EUR"), ...over }
  return new ClearingItem({ issuerSignature: issuerSignatureOn(issuer, fields), ...fields })
}

/** What `items` net to for `bank`: an acquirer is owed its captures and owes its refunds, an issuer the other way. */
const positionOf = (bank: PartyId, items: ReadonlyArray<ClearingItem>): number =>
  items.reduce((sum, i) => {
    const owed_minor = i.kind === "capture" ? i.amount.amount_minor : -i.amount.amount_minor
    return sum + (i.acquirer === bank ? owed_minor : 0) - (i.issuer === bank ? owed_minor : 0)
  }, 0)

/** The clearing house's instruction `cyc1:<bank>:EUR` to `bank` for `items`, at the position they net to for it. */
export const settlementInstruction = (bank: PartyId, items: ReadonlyArray<ClearingItem>, over: Partial<ConstructorParameters<typeof SettlementInstruction>[0]> = {}): SettlementInstruction =>
  new SettlementInstruction({
    id: InstructionId.make(`cyc1:${bank}:EUR`),
    from: clearing.id,
    to: bank,
    cycle: CYCLE_1,
    currency: "EUR",
    position: positionOf(bank, items),
    items,
    ...over
  })
