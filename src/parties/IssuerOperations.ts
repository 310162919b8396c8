/**
 * What the issuer does after an authorization: it captures, voids and refunds on the gateway's
 * signed requests, and posts the clearing house's settlement instructions.
 *
 * The issuer is the authority on the hold: a capture succeeds only while the hold is pending and
 * unexpired, and never beyond what it still reserves; a void releases what it still reserves. A
 * refund credits the customer back for an authorization that was captured; the gateway, which
 * pays for refunds, has already refused any beyond the captures. Every request is recorded with
 * its response under `gateway/operationId`, so a retry gets the same response and moves nothing.
 *
 * @since 0.2.0
 */
import { Effect, Result } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { UnknownReference, type Rejection } from "../domain/Rejection.js"
import { nostro, schemePayable } from "../ledger/Accounts.js"
import * as Ledger from "../ledger/Ledger.js"
import type { ClearingItem, SettlementInstruction } from "../messages/Clearing.js"
import type { OperationKind, OperationStatus } from "../messages/Common.js"
import { OperationResponse, type CaptureRequest, type RefundRequest, type VoidRequest } from "../messages/GatewayIssuer.js"
import * as Idempotency from "../machine/Idempotency.js"
import { retainedUntil } from "../machine/Retention.js"
import { send, transitioned, type Output, type Step, type Transition } from "../machine/Machine.js"
import { encodeSigned, sealPacket } from "../machine/Party.js"
import { receiveInstruction } from "../settlement/Instruction.js"
import type { AuthorizationState, IssuerAuthorization, IssuerState } from "./Issuer.js"

/** The ledger id of the hold placed for authorization `gateway/authorizationId`. @since 0.2.0 */
export const holdOf = (authorization: string): string => `hold:${authorization}`
/** The journal id of capture `gateway/operationId`. @since 0.2.0 */
export const captureEntry = (operation: string): string => `capture:${operation}`
/** The journal id of refund `gateway/operationId`. @since 0.2.0 */
export const refundEntry = (operation: string): string => `refund:${operation}`

/** An operation the gateway asks for. @since 0.2.0 */
export type OperationRequest = CaptureRequest | VoidRequest | RefundRequest

/** The transitions operations make on an authorization. @since 0.2.0 */
export const operationTransitions: ReadonlyArray<Transition> = [
  { entity: "authorization", from: "Held", on: "CaptureRequest (partial)", to: "Held" },
  { entity: "authorization", from: "Held", on: "CaptureRequest (final)", to: "Captured" },
  { entity: "authorization", from: "Held", on: "VoidRequest", to: "Voided" },
  { entity: "authorization", from: "Held", on: "VoidRequest (after captures)", to: "Captured" },
  { entity: "authorization", from: "Held", on: "RefundRequest", to: "Held" },
  { entity: "authorization", from: "Captured", on: "RefundRequest", to: "Captured" }
]

const KIND: { readonly [T in OperationRequest["_tag"]]: OperationKind } = { CaptureRequest: "capture", VoidRequest: "void", RefundRequest: "refund" }

/** What an operation did: the new ledger and what moved, or why it was refused. */
type Outcome = { readonly ledger: Ledger.Ledger; readonly moved: number; readonly refunded: number } | OperationStatus

const refusalOf = (error: Ledger.LedgerError, hold: Ledger.Hold | undefined): OperationStatus => {
  switch (error.code) {
    case "HoldExpired":
      return "hold_expired"
    case "HoldNotPending":
      return hold?.status === "expired" ? "hold_expired" : "hold_closed"
    case "ExceedsHold":
      return "exceeds_remaining"
    default:
      return "unknown_payment"
  }
}

const apply = (state: IssuerState, key: string, auth: IssuerAuthorization, body: OperationRequest, now_ms: Timestamp_ms): Outcome => {
  const holdId = holdOf(`${body.from}/${body.authorizationId}`)
  const hold = Ledger.hold(state.ledger, holdId)
  switch (body._tag) {
    case "CaptureRequest": {
      // The ledger captures minor units of the hold's currency: a request in another currency is not that capture.
      if (hold !== undefined && body.amount.currency !== hold.currency) return "exceeds_remaining"
      const captured = Ledger.capture(state.ledger, holdId, captureEntry(key), body.amount.amount_minor, now_ms)
      return Result.isSuccess(captured) ? { ledger: captured.success, moved: body.amount.amount_minor, refunded: 0 } : refusalOf(captured.failure, hold)
    }
    case "VoidRequest": {
      if (hold === undefined) return "unknown_payment"
      // A pending hold past its expiry is released by the issuer's next tick, not by a void.
      if (hold.status === "pending" && now_ms >= hold.expiresAt_ms) return "hold_expired"
      const voided = Ledger.voidHold(state.ledger, holdId)
      return Result.isSuccess(voided) ? { ledger: voided.success, moved: hold.amount_minor - hold.captured_minor, refunded: 0 } : refusalOf(voided.failure, hold)
    }
    case "RefundRequest": {
      if (hold === undefined || hold.captured_minor === 0) return "exceeds_remaining"
      const refunded = Ledger.transfer(state.ledger, { id: refundEntry(key), debit: schemePayable(body.amount.currency), credit: auth.request.account, amount: body.amount })
      return Result.isSuccess(refunded) ? { ledger: refunded.success, moved: body.amount.amount_minor, refunded: body.amount.amount_minor } : refusalOf(refunded.failure, hold)
    }
  }
}

/** Where the authorization stands once an operation moved money, and the transition's input name. */
const after = (auth: IssuerAuthorization, body: OperationRequest, hold: Ledger.Hold | undefined): { readonly to: AuthorizationState; readonly on: string } => {
  if (body._tag === "RefundRequest") return { to: auth.state, on: "RefundRequest" }
  const captured = hold?.captured_minor ?? 0
  if (body._tag === "VoidRequest") return captured > 0 ? { to: "Captured", on: "VoidRequest (after captures)" } : { to: "Voided", on: "VoidRequest" }
  return hold?.status === "closed" ? { to: "Captured", on: "CaptureRequest (final)" } : { to: "Held", on: "CaptureRequest (partial)" }
}

/** The issuer takes a capture, void or refund request from the gateway. @since 0.2.0 */
export const onOperation = (state: IssuerState, body: OperationRequest, now_ms: Timestamp_ms): Effect.Effect<Step<IssuerState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = `${body.from}/${body.id}`
    const encoded = encodeSigned(body)
    // What an operation keeps for good is its journal entry: a void or a refused operation leaves none, so a later
    // request under its pruned id is judged on its own, and finds the void's hold closed.
    const journaled = state.ledger.journal.has(captureEntry(key)) || state.ledger.journal.has(refundEntry(key))
    const seen = yield* Idempotency.admit(state.records, key, body, encoded, now_ms, journaled)
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    const authKey = `${body.from}/${body.authorizationId}`
    const auth = state.authorizations.get(authKey)
    const outcome: Outcome =
      auth === undefined || auth.request.paymentId !== body.paymentId || (auth.state !== "Held" && auth.state !== "Captured" && auth.state !== "HoldExpired" && auth.state !== "Voided")
        ? "unknown_payment"
        : now_ms >= body.expiresAt_ms
          ? "request_expired"
          : apply(state, key, auth, body, now_ms)
    const currency = auth?.request.amount.currency ?? "EUR"
    const moved = typeof outcome === "string" ? 0 : outcome.moved
    const response = yield* sealPacket(
      state.identity,
      new OperationResponse({
        id: body.id,
        from: state.identity.id,
        to: body.from,
        authorizationId: body.authorizationId,
        operation: KIND[body._tag],
        amount: Money.money(moved, currency),
        status: typeof outcome === "string" ? outcome : "accepted"
      })
    )
    const records = Idempotency.record(state.records, key, encoded, response, retainedUntil(body.expiresAt_ms))
    if (typeof outcome === "string" || auth === undefined) return { state: { ...state, records }, outputs: [send(response)] }
    const { to, on } = after(auth, body, Ledger.hold(outcome.ledger, holdOf(authKey)))
    const outputs: Array<Output> = [transitioned({ party: state.identity.id, entity: "authorization", id: authKey, from: auth.state, on, to }), send(response)]
    return {
      state: {
        ...state,
        ledger: outcome.ledger,
        records,
        authorizations: state.authorizations.set(authKey, { ...auth, state: to, refunded_minor: auth.refunded_minor + outcome.refunded })
      },
      outputs
    }
  })

/** The issuer's own evidence for a clearing item: the capture or refund it posted, for the same amount. */
const recordedItem =
  (state: IssuerState) =>
  (item: ClearingItem): Rejection | null => {
    const operation = `${item.acquirer}/${item.id}`
    const entry = state.ledger.journal.get(item.kind === "capture" ? captureEntry(operation) : refundEntry(operation))
    return entry !== undefined && entry.amount_minor === item.amount.amount_minor && entry.currency === item.amount.currency
      ? null
      : new UnknownReference({ kind: `cleared ${item.kind}`, id: item.id })
  }

/**
 * The issuer posts a settlement instruction: what it pays for the cycle's captures, less what it
 * receives for refunds, moves from its scheme payable to its settlement account.
 *
 * @since 0.2.0
 */
export const onInstruction = (state: IssuerState, body: SettlementInstruction): Effect.Effect<Step<IssuerState>, Rejection, Ed25519> =>
  receiveInstruction(state, body, {
    side: "issuer",
    clearingHouse: state.clearingHouse,
    recorded: recordedItem(state),
    post: (s, key) => {
      const pays = -body.position
      if (pays === 0) return Result.succeed(s)
      const [debit, credit] = pays > 0 ? [schemePayable(body.currency), nostro(body.currency)] : [nostro(body.currency), schemePayable(body.currency)]
      return Result.map(Ledger.transfer(s.ledger, { id: `settle:${key}`, debit, credit, amount: Money.money(Math.abs(pays), body.currency) }), (ledger) => ({ ...s, ledger }))
    }
  })
