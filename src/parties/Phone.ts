/**
 * The phone: the shopper's banking app, holding a device key enrolled with the issuer and the
 * issuer's pinned key.
 *
 * It shows each signed `Challenge` from its issuer, and when the shopper approves or declines
 * (after a fingerprint or PIN, outside the protocol) it signs a `ChallengeApproval` or `ChallengeDecline` over
 * every field of the payment, retried until the issuer's `ChallengeReceipt` arrives. It will not sign
 * an answer to an expired challenge, nor answer one challenge twice.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { requireUnexpired } from "../crypto/Envelope.js"
import type { ChallengeId, Timestamp_ms } from "../domain/Ids.js"
import { IdempotencyConflict, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import type { AuthorizationStatus } from "../messages/Common.js"
import { Challenge, ChallengeReceipt, challengeAnswer, type Decision } from "../messages/IssuerPhone.js"
import { codecOf } from "../messages/Signed.js"
import { fingerprint } from "../machine/Idempotency.js"
import { guard, send, transitioned, unchanged, type Machine, type Output, type Receive, type Step, type Tick, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { requireRetained, retainedUntil } from "../machine/Retention.js"
import { Table } from "../machine/Table.js"
import { encodeSigned, openPacket, sealPacket, type PartyIdentity } from "../machine/Party.js"

/** Where a challenge stands on the phone. @since 0.1.0 */
export type PhoneChallengeState = "Pending" | "Answered" | "Closed" | "Expired"

/** One challenge as the app shows it. @category models @since 0.1.0 */
export interface PhoneChallenge {
  readonly challenge: Challenge
  readonly state: PhoneChallengeState
  readonly decision: Decision | null
  /** The issuer's final word, once its receipt arrived. */
  readonly outcome: AuthorizationStatus | null
}

/** The phone's state. All of it is durable (the app stores it). @category models @since 0.1.0 */
export interface PhoneState {
  readonly identity: PartyIdentity
  /** Indexed by {@link challengeDueAt}: a pending challenge's expiry, a finished one's end of retention. */
  readonly challenges: Table<PhoneChallenge>
  readonly outbox: Outbox.Outbox
}

/**
 * When a challenge is next due on the phone: its expiry while it is pending; once it is closed or
 * expired, the end of its retention (`Retention.ts`), when the app forgets it; never while its
 * answer waits for the issuer's receipt.
 *
 * @since 0.4.0
 */
export const challengeDueAt = (c: PhoneChallenge): number | null => {
  switch (c.state) {
    case "Pending":
      return c.challenge.expiresAt_ms
    case "Answered":
      return null
    case "Closed":
    case "Expired":
      return retainedUntil(c.challenge.expiresAt_ms)
  }
}

/** The shopper approves or declines challenge `challengeId` on the phone. @category inputs @since 0.1.0 */
export interface Answer {
  readonly _tag: "Answer"
  readonly now_ms: Timestamp_ms
  readonly challengeId: ChallengeId
  readonly decision: Decision
}

/** The phone's inputs. @category inputs @since 0.1.0 */
export type PhoneInput = Receive | Tick | Answer

/** A phone with no challenges yet. @since 0.1.0 */
export const initial = (identity: PartyIdentity): PhoneState => ({ identity, challenges: Table.empty(challengeDueAt), outbox: Outbox.empty })

/** The phone's transitions, as data. @since 0.1.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "challenge", from: "None", on: "Challenge", to: "Pending" },
  { entity: "challenge", from: "Pending", on: "Answer", to: "Answered" },
  { entity: "challenge", from: "Pending", on: "Tick (expired)", to: "Expired" },
  { entity: "challenge", from: "Pending", on: "ChallengeReceipt", to: "Closed" },
  { entity: "challenge", from: "Answered", on: "ChallengeReceipt", to: "Closed" }
]

/** The signed messages the phone accepts: the issuer's challenges and receipts. @since 0.2.0 */
export const Accepts = codecOf(Schema.Union([Challenge, ChallengeReceipt]))


const onChallenge = (state: PhoneState, body: Challenge, now_ms: Timestamp_ms): Effect.Effect<Step<PhoneState>, Rejection> =>
  Effect.gen(function* () {
    yield* requireRetained(body, now_ms)
    const known = state.challenges.get(body.id)
    if (known !== undefined) {
      if (fingerprint(encodeSigned(known.challenge)) !== fingerprint(encodeSigned(body))) {
        return yield* new IdempotencyConflict({ requestId: body.id })
      }
      return unchanged(state)
    }
    yield* requireUnexpired(body, now_ms)
    return {
      state: { ...state, challenges: state.challenges.set(body.id, { challenge: body, state: "Pending", decision: null, outcome: null }) },
      outputs: [transitioned({ party: state.identity.id, entity: "challenge", id: body.id, from: "None", on: "Challenge", to: "Pending" })]
    }
  })

const onReceipt = (state: PhoneState, body: ChallengeReceipt): Effect.Effect<Step<PhoneState>, Rejection> =>
  Effect.gen(function* () {
    const known = state.challenges.get(body.id)
    if (known === undefined) return yield* new UnknownReference({ kind: "challenge", id: body.id })
    if (known.state !== "Pending" && known.state !== "Answered") {
      // A repeat of the outcome the app already shows (a resent receipt, or the issuer's expiry
      // receipt after the app expired the challenge itself) changes nothing.
      if (body.status === known.outcome) return unchanged(state)
      return yield* new OutOfOrder({ entity: `challenge ${body.id}`, state: known.state, input: "ChallengeReceipt" })
    }
    return {
      state: {
        ...state,
        challenges: state.challenges.set(body.id, { ...known, state: "Closed", outcome: body.status }),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs: [transitioned({ party: state.identity.id, entity: "challenge", id: body.id, from: known.state, on: "ChallengeReceipt", to: "Closed" })]
    }
  })

const onAnswer = (state: PhoneState, input: Answer): Effect.Effect<Step<PhoneState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const known = state.challenges.get(input.challengeId)
    if (known === undefined) return yield* new UnknownReference({ kind: "challenge", id: input.challengeId })
    if (known.state !== "Pending") {
      return yield* new OutOfOrder({ entity: `challenge ${input.challengeId}`, state: known.state, input: "Answer" })
    }
    const { challenge } = known
    yield* requireUnexpired(challenge, input.now_ms)
    const answer = yield* sealPacket(
      state.identity,
      challengeAnswer(input.decision, {
        id: challenge.id,
        from: state.identity.id,
        to: challenge.from,
        account: challenge.account,
        paymentId: challenge.paymentId,
        amount: challenge.amount,
        payee: challenge.payee,
        expiresAt_ms: challenge.expiresAt_ms
      })
    )
    return {
      state: {
        ...state,
        challenges: state.challenges.set(challenge.id, { ...known, state: "Answered", decision: input.decision }),
        outbox: Outbox.add(state.outbox, challenge.id, answer, input.now_ms)
      },
      outputs: [
        transitioned({ party: state.identity.id, entity: "challenge", id: challenge.id, from: "Pending", on: "Answer", to: "Answered" }),
        send(answer)
      ]
    }
  })

const onTick = (state: PhoneState, now_ms: Timestamp_ms): Step<PhoneState> => {
  let challenges = state.challenges
  const outputs: Array<Output> = []
  for (const [id, c] of state.challenges.dueBy(now_ms)) {
    if (c.state !== "Pending") {
      challenges = challenges.remove(id)
      continue
    }
    challenges = challenges.set(id, { ...c, state: "Expired", outcome: "challenge_expired" })
    outputs.push(transitioned({ party: state.identity.id, entity: "challenge", id: c.challenge.id, from: "Pending", on: "Tick (expired)", to: "Expired" }))
  }
  const { outbox, packets } = Outbox.due(state.outbox, now_ms)
  return { state: { ...state, challenges, outbox }, outputs: [...outputs, ...packets.map(send)] }
}

/** The phone's pure step. @since 0.1.0 */
export const step = (state: PhoneState, input: PhoneInput): Effect.Effect<Step<PhoneState>, never, Ed25519> => {
  switch (input._tag) {
    case "Tick":
      return Effect.succeed(onTick(state, input.now_ms))
    case "Answer":
      return guard(state.identity.id, state, "Answer", onAnswer(state, input))
    case "Receive":
      return guard(
        state.identity.id,
        state,
        "Receive",
        Effect.flatMap(openPacket(Accepts, state.identity, input.packet), ({ body }) =>
          body._tag === "Challenge" ? onChallenge(state, body, input.now_ms) : onReceipt(state, body)
        )
      )
  }
}

/** The phone after a crash: everything is durable, and every unconfirmed answer is due again. @since 0.1.0 */
export const restart = (state: PhoneState): PhoneState => ({ ...state, outbox: Outbox.afterRestart(state.outbox) })

/** The phone as a {@link Machine}. @since 0.1.0 */
export const Phone: Machine<PhoneState, PhoneInput> = { kind: "Phone", transitions, step, restart }
