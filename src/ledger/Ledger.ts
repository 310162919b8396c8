/**
 * A double-entry ledger with two-phase holds, in the manner of TigerBeetle.
 *
 * Every account keeps four integer counters in minor units: debits and credits, each either
 * posted or pending. Every transfer adds the same amount to one account's debits and another's
 * credits, so across a ledger the sum of debits always equals the sum of credits and the
 * balances (credits minus debits) sum to zero. A hold is a pending transfer: it reserves funds
 * (`debitsPending`) until it is captured (in one or several parts, never beyond the hold),
 * voided, or expires, which releases what was not captured.
 *
 * An account flagged `debitsMustNotExceedCredits` (a customer's deposit account) can never be
 * overdrawn: a transfer or hold that would take its posted plus pending debits above its posted
 * credits fails with `InsufficientFunds`. All operations are pure: they return a new ledger or a
 * {@link LedgerError} and leave the input untouched.
 *
 * **Example**
 *
 * ```ts
 * import { Ledger, Money } from "checkout-protocol"
 * import { Result } from "effect"
 *
 * let l = Ledger.empty
 * l = Result.getOrThrow(Ledger.openAccount(l, { id: "cash", currency: "EUR", debitsMustNotExceedCredits: false }))
 * l = Result.getOrThrow(Ledger.openAccount(l, { id: "alice", currency: "EUR", debitsMustNotExceedCredits: true }))
 * l = Result.getOrThrow(Ledger.transfer(l, { id: "t1", debit: "cash", credit: "alice", amount: Money.money(5000, "EUR") }))
 * Ledger.available(l, "alice") // 5000
 *
 * // A two-phase transfer: hold 1200, then capture 1000 of it; the rest is released on void or expiry.
 * l = Result.getOrThrow(Ledger.openAccount(l, { id: "shop", currency: "EUR", debitsMustNotExceedCredits: false }))
 * l = Result.getOrThrow(Ledger.placeHold(l, { id: "h1", debit: "alice", credit: "shop", amount: Money.money(1200, "EUR"), expiresAt_ms: 60_000 }))
 * Ledger.available(l, "alice") // 3800
 * Ledger.balance(l, "alice") // 5000: nothing is posted yet
 * l = Result.getOrThrow(Ledger.capture(l, "h1", "c1", 1000, 30_000))
 * l = Result.getOrThrow(Ledger.voidHold(l, "h1"))
 * Ledger.balance(l, "alice") // 4000
 * Ledger.trialBalance(l) // { EUR: { posted: 0, pending: 0 } }
 * ```
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import type { Currency, Money } from "../domain/Money.js"
import { Table } from "../machine/Table.js"

/** One account's counters, all integer minor units. @category models @since 0.1.0 */
export interface Account {
  readonly id: string
  readonly currency: Currency
  readonly debitsMustNotExceedCredits: boolean
  readonly debitsPosted: number
  readonly creditsPosted: number
  readonly debitsPending: number
  readonly creditsPending: number
}

/** Where a hold stands. @since 0.1.0 */
export type HoldStatus = "pending" | "voided" | "expired" | "closed"

/**
 * A two-phase transfer: `amount` reserved from `debit` for `credit`, of which `captured` has been
 * posted so far. While `pending`, `amount - captured` is still reserved.
 *
 * @category models
 * @since 0.1.0
 */
export interface Hold {
  readonly id: string
  readonly debit: string
  readonly credit: string
  readonly currency: Currency
  readonly amount_minor: number
  readonly captured_minor: number
  readonly expiresAt_ms: number
  readonly status: HoldStatus
}

/** A posted entry in the ledger's journal. @category models @since 0.1.0 */
export interface Entry {
  readonly id: string
  readonly debit: string
  readonly credit: string
  readonly currency: Currency
  readonly amount_minor: number
  readonly kind: "transfer" | "capture"
  /** Its place in the journal: 1 for the ledger's first posting, then one more per posting. */
  readonly seq: number
}

/** A ledger: accounts, holds and the journal of posted entries, all keyed by id. @category models @since 0.1.0 */
export interface Ledger {
  readonly accounts: Table<Account>
  /** Indexed by the expiry of each pending hold: `holdDueAt`. */
  readonly holds: Table<Hold>
  readonly journal: Table<Entry>
  /** How many entries have been posted: the last entry's `seq`. */
  readonly posted: number
}

/** Why a ledger operation was refused. @category errors @since 0.1.0 */
export class LedgerError extends Schema.TaggedError<LedgerError>()("LedgerError", {
  code: Schema.Literals([
    "AccountExists",
    "UnknownAccount",
    "SameAccount",
    "CurrencyMismatch",
    "ZeroAmount",
    "InsufficientFunds",
    "IdExists",
    "UnknownHold",
    "HoldNotPending",
    "ExceedsHold",
    "HoldExpired",
    "HoldNotExpired"
  ]),
  detail: Schema.String
}) {}

/** When a hold is next due: its expiry while it is pending; nothing after. @since 0.4.0 */
export const holdDueAt = (h: Hold): number | null => (h.status === "pending" ? h.expiresAt_ms : null)

/** A ledger with no accounts. @since 0.1.0 */
export const empty: Ledger = { accounts: Table.empty(), holds: Table.empty(holdDueAt), journal: Table.empty(), posted: 0 }

/** What every ledger operation returns: the new ledger, or why it was refused. @category models @since 0.1.0 */
export type Outcome = Result.Result<Ledger, LedgerError>
const refuse = (code: LedgerError["code"], detail: string): Outcome => Result.fail(new LedgerError({ code, detail }))

/** Opens an account with zero counters. @since 0.1.0 */
export const openAccount = (
  ledger: Ledger,
  account: { readonly id: string; readonly currency: Currency; readonly debitsMustNotExceedCredits: boolean }
): Outcome =>
  ledger.accounts.has(account.id)
    ? refuse("AccountExists", `account ${account.id} already exists`)
    : Result.succeed({
        ...ledger,
        accounts: ledger.accounts.set(account.id, { ...account, debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 })
      })

/** An account's posted balance: credits minus debits. @since 0.1.0 */
export const balance = (ledger: Ledger, id: string): number => {
  const a = ledger.accounts.get(id)
  return a === undefined ? 0 : a.creditsPosted - a.debitsPosted
}

/** What an account can still spend: posted credits minus posted and pending debits. @since 0.1.0 */
export const available = (ledger: Ledger, id: string): number => {
  const a = ledger.accounts.get(id)
  return a === undefined ? 0 : a.creditsPosted - a.debitsPosted - a.debitsPending
}

/** Looks a hold up by id. @since 0.1.0 */
export const hold = (ledger: Ledger, id: string): Hold | undefined => ledger.holds.get(id)

/** A movement of money between two accounts under its own id. @category models @since 0.1.0 */
export interface Movement {
  readonly id: string
  readonly debit: string
  readonly credit: string
  readonly amount: Money
}

const checkMovement = (ledger: Ledger, m: Movement): Result.Result<readonly [Account, Account], LedgerError> => {
  const debit = ledger.accounts.get(m.debit)
  const credit = ledger.accounts.get(m.credit)
  const fail = (code: LedgerError["code"], detail: string) => Result.fail(new LedgerError({ code, detail }))
  if (ledger.journal.get(m.id) !== undefined || ledger.holds.get(m.id) !== undefined) return fail("IdExists", `id ${m.id} is already used`)
  if (debit === undefined) return fail("UnknownAccount", `no account ${m.debit}`)
  if (credit === undefined) return fail("UnknownAccount", `no account ${m.credit}`)
  if (debit.id === credit.id) return fail("SameAccount", `${m.id} debits and credits ${debit.id}`)
  if (debit.currency !== m.amount.currency || credit.currency !== m.amount.currency) {
    return fail("CurrencyMismatch", `${m.id} moves ${m.amount.currency} between ${debit.currency} and ${credit.currency} accounts`)
  }
  if (m.amount.amount_minor <= 0) return fail("ZeroAmount", `${m.id} moves nothing`)
  if (debit.debitsMustNotExceedCredits && available(ledger, debit.id) < m.amount.amount_minor) {
    return fail("InsufficientFunds", `${debit.id} has ${available(ledger, debit.id)} available, ${m.id} needs ${m.amount.amount_minor}`)
  }
  return Result.succeed([debit, credit] as const)
}

const adjust = (ledger: Ledger, id: string, change: Partial<Omit<Account, "id" | "currency" | "debitsMustNotExceedCredits">>): Ledger => {
  const a = ledger.accounts.get(id)
  if (a === undefined) return ledger
  const next: Account = {
    ...a,
    debitsPosted: a.debitsPosted + (change.debitsPosted ?? 0),
    creditsPosted: a.creditsPosted + (change.creditsPosted ?? 0),
    debitsPending: a.debitsPending + (change.debitsPending ?? 0),
    creditsPending: a.creditsPending + (change.creditsPending ?? 0)
  }
  return { ...ledger, accounts: ledger.accounts.set(id, next) }
}

/** The ledger with `entry` added to its journal as the next posting. */
const post = (ledger: Ledger, entry: Omit<Entry, "seq">): Ledger => {
  const seq = ledger.posted + 1
  return { ...ledger, journal: ledger.journal.set(entry.id, { ...entry, seq }), posted: seq }
}

/** The journal in the order it was posted. O(n log n). @since 0.4.0 */
export const journalInOrder = (ledger: Ledger): ReadonlyArray<Entry> => ledger.journal.values().sort((a, b) => a.seq - b.seq)

/** Posts a transfer at once: debits one account and credits another by the same amount. @since 0.1.0 */
export const transfer = (ledger: Ledger, m: Movement): Outcome =>
  Result.map(checkMovement(ledger, m), () => {
    const amount_minor = m.amount.amount_minor
    const moved = adjust(adjust(ledger, m.debit, { debitsPosted: amount_minor }), m.credit, { creditsPosted: amount_minor })
    return post(moved, { id: m.id, debit: m.debit, credit: m.credit, currency: m.amount.currency, amount_minor, kind: "transfer" })
  })

/** Places a hold: reserves `amount` on `debit` for `credit` until `expiresAt_ms`. @since 0.1.0 */
export const placeHold = (ledger: Ledger, m: Movement & { readonly expiresAt_ms: number }): Outcome =>
  Result.map(checkMovement(ledger, m), () => {
    const amount_minor = m.amount.amount_minor
    const reserved = adjust(adjust(ledger, m.debit, { debitsPending: amount_minor }), m.credit, { creditsPending: amount_minor })
    const placed: Hold = {
      id: m.id,
      debit: m.debit,
      credit: m.credit,
      currency: m.amount.currency,
      amount_minor,
      captured_minor: 0,
      expiresAt_ms: m.expiresAt_ms,
      status: "pending"
    }
    return { ...reserved, holds: reserved.holds.set(m.id, placed) }
  })

const pendingHold = (ledger: Ledger, id: string): Result.Result<Hold, LedgerError> => {
  const h = ledger.holds.get(id)
  if (h === undefined) return Result.fail(new LedgerError({ code: "UnknownHold", detail: `no hold ${id}` }))
  if (h.status !== "pending") return Result.fail(new LedgerError({ code: "HoldNotPending", detail: `hold ${id} is ${h.status}` }))
  return Result.succeed(h)
}

const release = (ledger: Ledger, h: Hold, status: HoldStatus): Ledger => {
  const remaining = h.amount_minor - h.captured_minor
  const released = adjust(adjust(ledger, h.debit, { debitsPending: -remaining }), h.credit, { creditsPending: -remaining })
  return { ...released, holds: released.holds.set(h.id, { ...h, status }) }
}

/**
 * Captures part or all of what a pending hold still reserves, posting it as entry `captureId`.
 * Fails with `ExceedsHold` beyond the remainder, `HoldExpired` at or after the hold's expiry, and
 * `ZeroAmount` unless `amount_minor` is a positive integer.
 *
 * @since 0.1.0
 */
export const capture = (ledger: Ledger, holdId: string, captureId: string, amount_minor: number, now_ms: number): Outcome =>
  Result.flatMap(pendingHold(ledger, holdId), (h) => {
    if (now_ms >= h.expiresAt_ms) return refuse("HoldExpired", `hold ${holdId} expired at ${h.expiresAt_ms}`)
    if (ledger.journal.get(captureId) !== undefined) return refuse("IdExists", `id ${captureId} is already used`)
    if (!Number.isSafeInteger(amount_minor) || amount_minor <= 0) {
      return refuse("ZeroAmount", `${captureId} must capture a positive integer amount in minor units, got ${amount_minor}`)
    }
    if (amount_minor > h.amount_minor - h.captured_minor) {
      return refuse("ExceedsHold", `${captureId} captures ${amount_minor}, hold ${holdId} has ${h.amount_minor - h.captured_minor} left`)
    }
    const moved = adjust(
      adjust(ledger, h.debit, { debitsPending: -amount_minor, debitsPosted: amount_minor }),
      h.credit,
      { creditsPending: -amount_minor, creditsPosted: amount_minor }
    )
    const captured_minor = h.captured_minor + amount_minor
    const held = { ...moved, holds: moved.holds.set(holdId, { ...h, captured_minor, status: captured_minor === h.amount_minor ? "closed" : "pending" } as const) }
    return Result.succeed(post(held, { id: captureId, debit: h.debit, credit: h.credit, currency: h.currency, amount_minor, kind: "capture" }))
  })

/** Voids a pending hold, releasing whatever it still reserves. @since 0.1.0 */
export const voidHold = (ledger: Ledger, holdId: string): Outcome =>
  Result.map(pendingHold(ledger, holdId), (h) => release(ledger, h, "voided"))

/** Expires a pending hold whose expiry has passed, releasing whatever it still reserves. @since 0.1.0 */
export const expireHold = (ledger: Ledger, holdId: string, now_ms: number): Outcome =>
  Result.flatMap(pendingHold(ledger, holdId), (h) =>
    now_ms < h.expiresAt_ms ? refuse("HoldNotExpired", `hold ${holdId} expires at ${h.expiresAt_ms}`) : Result.succeed(release(ledger, h, "expired"))
  )

/** Pending holds whose expiry is at or before `now_ms`, earliest first: read off the holds' deadline index. @since 0.1.0 */
export const expiredHolds = (ledger: Ledger, now_ms: number): ReadonlyArray<Hold> => ledger.holds.dueBy(now_ms).map(([, h]) => h)

/**
 * The ledger's trial balance per currency: total debits minus total credits, posted and pending.
 * Double entry keeps every figure at zero; anything else is a bug.
 *
 * @since 0.1.0
 */
export const trialBalance = (ledger: Ledger): Readonly<Record<string, { readonly posted: number; readonly pending: number }>> => {
  const totals: Record<string, { posted: number; pending: number }> = {}
  for (const a of ledger.accounts.values()) {
    const t = (totals[a.currency] ??= { posted: 0, pending: 0 })
    t.posted += a.debitsPosted - a.creditsPosted
    t.pending += a.debitsPending - a.creditsPending
  }
  return totals
}
