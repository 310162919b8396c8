/**
 * The ledger figures the invariants read, computed here from a ledger's data (its accounts'
 * counters, its holds and its journal), never by `src/ledger/Ledger.ts`: the judge must not share
 * code with what it judges, or a bug in the ledger (or a mutant of it) would change the verdict
 * too. `journalFindings` goes further and checks every account's posted counters against the
 * journal they must sum.
 */
import type { Account, Hold, Ledger } from "../src/ledger/Ledger.js"

/** An account's four counters; all zero for no account. */
const countersOf = (ledger: Ledger, id: string): Pick<Account, "debitsPosted" | "creditsPosted" | "debitsPending"> =>
  ledger.accounts.get(id) ?? { debitsPosted: 0, creditsPosted: 0, debitsPending: 0 }

/** An account's posted balance, credits less debits; 0 for no account. */
export const postedBalance = (ledger: Ledger, id: string): number => {
  const { creditsPosted, debitsPosted } = countersOf(ledger, id)
  return creditsPosted - debitsPosted
}

/** What an account can still pay: its posted balance less its pending debits; 0 for no account. */
export const spendable = (ledger: Ledger, id: string): number => postedBalance(ledger, id) - countersOf(ledger, id).debitsPending

/** A merchant's account at its acquirer, as the acquirer's books name it (spelled out here, not asked of the code under test). */
export const merchantAccountId = (merchant: string, currency: string): string => `merchant:${merchant}:${currency}`

/** The acquirer's fee on a capture of `amount_minor` at `feeBps` basis points, rounded down, as the spec states it. */
export const acquirerFee = (amount_minor: number, feeBps: number): number => Math.floor((amount_minor * feeBps) / 10_000)

/** A hold by id. */
export const holdOf = (ledger: Ledger, id: string): Hold | undefined => ledger.holds.get(id)

/** The pending holds whose expiry is at or before `now_ms`. */
export const overdueHolds = (ledger: Ledger, now_ms: number): ReadonlyArray<Hold> =>
  ledger.holds.values().filter((h) => h.status === "pending" && h.expiresAt_ms <= now_ms)

/** Per currency, all debits less all credits, posted and pending: double entry keeps both at zero. */
export const trialBalance = (ledger: Ledger): ReadonlyMap<string, { readonly posted: number; readonly pending: number }> => {
  const totals = new Map<string, { posted: number; pending: number }>()
  for (const a of ledger.accounts.values()) {
    const t = totals.get(a.currency) ?? { posted: 0, pending: 0 }
    totals.set(a.currency, { posted: t.posted + a.debitsPosted - a.creditsPosted, pending: t.pending + a.debitsPending - a.creditsPending })
  }
  return totals
}

/** Every account's posted debits and credits are exactly the sums of the journal's entries on it, and every entry names accounts of its currency. */
export const journalFindings = (bank: string, ledger: Ledger): ReadonlyArray<string> => {
  const findings: Array<string> = []
  const sums = new Map<string, { debits: number; credits: number }>()
  for (const e of ledger.journal.values()) {
    for (const [side, id] of [["debit", e.debit], ["credit", e.credit]] as const) {
      const account = ledger.accounts.get(id)
      if (account?.currency !== e.currency) findings.push(`${bank} entry ${e.id} ${side}s ${id}, ${account === undefined ? "no account" : `an account in ${account.currency}`}, in ${e.currency}`)
      const s = sums.get(id) ?? { debits: 0, credits: 0 }
      sums.set(id, side === "debit" ? { ...s, debits: s.debits + e.amount_minor } : { ...s, credits: s.credits + e.amount_minor })
    }
  }
  for (const a of ledger.accounts.values()) {
    const s = sums.get(a.id) ?? { debits: 0, credits: 0 }
    if (a.debitsPosted !== s.debits || a.creditsPosted !== s.credits) {
      findings.push(`${bank} account ${a.id} has ${a.debitsPosted}/${a.creditsPosted} posted, its journal entries sum to ${s.debits}/${s.credits}`)
    }
  }
  return findings
}
