/**
 * The double-entry ledger: every operation and every error code, partial captures, releases of
 * the uncaptured remainder, and funds checks that count pending holds.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Ledger from "../../src/ledger/Ledger.js"
import { money, type Currency } from "../../src/domain/Money.js"

const ok = (outcome: Result.Result<Ledger.Ledger, Ledger.LedgerError>): Ledger.Ledger => {
  if (Result.isFailure(outcome)) throw new Error(`expected success, got ${outcome.failure.code}: ${outcome.failure.detail}`)
  return outcome.success
}

const code = (outcome: Result.Result<Ledger.Ledger, Ledger.LedgerError>): string => {
  if (Result.isSuccess(outcome)) throw new Error("expected a LedgerError, the operation succeeded")
  expect(outcome.failure).toBeInstanceOf(Ledger.LedgerError)
  return outcome.failure.code
}

const eur = (amount_minor: number) => money(amount_minor, "EUR")

const open = (ledger: Ledger.Ledger, id: string, currency: Currency, debitsMustNotExceedCredits: boolean): Ledger.Ledger =>
  ok(Ledger.openAccount(ledger, { id, currency, debitsMustNotExceedCredits }))

/** reserves (EUR, may go negative), alice and bob (EUR, may not), scheme (EUR), usd (USD); alice funded with 10,000. */
const funded = (): Ledger.Ledger => {
  let l = Ledger.empty
  l = open(l, "reserves", "EUR", false)
  l = open(l, "alice", "EUR", true)
  l = open(l, "bob", "EUR", true)
  l = open(l, "scheme", "EUR", false)
  l = open(l, "usd", "USD", false)
  return ok(Ledger.transfer(l, { id: "fund-alice", debit: "reserves", credit: "alice", amount: eur(10_000) }))
}

const account = (l: Ledger.Ledger, id: string): Ledger.Account => {
  const a = l.accounts.get(id)
  if (a === undefined) throw new Error(`no account ${id}`)
  return a
}

/** alice holds 6,000 for the scheme until t = 1,000. */
const withHold = (): Ledger.Ledger =>
  ok(Ledger.placeHold(funded(), { id: "h1", debit: "alice", credit: "scheme", amount: eur(6_000), expiresAt_ms: 1_000 }))

/** Every row of the ledger's tables, as JSON. */
const contents = (l: Ledger.Ledger): string => JSON.stringify({ accounts: l.accounts.entries(), holds: l.holds.entries(), journal: l.journal.entries() })

const counters = (a: Ledger.Account) => [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]

describe("Ledger", () => {
  describe("openAccount", () => {
    it("openAccount - should open an account with zero counters", () => {
      const l = open(Ledger.empty, "a", "EUR", true)
      expect(account(l, "a")).toEqual({
        id: "a",
        currency: "EUR",
        debitsMustNotExceedCredits: true,
        debitsPosted: 0,
        creditsPosted: 0,
        debitsPending: 0,
        creditsPending: 0
      })
    })

    it("openAccount - should refuse an id already open with AccountExists", () => {
      const l = open(Ledger.empty, "a", "EUR", true)
      expect(code(Ledger.openAccount(l, { id: "a", currency: "USD", debitsMustNotExceedCredits: false }))).toBe("AccountExists")
    })

    it("openAccount - should accept ids that are names on Object.prototype", () => {
      const l = open(open(Ledger.empty, "constructor", "EUR", false), "toString", "EUR", true)
      expect(l.accounts.keys()).toEqual(["constructor", "toString"])
    })
  })

  describe("balance and available", () => {
    it("balance - should be credits minus debits posted, and 0 for an unknown account", () => {
      const l = funded()
      expect(Ledger.balance(l, "alice")).toBe(10_000)
      expect(Ledger.balance(l, "reserves")).toBe(-10_000)
      expect(Ledger.balance(l, "nobody")).toBe(0)
      expect(Ledger.balance(l, "constructor")).toBe(0)
    })

    it("available - should subtract pending debits but not count pending credits", () => {
      const l = withHold()
      expect(Ledger.available(l, "alice")).toBe(4_000)
      expect(Ledger.balance(l, "alice")).toBe(10_000)
      expect(Ledger.available(l, "scheme")).toBe(0)
      expect(Ledger.available(l, "nobody")).toBe(0)
    })
  })

  describe("transfer", () => {
    it("transfer - should debit one account, credit the other and journal the entry", () => {
      const l = ok(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "bob", amount: eur(2_500) }))
      expect(counters(account(l, "alice"))).toEqual([2_500, 10_000, 0, 0])
      expect(counters(account(l, "bob"))).toEqual([0, 2_500, 0, 0])
      expect(l.journal.get("t1")).toEqual({ id: "t1", debit: "alice", credit: "bob", currency: "EUR", amount_minor: 2_500, kind: "transfer", seq: funded().posted + 1 })
    })

    it("transfer - should leave the input ledger untouched", () => {
      const before = funded()
      const snapshot = contents(before)
      ok(Ledger.transfer(before, { id: "t1", debit: "alice", credit: "bob", amount: eur(2_500) }))
      expect(contents(before)).toBe(snapshot)
    })

    it("transfer - should allow spending the whole available balance, and no more, with InsufficientFunds", () => {
      const l = funded()
      expect(code(Ledger.transfer(l, { id: "t1", debit: "alice", credit: "bob", amount: eur(10_001) }))).toBe("InsufficientFunds")
      const drained = ok(Ledger.transfer(l, { id: "t1", debit: "alice", credit: "bob", amount: eur(10_000) }))
      expect(Ledger.available(drained, "alice")).toBe(0)
      expect(code(Ledger.transfer(l, { id: "t2", debit: "bob", credit: "alice", amount: eur(1) }))).toBe("InsufficientFunds")
    })

    it("transfer - should let an account without the flag go negative", () => {
      const l = ok(Ledger.transfer(funded(), { id: "t1", debit: "scheme", credit: "bob", amount: eur(99_999) }))
      expect(Ledger.balance(l, "scheme")).toBe(-99_999)
    })

    it("transfer - should refuse a used id with IdExists, whether a transfer or a hold took it", () => {
      expect(code(Ledger.transfer(funded(), { id: "fund-alice", debit: "reserves", credit: "bob", amount: eur(1) }))).toBe("IdExists")
      expect(code(Ledger.transfer(withHold(), { id: "h1", debit: "reserves", credit: "bob", amount: eur(1) }))).toBe("IdExists")
    })

    it("transfer - should refuse an unknown debit or credit account with UnknownAccount", () => {
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "nobody", credit: "bob", amount: eur(1) }))).toBe("UnknownAccount")
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "nobody", amount: eur(1) }))).toBe("UnknownAccount")
    })

    it("transfer - should refuse moving money from an account to itself with SameAccount", () => {
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "alice", amount: eur(1) }))).toBe("SameAccount")
    })

    it("transfer - should refuse an amount in another currency than either account with CurrencyMismatch", () => {
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "usd", amount: eur(1) }))).toBe("CurrencyMismatch")
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "usd", credit: "alice", amount: money(1, "USD") }))).toBe("CurrencyMismatch")
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "bob", amount: money(1, "USD") }))).toBe("CurrencyMismatch")
    })

    it("transfer - should refuse a zero amount with ZeroAmount", () => {
      expect(code(Ledger.transfer(funded(), { id: "t1", debit: "alice", credit: "bob", amount: eur(0) }))).toBe("ZeroAmount")
    })
  })

  describe("placeHold", () => {
    it("placeHold - should reserve the amount as pending and record a pending hold", () => {
      const l = withHold()
      expect(counters(account(l, "alice"))).toEqual([0, 10_000, 6_000, 0])
      expect(counters(account(l, "scheme"))).toEqual([0, 0, 0, 6_000])
      expect(Ledger.hold(l, "h1")).toEqual({
        id: "h1",
        debit: "alice",
        credit: "scheme",
        currency: "EUR",
        amount_minor: 6_000,
        captured_minor: 0,
        expiresAt_ms: 1_000,
        status: "pending"
      })
      expect(Ledger.hold(l, "h2")).toBeUndefined()
    })

    it("placeHold - should count pending holds against the available balance with InsufficientFunds", () => {
      const l = withHold()
      const hold = (id: string, amount_minor: number) =>
        Ledger.placeHold(l, { id, debit: "alice", credit: "scheme", amount: eur(amount_minor), expiresAt_ms: 1_000 })
      expect(code(hold("h2", 4_001))).toBe("InsufficientFunds")
      expect(code(Ledger.transfer(l, { id: "t1", debit: "alice", credit: "bob", amount: eur(4_001) }))).toBe("InsufficientFunds")
      expect(Ledger.available(ok(hold("h2", 4_000)), "alice")).toBe(0)
    })

    it("placeHold - should apply the same checks as a transfer", () => {
      const l = funded()
      const hold = (m: { id: string; debit: string; credit: string; amount_minor: number }) =>
        code(Ledger.placeHold(l, { ...m, amount: eur(m.amount_minor), expiresAt_ms: 1_000 }))
      expect(hold({ id: "fund-alice", debit: "alice", credit: "scheme", amount_minor: 1 })).toBe("IdExists")
      expect(hold({ id: "h1", debit: "nobody", credit: "scheme", amount_minor: 1 })).toBe("UnknownAccount")
      expect(hold({ id: "h1", debit: "alice", credit: "alice", amount_minor: 1 })).toBe("SameAccount")
      expect(hold({ id: "h1", debit: "alice", credit: "usd", amount_minor: 1 })).toBe("CurrencyMismatch")
      expect(hold({ id: "h1", debit: "alice", credit: "scheme", amount_minor: 0 })).toBe("ZeroAmount")
    })
  })

  describe("capture", () => {
    it("capture - should post partial captures and keep the hold pending until fully captured", () => {
      let l = withHold()
      l = ok(Ledger.capture(l, "h1", "c1", 2_000, 10))
      l = ok(Ledger.capture(l, "h1", "c2", 3_000, 20))
      expect(Ledger.hold(l, "h1")).toMatchObject({ captured_minor: 5_000, status: "pending" })
      expect(counters(account(l, "alice"))).toEqual([5_000, 10_000, 1_000, 0])
      expect(counters(account(l, "scheme"))).toEqual([0, 5_000, 0, 1_000])
      expect(l.journal.get("c2")).toEqual({ id: "c2", debit: "alice", credit: "scheme", currency: "EUR", amount_minor: 3_000, kind: "capture", seq: withHold().posted + 2 })
      expect(Ledger.journalInOrder(l).slice(-2).map((e) => e.id)).toEqual(["c1", "c2"])
      l = ok(Ledger.capture(l, "h1", "c3", 1_000, 30))
      expect(Ledger.hold(l, "h1")).toMatchObject({ captured_minor: 6_000, status: "closed" })
      expect(counters(account(l, "alice"))).toEqual([6_000, 10_000, 0, 0])
      expect(Ledger.available(l, "alice")).toBe(4_000)
    })

    it("capture - should refuse capturing beyond what the hold still reserves with ExceedsHold", () => {
      const l = ok(Ledger.capture(withHold(), "h1", "c1", 5_000, 10))
      expect(code(Ledger.capture(l, "h1", "c2", 1_001, 10))).toBe("ExceedsHold")
      expect(code(Ledger.capture(withHold(), "h1", "c1", 6_001, 10))).toBe("ExceedsHold")
    })

    it("capture - should refuse a closed, voided or expired hold with HoldNotPending", () => {
      const closed = ok(Ledger.capture(withHold(), "h1", "c1", 6_000, 10))
      expect(code(Ledger.capture(closed, "h1", "c2", 1, 10))).toBe("HoldNotPending")
      const voided = ok(Ledger.voidHold(withHold(), "h1"))
      expect(code(Ledger.capture(voided, "h1", "c1", 1, 10))).toBe("HoldNotPending")
      const expired = ok(Ledger.expireHold(withHold(), "h1", 1_000))
      expect(code(Ledger.capture(expired, "h1", "c1", 1, 999))).toBe("HoldNotPending")
    })

    it("capture - should refuse an unknown hold with UnknownHold", () => {
      expect(code(Ledger.capture(withHold(), "h2", "c1", 1, 10))).toBe("UnknownHold")
      expect(code(Ledger.capture(withHold(), "toString", "c1", 1, 10))).toBe("UnknownHold")
    })

    it("capture - should refuse at and after the hold's expiry with HoldExpired", () => {
      expect(Result.isSuccess(Ledger.capture(withHold(), "h1", "c1", 1, 999))).toBe(true)
      expect(code(Ledger.capture(withHold(), "h1", "c1", 1, 1_000))).toBe("HoldExpired")
      expect(code(Ledger.capture(withHold(), "h1", "c1", 1, 5_000))).toBe("HoldExpired")
    })

    it("capture - should refuse a capture id already in the journal with IdExists", () => {
      const l = ok(Ledger.capture(withHold(), "h1", "c1", 1, 10))
      expect(code(Ledger.capture(l, "h1", "c1", 1, 10))).toBe("IdExists")
      expect(code(Ledger.capture(l, "h1", "fund-alice", 1, 10))).toBe("IdExists")
    })

    it("capture - should refuse an amount that is not a positive integer with ZeroAmount", () => {
      for (const amount of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(code(Ledger.capture(withHold(), "h1", "c1", amount, 10))).toBe("ZeroAmount")
      }
    })
  })

  describe("voidHold", () => {
    it("voidHold - should release the whole hold when nothing was captured", () => {
      const l = ok(Ledger.voidHold(withHold(), "h1"))
      expect(Ledger.hold(l, "h1")?.status).toBe("voided")
      expect(counters(account(l, "alice"))).toEqual([0, 10_000, 0, 0])
      expect(counters(account(l, "scheme"))).toEqual([0, 0, 0, 0])
    })

    it("voidHold - should release only the uncaptured remainder", () => {
      const captured = ok(Ledger.capture(withHold(), "h1", "c1", 2_500, 10))
      const l = ok(Ledger.voidHold(captured, "h1"))
      expect(Ledger.hold(l, "h1")).toMatchObject({ captured_minor: 2_500, status: "voided" })
      expect(counters(account(l, "alice"))).toEqual([2_500, 10_000, 0, 0])
      expect(counters(account(l, "scheme"))).toEqual([0, 2_500, 0, 0])
      expect(Ledger.available(l, "alice")).toBe(7_500)
    })

    it("voidHold - should refuse an unknown hold with UnknownHold and a voided one with HoldNotPending", () => {
      expect(code(Ledger.voidHold(withHold(), "h2"))).toBe("UnknownHold")
      expect(code(Ledger.voidHold(ok(Ledger.voidHold(withHold(), "h1")), "h1"))).toBe("HoldNotPending")
    })
  })

  describe("expireHold", () => {
    it("expireHold - should refuse before the hold's expiry with HoldNotExpired", () => {
      expect(code(Ledger.expireHold(withHold(), "h1", 999))).toBe("HoldNotExpired")
    })

    it("expireHold - should expire at the hold's expiry and release only the uncaptured remainder", () => {
      const captured = ok(Ledger.capture(withHold(), "h1", "c1", 1_000, 10))
      const l = ok(Ledger.expireHold(captured, "h1", 1_000))
      expect(Ledger.hold(l, "h1")).toMatchObject({ captured_minor: 1_000, status: "expired" })
      expect(counters(account(l, "alice"))).toEqual([1_000, 10_000, 0, 0])
      expect(counters(account(l, "scheme"))).toEqual([0, 1_000, 0, 0])
    })

    it("expireHold - should refuse an unknown hold with UnknownHold and an expired one with HoldNotPending", () => {
      expect(code(Ledger.expireHold(withHold(), "h2", 5_000))).toBe("UnknownHold")
      expect(code(Ledger.expireHold(ok(Ledger.expireHold(withHold(), "h1", 5_000)), "h1", 5_000))).toBe("HoldNotPending")
    })
  })

  describe("expiredHolds", () => {
    it("expiredHolds - should list the pending holds at or past their expiry, and no others", () => {
      let l = withHold()
      l = ok(Ledger.placeHold(l, { id: "h2", debit: "alice", credit: "scheme", amount: eur(100), expiresAt_ms: 2_000 }))
      l = ok(Ledger.placeHold(l, { id: "h3", debit: "alice", credit: "scheme", amount: eur(100), expiresAt_ms: 500 }))
      l = ok(Ledger.voidHold(l, "h3"))
      expect(Ledger.expiredHolds(l, 999).map((h) => h.id)).toEqual([])
      expect(Ledger.expiredHolds(l, 1_000).map((h) => h.id)).toEqual(["h1"])
      expect(Ledger.expiredHolds(l, 2_000).map((h) => h.id).sort()).toEqual(["h1", "h2"])
      expect(Ledger.expiredHolds(ok(Ledger.expireHold(l, "h1", 2_000)), 2_000).map((h) => h.id)).toEqual(["h2"])
    })
  })

  describe("trialBalance", () => {
    it("trialBalance - should be zero per currency, posted and pending, through every kind of operation", () => {
      let l = withHold()
      l = ok(Ledger.openAccount(l, { id: "usd-2", currency: "USD", debitsMustNotExceedCredits: false }))
      l = ok(Ledger.transfer(l, { id: "u1", debit: "usd", credit: "usd-2", amount: money(700, "USD") }))
      l = ok(Ledger.capture(l, "h1", "c1", 2_000, 10))
      expect(Ledger.trialBalance(l)).toEqual({ EUR: { posted: 0, pending: 0 }, USD: { posted: 0, pending: 0 } })
      l = ok(Ledger.voidHold(l, "h1"))
      expect(Ledger.trialBalance(l)).toEqual({ EUR: { posted: 0, pending: 0 }, USD: { posted: 0, pending: 0 } })
    })

    it("trialBalance - should expose an unbalanced ledger", () => {
      const l = funded()
      const broken: Ledger.Ledger = { ...l, accounts: l.accounts.set("bob", { ...account(l, "bob"), creditsPosted: 1 }) }
      expect(Ledger.trialBalance(broken)["EUR"]).toEqual({ posted: -1, pending: 0 })
      expect(Ledger.trialBalance(Ledger.empty)).toEqual({})
    })
  })
})
