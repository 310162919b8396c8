/**
 * Money as integer minor units with an ISO 4217 currency. There is no floating point anywhere in
 * the protocol: `{ amount_minor: 1999, currency: "EUR" }` is EUR 19.99.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The ISO 4217 currencies the protocol accepts. Every one has two minor-unit digits except JPY
 * (zero); amounts are always carried in minor units, so the exponent only matters for display.
 *
 * @since 0.1.0
 */
export const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "JPY"] as const

/** An ISO 4217 currency code the protocol accepts. @since 0.1.0 */
export const Currency = Schema.Literals(CURRENCIES)
/** @since 0.1.0 */
export type Currency = typeof Currency.Type

/**
 * The largest amount one message may carry, in minor units (10^12, i.e. ten billion in major
 * units). Sums of up to 9,000 such amounts stay exact in a JavaScript number.
 *
 * @since 0.1.0
 */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000

/** A non-negative integer amount in minor units, at most {@link MAX_AMOUNT_MINOR}. @since 0.1.0 */
export const AmountMinor = Schema.Int.pipe(
  Schema.check(Schema.isBetween({ minimum: 0, maximum: MAX_AMOUNT_MINOR })),
  Schema.brand("AmountMinor")
)
/** @since 0.1.0 */
export type AmountMinor = typeof AmountMinor.Type

/**
 * An amount of money: integer minor units and a currency.
 *
 * **Example**
 *
 * ```ts
 * import { Money } from "checkout-protocol"
 * const price = Money.money(1999, "EUR")
 * Money.format(price) // "EUR 19.99"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export class Money extends Schema.Class<Money>("Money")({
  amount_minor: AmountMinor,
  currency: Currency
}) {}

/**
 * The amount of a payment, a hold or an approval: a {@link Money} of at least one minor unit.
 * Nobody is asked to approve, or holds, nothing.
 *
 * @since 0.1.0
 */
export const PaymentAmount = Money.pipe(
  Schema.check(Schema.makeFilter((m: Money) => m.amount_minor > 0, { expected: "an amount of at least one minor unit" }))
)

/** Builds a {@link Money}; throws if the amount is not a valid {@link AmountMinor}. @since 0.1.0 */
export const money = (amount_minor: number, currency: Currency): Money =>
  new Money({ amount_minor: AmountMinor.make(amount_minor), currency })

/** Whether two amounts are the same amount in the same currency. @since 0.1.0 */
export const equals = (a: Money, b: Money): boolean => a.amount_minor === b.amount_minor && a.currency === b.currency

/** Formats an amount for people, e.g. `EUR 19.99` or `JPY 500`. @since 0.1.0 */
export const format = (m: Money): string => {
  const digits = m.currency === "JPY" ? 0 : 2
  if (digits === 0) return `${m.currency} ${m.amount_minor}`
  const major = Math.floor(m.amount_minor / 100)
  const minor = String(m.amount_minor % 100).padStart(2, "0")
  return `${m.currency} ${major}.${minor}`
}
