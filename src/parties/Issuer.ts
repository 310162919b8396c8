/**
 * The issuer: the shopper's bank. It keeps the accounts ledger, challenges the shopper on their
 * enrolled phone, and holds the funds only on a matching, signed, timely approval.
 *
 * On an `AuthorizationRequest` from a gateway it checks the account, its currency, an enrolled
 * device and the available balance, then pushes a signed `Challenge` to the phone, retried until
 * answered. A `ChallengeAnswer` counts only if it is signed by the device the challenge went to,
 * that device is enrolled for the account, it arrives before the challenge expires, and it names
 * exactly the challenged account, payment, amount, currency and payee. An approval places a hold
 * on the ledger (two-phase, with its own expiry); the outcome is recorded and sent to the
 * gateway as a signed `AuthorizationResponse`, and confirmed to the phone with a
 * `ChallengeReceipt`. Time-driven transitions (challenge and hold expiry) happen on `Tick`.
 *
 * @since 0.1.0
 */
import { getOwn } from "../domain/Records.js"
import { Effect, Result, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { requireUnexpired } from "../crypto/Envelope.js"
import { ChallengeId, type AccountId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import type { Currency } from "../domain/Money.js"
import * as Money from "../domain/Money.js"
import { DeviceNotEnrolled, Mismatch, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import * as Accounts from "../ledger/Accounts.js"
import { reserves, schemePayable } from "../ledger/Accounts.js"
import * as Ledger from "../ledger/Ledger.js"
import type { AuthorizationStatus } from "../messages/Common.js"
import { SettlementInstruction } from "../messages/Clearing.js"
import { AuthorizationRequest, AuthorizationResponse, CaptureRequest, RefundRequest, VoidRequest } from "../messages/GatewayIssuer.js"
import { Challenge, ChallengeApproval, ChallengeDecline, ChallengeReceipt, decisionOf, type ChallengeAnswer } from "../messages/IssuerPhone.js"
import { codecOf } from "../messages/Signed.js"
import * as Idempotency from "../machine/Idempotency.js"
import { requireRetained, retainedUntil } from "../machine/Retention.js"
import { instructionTransition, NO_SETTLEMENT, type SettlementTerms, type SettlingBank } from "../settlement/Instruction.js"
import { holdOf, onInstruction, onOperation, operationTransitions } from "./IssuerOperations.js"
import { ensure, guard, send, transitioned, type Machine, type Output, type Receive, type Step, type Tick, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { Table } from "../machine/Table.js"
import { encodeSigned, openPacket, sealPacket, type PartyIdentity } from "../machine/Party.js"

/** How long a shopper has to answer a challenge. @since 0.1.0 */
export const CHALLENGE_TTL_ms = 120_000
/** How long a hold reserves funds before it expires (7 days). @since 0.1.0 */
export const HOLD_TTL_ms = 7 * 24 * 3_600_000

/** A customer account: its currency and the phones enrolled to approve its payments. @category models @since 0.1.0 */
export interface CustomerAccount {
  readonly currency: Currency
  readonly devices: ReadonlyArray<PartyId>
}

/** Where an authorization stands at the issuer. @since 0.1.0 */
export type AuthorizationState = "Challenging" | "Held" | "Declined" | "HoldExpired" | "Captured" | "Voided"

/** One authorization request the issuer accepted. @category models @since 0.1.0 */
export interface IssuerAuthorization {
  readonly request: AuthorizationRequest
  readonly state: AuthorizationState
  readonly status: AuthorizationStatus | null
  readonly challengeId: ChallengeId | null
  /** What was refunded to the customer so far, in minor units. */
  readonly refunded_minor: number
}

/** Where a challenge stands. @since 0.1.0 */
export type ChallengeState = "Pending" | "Approved" | "Declined" | "Expired"

/** One challenge pushed to a phone, and the answer that closed it. @category models @since 0.1.0 */
export interface IssuerChallenge {
  readonly challenge: Challenge
  /** The authorization it belongs to, as `gateway/authorizationId`. */
  readonly authorization: string
  readonly state: ChallengeState
  /** When the accepted answer arrived, or `null` while pending or if it expired unanswered. */
  readonly answeredAt_ms: Timestamp_ms | null
  /** The accepted answer's fingerprint and the receipt sent for it. */
  readonly answer: Idempotency.IdempotencyRecord | null
}

/** When a challenge is next due at the issuer: its expiry while it is pending. @since 0.4.0 */
export const challengeDueAt = (c: IssuerChallenge): number | null => (c.state === "Pending" ? c.challenge.expiresAt_ms : null)

/** The issuer's state. All of it is durable. @category models @since 0.1.0 */
export interface IssuerState extends SettlingBank {
  readonly identity: PartyIdentity
  readonly customers: Table<CustomerAccount>
  readonly ledger: Ledger.Ledger
  readonly authorizations: Table<IssuerAuthorization>
  /** Indexed by the expiry of each pending challenge: `challengeDueAt`. */
  readonly challenges: Table<IssuerChallenge>
  /** Gateways' requests by `gateway/authorizationId` and `gateway/operationId`, with the responses sent. */
  readonly records: Idempotency.IdempotencyRecords
  readonly outbox: Outbox.Outbox
  /** How many challenges have been issued. */
  readonly issued: number
  /** The clearing house the issuer settles through: the only one whose instructions it takes (`null`: none). */
  readonly clearingHouse: PartyId | null
  /**
   * The scheme's merchant directory: each merchant's acquirer. A gateway's request naming a payee
   * merchant that this directory gives to another acquirer (or does not list) is refused, so a
   * gateway cannot claim another acquirer's merchant. `null`: no directory, every payee is taken
   * on the gateway's word (tests of single-acquirer worlds only).
   */
  readonly acquirers: Readonly<Record<string, PartyId>> | null
}

/**
 * What an issuer is configured with: where it settles, and the scheme's merchant directory.
 *
 * @category models
 * @since 0.3.0
 */
export interface IssuerTerms extends SettlementTerms {
  /** Each merchant's acquirer (see {@link IssuerState.acquirers}); omit for none. */
  readonly acquirers?: Readonly<Record<string, PartyId>>
}

/** The issuer's inputs. @category inputs @since 0.1.0 */
export type IssuerInput = Receive | Tick

/**
 * An issuer whose customers hold the given opening balances, funded from the bank's reserves so
 * the ledger balances from the start, and which settles through `clearingHouse`, holding
 * `settlement` at its settlement bank (one amount per currency, matching the clearing house's
 * opening balances for it).
 *
 * @since 0.1.0
 */
export const initial = (
  identity: PartyIdentity,
  customers: ReadonlyArray<{ readonly account: AccountId; readonly opening: Money.Money; readonly devices: ReadonlyArray<PartyId> }>,
  { clearingHouse, settlement, acquirers }: IssuerTerms = NO_SETTLEMENT
): IssuerState => {
  const currencies = [...new Set([...customers.map((c) => c.opening.currency), ...settlement.map((m) => m.currency)])]
  let ledger = Ledger.empty
  for (const currency of currencies) {
    const opening = settlement.find((m) => m.currency === currency)?.amount_minor ?? 0
    ledger = Accounts.openBankBooks(ledger, currency, [schemePayable(currency)], opening)
  }
  for (const c of customers) {
    const currency = c.opening.currency
    ledger = Result.getOrThrow(Ledger.openAccount(ledger, { id: c.account, currency, debitsMustNotExceedCredits: true }))
    if (c.opening.amount_minor > 0) {
      ledger = Result.getOrThrow(Ledger.transfer(ledger, { id: `opening:${c.account}`, debit: reserves(currency), credit: c.account, amount: c.opening }))
    }
  }
  return {
    identity,
    customers: Table.from(customers.map((c) => [c.account, { currency: c.opening.currency, devices: c.devices }])),
    ledger,
    authorizations: Table.empty(),
    challenges: Table.empty(challengeDueAt),
    records: Idempotency.emptyRetained,
    settlements: Table.empty(),
    settledItems: Table.empty(),
    outbox: Outbox.empty,
    issued: 0,
    clearingHouse,
    acquirers: acquirers ?? null
  }
}

/** The issuer's transitions, as data. @since 0.1.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "authorization", from: "None", on: "AuthorizationRequest", to: "Challenging" },
  { entity: "authorization", from: "None", on: "AuthorizationRequest (refused)", to: "Declined" },
  { entity: "authorization", from: "Challenging", on: "ChallengeAnswer (approve)", to: "Held" },
  { entity: "authorization", from: "Challenging", on: "ChallengeAnswer (approve, insufficient funds)", to: "Declined" },
  { entity: "authorization", from: "Challenging", on: "ChallengeAnswer (decline)", to: "Declined" },
  { entity: "authorization", from: "Challenging", on: "Tick (challenge expired)", to: "Declined" },
  { entity: "authorization", from: "Held", on: "Tick (hold expired)", to: "HoldExpired" },
  { entity: "authorization", from: "Held", on: "Tick (hold expired after captures)", to: "Captured" },
  ...operationTransitions,
  { entity: "challenge", from: "None", on: "AuthorizationRequest", to: "Pending" },
  { entity: "challenge", from: "Pending", on: "ChallengeAnswer (approve)", to: "Approved" },
  { entity: "challenge", from: "Pending", on: "ChallengeAnswer (decline)", to: "Declined" },
  { entity: "challenge", from: "Pending", on: "Tick (challenge expired)", to: "Expired" },
  instructionTransition
]

/** The signed messages the issuer accepts. @since 0.2.0 */
export const Accepts = codecOf(
  Schema.Union([AuthorizationRequest, ChallengeApproval, ChallengeDecline, CaptureRequest, VoidRequest, RefundRequest, SettlementInstruction])
)


/** Why a new authorization is refused before any challenge, or `null` if it may proceed. */
const refusal = (state: IssuerState, request: AuthorizationRequest, now_ms: Timestamp_ms): AuthorizationStatus | null => {
  const customer = state.customers.get(request.account)
  if (now_ms >= request.expiresAt_ms) return "request_expired"
  if (customer === undefined) return "unknown_account"
  if (customer.currency !== request.amount.currency) return "currency_not_supported"
  if (customer.devices.length === 0) return "no_enrolled_device"
  if (Ledger.available(state.ledger, request.account) < request.amount.amount_minor) return "insufficient_funds"
  return null
}

const responseTo = (
  state: IssuerState,
  request: AuthorizationRequest,
  status: AuthorizationStatus,
  holdExpiresAt_ms: Timestamp_ms | null
): AuthorizationResponse =>
  new AuthorizationResponse({
    id: request.id,
    from: state.identity.id,
    to: request.from,
    paymentId: request.paymentId,
    amount: request.amount,
    status,
    holdExpiresAt_ms
  })

const onAuthorizationRequest = (
  state: IssuerState,
  body: AuthorizationRequest,
  now_ms: Timestamp_ms
): Effect.Effect<Step<IssuerState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = `${body.from}/${body.id}`
    const encoded = encodeSigned(body)
    const seen = yield* Idempotency.admit(state.records, key, body, encoded, now_ms, state.authorizations.has(key))
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    // A gateway speaks only for the merchants it acquires: claiming another acquirer's merchant as payee is refused outright.
    if (state.acquirers !== null && getOwn(state.acquirers, body.payee.merchant) !== body.from) return yield* new Mismatch({ id: body.id, field: "payee" })
    const me = state.identity.id
    const refused = refusal(state, body, now_ms)
    if (refused !== null) {
      const response = yield* sealPacket(state.identity, responseTo(state, body, refused, null))
      return {
        state: {
          ...state,
          authorizations: state.authorizations.set(key, { request: body, state: "Declined", status: refused, challengeId: null, refunded_minor: 0 }),
          records: Idempotency.record(state.records, key, encoded, response, retainedUntil(body.expiresAt_ms))
        },
        outputs: [
          transitioned({ party: me, entity: "authorization", id: key, from: "None", on: "AuthorizationRequest (refused)", to: "Declined" }),
          send(response)
        ]
      }
    }
    const challengeId = ChallengeId.make(`ch-${state.issued + 1}`)
    const device = state.customers.get(body.account)?.devices[0] ?? me
    const challenge = new Challenge({
      id: challengeId,
      from: me,
      to: device,
      account: body.account,
      paymentId: body.paymentId,
      amount: body.amount,
      payee: body.payee,
      // The shopper has CHALLENGE_TTL_ms to answer, never beyond the request's own expiry.
      expiresAt_ms: Math.min(now_ms + CHALLENGE_TTL_ms, body.expiresAt_ms) as Timestamp_ms
    })
    const push = yield* sealPacket(state.identity, challenge)
    return {
      state: {
        ...state,
        issued: state.issued + 1,
        authorizations: state.authorizations.set(key, { request: body, state: "Challenging", status: null, challengeId, refunded_minor: 0 }),
        challenges: state.challenges.set(challengeId, { challenge, authorization: key, state: "Pending", answeredAt_ms: null, answer: null }),
        records: Idempotency.record(state.records, key, encoded, null, retainedUntil(body.expiresAt_ms)),
        outbox: Outbox.add(state.outbox, challengeId, push, now_ms)
      },
      outputs: [
        transitioned({ party: me, entity: "authorization", id: key, from: "None", on: "AuthorizationRequest", to: "Challenging" }),
        transitioned({ party: me, entity: "challenge", id: challengeId, from: "None", on: "AuthorizationRequest", to: "Pending" }),
        send(push)
      ]
    }
  })

/** Checks that an answer names exactly what was challenged: dynamic linking. */
const requireSamePayment = (challenge: Challenge, answer: ChallengeAnswer): Effect.Effect<void, Mismatch> => {
  const field =
    answer.account !== challenge.account
      ? "account"
      : answer.paymentId !== challenge.paymentId
        ? "paymentId"
        : !Money.equals(answer.amount, challenge.amount)
          ? "amount"
          : answer.payee.merchant !== challenge.payee.merchant || answer.payee.name !== challenge.payee.name
            ? "payee"
            : answer.expiresAt_ms !== challenge.expiresAt_ms
              ? "expiresAt_ms"
              : null
  return field === null ? Effect.void : Effect.fail(new Mismatch({ id: challenge.id, field }))
}

const onChallengeAnswer = (
  state: IssuerState,
  body: ChallengeAnswer,
  now_ms: Timestamp_ms
): Effect.Effect<Step<IssuerState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    yield* requireRetained(body, now_ms)
    const entry = state.challenges.get(body.id)
    if (entry === undefined) return yield* new UnknownReference({ kind: "challenge", id: body.id })
    const { challenge } = entry
    const customer = state.customers.get(challenge.account)
    yield* ensure(customer?.devices.includes(body.from) === true, () => new DeviceNotEnrolled({ device: body.from, account: challenge.account }))
    yield* ensure(body.from === challenge.to, () => new Mismatch({ id: body.id, field: "device" }))
    const encoded = encodeSigned(body)
    if (entry.state !== "Pending") {
      if (entry.answer !== null && entry.answer.fingerprint === Idempotency.fingerprint(encoded) && entry.answer.answer !== null) {
        return { state, outputs: [send(entry.answer.answer)] }
      }
      if (entry.state === "Expired") {
        // The phone keeps retrying its answer until it has a receipt: resend the expiry receipt
        // (byte-identical to the one sent on the Tick, as Ed25519 signatures are deterministic).
        const receipt = new ChallengeReceipt({ id: challenge.id, from: state.identity.id, to: challenge.to, status: "challenge_expired" })
        return { state, outputs: [send(yield* sealPacket(state.identity, receipt))] }
      }
      return yield* new OutOfOrder({ entity: `challenge ${body.id}`, state: entry.state, input: "ChallengeAnswer" })
    }
    yield* requireUnexpired(challenge, now_ms)
    yield* requireSamePayment(challenge, body)
    const auth = state.authorizations.get(entry.authorization)
    if (auth === undefined) return yield* new UnknownReference({ kind: "authorization", id: entry.authorization })
    const approve = decisionOf(body) === "approve"
    const holdExpiresAt_ms = (now_ms + HOLD_TTL_ms) as Timestamp_ms
    const held = approve
      ? Ledger.placeHold(state.ledger, {
          id: holdOf(entry.authorization),
          debit: challenge.account,
          credit: schemePayable(challenge.amount.currency),
          amount: challenge.amount,
          expiresAt_ms: holdExpiresAt_ms
        })
      : undefined
    const ledger = held !== undefined && Result.isSuccess(held) ? held.success : state.ledger
    const status: AuthorizationStatus = !approve ? "declined_by_shopper" : ledger !== state.ledger ? "approved" : "insufficient_funds"
    const authOn = !approve ? "ChallengeAnswer (decline)" : status === "approved" ? "ChallengeAnswer (approve)" : "ChallengeAnswer (approve, insufficient funds)"
    return yield* settle(state, entry, auth, {
      ledger,
      status,
      holdExpiresAt_ms: status === "approved" ? holdExpiresAt_ms : null,
      challengeState: approve ? "Approved" : "Declined",
      challengeOn: approve ? "ChallengeAnswer (approve)" : "ChallengeAnswer (decline)",
      authOn,
      answerFingerprint: Idempotency.fingerprint(encoded),
      answeredAt_ms: now_ms
    })
  })

interface Settlement {
  readonly ledger: Ledger.Ledger
  readonly status: AuthorizationStatus
  readonly holdExpiresAt_ms: Timestamp_ms | null
  readonly challengeState: ChallengeState
  readonly challengeOn: string
  readonly authOn: string
  readonly answerFingerprint: string | null
  readonly answeredAt_ms: Timestamp_ms | null
}

/** Closes a challenge and its authorization: records and sends the response and the receipt. */
const settle = (
  state: IssuerState,
  entry: IssuerChallenge,
  auth: IssuerAuthorization,
  s: Settlement
): Effect.Effect<Step<IssuerState>, never, Ed25519> =>
  Effect.gen(function* () {
    const me = state.identity.id
    const { challenge } = entry
    const response = yield* sealPacket(state.identity, responseTo(state, auth.request, s.status, s.holdExpiresAt_ms))
    const receipt = yield* sealPacket(state.identity, new ChallengeReceipt({ id: challenge.id, from: me, to: challenge.to, status: s.status }))
    const authState: AuthorizationState = s.status === "approved" ? "Held" : "Declined"
    const answer = s.answerFingerprint === null ? null : { fingerprint: s.answerFingerprint, answer: receipt, retainUntil_ms: null }
    return {
      state: {
        ...state,
        ledger: s.ledger,
        authorizations: state.authorizations.set(entry.authorization, { ...auth, state: authState, status: s.status }),
        challenges: state.challenges.set(challenge.id, { ...entry, state: s.challengeState, answeredAt_ms: s.answeredAt_ms, answer }),
        records: Idempotency.answer(state.records, entry.authorization, response),
        outbox: Outbox.acknowledge(state.outbox, challenge.id)
      },
      outputs: [
        transitioned({ party: me, entity: "challenge", id: challenge.id, from: "Pending", on: s.challengeOn, to: s.challengeState }),
        transitioned({ party: me, entity: "authorization", id: entry.authorization, from: "Challenging", on: s.authOn, to: authState }),
        send(response),
        send(receipt)
      ]
    }
  })

const expireChallenges = (state: IssuerState, now_ms: Timestamp_ms): Effect.Effect<Step<IssuerState>, never, Ed25519> =>
  Effect.reduce(
    state.challenges.dueBy(now_ms).map(([, c]) => c),
    (): Step<IssuerState> => ({ state, outputs: [] }),
    (acc, entry) => {
      const auth = acc.state.authorizations.get(entry.authorization)
      if (auth === undefined) return Effect.succeed(acc)
      return Effect.map(
        settle(acc.state, entry, auth, {
          ledger: acc.state.ledger,
          status: "challenge_expired",
          holdExpiresAt_ms: null,
          challengeState: "Expired",
          challengeOn: "Tick (challenge expired)",
          authOn: "Tick (challenge expired)",
          answerFingerprint: null,
          answeredAt_ms: null
        }),
        (next) => ({ state: next.state, outputs: [...acc.outputs, ...next.outputs] })
      )
    }
  )

const expireHolds = (state: IssuerState, now_ms: Timestamp_ms): Step<IssuerState> => {
  let { ledger, authorizations } = state
  const outputs: Array<Output> = []
  for (const hold of Ledger.expiredHolds(ledger, now_ms)) {
    const key = hold.id.slice("hold:".length)
    const auth = authorizations.get(key)
    const released = Ledger.expireHold(ledger, hold.id, now_ms)
    if (auth === undefined || Result.isFailure(released)) continue
    ledger = released.success
    const to: AuthorizationState = hold.captured_minor > 0 ? "Captured" : "HoldExpired"
    authorizations = authorizations.set(key, { ...auth, state: to })
    const on = to === "Captured" ? "Tick (hold expired after captures)" : "Tick (hold expired)"
    outputs.push(transitioned({ party: state.identity.id, entity: "authorization", id: key, from: "Held", on, to }))
  }
  return { state: { ...state, ledger, authorizations }, outputs }
}

const onTick = (state: IssuerState, now_ms: Timestamp_ms): Effect.Effect<Step<IssuerState>, never, Ed25519> =>
  Effect.map(expireChallenges(state, now_ms), (expired) => {
    const holds = expireHolds(expired.state, now_ms)
    const { outbox, packets } = Outbox.due(holds.state.outbox, now_ms)
    return { state: { ...holds.state, records: Idempotency.prune(holds.state.records, now_ms), outbox }, outputs: [...expired.outputs, ...holds.outputs, ...packets.map(send)] }
  })

/** The issuer's pure step. @since 0.1.0 */
export const step = (state: IssuerState, input: IssuerInput): Effect.Effect<Step<IssuerState>, never, Ed25519> => {
  if (input._tag === "Tick") return onTick(state, input.now_ms)
  return guard(
    state.identity.id,
    state,
    input._tag,
    Effect.flatMap(openPacket(Accepts, state.identity, input.packet), ({ body }) => {
      switch (body._tag) {
        case "AuthorizationRequest":
          return onAuthorizationRequest(state, body, input.now_ms)
        case "ChallengeApproval":
        case "ChallengeDecline":
          return onChallengeAnswer(state, body, input.now_ms)
        case "SettlementInstruction":
          return onInstruction(state, body)
        default:
          return onOperation(state, body, input.now_ms)
      }
    })
  )
}

/** The issuer after a crash: everything is durable, and every unanswered challenge is due again. @since 0.1.0 */
export const restart = (state: IssuerState): IssuerState => ({ ...state, outbox: Outbox.afterRestart(state.outbox) })

/** The issuer as a {@link Machine}. @since 0.1.0 */
export const Issuer: Machine<IssuerState, IssuerInput> = { kind: "Issuer", transitions, step, restart }
