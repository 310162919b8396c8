/**
 * Bounded state (DESIGN.md section 6: a party refuses new work beyond its bounds): no honest
 * party takes on more than its bounds allow, the protocol's own or the lower ones its
 * configuration sets (a test world lowers them so that small worlds reach them: `Scope.limits`).
 */
import { OUTBOX_LIMIT } from "../src/machine/Outbox.js"
import { MAX_CLEARING_ITEMS, type ClearingItem } from "../src/messages/Clearing.js"
import type { ClearingHouseState } from "../src/parties/ClearingHouse.js"
import type { Checker } from "./Invariants.js"

/** How many items of each bank (as issuer or acquirer, once if both) in each currency `items` hold, by `bank currency`. */
const itemsPerBank = (items: ReadonlyArray<ClearingItem>): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>()
  for (const item of items) {
    for (const bank of new Set([item.issuer, item.acquirer])) {
      const key = `${bank} ${item.amount.currency}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return counts
}

/** Every clearing cycle holds at most the clearing house's `cycleItems` items of one bank in one currency. */
const cycleFindings = (clearing: ClearingHouseState): ReadonlyArray<string> => {
  const most = clearing.cycleItems ?? MAX_CLEARING_ITEMS
  return clearing.cycles.values().flatMap((cycle) =>
    [...itemsPerBank(cycle.items)].filter(([, count]) => count > most).map(([bank, count]) => `cycle ${cycle.number} holds ${count} items of ${bank}, more than ${most}`)
  )
}

/** A finding if `party` holds more than `most` (its configured bound, else `OUTBOX_LIMIT`) entries in its outbox, which are `what`. */
const outboxFindings = (party: string, size: number, configured: number | undefined, what: string): ReadonlyArray<string> => {
  const most = configured ?? OUTBOX_LIMIT
  return size > most ? [`${party} has ${size} ${what}, more than ${most}`] : []
}

/**
 * Bounded: each honest merchant keeps at most its `outboxLimit` requests to its gateway in flight
 * and the clearing house at most its `outboxLimit` instructions unconfirmed (each `OUTBOX_LIMIT`
 * unless configured lower), and each clearing cycle at most the clearing house's `cycleItems`
 * items of one bank in one currency (`MAX_CLEARING_ITEMS`, what one instruction carries, unless
 * configured lower).
 * An acquirer's submissions, at most its `submissionItems` items each, are `settlementExactlyOnce`'s.
 */
export const bounded: Checker = (view) => [
  ...view.merchants
    .filter((m) => m.identity.id !== view.compromised)
    .flatMap((m) => outboxFindings(m.identity.id, m.outbox.size, m.config.outboxLimit, "requests in flight")),
  ...outboxFindings(view.clearing.identity.id, view.clearing.outbox.size, view.clearing.outboxLimit, "instructions unconfirmed"),
  ...cycleFindings(view.clearing)
]
