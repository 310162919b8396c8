/**
 * A property over random sequences of ledger operations (transfers, holds, captures, voids and
 * expiries on a few accounts in two currencies, with the clock moving): whatever succeeds or
 * fails, the ledger stays balanced, no protected account is overdrawn, no hold is captured
 * beyond its amount, and every pending counter is exactly what the pending holds reserve.
 */
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { money, type Currency } from "../../src/domain/Money.js"
import * as Ledger from "../../src/ledger/Ledger.js"

const ACCOUNTS: ReadonlyArray<{ readonly id: string; readonly currency: Currency; readonly debitsMustNotExceedCredits: boolean }> = [
  { id: "reserves", currency: "EUR", debitsMustNotExceedCredits: false },
  { id: "alice", currency: "EUR", debitsMustNotExceedCredits: true },
  { id: "bob", currency: "EUR", debitsMustNotExceedCredits: true },
  { id: "scheme", currency: "EUR", debitsMustNotExceedCredits: false },
  { id: "usd-reserves", currency: "USD", debitsMustNotExceedCredits: false },
  { id: "carol", currency: "USD", debitsMustNotExceedCredits: true }
]

const accountIndex = fc.nat({ max: ACCOUNTS.length - 1 })
/** The credit account: mostly another account in the debit account's currency, now and then any account at all. */
const creditChoice = fc.record({
  anyAccount: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  n: fc.nat()
})
/** Mostly the debit account's currency, now and then any, so that `CurrencyMismatch` happens too. */
const currency = fc.oneof({ weight: 9, arbitrary: fc.constant("debit" as const) }, { weight: 1, arbitrary: fc.constantFrom<Currency>("EUR", "USD") })
const amount = fc.integer({ min: 0, max: 4_000 })
/** Most ids are fresh; some reuse an earlier one so that `IdExists` happens. */
const idChoice = fc.oneof({ weight: 6, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat({ max: 30 }) })
/** How much to capture: a number, exactly what is left, or half of it. */
const captureAmount = fc.oneof(amount, fc.constant("rest" as const), fc.constant("half" as const))

interface Movement {
  readonly debit: number
  readonly credit: { readonly anyAccount: boolean; readonly n: number }
  readonly amount: number
  readonly currency: Currency | "debit"
  readonly id: number
}

type Op =
  | ({ readonly _tag: "transfer" } & Movement)
  | ({ readonly _tag: "hold"; readonly ttl_ms: number } & Movement)
  | { readonly _tag: "capture"; readonly hold: number; readonly amount: number | "rest" | "half"; readonly id: number }
  | { readonly _tag: "void"; readonly hold: number }
  | { readonly _tag: "expire"; readonly hold: number }
  | { readonly _tag: "tick"; readonly delta_ms: number }

const movement = { debit: accountIndex, credit: creditChoice, amount, currency, id: idChoice }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("transfer" as const), ...movement }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("hold" as const), ...movement, ttl_ms: fc.nat({ max: 1_000 }) }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("capture" as const), hold: fc.nat(), amount: captureAmount, id: idChoice }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("void" as const), hold: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("expire" as const), hold: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("tick" as const), delta_ms: fc.nat({ max: 400 }) }) }
)

const opened = (): Ledger.Ledger =>
  ACCOUNTS.reduce((l, a) => Result.getOrThrow(Ledger.openAccount(l, a)), Ledger.empty)

/** How often each outcome happened over every run, so the property is known not to hold vacuously. */
const seen = new Map<string, number>()
const count = (key: string): void => {
  seen.set(key, (seen.get(key) ?? 0) + 1)
}

/** The checks that must hold after every operation, whatever its outcome. */
const checkInvariants = (l: Ledger.Ledger): void => {
  for (const [currencyCode, totals] of Object.entries(Ledger.trialBalance(l))) {
    expect({ currency: currencyCode, ...totals }).toEqual({ currency: currencyCode, posted: 0, pending: 0 })
  }
  const pendingDebits = new Map<string, number>()
  const pendingCredits = new Map<string, number>()
  for (const h of l.holds.values()) {
    expect(h.captured_minor).toBeGreaterThanOrEqual(0)
    expect(h.captured_minor).toBeLessThanOrEqual(h.amount_minor)
    expect(h.status === "closed").toBe(h.captured_minor === h.amount_minor)
    if (h.status === "pending") {
      pendingDebits.set(h.debit, (pendingDebits.get(h.debit) ?? 0) + h.amount_minor - h.captured_minor)
      pendingCredits.set(h.credit, (pendingCredits.get(h.credit) ?? 0) + h.amount_minor - h.captured_minor)
    }
  }
  const postedDebits = new Map<string, number>()
  const postedCredits = new Map<string, number>()
  for (const e of l.journal.values()) {
    postedDebits.set(e.debit, (postedDebits.get(e.debit) ?? 0) + e.amount_minor)
    postedCredits.set(e.credit, (postedCredits.get(e.credit) ?? 0) + e.amount_minor)
  }
  for (const a of l.accounts.values()) {
    for (const value of [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]) {
      expect(Number.isSafeInteger(value) && value >= 0).toBe(true)
    }
    if (a.debitsMustNotExceedCredits) expect(Ledger.available(l, a.id)).toBeGreaterThanOrEqual(0)
    expect(a.debitsPending).toBe(pendingDebits.get(a.id) ?? 0)
    expect(a.creditsPending).toBe(pendingCredits.get(a.id) ?? 0)
    expect(a.debitsPosted).toBe(postedDebits.get(a.id) ?? 0)
    expect(a.creditsPosted).toBe(postedCredits.get(a.id) ?? 0)
  }
}

/** Runs `ops` from a fresh ledger, checking the invariants after each, and that settled holds never change. */
const run = (ops: ReadonlyArray<Op>): void => {
  let ledger = opened()
  let now_ms = 0
  const ids: Array<string> = []
  const holdIds: Array<string> = []
  const idFor = (choice: number, fresh: string): string => {
    const id = choice >= 0 && ids.length > 0 ? (ids[choice % ids.length] as string) : fresh
    ids.push(id)
    return id
  }
  /** One of the holds the ledger has (pending ones first, as they are the interesting ones), or now and then an unknown id. */
  const holdFor = (pick: number): string => {
    const holds = ledger.holds.values()
    const ordered = [...holds.filter((h) => h.status === "pending"), ...holds.filter((h) => h.status !== "pending")].map((h) => h.id)
    const choices = [...ordered, ...(holdIds.length > 0 ? [holdIds[pick % holdIds.length] as string] : []), "no-such-hold"]
    return pick % 3 === 0 ? (choices[pick % choices.length] as string) : (choices[0] as string)
  }
  const accountAt = (i: number) => ACCOUNTS[i % ACCOUNTS.length] ?? { id: "nobody", currency: "EUR" as const }
  /** The ids and amount of a transfer or hold. */
  const moved = (m: Movement, fresh: string) => {
    const debit = accountAt(m.debit)
    const peers = ACCOUNTS.filter((a) => a.currency === debit.currency && a.id !== debit.id)
    const credit = m.credit.anyAccount ? accountAt(m.credit.n) : (peers[m.credit.n % peers.length] ?? debit)
    return { id: idFor(m.id, fresh), debit: debit.id, credit: credit.id, amount: money(m.amount, m.currency === "debit" ? debit.currency : m.currency) }
  }

  ops.forEach((o, i) => {
    let outcome: Result.Result<Ledger.Ledger, Ledger.LedgerError> | undefined
    switch (o._tag) {
      case "transfer":
        outcome = Ledger.transfer(ledger, moved(o, `t${i}`))
        break
      case "hold": {
        const m = moved(o, `h${i}`)
        holdIds.push(m.id)
        outcome = Ledger.placeHold(ledger, { ...m, expiresAt_ms: now_ms + o.ttl_ms })
        break
      }
      case "capture": {
        const holdId = holdFor(o.hold)
        const h = Ledger.hold(ledger, holdId)
        const rest = h === undefined ? 1 : h.amount_minor - h.captured_minor
        const amount_minor = o.amount === "rest" ? rest : o.amount === "half" ? Math.ceil(rest / 2) : o.amount
        outcome = Ledger.capture(ledger, holdId, idFor(o.id, `c${i}`), amount_minor, now_ms)
        break
      }
      case "void":
        outcome = Ledger.voidHold(ledger, holdFor(o.hold))
        break
      case "expire":
        outcome = Ledger.expireHold(ledger, holdFor(o.hold), now_ms)
        break
      case "tick":
        now_ms += o.delta_ms
        break
    }
    if (outcome !== undefined) {
      if (Result.isSuccess(outcome)) {
        const before = ledger
        ledger = outcome.success
        for (const h of before.holds.values()) {
          if (h.status !== "pending") expect(Ledger.hold(ledger, h.id)).toEqual(h)
        }
        count(`${o._tag}:ok`)
      } else {
        expect(outcome.failure).toBeInstanceOf(Ledger.LedgerError)
        count(`${o._tag}:${outcome.failure.code}`)
      }
    }
    checkInvariants(ledger)
  })
  for (const h of ledger.holds.values()) {
    if (h.status === "pending" && h.captured_minor > 0) count("partially captured")
    if (h.status === "closed") count("fully captured")
  }
}

describe("Ledger properties", () => {
  it("Ledger - should stay balanced, never overdraw a protected account and never capture beyond a hold", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80, size: "medium" }), (ops) => run(ops)),
      { numRuns: 300 }
    )
    // The property above says nothing if the interesting outcomes never happened.
    for (const key of [
      "transfer:ok",
      "transfer:InsufficientFunds",
      "transfer:IdExists",
      "hold:ok",
      "hold:InsufficientFunds",
      "capture:ok",
      "capture:ExceedsHold",
      "capture:HoldExpired",
      "capture:HoldNotPending",
      "void:ok",
      "expire:ok",
      "expire:HoldNotExpired",
      "partially captured",
      "fully captured"
    ]) {
      expect({ key, seen: (seen.get(key) ?? 0) > 0 }).toEqual({ key, seen: true })
    }
  })
})
