/**
 * The names of the accounts every bank keeps in its ledger, per currency. Naming them in one
 * place keeps the banks, the invariants and the docs reading the same books.
 *
 * An issuer keeps its customers' deposit accounts (named by account id) and:
 * - `reserves:CUR`, the bank's own funds, from which deposits and its settlement account are funded;
 * - `scheme-payable:CUR`, what it owes the card scheme for captures not yet settled (less refunds);
 * - `settlement:CUR`, its account at the settlement bank as it sees it (its nostro).
 *
 * An acquirer (the gateway) keeps `reserves:CUR` and `settlement:CUR` too, and:
 * - `scheme-receivable:CUR`, what the scheme owes it for captures not yet settled (less refunds);
 * - `merchant-pending:<merchant>:CUR`, what it will owe a merchant once those settle;
 * - `merchant:<merchant>:CUR`, the merchant's own account, where payouts land;
 * - `fees:CUR`, its fee income.
 *
 * Balances are credits minus debits: deposits, payables and fee income are positive; what a bank
 * owns (its settlement account, what it is owed) is negative.
 *
 * @since 0.2.0
 */
import { Result } from "effect"
import type { PartyId } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import type { Currency } from "../domain/Money.js"
import * as Ledger from "./Ledger.js"

/** A bank's own funds. @since 0.2.0 */
export const reserves = (currency: Currency): string => `reserves:${currency}`
/** An issuer's debt to the scheme for captured, unsettled payments. @since 0.2.0 */
export const schemePayable = (currency: Currency): string => `scheme-payable:${currency}`
/** An acquirer's claim on the scheme for captured, unsettled payments. @since 0.2.0 */
export const schemeReceivable = (currency: Currency): string => `scheme-receivable:${currency}`
/** A bank's own record of its account at the settlement bank. @since 0.2.0 */
export const nostro = (currency: Currency): string => `settlement:${currency}`
/** What an acquirer will owe `merchant` once its captures settle. @since 0.2.0 */
export const merchantPending = (merchant: PartyId, currency: Currency): string => `merchant-pending:${merchant}:${currency}`
/** A merchant's account at its acquirer. @since 0.2.0 */
export const merchantAccount = (merchant: PartyId, currency: Currency): string => `merchant:${merchant}:${currency}`
/** An acquirer's fee income. @since 0.2.0 */
export const fees = (currency: Currency): string => `fees:${currency}`

/**
 * Opens a bank's books in one currency: its reserves, its settlement account funded from the
 * reserves with `settlementOpening_minor` (what the bank holds at the settlement bank), and the
 * given internal accounts. Throws on a name used twice: it runs once, on configuration.
 *
 * @since 0.2.0
 */
export const openBankBooks = (ledger: Ledger.Ledger, currency: Currency, internal: ReadonlyArray<string>, settlementOpening_minor: number): Ledger.Ledger => {
  let books = ledger
  for (const id of [reserves(currency), nostro(currency), ...internal]) {
    books = Result.getOrThrow(Ledger.openAccount(books, { id, currency, debitsMustNotExceedCredits: false }))
  }
  if (settlementOpening_minor === 0) return books
  return Result.getOrThrow(
    Ledger.transfer(books, { id: `opening:${nostro(currency)}`, debit: nostro(currency), credit: reserves(currency), amount: Money.money(settlementOpening_minor, currency) })
  )
}
