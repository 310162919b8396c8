/**
 * A ready-made deployment for the demo, the benchmarks and the tests: one browser, one merchant,
 * one gateway (also the acquirer), one issuer with two customers, each customer's phone, and a
 * clearing house that runs the settlement bank where the issuer and the acquirer hold funds.
 *
 * Keys are derived from labels (`SHA-256("checkout-protocol/topology/" + seedLabel + "/" +
 * party)`), so the same labels always give the same keys and a run replays exactly. A real
 * deployment generates its seeds with a CSPRNG and registers the public keys out of band.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Effect, Layer } from "effect"
import { Ed25519 } from "../crypto/Ed25519.js"
import { makeRegistry, type RegisteredKey, type Role } from "../crypto/KeyRegistry.js"
import { AccountId, KeyId, PartyId, SessionId, Sku, Timestamp_ms } from "../domain/Ids.js"
import * as Money from "../domain/Money.js"
import type { PartyIdentity } from "../machine/Party.js"
import * as Browser from "../parties/Browser.js"
import * as ClearingHouse from "../parties/ClearingHouse.js"
import * as Gateway from "../parties/Gateway.js"
import * as Issuer from "../parties/Issuer.js"
import * as Merchant from "../parties/Merchant.js"
import * as Phone from "../parties/Phone.js"
import { node, type Node } from "./InMemoryNetwork.js"

/** The party ids of the standard topology. @since 0.1.0 */
export const ids = {
  browser: PartyId.make("browser-1"),
  merchant: PartyId.make("merchant-1"),
  gateway: PartyId.make("gateway-1"),
  issuer: PartyId.make("issuer-1"),
  alicePhone: PartyId.make("phone-alice"),
  bobPhone: PartyId.make("phone-bob"),
  clearing: PartyId.make("clearing-1")
} as const

/** The customers' accounts at the issuer. @since 0.1.0 */
export const accounts = { alice: AccountId.make("acct-alice"), bob: AccountId.make("acct-bob") } as const

/** The shopper's session with the merchant. @since 0.1.0 */
export const session = SessionId.make("sess-1")

/** When the standard topology's clock starts: 2026-01-01T00:00:00Z. @since 0.1.0 */
export const START_ms = Timestamp_ms.make(1_767_225_600_000)

/** The merchant's catalog, prices in euro cents. @since 0.1.0 */
export const catalog = { "sku-mug": 1_250, "sku-tea": 899, "sku-kettle": 4_900 } as const

/** What the merchant charges for delivery, in euro cents (minor units of its currency). @since 0.6.0 */
export const deliveryFees = { standard: 490, express: 1_290 } as const

/** Products to put in carts. @since 0.1.0 */
export const skus = { mug: Sku.make("sku-mug"), tea: Sku.make("sku-tea"), kettle: Sku.make("sku-kettle") } as const

/** What the issuer and the acquirer each hold at the settlement bank when the topology starts: EUR 1,000,000.00. @since 0.2.0 */
export const SETTLEMENT_OPENING = Money.money(100_000_000, "EUR")

/** The acquirer's fee on each settled capture, in basis points: 1.5%. @since 0.2.0 */
export const FEE_BPS = 150

/** Every party's signing identity and the public keys they register with each other. @category models @since 0.1.0 */
export interface Keys {
  readonly identities: Readonly<Record<string, PartyIdentity["signing"]>>
  readonly keys: Readonly<Record<string, RegisteredKey>>
}

/** The deterministic 32-byte seed of `party` under `seedLabel`. @since 0.1.0 */
export const seedFor = (seedLabel: string, party: string): Uint8Array =>
  new Uint8Array(createHash("sha256").update(`checkout-protocol/topology/${seedLabel}/${party}`).digest())

const ROLES: ReadonlyArray<readonly [PartyId, Role]> = [
  [ids.merchant, "merchant"],
  [ids.gateway, "gateway"],
  [ids.issuer, "issuer"],
  [ids.alicePhone, "device"],
  [ids.bobPhone, "device"],
  [ids.clearing, "clearing"]
]

/** Derives every party's key pair under `seedLabel` with the given crypto layer. @since 0.1.0 */
export const makeKeys = (crypto: Layer.Layer<Ed25519>, seedLabel: string): Keys => {
  const ed = Effect.runSync(Effect.provide(Effect.gen(function* () { return yield* Ed25519 }), crypto))
  const identities: Record<string, PartyIdentity["signing"]> = {}
  const keys: Record<string, RegisteredKey> = {}
  for (const [party, role] of ROLES) {
    const seed = seedFor(seedLabel, party)
    const keyId = KeyId.make(`${party}.k1`)
    identities[party] = { keyId, seed }
    keys[party] = { keyId, owner: party, role, publicKey: ed.publicKeyFromSeed(seed), status: "active" }
  }
  return { identities, keys }
}

const identity = (k: Keys, party: PartyId, trusts: ReadonlyArray<PartyId>): PartyIdentity => {
  const signing = k.identities[party]
  if (signing === undefined) throw new Error(`Topology: no key for ${party}`)
  return { id: party, signing, registry: makeRegistry(trusts.flatMap((p) => (k.keys[p] ? [k.keys[p]] : []))) }
}

/** Options for {@link standardNodes}. @category models @since 0.1.0 */
export interface TopologyOptions {
  /** Alice's opening balance in euro cents (default EUR 500.00). */
  readonly aliceBalance_minor?: number
  /** Bob's opening balance in euro cents (default EUR 20.00). */
  readonly bobBalance_minor?: number
}

/** The initial states of the seven parties of the standard topology, wired with each other's keys. @since 0.1.0 */
export const standardNodes = (k: Keys, options: TopologyOptions = {}): ReadonlyArray<Node> => [
  node(ids.browser, Browser.Browser, Browser.initial(ids.browser, ids.merchant, session)),
  node(
    ids.merchant,
    Merchant.Merchant,
    Merchant.initial(identity(k, ids.merchant, [ids.gateway]), {
      gateway: ids.gateway,
      payeeName: "Teapot & Co",
      currency: "EUR",
      catalog,
      deliveryFees
    })
  ),
  node(
    ids.gateway,
    Gateway.Gateway,
    Gateway.initial(identity(k, ids.gateway, [ids.merchant, ids.issuer, ids.clearing]), {
      clearingHouse: ids.clearing,
      feeBps: FEE_BPS,
      settlement: [SETTLEMENT_OPENING]
    })
  ),
  node(
    ids.issuer,
    Issuer.Issuer,
    Issuer.initial(
      identity(k, ids.issuer, [ids.gateway, ids.alicePhone, ids.bobPhone, ids.clearing]),
      [
        { account: accounts.alice, opening: Money.money(options.aliceBalance_minor ?? 50_000, "EUR"), devices: [ids.alicePhone] },
        { account: accounts.bob, opening: Money.money(options.bobBalance_minor ?? 2_000, "EUR"), devices: [ids.bobPhone] }
      ],
      { clearingHouse: ids.clearing, settlement: [SETTLEMENT_OPENING], acquirers: { [ids.merchant]: ids.gateway } }
    )
  ),
  node(ids.alicePhone, Phone.Phone, Phone.initial(identity(k, ids.alicePhone, [ids.issuer]))),
  node(ids.bobPhone, Phone.Phone, Phone.initial(identity(k, ids.bobPhone, [ids.issuer]))),
  node(
    ids.clearing,
    ClearingHouse.ClearingHouse,
    ClearingHouse.initial(identity(k, ids.clearing, [ids.gateway, ids.issuer]), [
      { bank: ids.issuer, opening: SETTLEMENT_OPENING },
      { bank: ids.gateway, opening: SETTLEMENT_OPENING }
    ])
  )
]
