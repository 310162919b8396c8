/**
 * How a bank takes a settlement instruction from the clearing house: the part that is the same
 * for an issuer and an acquirer.
 *
 * A bank takes instructions only from the clearing house it settles through. It posts an
 * instruction once, and only if it agrees with its own books: every item must be
 * on the bank's side, in the instruction's currency, something the bank itself recorded (an
 * issuer's posted capture or refund, an acquirer's submitted item), and not settled before; and
 * the position must be exactly what the items net to for this bank. Then the bank posts the
 * position to its ledger, remembers every item as settled, and confirms with a signed
 * `SettlementConfirmation`. A repeat of the instruction gets the same confirmation and posts
 * nothing; the same instruction id with another body is an `IdempotencyConflict`.
 *
 * @since 0.2.0
 */
import { Effect, Result } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { PartyId } from "../domain/Ids.js"
import type { Money } from "../domain/Money.js"
import { IdempotencyConflict, InvalidRequest, Mismatch, type Rejection } from "../domain/Rejection.js"
import type { LedgerError } from "../ledger/Ledger.js"
import { SettlementConfirmation, type ClearingItem, type SettlementInstruction } from "../messages/Clearing.js"
import * as Idempotency from "../machine/Idempotency.js"
import type { Table } from "../machine/Table.js"
import { send, transitioned, type Step, type Transition } from "../machine/Machine.js"
import { encodeSigned, sealPacket, type PartyIdentity } from "../machine/Party.js"

/** Where a bank settles: its clearing house and what it holds at the settlement bank. @category models @since 0.2.0 */
export interface SettlementTerms {
  /** The clearing house the bank clears and settles through, the only one whose instructions it takes; `null` for a bank that does not clear. */
  readonly clearingHouse: PartyId | null
  /** What the bank holds at the settlement bank, one amount per currency (matching the clearing house's opening balances for it). */
  readonly settlement: ReadonlyArray<Money>
}

/** A bank that does not clear: no clearing house, nothing at the settlement bank. @since 0.2.0 */
export const NO_SETTLEMENT: SettlementTerms = { clearingHouse: null, settlement: [] }

/** Which side of its items a bank is on. @since 0.2.0 */
export type Side = "issuer" | "acquirer"

/** What a bank keeps to settle exactly once. @category models @since 0.2.0 */
export interface SettlingBank {
  readonly identity: PartyIdentity
  /** Instructions posted, by `clearingHouse/instructionId`, with the confirmation sent. */
  readonly settlements: Idempotency.IdempotencyRecords
  /** Every item settled, by `acquirer/itemId`, with the instruction that settled it. */
  readonly settledItems: Table<string>
}

/** The key of a clearing item, unique across acquirers. @since 0.2.0 */
export const itemKey = (item: ClearingItem): string => `${item.acquirer}/${item.id}`

/**
 * What an item moves for `bank`, in minor units: a capture is paid by the issuer to the acquirer,
 * a refund the other way; zero for a bank on neither side.
 *
 * @since 0.2.0
 */
export const movementFor = (item: ClearingItem, bank: PartyId): number => {
  const toAcquirer = item.kind === "capture" ? item.amount.amount_minor : -item.amount.amount_minor
  return (item.acquirer === bank ? toAcquirer : 0) - (item.issuer === bank ? toAcquirer : 0)
}

/** The transition every bank declares for instructions. @since 0.2.0 */
export const instructionTransition: Transition = { entity: "instruction", from: "None", on: "SettlementInstruction", to: "Posted" }

/** How a bank checks and posts an instruction: see {@link receiveInstruction}. @since 0.2.0 */
export interface InstructionPolicy<S extends SettlingBank> {
  /** Which side of its items the bank is on. */
  readonly side: Side
  /** The clearing house the bank settles through (`null`: none, so it takes no instruction). */
  readonly clearingHouse: PartyId | null
  /** The bank's own evidence for an item: `null` if it has it, else the rejection. */
  readonly recorded: (item: ClearingItem) => Rejection | null
  /** The ledger entries that post the instruction's position, under `key`. */
  readonly post: (state: S, key: string) => Result.Result<S, LedgerError>
}

/**
 * Applies a settlement instruction to a bank's state: checks that it comes from the bank's
 * clearing house (else `Mismatch`, field `clearingHouse`), checks it against the bank's books,
 * posts it, and confirms it (see {@link InstructionPolicy}).
 *
 * @since 0.2.0
 */
export const receiveInstruction = <S extends SettlingBank>(
  state: S,
  body: SettlementInstruction,
  { side, clearingHouse, recorded, post }: InstructionPolicy<S>
): Effect.Effect<Step<S>, Rejection, Ed25519> =>
  Effect.gen(function* () {
    if (body.from !== clearingHouse) return yield* new Mismatch({ id: body.id, field: "clearingHouse" })
    const me = state.identity.id
    const key = `${body.from}/${body.id}`
    const seen = Idempotency.classify(state.settlements, key, encodeSigned(body))
    if (seen._tag === "Conflict") return yield* new IdempotencyConflict({ requestId: body.id })
    if (seen._tag === "Repeat") return { state, outputs: seen.answer === null ? [] : [send(seen.answer)] }
    const items = new Set<string>()
    for (const item of body.items) {
      if (item[side] !== me) return yield* new Mismatch({ id: item.id, field: side })
      if (item.amount.currency !== body.currency) return yield* new Mismatch({ id: item.id, field: "currency" })
      if (items.has(itemKey(item)) || state.settledItems.get(itemKey(item)) !== undefined) return yield* new IdempotencyConflict({ requestId: item.id })
      items.add(itemKey(item))
      const missing = recorded(item)
      if (missing !== null) return yield* missing
    }
    const position = body.items.reduce((sum, item) => sum + movementFor(item, me), 0)
    if (position !== body.position) return yield* new Mismatch({ id: body.id, field: "position" })
    const posted = post(state, key)
    if (Result.isFailure(posted)) return yield* new InvalidRequest({ detail: posted.failure.detail.slice(0, 200) })
    const confirmation = yield* sealPacket(state.identity, new SettlementConfirmation({ id: body.id, from: me, to: body.from, cycle: body.cycle }))
    const settledItems = body.items.reduce((settled, item) => settled.set(itemKey(item), body.id), state.settledItems)
    return {
      state: {
        ...posted.success,
        settlements: Idempotency.record(state.settlements, key, encodeSigned(body), confirmation, null),
        settledItems
      },
      outputs: [transitioned({ party: me, id: key, ...instructionTransition }), send(confirmation)]
    }
  })
