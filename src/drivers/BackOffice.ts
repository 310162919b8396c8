/**
 * The people behind the counters, scripted for the demo, the docs and the tests: the merchant's
 * staff capturing, voiding and refunding payments, and the clearing house's operator closing the
 * clearing day. Each action is an input to one machine, then the network runs until it is quiet.
 *
 * @since 0.2.0
 */
import type { PaymentId, Timestamp_ms } from "../domain/Ids.js"
import type { MerchantState } from "../parties/Merchant.js"
import { ids } from "./Topology.js"
import type { InMemoryNetwork } from "./InMemoryNetwork.js"

/** The merchant's most recent payment (the one the demo's shopper just made). @since 0.2.0 */
export const lastPayment = (net: InMemoryNetwork): PaymentId => {
  const payments = net.state<MerchantState>(ids.merchant).payments.keys()
  const last = payments.at(-1)
  if (last === undefined) throw new Error("BackOffice: the merchant has no payment yet")
  return last as PaymentId
}

/** The merchant's staff capture `amount_minor` of `paymentId` (the goods shipped). @since 0.2.0 */
export const capture = (net: InMemoryNetwork, paymentId: PaymentId, amount_minor: number): void => {
  net.input(ids.merchant, { _tag: "Capture", now_ms: net.now_ms, paymentId, amount_minor })
  net.runUntilQuiet()
}

/** The merchant's staff void `paymentId` (the order was cancelled). @since 0.2.0 */
export const voidPayment = (net: InMemoryNetwork, paymentId: PaymentId): void => {
  net.input(ids.merchant, { _tag: "Void", now_ms: net.now_ms, paymentId })
  net.runUntilQuiet()
}

/** The merchant's staff refund `amount_minor` of `paymentId` (goods came back). @since 0.2.0 */
export const refund = (net: InMemoryNetwork, paymentId: PaymentId, amount_minor: number): void => {
  net.input(ids.merchant, { _tag: "Refund", now_ms: net.now_ms, paymentId, amount_minor })
  net.runUntilQuiet()
}

/**
 * The end of the clearing day: `delta_ms` passes (the gateway submits what it captured and
 * refunded on its next tick), then the clearing house's operator closes the cycle, and the
 * instructions and confirmations travel until the network is quiet.
 *
 * @since 0.2.0
 */
export const endOfDay = (net: InMemoryNetwork, delta_ms = 3_600_000): void => {
  net.advanceTo((net.now_ms + delta_ms) as Timestamp_ms)
  net.runUntilQuiet()
  net.input(ids.clearing, { _tag: "CloseCycle", now_ms: net.now_ms })
  net.runUntilQuiet()
}
