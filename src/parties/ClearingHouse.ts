/**
 * The clearing house, which also operates the settlement bank: it nets what the banks owe each
 * other at the end of each clearing cycle and moves the net amounts between their accounts.
 *
 * A **clearing house** collects the captures and refunds that acquirers submit during a cycle
 * (the clearing day). A **settlement bank** holds an account for every bank that takes part, in
 * every currency it settles in; money between banks moves only on those accounts. Rather than pay
 * each item on its own, the clearing house nets them multilaterally: at the close of a cycle every
 * bank's items in one currency add up to a single net position (a capture of X owes X from the
 * issuer to the acquirer; a refund owes it back), and the positions of a cycle sum to zero in
 * every currency, because each item adds +X to one bank and -X to another. The house posts the
 * positions on the settlement bank's ledger through a suspense account (payers' accounts are
 * debited into it, receivers' accounts credited out of it, and it ends every close at zero) and
 * sends each bank involved a signed `SettlementInstruction` listing the items it nets, retried
 * until the bank confirms it.
 *
 * Exactly once, whatever the retries, duplicates and crashes:
 *
 * - each item (an acquirer's operation id) is cleared in at most one cycle, ever: `cleared` keeps
 *   every item accepted, and a submission naming one again, under any submission id, is refused;
 * - each cycle is closed once: `CloseCycle` closes the open cycle and opens the next, so a closed
 *   cycle can never be closed again (a second `CloseCycle` closes the next cycle, or does nothing
 *   if it is empty);
 * - replays change nothing: a repeated submission gets its recorded receipt again byte for byte,
 *   and a repeated confirmation of a confirmed instruction is ignored.
 *
 * @since 0.2.0
 */
import { Effect, Exit, Result, Schema } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { open } from "../crypto/Envelope.js"
import { CycleNumber, InstructionId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import { MAX_AMOUNT_MINOR, type Currency } from "../domain/Money.js"
import * as Money from "../domain/Money.js"
import { IdempotencyConflict, InvalidRequest, Mismatch, UnknownReference, type Rejection } from "../domain/Rejection.js"
import * as Ledger from "../ledger/Ledger.js"
import {
  acceptanceOf,
  ClearingItem,
  ClearingSubmission,
  MAX_CLEARING_ITEMS,
  SettlementConfirmation,
  SettlementInstruction,
  SubmissionReceipt
} from "../messages/Clearing.js"
import { OperationResponse } from "../messages/GatewayIssuer.js"
import { codecOf } from "../messages/Signed.js"
import * as Idempotency from "../machine/Idempotency.js"
import {
  guard,
  send,
  transitioned,
  unchanged,
  type Machine,
  type Output,
  type Receive,
  type Step,
  type Tick,
  type Transition
} from "../machine/Machine.js"
import * as Outbox from "../machine/Outbox.js"
import { Table } from "../machine/Table.js"
import { encodeSigned, openPacket, sealPacket, type PartyIdentity } from "../machine/Party.js"

/** Where a clearing cycle stands: taking submissions, waiting for the banks' confirmations, or done. @since 0.2.0 */
export type ClearingCycleState = "Open" | "Settling" | "Settled"

/** One clearing cycle. @category models @since 0.2.0 */
export interface ClearingCycle {
  readonly number: CycleNumber
  readonly state: ClearingCycleState
  /** Every item accepted into the cycle, in order of arrival. */
  readonly items: ReadonlyArray<ClearingItem>
  /** The submissions accepted into the cycle, as `acquirer/submissionId`. */
  readonly submissions: ReadonlyArray<string>
  /** Net positions by `bank:CUR` (see {@link netPositions}), once the cycle is closed. */
  readonly positions: Readonly<Record<string, number>> | null
  /** The cycle's instructions not yet confirmed; the cycle is settled when none is left. */
  readonly unconfirmed: ReadonlyArray<InstructionId>
}

/** One settlement instruction sent: to which bank, for which cycle and currency, and whether the bank confirmed it. @category models @since 0.2.0 */
export interface InstructionRecord {
  readonly bank: PartyId
  readonly cycle: CycleNumber
  readonly currency: Currency
  readonly position: number
  readonly confirmed: boolean
}

/**
 * Bounds a clearing house's configuration may lower, each absent meaning the protocol's; a test
 * world lowers them to reach them.
 *
 * @category models
 * @since 0.6.0
 */
export interface ClearingBounds {
  /**
   * The most items one bank may have in one currency in one cycle, {@link MAX_CLEARING_ITEMS}
   * (what one instruction carries) when absent. A submission that would take a bank past it is
   * refused, and clears in a later cycle.
   */
  readonly cycleItems?: number
  /**
   * The most instructions kept unconfirmed, {@link Outbox.OUTBOX_LIMIT} when absent. A cycle whose
   * instructions would take the outbox past it is not closed until banks have confirmed enough of
   * the last ones. At least the number of settlement accounts, so that an empty outbox always has
   * room for a cycle's instructions.
   */
  readonly outboxLimit?: number
}

/** The clearing house's state, its configured bounds with it. All of it is durable. @category models @since 0.2.0 */
export interface ClearingHouseState extends ClearingBounds {
  readonly identity: PartyIdentity
  /** The settlement bank's ledger: funding, suspense and the banks' settlement accounts. */
  readonly ledger: Ledger.Ledger
  /** The open cycle. */
  readonly cycle: CycleNumber
  /** Every cycle so far, by its number as a string. */
  readonly cycles: Table<ClearingCycle>
  /** Acquirers' submissions by `acquirer/submissionId`, with the receipts sent. */
  readonly submissions: Idempotency.IdempotencyRecords
  /** The cycle each item was cleared in, by `acquirer/itemId`. */
  readonly cleared: Table<CycleNumber>
  /** Every instruction sent, by id. */
  readonly instructions: Table<InstructionRecord>
  /** The instructions not yet confirmed, resent until they are. */
  readonly outbox: Outbox.Outbox
}

/**
 * The operator closes the open cycle: the end of the clearing day. The positions are netted and
 * posted, the instructions sent, and the next cycle opens.
 *
 * @category inputs
 * @since 0.2.0
 */
export interface CloseCycle {
  readonly _tag: "CloseCycle"
  readonly now_ms: Timestamp_ms
}

/** The clearing house's inputs. @category inputs @since 0.2.0 */
export type ClearingHouseInput = Receive | Tick | CloseCycle

/** The settlement account of `bank` in `currency` at the settlement bank. @since 0.2.0 */
export const settlementAccount = (bank: PartyId, currency: Currency): string => `settlement:${bank}:${currency}`
/** The suspense account every cycle's positions pass through, per currency; it is zero after every close. @since 0.2.0 */
export const suspenseAccount = (currency: Currency): string => `clearing:${currency}`
/** The settlement bank's funding account, per currency: where the banks' opening balances come from. @since 0.2.0 */
export const centralAccount = (currency: Currency): string => `central:${currency}`

/** The key of a bank's position in one currency: `bank:CUR`. @since 0.2.0 */
export const positionKey = (bank: PartyId, currency: Currency): string => `${bank}:${currency}`

/** The last cycle number a {@link CycleNumber} can hold: closing it would open a cycle that cannot be numbered. */
const LAST_CYCLE = 1_000_000_000
/**
 * The longest bank id whose instruction ids fit the 64 characters of an id, up to the last cycle
 * that can be closed: `cyc` + its digits + `:` + bank + `:` + 3 letters of currency.
 */
const MAX_BANK_ID_LENGTH = 64 - `cyc${LAST_CYCLE - 1}::EUR`.length

const cycleKey = (n: number): string => String(n)
const submissionKey = (acquirer: PartyId, id: string): string => `${acquirer}/${id}`
const clearedKey = (item: ClearingItem): string => `${item.acquirer}/${item.id}`
const instructionIdFor = (n: CycleNumber, bank: PartyId, currency: Currency): string => `cyc${n}:${bank}:${currency}`

const openCycle = (n: CycleNumber): ClearingCycle => ({ number: n, state: "Open", items: [], submissions: [], positions: null, unconfirmed: [] })

/** Throws unless a configured bound `name`, if given, is a whole number from `least` (which `why` explains) to `most`. */
const requireBound = (name: keyof ClearingBounds, value: number | undefined, least: number, why: string, most: number): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= least && value <= most)) {
    throw new Error(`ClearingHouse.initial: ${name} is ${value}; it must be a whole number from ${least}${why} to ${most}`)
  }
}

/**
 * A clearing house whose settlement bank holds the given banks' opening balances, one entry per
 * bank and currency, funded from the central account so the ledger balances from the start. A
 * bank's settlement account may go below zero: the settlement bank grants intraday credit, so a
 * payer's position is always posted. `bounds` may lower the most items a bank may have in one
 * currency in a cycle and the most instructions kept unconfirmed ({@link ClearingBounds}). Throws
 * on a configuration it cannot run (a bank listed twice in one currency, a bank id longer than its
 * instruction ids allow, `cycleItems` not from 1 to {@link MAX_CLEARING_ITEMS}, or `outboxLimit`
 * not from the number of settlement accounts to {@link Outbox.OUTBOX_LIMIT}).
 *
 * @since 0.2.0
 */
export const initial = (
  identity: PartyIdentity,
  banks: ReadonlyArray<{ readonly bank: PartyId; readonly opening: Money.Money }>,
  bounds: ClearingBounds = {}
): ClearingHouseState => {
  const { cycleItems, outboxLimit } = bounds
  const long = banks.find((b) => b.bank.length > MAX_BANK_ID_LENGTH)
  if (long !== undefined) throw new Error(`ClearingHouse.initial: bank id ${long.bank} has ${long.bank.length} characters; at most ${MAX_BANK_ID_LENGTH} fit in an instruction id`)
  requireBound("cycleItems", cycleItems, 1, "", MAX_CLEARING_ITEMS)
  requireBound("outboxLimit", outboxLimit, Math.max(1, banks.length), " (a cycle's instructions, one per settlement account)", Outbox.OUTBOX_LIMIT)
  const currencies = [...new Set(banks.map((b) => b.opening.currency))]
  let ledger = Ledger.empty
  for (const currency of currencies) {
    ledger = Result.getOrThrow(Ledger.openAccount(ledger, { id: centralAccount(currency), currency, debitsMustNotExceedCredits: false }))
    ledger = Result.getOrThrow(Ledger.openAccount(ledger, { id: suspenseAccount(currency), currency, debitsMustNotExceedCredits: false }))
  }
  for (const { bank, opening } of banks) {
    const { currency } = opening
    ledger = Result.getOrThrow(Ledger.openAccount(ledger, { id: settlementAccount(bank, currency), currency, debitsMustNotExceedCredits: false }))
    if (opening.amount_minor > 0) {
      ledger = Result.getOrThrow(
        Ledger.transfer(ledger, { id: `opening:${bank}:${currency}`, debit: centralAccount(currency), credit: settlementAccount(bank, currency), amount: opening })
      )
    }
  }
  const first = CycleNumber.make(1)
  return {
    identity,
    ledger,
    cycle: first,
    cycles: Table.empty<ClearingCycle>().set(cycleKey(first), openCycle(first)),
    submissions: Table.empty(),
    cleared: Table.empty(),
    instructions: Table.empty(),
    outbox: Outbox.empty,
    ...(cycleItems === undefined ? {} : { cycleItems }),
    ...(outboxLimit === undefined ? {} : { outboxLimit })
  }
}

/** The clearing house's transitions, as data. Cycle 1 starts `Open` without a transition. @since 0.2.0 */
export const transitions: ReadonlyArray<Transition> = [
  { entity: "cycle", from: "Open", on: "ClearingSubmission", to: "Open" },
  { entity: "cycle", from: "Open", on: "CloseCycle", to: "Settling" },
  { entity: "cycle", from: "None", on: "CloseCycle", to: "Open" },
  { entity: "cycle", from: "Settling", on: "SettlementConfirmation", to: "Settled" },
  { entity: "submission", from: "None", on: "ClearingSubmission", to: "Accepted" },
  { entity: "instruction", from: "None", on: "CloseCycle", to: "Sent" },
  { entity: "instruction", from: "Sent", on: "SettlementConfirmation", to: "Confirmed" }
]

/** The signed messages the clearing house accepts. @since 0.2.0 */
export const Accepts = codecOf(Schema.Union([ClearingSubmission, SettlementConfirmation]))

/** One bank's net position in one currency. */
interface NetPosition {
  readonly bank: PartyId
  readonly currency: Currency
  readonly position: number
}

/** Every (bank, currency) with an item, in key order, with its net position and its item count. */
const netOf = (items: ReadonlyArray<ClearingItem>): ReadonlyArray<NetPosition & { readonly items: number }> => {
  const net = new Map<string, { bank: PartyId; currency: Currency; position: number; items: number }>()
  const add = (bank: PartyId, currency: Currency, amount_minor: number, counted: boolean): void => {
    const key = positionKey(bank, currency)
    const entry = net.get(key) ?? { bank, currency, position: 0, items: 0 }
    net.set(key, { ...entry, position: entry.position + amount_minor, items: entry.items + (counted ? 1 : 0) })
  }
  for (const item of items) {
    const { amount_minor, currency } = item.amount
    // A capture is owed by the issuer to the acquirer, a refund back: each item adds +X to one bank
    // and -X to the other, so the positions sum to zero in every currency.
    const toAcquirer = item.kind === "capture" ? amount_minor : -amount_minor
    add(item.issuer, currency, -toAcquirer, true)
    add(item.acquirer, currency, toAcquirer, item.acquirer !== item.issuer)
  }
  return [...net.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry)
}

/**
 * Each bank's net position per currency from a cycle's items, by `bank:CUR` in key order: a
 * capture of X counts -X for its issuer and +X for its acquirer, a refund the other way round.
 * Every bank and currency with at least one item has an entry, even if it nets to zero, and the
 * positions of each currency sum to zero.
 *
 * @since 0.2.0
 */
export const netPositions = (items: ReadonlyArray<ClearingItem>): Readonly<Record<string, number>> =>
  Object.fromEntries(netOf(items).map((n) => [positionKey(n.bank, n.currency), n.position]))

/**
 * Whether cycle `n` holding `items` can still be closed: every bank has at most `state`'s
 * {@link ClearingBounds.cycleItems} items in a currency ({@link MAX_CLEARING_ITEMS}, so its
 * instruction fits in one message, unless configured lower) and a net position within
 * {@link MAX_AMOUNT_MINOR} (so it fits in one message and one transfer).
 */
const checkRoom = (state: ClearingHouseState, n: CycleNumber, items: ReadonlyArray<ClearingItem>): Effect.Effect<void, InvalidRequest> => {
  const most = state.cycleItems ?? MAX_CLEARING_ITEMS
  for (const { bank, currency, position, items: count } of netOf(items)) {
    const over =
      count > most
        ? `${bank} would have ${count} ${currency} items in it, at most ${most}`
        : Math.abs(position) > MAX_AMOUNT_MINOR
          ? `${bank} would have a ${currency} position of ${position}, at most ${MAX_AMOUNT_MINOR} either way`
          : null
    if (over !== null) {
      return Effect.fail(new InvalidRequest({ detail: `cycle full: in cycle ${n}, ${over}; submit again after the cycle closes to clear in the next one` }))
    }
  }
  return Effect.void
}

/** Every item is the submitting acquirer's own. */
const checkAcquirer = (body: ClearingSubmission): Effect.Effect<void, Mismatch> => {
  const foreign = body.items.find((item) => item.acquirer !== body.from)
  return foreign === undefined ? Effect.void : Effect.fail(new Mismatch({ id: foreign.id, field: "acquirer" }))
}

/** No item was cleared before, in any cycle, nor appears twice in the submission. */
const checkNotCleared = (state: ClearingHouseState, body: ClearingSubmission): Effect.Effect<void, IdempotencyConflict> => {
  const seen = new Set<string>()
  for (const item of body.items) {
    const key = clearedKey(item)
    if (state.cleared.get(key) !== undefined || seen.has(key)) return Effect.fail(new IdempotencyConflict({ requestId: item.id }))
    seen.add(key)
  }
  return Effect.void
}

/**
 * Both banks of every item hold a settlement account in the item's currency. A missing one is an
 * `UnknownReference` to that account, not an `InvalidRequest`: the item names a bank (or a
 * currency) the settlement bank does not know, just as a response can name an unknown
 * authorization, and the rejection names the exact account an operator would have to open.
 */
const checkAccounts = (state: ClearingHouseState, body: ClearingSubmission): Effect.Effect<void, UnknownReference> => {
  for (const item of body.items) {
    for (const bank of [item.issuer, item.acquirer]) {
      const account = settlementAccount(bank, item.amount.currency)
      if (state.ledger.accounts.get(account) === undefined) return Effect.fail(new UnknownReference({ kind: "settlement account", id: account }))
    }
  }
  return Effect.void
}

/** The one message an item's evidence signs. */
const Acceptance = codecOf(Schema.Union([OperationResponse]))

/**
 * Every item carries its issuer's signature on its acceptance of that very operation: opened as
 * an envelope of {@link acceptanceOf} the item, the issuer's answer rebuilt from the item's fields,
 * with the clearing house's registry. So the key must be registered and active, an issuer's key,
 * the key of the item's `issuer`, and the signature must verify over the bytes the issuer signed
 * when it accepted exactly that operation id, kind, authorization and amount, to that acquirer.
 * Any failure refuses the submission as a `Mismatch` on the item's `issuerSignature`: an
 * acquirer cannot clear what no issuer accepted, and the clearing house cannot check the issuer's
 * books, only its signature.
 */
const checkIssuerSignatures = (state: ClearingHouseState, body: ClearingSubmission): Effect.Effect<void, Mismatch, Ed25519> =>
  Effect.gen(function* () {
    for (const item of body.items) {
      const acceptance = Schema.encodeSync(OperationResponse)(acceptanceOf(item))
      const wire = { body: { ...acceptance, _tag: "OperationResponse" }, signer: item.issuerSignature.keyId, signature: item.issuerSignature.signature }
      const opened = yield* Effect.exit(open(Acceptance, wire, { me: item.acquirer, registry: state.identity.registry }))
      if (Exit.isFailure(opened)) return yield* new Mismatch({ id: item.id, field: "issuerSignature" })
    }
  })

const onSubmission = (state: ClearingHouseState, body: ClearingSubmission): Effect.Effect<Step<ClearingHouseState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const key = submissionKey(body.from, body.id)
    const encoded = encodeSigned(body)
    const seen = Idempotency.classify(state.submissions, key, encoded)
    if (seen._tag === "Conflict") return yield* new IdempotencyConflict({ requestId: body.id })
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    yield* checkAcquirer(body)
    yield* checkNotCleared(state, body)
    yield* checkAccounts(state, body)
    yield* checkIssuerSignatures(state, body)
    const n = state.cycle
    const cycle = state.cycles.get(cycleKey(n))
    if (cycle === undefined) return yield* new UnknownReference({ kind: "cycle", id: cycleKey(n) })
    const items = [...cycle.items, ...body.items]
    yield* checkRoom(state, n, items)
    const me = state.identity.id
    const receipt = yield* sealPacket(state.identity, new SubmissionReceipt({ id: body.id, from: me, to: body.from, cycle: n }))
    return {
      state: {
        ...state,
        cycles: state.cycles.set(cycleKey(n), { ...cycle, items, submissions: [...cycle.submissions, key] }),
        submissions: Idempotency.record(state.submissions, key, encoded, receipt, null),
        cleared: body.items.reduce((cleared, item) => cleared.set(clearedKey(item), n), state.cleared)
      },
      outputs: [
        transitioned({ party: me, entity: "cycle", id: cycleKey(n), from: "Open", on: "ClearingSubmission", to: "Open" }),
        transitioned({ party: me, entity: "submission", id: key, from: "None", on: "ClearingSubmission", to: "Accepted" }),
        send(receipt)
      ]
    }
  })

/**
 * The cycle's positions posted on the settlement bank's ledger through the suspense account:
 * payers' accounts debited into it first, then receivers' accounts credited out of it, each
 * under `cycle:<n>:<bank>:<CUR>`. A bank that nets to zero moves nothing.
 */
const post = (ledger: Ledger.Ledger, n: CycleNumber, positions: ReadonlyArray<NetPosition>): Ledger.Outcome => {
  const payers = positions.filter((p) => p.position < 0)
  const receivers = positions.filter((p) => p.position > 0)
  let outcome: Ledger.Outcome = Result.succeed(ledger)
  for (const p of [...payers, ...receivers]) {
    const account = settlementAccount(p.bank, p.currency)
    const suspense = suspenseAccount(p.currency)
    const amount = Money.money(Math.abs(p.position), p.currency)
    const id = `cycle:${n}:${p.bank}:${p.currency}`
    outcome = Result.flatMap(outcome, (l) =>
      Ledger.transfer(l, p.position < 0 ? { id, debit: account, credit: suspense, amount } : { id, debit: suspense, credit: account, amount })
    )
  }
  return outcome
}

const onCloseCycle = (state: ClearingHouseState, now_ms: number): Effect.Effect<Step<ClearingHouseState>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    const n = state.cycle
    const cycle = state.cycles.get(cycleKey(n))
    if (cycle === undefined) return yield* new UnknownReference({ kind: "cycle", id: cycleKey(n) })
    if (cycle.items.length === 0) return unchanged(state)
    if (n >= LAST_CYCLE) return yield* new InvalidRequest({ detail: `cycle ${n} is the last cycle a cycle number can hold; it cannot be closed` })
    // Asserted again, though every submission was checked: a cycle that does not fit is never posted.
    yield* checkRoom(state, n, cycle.items)
    const positions = netOf(cycle.items)
    if (state.outbox.size + positions.length > (state.outboxLimit ?? Outbox.OUTBOX_LIMIT)) {
      return yield* new InvalidRequest({ detail: `outbox full: ${state.outbox.size} instructions are unconfirmed; close the cycle once banks have confirmed` })
    }
    const posted = post(state.ledger, n, positions)
    if (Result.isFailure(posted)) return yield* new InvalidRequest({ detail: `cycle ${n} cannot be posted: ${posted.failure.detail}` })
    const me = state.identity.id
    const next = CycleNumber.make(n + 1)
    const outputs: Array<Output> = [
      transitioned({ party: me, entity: "cycle", id: cycleKey(n), from: "Open", on: "CloseCycle", to: "Settling" }),
      transitioned({ party: me, entity: "cycle", id: cycleKey(next), from: "None", on: "CloseCycle", to: "Open" })
    ]
    let outbox = state.outbox
    const instructions: Array<readonly [InstructionId, InstructionRecord]> = []
    for (const { bank, currency, position } of positions) {
      const id = InstructionId.makeOption(instructionIdFor(n, bank, currency))
      if (id._tag === "None") return yield* new InvalidRequest({ detail: `bank id ${bank} is too long for an instruction id` })
      const items = cycle.items.filter((i) => i.amount.currency === currency && (i.issuer === bank || i.acquirer === bank))
      const packet = yield* sealPacket(
        state.identity,
        new SettlementInstruction({ id: id.value, from: me, to: bank, cycle: n, currency, position, items })
      )
      outbox = Outbox.add(outbox, id.value, packet, now_ms)
      instructions.push([id.value, { bank, cycle: n, currency, position, confirmed: false }])
      outputs.push(transitioned({ party: me, entity: "instruction", id: id.value, from: "None", on: "CloseCycle", to: "Sent" }), send(packet))
    }
    const closed: ClearingCycle = {
      ...cycle,
      state: "Settling",
      positions: Object.fromEntries(positions.map((p) => [positionKey(p.bank, p.currency), p.position])),
      unconfirmed: instructions.map(([id]) => id)
    }
    return {
      state: {
        ...state,
        ledger: posted.success,
        cycle: next,
        cycles: state.cycles.set(cycleKey(n), closed).set(cycleKey(next), openCycle(next)),
        instructions: instructions.reduce((table, [id, record]) => table.set(id, record), state.instructions),
        outbox
      },
      outputs
    }
  })

const onConfirmation = (state: ClearingHouseState, body: SettlementConfirmation): Effect.Effect<Step<ClearingHouseState>, Rejection> =>
  Effect.gen(function* () {
    const instruction = state.instructions.get(body.id)
    if (instruction === undefined) return yield* new UnknownReference({ kind: "instruction", id: body.id })
    if (body.from !== instruction.bank) return yield* new Mismatch({ id: body.id, field: "bank" })
    if (body.cycle !== instruction.cycle) return yield* new Mismatch({ id: body.id, field: "cycle" })
    // The bank confirms every retry of the instruction: a confirmation of a confirmed one is a repeat.
    if (instruction.confirmed) return unchanged(state)
    const cycle = state.cycles.get(cycleKey(instruction.cycle))
    if (cycle === undefined) return yield* new UnknownReference({ kind: "cycle", id: cycleKey(instruction.cycle) })
    const me = state.identity.id
    const unconfirmed = cycle.unconfirmed.filter((id) => id !== body.id)
    const settled = unconfirmed.length === 0
    const outputs: Array<Output> = [
      transitioned({ party: me, entity: "instruction", id: body.id, from: "Sent", on: "SettlementConfirmation", to: "Confirmed" })
    ]
    if (settled) {
      outputs.push(transitioned({ party: me, entity: "cycle", id: cycleKey(cycle.number), from: "Settling", on: "SettlementConfirmation", to: "Settled" }))
    }
    return {
      state: {
        ...state,
        cycles: state.cycles.set(cycleKey(cycle.number), { ...cycle, unconfirmed, state: settled ? "Settled" : cycle.state }),
        instructions: state.instructions.set(body.id, { ...instruction, confirmed: true }),
        outbox: Outbox.acknowledge(state.outbox, body.id)
      },
      outputs
    }
  })

/** The clearing house's pure step. @since 0.2.0 */
export const step = (state: ClearingHouseState, input: ClearingHouseInput): Effect.Effect<Step<ClearingHouseState>, never, Ed25519> => {
  if (input._tag === "Tick") return Effect.succeed(Outbox.resendDue(state, input.now_ms))
  if (input._tag === "CloseCycle") return guard(state.identity.id, state, input._tag, onCloseCycle(state, input.now_ms))
  return guard(
    state.identity.id,
    state,
    input._tag,
    Effect.flatMap(openPacket(Accepts, state.identity, input.packet), ({ body }) =>
      body._tag === "ClearingSubmission" ? onSubmission(state, body) : onConfirmation(state, body)
    )
  )
}

/** The clearing house after a crash: everything is durable, and every unconfirmed instruction is due again. @since 0.2.0 */
export const restart = (state: ClearingHouseState): ClearingHouseState => ({ ...state, outbox: Outbox.afterRestart(state.outbox) })

/** The clearing house as a {@link Machine}. @since 0.2.0 */
export const ClearingHouse: Machine<ClearingHouseState, ClearingHouseInput> = { kind: "ClearingHouse", transitions, step, restart }
