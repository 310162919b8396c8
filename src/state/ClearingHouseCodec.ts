/**
 * The clearing house's stored state: the open cycle's number in the header; its cycles,
 * submissions, cleared items, instructions, outbox and the settlement bank's ledger as tables.
 *
 * | table | key | row |
 * | --- | --- | --- |
 * | `cycles` | cycle number | {@link ClearingCycleRow} |
 * | `submissions` | `acquirer/submissionId` | {@link IdempotencyRecordRow} |
 * | `cleared` | `acquirer/itemId` | the cycle it was cleared in |
 * | `instructions` | instruction id | {@link InstructionRecordRow} |
 * | `outbox` | instruction id | {@link OutboxEntryRow} |
 * | `accounts`, `holds`, `journal` | id | the settlement bank's ledger ({@link ledgerTables}) |
 *
 * @since 0.3.0
 */
import * as Outbox from "../machine/Outbox.js"
import { Schema } from "effect"
import { CycleNumber, InstructionId, PartyId } from "../domain/Ids.js"
import { Currency } from "../domain/Money.js"
import { ClearingItem, MAX_CLEARING_ITEMS } from "../messages/Clearing.js"
import type { PartyIdentity } from "../machine/Party.js"
import type { ClearingCycle, ClearingHouseState, InstructionRecord } from "../parties/ClearingHouse.js"
import { Bound, exactly, IdempotencyRecordRow, Int, ledgerIndexes, ledgerTables, OutboxEntryRow } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/**
 * The clearing house's header: the number of the open cycle, and its bounds where configured lower
 * than the protocol's: the most items a bank may have in one currency in a cycle, and the most
 * instructions kept unconfirmed.
 *
 * @since 0.3.0
 */
export const ClearingHouseHeader = Schema.Struct({
  cycle: CycleNumber,
  ledgerPosted: Int,
  cycleItems: Schema.optionalKey(Bound(MAX_CLEARING_ITEMS)),
  outboxLimit: Schema.optionalKey(Bound(Outbox.OUTBOX_LIMIT))
})

/** One clearing cycle. @since 0.3.0 */
export const ClearingCycleRow = exactly<ClearingCycle>()(
  Schema.Struct({
    number: CycleNumber,
    state: Schema.Literals(["Open", "Settling", "Settled"]),
    items: Schema.Array(ClearingItem),
    submissions: Schema.Array(Schema.String),
    positions: Schema.NullOr(Schema.Record(Schema.String, Int)),
    unconfirmed: Schema.Array(InstructionId)
  })
)

/** One settlement instruction sent. @since 0.3.0 */
export const InstructionRecordRow = exactly<InstructionRecord>()(
  Schema.Struct({
    bank: PartyId,
    cycle: CycleNumber,
    currency: Currency,
    position: Int,
    confirmed: Schema.Boolean
  })
)

/** The clearing house's tables and their rows. @since 0.3.0 */
export const clearingHouseTables = {
  cycles: ClearingCycleRow,
  submissions: IdempotencyRecordRow,
  cleared: CycleNumber,
  instructions: InstructionRecordRow,
  outbox: OutboxEntryRow,
  ...ledgerTables
}

/** The clearing house's codec. @since 0.3.0 */
export const codec: PartyCodec<
  ClearingHouseState,
  PartyIdentity,
  typeof ClearingHouseHeader.Type,
  { readonly [N in keyof typeof clearingHouseTables]: (typeof clearingHouseTables)[N]["Type"] }
> = {
  kind: "ClearingHouse",
  header: ClearingHouseHeader,
  tables: clearingHouseTables,
  indexes: { outbox: Outbox.dueAt, ...ledgerIndexes },
  split: ({ identity, cycle, cycleItems, outboxLimit, ledger: { posted, ...ledger }, ...tables }) => ({
    party: identity.id,
    header: { cycle, ledgerPosted: posted, ...(cycleItems === undefined ? {} : { cycleItems }), ...(outboxLimit === undefined ? {} : { outboxLimit }) },
    tables: { ...tables, ...ledger }
  }),
  join: ({ header: { ledgerPosted, ...header }, tables: { accounts, holds, journal, ...tables } }, identity) => ({ identity, ...header, ...tables, ledger: { accounts, holds, journal, posted: ledgerPosted } })
}
