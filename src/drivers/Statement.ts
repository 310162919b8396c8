/**
 * A bank's ledger as a statement: every account's posted balance (credits minus debits) and what
 * it has pending, and the total, which double entry keeps at zero.
 *
 * @since 0.2.0
 */
import * as Ledger from "../ledger/Ledger.js"

/** One line per account, then the total per currency. @since 0.2.0 */
export const statement = (title: string, ledger: Ledger.Ledger): ReadonlyArray<string> => {
  const accounts = ledger.accounts.values()
  const width = Math.max(...accounts.map((a) => a.id.length), 8)
  const cents = (n: number): string => (n / 100).toFixed(2).padStart(15)
  const lines = accounts.map((a) => {
    const pending = a.creditsPending - a.debitsPending
    return `  ${a.id.padEnd(width)} ${a.currency} ${cents(Ledger.balance(ledger, a.id))}${pending === 0 ? "" : `   (pending ${cents(pending).trim()})`}`
  })
  const totals = Object.entries(Ledger.trialBalance(ledger)).map(
    ([currency, t]) => `  ${"sum".padEnd(width)} ${currency} ${cents(-t.posted)}${t.pending === 0 ? "" : `   (pending ${cents(-t.pending).trim()})`}`
  )
  return [`${title}:`, ...lines, ...totals]
}
