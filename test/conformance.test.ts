/**
 * Whole-system conformance on the standard topology: the three checkouts of the demo (approved,
 * declined on the phone, challenge left to expire), each run once with each crypto layer.
 *
 * (a) every transition a party reports is one its machine declares; (b) both layers produce
 * byte-identical traces; (c) each run ends where it should at every party, and the issuer's
 * ledger holds exactly the order total on approval and nothing otherwise.
 */
import type { Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { Ed25519 } from "../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../src/crypto/TweetnaclEd25519.js"
import type { PartyId } from "../src/domain/Ids.js"
import { InMemoryNetwork, type TraceEntry } from "../src/drivers/InMemoryNetwork.js"
import * as Shopper from "../src/drivers/Shopper.js"
import * as Topology from "../src/drivers/Topology.js"
import * as Ledger from "../src/ledger/Ledger.js"
import type { Transition, Transitioned } from "../src/machine/Machine.js"
import type { Table } from "../src/machine/Table.js"
import * as Browser from "../src/parties/Browser.js"
import * as ClearingHouse from "../src/parties/ClearingHouse.js"
import * as Gateway from "../src/parties/Gateway.js"
import * as Issuer from "../src/parties/Issuer.js"
import * as Merchant from "../src/parties/Merchant.js"
import * as Phone from "../src/parties/Phone.js"

const { ids, accounts } = Topology

/** Which machine's table each party of the standard topology is held to. */
const TABLES: Readonly<Record<string, ReadonlyArray<Transition>>> = {
  [ids.browser]: Browser.transitions,
  [ids.merchant]: Merchant.transitions,
  [ids.gateway]: Gateway.transitions,
  [ids.issuer]: Issuer.transitions,
  [ids.alicePhone]: Phone.transitions,
  [ids.bobPhone]: Phone.transitions,
  [ids.clearing]: ClearingHouse.transitions
}

const ALICE_OPENING_minor = 50_000

type Scenario = "approved" | "declined" | "expired"

const SCENARIOS: Readonly<Record<Scenario, (net: InMemoryNetwork) => void>> = {
  approved: (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    Shopper.answerOnPhone(net, ids.alicePhone, "approve")
    Shopper.wait(net, 2_000)
  },
  declined: (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    Shopper.answerOnPhone(net, ids.alicePhone, "decline")
    Shopper.wait(net, 2_000)
  },
  expired: (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    // 9 x 16 s = 144 s, past the issuer's 120 s challenge lifetime, in steps no longer than the longest retry interval.
    for (let i = 0; i < 9; i++) Shopper.wait(net, 16_000)
  }
}

const run = (layer: Layer.Layer<Ed25519>, scenario: Scenario): InMemoryNetwork => {
  const keys = Topology.makeKeys(layer, "conformance")
  const net = new InMemoryNetwork(layer, Topology.standardNodes(keys, { aliceBalance_minor: ALICE_OPENING_minor }), Topology.START_ms)
  SCENARIOS[scenario](net)
  return net
}

const transitionsIn = (trace: ReadonlyArray<TraceEntry>): ReadonlyArray<Transitioned> =>
  trace.flatMap((entry) => (entry._tag === "Event" && entry.output._tag === "Transitioned" ? [entry.output] : []))

const isDeclared = (t: Transitioned): boolean =>
  (TABLES[t.party] ?? []).some((d) => d.entity === t.entity && d.from === t.from && d.on === t.on && d.to === t.to)

const only = <T>(table: Table<T>, what: string): T => {
  const values = table.values()
  if (values.length !== 1) throw new Error(`expected exactly one ${what}, found ${values.length}`)
  return values[0] as T
}

const state = {
  browser: (net: InMemoryNetwork) => net.state<Browser.BrowserState>(ids.browser),
  merchant: (net: InMemoryNetwork) => net.state<Merchant.MerchantState>(ids.merchant),
  gateway: (net: InMemoryNetwork) => net.state<Gateway.GatewayState>(ids.gateway),
  issuer: (net: InMemoryNetwork) => net.state<Issuer.IssuerState>(ids.issuer),
  phone: (net: InMemoryNetwork) => net.state<Phone.PhoneState>(ids.alicePhone)
}

/** The status the gateway recorded in the result it sent for the one payment. */
const gatewayRecordedStatus = (net: InMemoryNetwork): unknown => {
  const record = only(state.gateway(net).records, "gateway record")
  const payload = record.answer?.payload as { readonly body?: { readonly status?: unknown } } | undefined
  return payload?.body?.status
}

const layers = [
  ["NodeEd25519", NodeEd25519],
  ["TweetnaclEd25519", TweetnaclEd25519]
] as const

describe("conformance", () => {
  const runs = new Map<string, InMemoryNetwork>()
  const get = (layerName: string, scenario: Scenario): InMemoryNetwork => {
    const key = `${layerName}/${scenario}`
    let net = runs.get(key)
    if (net === undefined) {
      const layer = layers.find(([name]) => name === layerName)?.[1]
      if (layer === undefined) throw new Error(`no layer ${layerName}`)
      net = run(layer, scenario)
      runs.set(key, net)
    }
    return net
  }

  describe("Topology.ids", () => {
    it("Topology.ids - should map every party of the standard topology to a machine table", () => {
      const parties = Topology.standardNodes(Topology.makeKeys(NodeEd25519, "conformance")).map((n) => n.id as PartyId)
      expect([...parties].sort()).toEqual(Object.keys(TABLES).sort())
      for (const n of Topology.standardNodes(Topology.makeKeys(NodeEd25519, "conformance"))) {
        expect(TABLES[n.id]).toBe(n.machine.transitions)
      }
    })
  })

  describe.each(["approved", "declined", "expired"] as const)("%s checkout", (scenario) => {
    describe.each(layers)("with %s", (layerName) => {
      it("step - should only make transitions its machine declares", () => {
        const observed = transitionsIn(get(layerName, scenario).trace)
        expect(observed.length).toBeGreaterThan(10)
        expect(new Set(observed.map((t) => t.party))).toEqual(new Set([ids.browser, ids.merchant, ids.gateway, ids.issuer, ids.alicePhone]))
        const undeclared = observed.filter((t) => !isDeclared(t)).map((t) => `${t.party} ${t.entity}: ${t.from} -[${t.on}]-> ${t.to}`)
        expect(undeclared).toEqual([])
      })
    })

    if (scenario !== "expired") {
      it("step - should reject nothing in a fault-free run", () => {
        const rejected = get("NodeEd25519", scenario).trace.flatMap((e) => (e._tag === "Event" && e.output._tag === "Rejected" ? [e.output] : []))
        expect(rejected).toEqual([])
      })
    }

    it("InMemoryNetwork - should record byte-identical traces with both crypto layers", () => {
      const node = JSON.stringify(get("NodeEd25519", scenario).trace)
      const tweetnacl = JSON.stringify(get("TweetnaclEd25519", scenario).trace)
      expect(node).toContain('"channel":"signed"')
      expect(node.length).toBeGreaterThan(1_000)
      expect(tweetnacl === node).toBe(true)
    })
  })

  describe.each(layers)("end states with %s", (layerName) => {
    it("answerOnPhone - should end an approved checkout approved everywhere with a hold of exactly the order total", () => {
      const net = get(layerName, "approved")
      const browser = state.browser(net)
      const merchant = state.merchant(net)
      const order = only(merchant.orders, "order")
      const { total } = Merchant.totals(merchant.config, order)
      // 2 mugs at 12.50, one tea at 8.99, standard delivery at 4.90.
      expect(total.amount_minor).toBe(2 * 1_250 + 899 + 490)
      expect(browser.screen).toBe("Approved")
      expect(browser.order?.total).toEqual(total)
      expect(order.state).toBe("Paid")
      expect(only(merchant.payments, "payment")).toMatchObject({ state: "Authorized", status: "approved" })
      expect(only(state.gateway(net).payments, "gateway payment").state).toBe("Approved")
      const issuer = state.issuer(net)
      const authorization = only(issuer.authorizations, "authorization")
      expect(authorization.state).toBe("Held")
      const hold = only(issuer.ledger.holds, "hold")
      expect(hold).toMatchObject({ debit: accounts.alice, amount_minor: total.amount_minor, currency: "EUR", captured_minor: 0, status: "pending" })
      expect(Ledger.available(issuer.ledger, accounts.alice)).toBe(ALICE_OPENING_minor - total.amount_minor)
      expect(Ledger.balance(issuer.ledger, accounts.alice)).toBe(ALICE_OPENING_minor)
      expect(only(state.phone(net).challenges, "challenge")).toMatchObject({ state: "Closed", outcome: "approved" })
      expect(Ledger.trialBalance(issuer.ledger)).toEqual({ EUR: { posted: 0, pending: 0 } })
    })

    it("answerOnPhone - should end a declined checkout declined everywhere with no hold and alice's balance unchanged", () => {
      const net = get(layerName, "declined")
      expect(state.browser(net).screen).toBe("Declined")
      expect(only(state.merchant(net).orders, "order").state).toBe("Declined")
      expect(only(state.merchant(net).payments, "payment")).toMatchObject({ state: "Declined", status: "declined_by_shopper" })
      expect(only(state.gateway(net).payments, "gateway payment").state).toBe("Declined")
      const issuer = state.issuer(net)
      expect(only(issuer.authorizations, "authorization")).toMatchObject({ state: "Declined", status: "declined_by_shopper" })
      expect(issuer.ledger.holds.entries()).toEqual([])
      expect(Ledger.available(issuer.ledger, accounts.alice)).toBe(ALICE_OPENING_minor)
      expect(Ledger.balance(issuer.ledger, accounts.alice)).toBe(ALICE_OPENING_minor)
    })

    it("wait - should end an unanswered checkout with status challenge_expired at every party and no hold", () => {
      const net = get(layerName, "expired")
      const browser = state.browser(net)
      expect(browser.screen).toBe("Declined")
      expect(browser.order?.payment?.status).toBe("challenge_expired")
      expect(only(state.merchant(net).orders, "order").state).toBe("Declined")
      expect(only(state.merchant(net).payments, "payment")).toMatchObject({ state: "Declined", status: "challenge_expired" })
      expect(only(state.gateway(net).payments, "gateway payment").state).toBe("Declined")
      expect(gatewayRecordedStatus(net)).toBe("challenge_expired")
      const issuer = state.issuer(net)
      expect(only(issuer.authorizations, "authorization")).toMatchObject({ state: "Declined", status: "challenge_expired" })
      expect(only(issuer.challenges, "issuer challenge").state).toBe("Expired")
      expect(only(state.phone(net).challenges, "challenge")).toMatchObject({ outcome: "challenge_expired" })
      expect(issuer.ledger.holds.entries()).toEqual([])
      expect(Ledger.available(issuer.ledger, accounts.alice)).toBe(ALICE_OPENING_minor)
    })
  })
})
