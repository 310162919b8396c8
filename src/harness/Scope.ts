/**
 * The world's topology, drawn per run within bounds (swarm style): 1 to 3 merchants, 1 to 2
 * gateways (acquirers, each with its own merchants), 1 to 3 issuers with 1 to 3 customers each,
 * 1 to 2 enrolled phones per customer, 1 to 2 currencies, and one clearing house netting across
 * every bank; in a quarter of the worlds, the bounds lowered (each merchant's requests in flight,
 * and a clearing cycle's items of one bank, 1 or 2 each) so that runs reach them. Ids are
 * numbered per party, so two merchants both have `ord-1`, two gateways both have `auth-1` and two
 * issuers both have `acct-1` and `chal-1`: the collisions are the point.
 *
 * A {@link Scope} is plain data, part of a run's generated input like its fault rates, so a seed
 * and a path replay the same world. {@link buildWorld} turns it into the parties' initial states,
 * wired with each other's keys, and a {@link Directory} of who is who.
 *
 * @since 0.3.0
 */
import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { Ed25519 } from "../crypto/Ed25519.js"
import type { RegisteredKey, Role } from "../crypto/KeyRegistry.js"
import type { AccountId, PartyId } from "../domain/Ids.js"
import type { Currency } from "../domain/Money.js"
import type { Node } from "../drivers/InMemoryNetwork.js"
import type { PartyIdentity } from "../machine/Party.js"
import type { Roles } from "../../model/View.js"
import type { Core } from "./Core.js"
import { retiredKey } from "./Signing.js"
import { INSIDER_KINDS, type Compromised, type Insider, type InsiderKind } from "./Insider.js"

/**
 * A world's size: how many of each party, and in how many currencies.
 *
 * @category scopes
 * @since 0.3.0
 */
export interface Scope {
  readonly merchants: number
  readonly gateways: number
  readonly issuers: number
  /** Per issuer, per customer: how many phones that customer has enrolled. */
  readonly customers: ReadonlyArray<ReadonlyArray<number>>
  readonly currencies: number
  /**
   * Whether the second customer of each issuer (the one with little money) also shops in a second
   * browser, with an order of its own (at the next merchant in the account's currency, if there is
   * one): two payments from one account at once, the race an overdraft check must win.
   */
  readonly twoBrowsers: boolean
  /** The party whose keys the attacker holds, if any. */
  readonly insider: Insider | null
  /** Bounds lowered from the protocol's own, so that small worlds reach them; the protocol's when absent. */
  readonly limits?: Limits
}

/**
 * Bounds a world may lower, each a party's configuration: each merchant's outbox
 * (`MerchantConfig.outboxLimit`: payments and operations in flight at once), and the items one
 * bank may have in one currency in a clearing cycle (`ClearingBounds.cycleItems`), which is
 * also each gateway's most items in a submission (`GatewayConfig.submissionItems`), so that a
 * submission always fits an empty cycle; and the instructions the clearing house keeps
 * unconfirmed (`ClearingBounds.outboxLimit`, at least its settlement accounts). The campaign
 * lowers all three in one world of four (the clearing house's to its settlement accounts, or one
 * more); the explorer's scopes set any.
 *
 * @category scopes
 * @since 0.6.0
 */
export interface Limits {
  readonly merchantOutbox?: number
  readonly cycleItems?: number
  readonly clearingOutbox?: number
}

/**
 * The bounds scopes are drawn within; `loweredLimit` is the highest a world's lowered bound is
 * drawn (a merchant's requests in flight, a clearing cycle's items of one bank: {@link Limits}),
 * and the clearing house's unconfirmed instructions are drawn up to `loweredLimit - 1` above
 * its settlement accounts.
 *
 * @category scopes
 * @since 0.3.0
 */
export const BOUNDS = { merchants: 3, gateways: 2, issuers: 3, customersPerIssuer: 3, phonesPerCustomer: 2, currencies: 2, loweredLimit: 2 } as const

/**
 * The standard scope of the demo and the docs: one merchant, gateway and issuer, two customers
 * (a rich one and one with exactly one quick checkout's worth, EUR 61.90) with one phone each, in euros.
 *
 * @category scopes
 * @since 0.3.0
 */
export const STANDARD: Scope = { merchants: 1, gateways: 1, issuers: 1, customers: [[1, 1]], currencies: 1, twoBrowsers: false, insider: null }

/**
 * Drawn scopes. They shrink towards the standard scope's size, and the protocol's bounds.
 *
 * @category scopes
 * @since 0.3.0
 */
export const scopeArbitrary: fc.Arbitrary<Scope> = fc
  .record({
    merchants: fc.integer({ min: 1, max: BOUNDS.merchants }),
    gateways: fc.integer({ min: 1, max: BOUNDS.gateways }),
    issuers: fc.integer({ min: 1, max: BOUNDS.issuers }),
    phones: fc.array(fc.array(fc.integer({ min: 1, max: BOUNDS.phonesPerCustomer }), { minLength: 1, maxLength: BOUNDS.customersPerIssuer }), {
      minLength: BOUNDS.issuers,
      maxLength: BOUNDS.issuers
    }),
    currencies: fc.integer({ min: 1, max: BOUNDS.currencies }),
    twoBrowsers: fc.boolean(),
    insider: fc.option(fc.record({ kind: fc.constantFrom(...INSIDER_KINDS), index: fc.nat({ max: 8 }) }), { freq: 2 }),
    limits: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      {
        arbitrary: fc.record({
          merchantOutbox: fc.integer({ min: 1, max: BOUNDS.loweredLimit }),
          cycleItems: fc.integer({ min: 1, max: BOUNDS.loweredLimit }),
          spareInstructions: fc.integer({ min: 0, max: BOUNDS.loweredLimit - 1 })
        }),
        weight: 1
      }
    )
  })
  .map(({ merchants, gateways, issuers, phones, currencies, twoBrowsers, insider, limits }) => {
    const acquirers = Math.min(gateways, merchants)
    return {
      merchants,
      gateways: acquirers,
      issuers,
      customers: phones.slice(0, issuers),
      currencies,
      twoBrowsers,
      insider,
      ...(limits === null
        ? {}
        : {
            limits: {
              merchantOutbox: limits.merchantOutbox,
              cycleItems: limits.cycleItems,
              // One instruction per settlement account is the least the clearing house may keep unconfirmed: a cycle must fit.
              clearingOutbox: settlementAccounts(issuers, acquirers, currencies) + limits.spareInstructions
            }
          })
    }
  })

/** The clearing house's settlement accounts in a world: one per bank (issuer or acquirer) and currency. */
const settlementAccounts = (issuers: number, gateways: number, currencies: number): number => (issuers + gateways) * currencies

/** The currencies worlds are drawn in, in order. */
const CURRENCIES: ReadonlyArray<Currency> = ["EUR", "USD"]

/** The position among an issuer's customers of the one with little money. */
const POOR_CUSTOMER = 1

/**
 * A customer's opening balance in minor units: the second customer of each issuer has exactly
 * what one quick checkout costs (a kettle, express delivery: EUR 61.90), so payments get refused
 * for funds, two at once race for the money, and a payment of all the funds available must still
 * be held.
 */
const balanceOf = (customerIndex: number, quick_minor: number): number => (customerIndex === POOR_CUSTOMER ? quick_minor : 50_000)

/**
 * What the quick checkout (a kettle, express delivery: the one the harness's shoppers make) costs
 * at a merchant with `config`'s catalog and delivery fees, in minor units of its currency; the
 * kettle is `core`'s.
 *
 * @category scopes
 * @since 0.5.0
 */
export const quickCheckoutOf = (core: Core, config: { readonly catalog: Readonly<Record<string, number>>; readonly deliveryFees: { readonly express: number } }): number =>
  (config.catalog[core.Topology.skus.kettle] ?? 0) + config.deliveryFees.express

/**
 * A customer in one browser: the account at their issuer, its currency, their phones, and the
 * browser they shop with at one merchant. A customer who shops in two browsers at once appears
 * twice, with the same account and phones and a browser (and perhaps a merchant) each.
 *
 * @category scopes
 * @since 0.3.0
 */
export interface Customer {
  /** A readable name, such as `c2.1` (issuer 2, customer 1), or `c2.2b` for their second browser. */
  readonly name: string
  readonly issuer: PartyId
  readonly account: AccountId
  readonly currency: Currency
  readonly phones: ReadonlyArray<PartyId>
  readonly browser: PartyId
  readonly merchant: PartyId
}

/**
 * Who is who in a world: every party by role, each merchant's gateway, the customers, and the
 * insider.
 *
 * @category scopes
 * @since 0.3.0
 */
export interface Directory extends Roles {
  readonly customers: ReadonlyArray<Customer>
  /** Each merchant's gateway (acquirer). */
  readonly gatewayOf: Readonly<Record<string, PartyId>>
  /** The party whose keys the attacker holds, with its key, if any. */
  readonly compromised: Compromised | null
}

/**
 * A world ready to run: the parties' initial states and the directory.
 *
 * @category scopes
 * @since 0.3.0
 */
export interface BuiltWorld {
  readonly nodes: ReadonlyArray<Node>
  readonly directory: Directory
}

/** The insider's party and key, or `null`. */
const compromisedOf = (
  insider: Insider | null,
  parties: Readonly<Record<InsiderKind, ReadonlyArray<PartyId>>>,
  keys: Readonly<Record<string, { readonly keyId: string; readonly seed: Uint8Array }>>
): Compromised | null => {
  if (insider === null) return null
  const candidates = parties[insider.kind]
  const id = candidates[insider.index % candidates.length]
  const key = id === undefined ? undefined : keys[id]
  return id === undefined || key === undefined ? null : { kind: insider.kind, id, keyId: key.keyId, seed: key.seed }
}

/** The merchant a customer shops at: the first, from their own position, that prices in their currency (else the one at their position). */
const merchantFor = (merchantCurrencies: ReadonlyArray<Currency>, position: number, currency: Currency): number => {
  const n = merchantCurrencies.length
  for (let k = 0; k < n; k++) if (merchantCurrencies[(position + k) % n] === currency) return (position + k) % n
  return position % n
}

/**
 * Builds the parties of `scope` with `core`'s machines and initial states, keys derived from
 * `seedLabel` with the `crypto` layer, and the directory.
 *
 * @category scopes
 * @since 0.3.0
 */
export const buildWorld = (core: Core, crypto: Layer.Layer<Ed25519>, scope: Scope, seedLabel = "harness"): BuiltWorld => {
  const { PartyId, AccountId, KeyId, SessionId } = core.Ids
  const { Topology, Money } = core
  const currencies = CURRENCIES.slice(0, scope.currencies)
  const currencyAt = (i: number): Currency => currencies[i % currencies.length] ?? "EUR"
  const merchants = Array.from({ length: scope.merchants }, (_, m) => PartyId.make(`merchant-${m + 1}`))
  const gateways = Array.from({ length: scope.gateways }, (_, g) => PartyId.make(`gateway-${g + 1}`))
  const issuers = Array.from({ length: scope.issuers }, (_, i) => PartyId.make(`issuer-${i + 1}`))
  const clearing = PartyId.make("clearing-1")
  const merchantCurrencies = merchants.map((_, m) => currencyAt(m))
  const gatewayOf = Object.fromEntries(merchants.map((m, i) => [m, gateways[i % gateways.length] ?? gateways[0]])) as Record<string, PartyId>
  const customers: Array<Customer> = []
  /** Each customer once, in their first browser: the accounts and phones of the world. */
  const holders: Array<Customer> = []
  let position = 0
  scope.customers.forEach((phoneCounts, i) => {
    phoneCounts.forEach((phoneCount, c) => {
      const currency = currencyAt(i + c)
      const inBrowser = (suffix: string): Customer => ({
        name: `c${i + 1}.${c + 1}${suffix}`,
        issuer: issuers[i] ?? clearing,
        account: AccountId.make(`acct-${c + 1}`),
        currency,
        phones: Array.from({ length: phoneCount }, (_, p) => PartyId.make(`phone-${i + 1}.${c + 1}.${p + 1}`)),
        browser: PartyId.make(`browser-${i + 1}.${c + 1}${suffix}`),
        merchant: merchants[merchantFor(merchantCurrencies, position++, currency)] ?? merchants[0] ?? clearing
      })
      const holder = inBrowser("")
      holders.push(holder)
      customers.push(holder, ...(scope.twoBrowsers && c === POOR_CUSTOMER ? [inBrowser("b")] : []))
    })
  })
  const phones = holders.flatMap((c) => c.phones)

  const ed = Effect.runSync(Effect.provide(Effect.gen(function* () { return yield* Ed25519 }), crypto))
  const roles: ReadonlyArray<readonly [PartyId, Role]> = [
    ...merchants.map((p) => [p, "merchant"] as const),
    ...gateways.map((p) => [p, "gateway"] as const),
    ...issuers.map((p) => [p, "issuer"] as const),
    ...phones.map((p) => [p, "device"] as const),
    [clearing, "clearing"]
  ]
  const signing: Record<string, { keyId: ReturnType<typeof KeyId.make>; seed: Uint8Array }> = {}
  const registered: Record<string, ReadonlyArray<RegisteredKey>> = {}
  for (const [party, role] of roles) {
    const seed = Topology.seedFor(seedLabel, party)
    const keyId = KeyId.make(`${party}.k1`)
    const retired = retiredKey(core, party)
    signing[party] = { keyId, seed }
    registered[party] = [
      { keyId, owner: party, role, publicKey: ed.publicKeyFromSeed(seed), status: "active" },
      { keyId: KeyId.make(retired.keyId), owner: party, role, publicKey: ed.publicKeyFromSeed(retired.seed), status: "revoked" }
    ]
  }
  const identity = (party: PartyId, trusts: ReadonlyArray<PartyId>): PartyIdentity => ({
    id: party,
    signing: signing[party] ?? { keyId: KeyId.make(`${party}.k1`), seed: new Uint8Array(32) },
    registry: core.KeyRegistry.makeRegistry(trusts.flatMap((p) => registered[p] ?? []))
  })
  const settlement = currencies.map((currency) => Money.money(Topology.SETTLEMENT_OPENING.amount_minor, currency))
  const node = core.InMemoryNetwork.node
  const limits = scope.limits ?? {}

  const nodes: Array<Node> = [
    ...customers.map((c, i) => node(c.browser, core.Browser.Browser, core.Browser.initial(c.browser, c.merchant, SessionId.make(`sess-${i + 1}`)))),
    ...merchants.map((m, i) =>
      node(
        m,
        core.Merchant.Merchant,
        core.Merchant.initial(identity(m, [gatewayOf[m] ?? clearing]), {
          gateway: gatewayOf[m] ?? clearing,
          payeeName: core.Text.DisplayName.make(`Shop ${i + 1}`),
          currency: merchantCurrencies[i] ?? "EUR",
          catalog: Topology.catalog,
          deliveryFees: Topology.deliveryFees,
          ...(limits.merchantOutbox === undefined ? {} : { outboxLimit: limits.merchantOutbox })
        })
      )
    ),
    ...gateways.map((g) =>
      node(
        g,
        core.Gateway.Gateway,
        core.Gateway.initial(identity(g, [...merchants.filter((m) => gatewayOf[m] === g), ...issuers, clearing]), {
          clearingHouse: clearing,
          feeBps: Topology.FEE_BPS,
          settlement,
          ...(limits.cycleItems === undefined ? {} : { submissionItems: limits.cycleItems })
        })
      )
    ),
    ...issuers.map((issuer) => {
      const own = holders.filter((c) => c.issuer === issuer)
      return node(
        issuer,
        core.Issuer.Issuer,
        core.Issuer.initial(
          identity(issuer, [...gateways, ...own.flatMap((c) => c.phones), clearing]),
          own.map((c, k) => ({ account: c.account, opening: Money.money(balanceOf(k, quickCheckoutOf(core, { catalog: Topology.catalog, deliveryFees: Topology.deliveryFees })), c.currency), devices: c.phones })),
          { clearingHouse: clearing, settlement, acquirers: gatewayOf }
        )
      )
    }),
    ...holders.flatMap((c) => c.phones.map((p) => node(p, core.Phone.Phone, core.Phone.initial(identity(p, [c.issuer]))))),
    node(
      clearing,
      core.ClearingHouse.ClearingHouse,
      core.ClearingHouse.initial(
        identity(clearing, [...gateways, ...issuers]),
        [...issuers, ...gateways].flatMap((bank) => settlement.map((opening) => ({ bank, opening }))),
        {
          ...(limits.cycleItems === undefined ? {} : { cycleItems: limits.cycleItems }),
          ...(limits.clearingOutbox === undefined ? {} : { outboxLimit: limits.clearingOutbox })
        }
      )
    )
  ]
  return {
    nodes,
    directory: {
      browsers: customers.map((c) => c.browser),
      merchants,
      gateways,
      issuers,
      phones,
      clearing,
      customers,
      gatewayOf,
      compromised: compromisedOf(scope.insider, { merchant: merchants, phone: phones, gateway: gateways }, signing)
    }
  }
}

/**
 * What a scope has beyond the standard one, as counters a campaign reports: how many runs had 2+
 * merchants, 2 gateways, 2+ issuers, 2 currencies, a customer with 2 phones, an account in two
 * browsers.
 *
 * @category scopes
 * @since 0.3.0
 */
export const scopeFeatures = (scope: Scope): ReadonlyArray<string> => [
  ...(scope.merchants >= 2 ? ["scope:2+ merchants"] : []),
  ...(scope.gateways >= 2 ? ["scope:2 gateways"] : []),
  ...(scope.issuers >= 2 ? ["scope:2+ issuers"] : []),
  ...(scope.currencies >= 2 ? ["scope:2 currencies"] : []),
  ...(scope.customers.some((phones) => phones.some((n) => n >= 2)) ? ["scope:2 phones for one customer"] : []),
  ...(scope.customers.flat().length >= 4 ? ["scope:4+ customers"] : []),
  ...(scope.twoBrowsers && scope.customers.some((c) => c.length > POOR_CUSTOMER) ? ["scope:one account in two browsers"] : []),
  ...(scope.insider === null ? [] : [`insider:${scope.insider.kind}`]),
  ...(scope.limits === undefined ? [] : ["scope:lowered bounds"])
]

/**
 * Ways to make a scope smaller, to try in turn when minimizing a failure: the standard scope
 * outright, else one knob turned down at a time (one merchant and gateway, one issuer, one
 * currency, one browser per account, one phone each, the protocol's bounds). Commands name shoppers and phones by position, counted round, so a
 * script runs in any scope.
 *
 * @category scopes
 * @since 0.3.0
 */
export const SCOPE_REDUCTIONS: ReadonlyArray<(scope: Scope) => Scope> = [
  () => STANDARD,
  (scope) => ({ ...STANDARD, insider: scope.insider }),
  (scope) => ({ ...scope, merchants: 1, gateways: 1 }),
  (scope) => ({ ...scope, issuers: 1, customers: scope.customers.slice(0, 1) }),
  (scope) => ({ ...scope, currencies: 1 }),
  (scope) => ({ ...scope, twoBrowsers: false }),
  (scope) => ({ ...scope, customers: scope.customers.map((phones) => phones.map(() => 1)) }),
  ({ limits: _protocolBounds, ...scope }) => scope
]
