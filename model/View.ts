/**
 * Reading every party's real state off a network running the standard topology, as the
 * invariant checkers take it.
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

/** Every party's state on `net` now (the standard topology's parties). */
export const systemView = (net: Observable): SystemView => {
  const { ids } = Topology
  return {
    now_ms: net.now_ms,
    browsers: [net.state<BrowserState>(ids.browser)],
    merchant: net.state<MerchantState>(ids.merchant),
    gateway: net.state<GatewayState>(ids.gateway),
    issuer: net.state<IssuerState>(ids.issuer),
    phones: [net.state<PhoneState>(ids.alicePhone), net.state<PhoneState>(ids.bobPhone)],
    clearing: net.state<ClearingHouseState>(ids.clearing)
  }
}
