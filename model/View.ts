/**
 * Reading every party's real state off a network, as the invariant checkers take it: the parties
 * of a world's directory, by role.
 */
import type { PartyId } from "../src/domain/Ids.js"
import * as Topology from "../src/drivers/Topology.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { ClearingHouseState } from "../src/parties/ClearingHouse.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import type { MerchantState } from "../src/parties/Merchant.js"
import type { PhoneState } from "../src/parties/Phone.js"
import type { SystemView } from "./Invariants.js"

/** What a view needs of a network: its clock and each party's state. */
export interface Observable {
  readonly now_ms: number
  state<S>(id: PartyId): S
}

/** Who plays which role: the parties a view reads, by role. */
export interface Roles {
  readonly browsers: ReadonlyArray<PartyId>
  readonly merchants: ReadonlyArray<PartyId>
  readonly gateways: ReadonlyArray<PartyId>
  readonly issuers: ReadonlyArray<PartyId>
  readonly phones: ReadonlyArray<PartyId>
  readonly clearing: PartyId
  /** The party whose keys the attacker holds, if any: the invariants speak for the honest parties. */
  readonly compromised?: { readonly id: PartyId } | null
}

/** Every party's state on `net` now. */
export const systemView = (net: Observable, roles: Roles): SystemView => ({
  now_ms: net.now_ms,
  browsers: roles.browsers.map((id) => net.state<BrowserState>(id)),
  merchants: roles.merchants.map((id) => net.state<MerchantState>(id)),
  gateways: roles.gateways.map((id) => net.state<GatewayState>(id)),
  issuers: roles.issuers.map((id) => net.state<IssuerState>(id)),
  phones: roles.phones.map((id) => net.state<PhoneState>(id)),
  clearing: net.state<ClearingHouseState>(roles.clearing),
  compromised: roles.compromised?.id ?? null
})

/** The roles of the standard topology (`Topology.standardNodes`): the demo's, the docs' and the drivers' tests' world. */
export const STANDARD_ROLES: Roles = {
  browsers: [Topology.ids.browser],
  merchants: [Topology.ids.merchant],
  gateways: [Topology.ids.gateway],
  issuers: [Topology.ids.issuer],
  phones: [Topology.ids.alicePhone, Topology.ids.bobPhone],
  clearing: Topology.ids.clearing
}
