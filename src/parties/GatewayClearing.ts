/**
 * How the gateway, as the acquirer, clears and settles: it submits the captures and refunds the
 * issuers accepted to the clearing house, and posts the clearing house's settlement instructions,
 * paying its merchants what settled, less its fees.
 *
 * On a tick with items waiting and no submission in flight, the gateway signs one
 * `ClearingSubmission` with up to {@link MAX_CLEARING_ITEMS} items (fewer if its configuration says so) and retries it until the
 * clearing house's receipt arrives. A settlement instruction is posted once, and only for items the
 * gateway submitted itself: the position moves from its scheme receivable to its settlement
 * account, and for each merchant its settled captures, less its refunds and the gateway's fee on
 * each capture, move from what it is owed pending settlement to its own account. The fee is a
 * separate entry into the gateway's fee income.
 *
 * @since 0.2.0
 */
import { Effect, Result } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { SubmissionId, type CycleNumber, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import { Mismatch, OutOfOrder, UnknownReference, type Rejection } from "../domain/Rejection.js"
import { fees, merchantAccount, merchantPending, nostro, schemeReceivable } from "../ledger/Accounts.js"
import * as Ledger from "../ledger/Ledger.js"
import { ClearingSubmission, MAX_CLEARING_ITEMS, type ClearingItem, type SettlementInstruction, type SubmissionReceipt } from "../messages/Clearing.js"
import { send, transitioned, type Step, type Transition } from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { sealPacket } from "../machine/Party.js"
import { receiveInstruction } from "../settlement/Instruction.js"
import type { GatewayState } from "./Gateway.js"

/** One clearing submission: its items, and the cycle the clearing house put it in once it said so. @category models @since 0.2.0 */
export interface GatewaySubmission {
  readonly items: ReadonlyArray<ClearingItem>
  readonly cycle: CycleNumber | null
}

const SUBMITTED: Transition = { entity: "submission", from: "None", on: "Tick", to: "Submitted" }
const RECEIPTED: Transition = { entity: "submission", from: "Submitted", on: "SubmissionReceipt", to: "Accepted" }

/** The transitions of clearing submissions. @since 0.2.0 */
export const clearingTransitions: ReadonlyArray<Transition> = [SUBMITTED, RECEIPTED]

/** The gateway's fee on a capture of `amount_minor` at `feeBps` basis points, rounded down. @since 0.2.0 */
export const feeOn = (amount_minor: number, feeBps: number): number => Math.floor((amount_minor * feeBps) / 10_000)

/** The id of the gateway's `n`-th clearing submission: they are numbered in order from 1. */
const submissionId = (n: number): SubmissionId => SubmissionId.make(`sub-${n}`)

/** On a tick: submits the waiting items if there are some, a clearing house, and no submission in flight. @since 0.2.0 */
export const submitDue = (state: GatewayState, now_ms: Timestamp_ms): Effect.Effect<Step<GatewayState>, never, Ed25519> =>
  Effect.gen(function* () {
    const clearingHouse = state.config.clearingHouse
    // At most one submission is in flight: the last one numbered, until its receipt.
    const inFlight = state.submissions.get(submissionId(state.submissions.size))?.cycle === null
    if (clearingHouse === null || inFlight || state.unsubmitted.length === 0) return { state, outputs: [] }
    const id = submissionId(state.submissions.size + 1)
    const items = state.unsubmitted.slice(0, state.config.submissionItems ?? MAX_CLEARING_ITEMS)
    const packet = yield* sealPacket(state.identity, new ClearingSubmission({ id, from: state.identity.id, to: clearingHouse, items }))
    return {
      state: {
        ...state,
        unsubmitted: state.unsubmitted.slice(items.length),
        submissions: state.submissions.set(id, { items, cycle: null }),
        outbox: Outbox.add(state.outbox, id, packet, now_ms)
      },
      outputs: [transitioned({ party: state.identity.id, id, ...SUBMITTED }), send(packet)]
    }
  })

/** The gateway takes the clearing house's receipt for a submission. @since 0.2.0 */
export const onSubmissionReceipt = (state: GatewayState, body: SubmissionReceipt): Effect.Effect<Step<GatewayState>, Rejection> =>
  Effect.gen(function* () {
    const submission = state.submissions.get(body.id)
    if (submission === undefined) return yield* new UnknownReference({ kind: "submission", id: body.id })
    if (body.from !== state.config.clearingHouse) return yield* new Mismatch({ id: body.id, field: "clearingHouse" })
    if (submission.cycle !== null) {
      if (submission.cycle === body.cycle) return { state, outputs: [] }
      return yield* new OutOfOrder({ entity: `submission ${body.id}`, state: "Accepted", input: "SubmissionReceipt" })
    }
    return {
      state: { ...state, submissions: state.submissions.set(body.id, { ...submission, cycle: body.cycle }), outbox: Outbox.acknowledge(state.outbox, body.id) },
      outputs: [transitioned({ party: state.identity.id, id: body.id, ...RECEIPTED })]
    }
  })

/** The gateway's own evidence for a clearing item: an item of one of its accepted submissions, the same in every field. */
const submittedItem =
  (state: GatewayState) =>
  (item: ClearingItem): Rejection | null => {
    const same = state.submissions.values().some(
      (s) =>
        s.cycle !== null &&
        s.items.some((mine) => mine.id === item.id && mine.kind === item.kind && mine.issuer === item.issuer && mine.authorizationId === item.authorizationId && Money.equals(mine.amount, item.amount))
    )
    return same ? null : new UnknownReference({ kind: `submitted ${item.kind}`, id: item.id })
  }

/** The merchant each item is for, from the operation it came from. */
const merchantOf = (state: GatewayState, item: ClearingItem): PartyId | undefined => {
  const key = state.byOperation.get(item.id)
  return key === undefined ? undefined : state.operations.get(key)?.request.from
}

/** Posts `amount_minor` from `from` to `to` (the other way if negative) under `id`. */
const move = (ledger: Ledger.Ledger, id: string, from: string, to: string, amount_minor: number, currency: Money.Currency): Ledger.Outcome =>
  amount_minor === 0
    ? Result.succeed(ledger)
    : Ledger.transfer(ledger, { id, debit: amount_minor > 0 ? from : to, credit: amount_minor > 0 ? to : from, amount: Money.money(Math.abs(amount_minor), currency) })

/** The acquirer's entries for an instruction: the position, then each merchant's payout and fee. */
const postSettlement = (state: GatewayState, body: SettlementInstruction, key: string): Ledger.Outcome => {
  const { currency } = body
  const perMerchant = new Map<PartyId, { net: number; fee: number }>()
  for (const item of body.items) {
    const merchant = merchantOf(state, item)
    if (merchant === undefined) continue
    const totals = perMerchant.get(merchant) ?? { net: 0, fee: 0 }
    const amount = item.amount.amount_minor
    perMerchant.set(merchant, item.kind === "capture" ? { net: totals.net + amount, fee: totals.fee + feeOn(amount, state.config.feeBps) } : { net: totals.net - amount, fee: totals.fee })
  }
  let outcome = move(state.ledger, `settle:${key}`, nostro(currency), schemeReceivable(currency), body.position, currency)
  for (const [merchant, { net, fee }] of perMerchant) {
    outcome = Result.flatMap(outcome, (ledger) => move(ledger, `payout:${key}:${merchant}`, merchantPending(merchant, currency), merchantAccount(merchant, currency), net - fee, currency))
    outcome = Result.flatMap(outcome, (ledger) => move(ledger, `fee:${key}:${merchant}`, merchantPending(merchant, currency), fees(currency), fee, currency))
  }
  return outcome
}

/** The gateway posts a settlement instruction from its clearing house as the acquirer and pays its merchants. @since 0.2.0 */
export const onInstruction = (state: GatewayState, body: SettlementInstruction): Effect.Effect<Step<GatewayState>, Rejection, Ed25519> =>
  receiveInstruction(state, body, {
    side: "acquirer",
    clearingHouse: state.config.clearingHouse,
    recorded: submittedItem(state),
    post: (s, key) => Result.map(postSettlement(s, body, key), (ledger) => ({ ...s, ledger }))
  })
