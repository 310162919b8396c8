/**
 * The state codec on the standard demo topology: every party's state round-trips, from the start
 * and after a day of trading, and a corrupted document or row is refused with a typed
 * `StateDecodeError` naming the party kind, the table and the row's key.
 */
import { Cause, Effect, Exit } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import {
  BackOffice,
  Ed25519Backends,
  InMemoryNetwork,
  Shopper,
  State,
  Table,
  Topology,
  type ClearingHouse,
  type Gateway,
  type Issuer,
  type Merchant
} from "../../src/index.js"
import { roundTrip } from "./support.js"

const crypto = Ed25519Backends.NodeEd25519

const network = (): InMemoryNetwork.InMemoryNetwork =>
  new InMemoryNetwork.InMemoryNetwork(crypto, Topology.standardNodes(Topology.makeKeys(crypto, "state-codec")), Topology.START_ms)

/** Every party of the network with its kind, as its machine names it. */
const parties = (net: InMemoryNetwork.InMemoryNetwork): ReadonlyArray<readonly [State.PartyKind, unknown, string]> =>
  Topology.standardNodes(Topology.makeKeys(crypto, "state-codec")).map((node) => {
    const kind = node.machine.kind
    if (!State.isPartyKind(kind)) throw new Error(`unknown kind ${kind}`)
    return [kind, net.state(node.id), node.id] as const
  })

/** A day of trading: one payment approved, part of it captured and settled, then part refunded; a second payment waiting on the shopper's phone. */
const tradingDay = (): InMemoryNetwork.InMemoryNetwork => {
  const net = network()
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  const paid = BackOffice.lastPayment(net)
  BackOffice.capture(net, paid, 1_000)
  BackOffice.endOfDay(net)
  BackOffice.refund(net, paid, 500)
  net.restart(Topology.ids.browser) // the shopper comes back for a second order
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  return net
}

/** The encoded document of a state as a mutable JSON value, as `JSON.parse` would give it. */
type Json = any

const documentOf = <K extends State.PartyKind>(kind: K, state: State.StateOf<K>): Json => JSON.parse(JSON.stringify(State.encodeState(kind, state)))

/** The error decoding `json` fails with; fails the test if it succeeds or dies. */
const refusal = <K extends State.PartyKind>(kind: K, json: unknown, identity: State.IdentityOf<K>): State.StateDecodeError =>
  failureOf(State.decodeState(kind, json, identity))

const failureOf = <A>(effect: Effect.Effect<A, State.StateDecodeError>): State.StateDecodeError => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("decoded, but should have been refused")
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "None") throw new Error(`died instead of failing: ${String(Cause.squash(exit.cause))}`)
  expect(error.value).toBeInstanceOf(State.StateDecodeError)
  return error.value
}

describe("state codec on the standard topology", () => {
  it("encodeState/decodeState - should round-trip every party's initial state", () => {
    const net = network()
    for (const [kind, state, id] of parties(net)) roundTrip(kind, state, id)
  })

  it("encodeState/decodeState - should round-trip every party's state after a day of trading, with rows in the tables that matter", () => {
    const net = tradingDay()
    for (const [kind, state, id] of parties(net)) roundTrip(kind, state, id)
    const gateway = State.split("Gateway", net.state<Gateway.GatewayState>(Topology.ids.gateway))
    expect(gateway.tables.payments.keys()).toHaveLength(2)
    expect(gateway.tables.submissions.keys()).toHaveLength(2)
    expect(gateway.tables.outbox.keys()).toHaveLength(1)
    const issuer = State.split("Issuer", net.state<Issuer.IssuerState>(Topology.ids.issuer))
    expect(issuer.tables.holds.keys()).toHaveLength(1)
    expect(issuer.tables.challenges.keys()).toHaveLength(2)
    expect(issuer.tables.outbox.keys()).toHaveLength(1)
  })

  it("encodeState - should put the configuration and counters in the header, the rest in tables, and no identity", () => {
    const net = tradingDay()
    const gateway = documentOf("Gateway", net.state<Gateway.GatewayState>(Topology.ids.gateway))
    expect(Object.keys(gateway)).toEqual(["kind", "version", "party", "header", "tables"])
    expect(gateway.kind).toBe("Gateway")
    expect(gateway.party).toBe(Topology.ids.gateway)
    expect(Object.keys(gateway.header)).toEqual(["config", "issued", "operationsIssued", "unsubmitted", "ledgerPosted"])
    expect(Object.keys(gateway.tables)).toEqual(State.tableNames("Gateway"))
    const [key, row] = Object.entries(gateway.tables.payments)[0] as [string, Json]
    expect(key).toMatch(/^merchant-1\//)
    expect(row.of).toBe("Gateway.payments")
    expect(row.row.request._tag).toBe("AuthorizePayment")
    const browser = documentOf("Browser", net.state(Topology.ids.browser))
    expect(browser.party).toBe(Topology.ids.browser)
    expect(browser.tables).toEqual({})
  })

  describe("corrupted rows", () => {
    let net: InMemoryNetwork.InMemoryNetwork
    let gateway: Gateway.GatewayState
    let merchant: Merchant.MerchantState
    let paymentKey: string
    beforeAll(() => {
      net = tradingDay()
      gateway = net.state<Gateway.GatewayState>(Topology.ids.gateway)
      merchant = net.state<Merchant.MerchantState>(Topology.ids.merchant)
      paymentKey = gateway.payments.keys()[0] ?? ""
    })

    it("decodeState - should refuse a field of the wrong type, naming the table and the key", () => {
      const doc = documentOf("Gateway", gateway)
      doc.tables.payments[paymentKey].row.captured_minor = "1000"
      const error = refusal("Gateway", doc, gateway.identity)
      expect({ kind: error.kind, table: error.table, key: error.key }).toEqual({ kind: "Gateway", table: "payments", key: paymentKey })
      expect(error.detail).toMatch(/Expected number/)
      expect(error.detail).toMatch(/captured_minor/)
      expect(error.message).toMatch(new RegExp(`^Gateway payments\\["${paymentKey}"\\]: `))
    })

    it("decodeState - should refuse a field the row does not have", () => {
      const doc = documentOf("Gateway", gateway)
      doc.tables.payments[paymentKey].row.bonus_minor = 100
      const error = refusal("Gateway", doc, gateway.identity)
      expect([error.table, error.key]).toEqual(["payments", paymentKey])
      expect(error.detail).toMatch(/excess property/)
    })

    it("decodeState - should refuse a row missing a field, never fill in a default", () => {
      const doc = documentOf("Gateway", gateway)
      delete doc.tables.payments[paymentKey].row.refundsInFlight_minor
      const error = refusal("Gateway", doc, gateway.identity)
      expect([error.table, error.key]).toEqual(["payments", paymentKey])
      expect(error.detail).toMatch(/Missing key/)
    })

    it("decodeState - should refuse a row of another party kind in a table of the same name (a foreign row)", () => {
      const doc = documentOf("Gateway", gateway)
      const [merchantKey, merchantRow] = Object.entries(documentOf("Merchant", merchant).tables.payments)[0] as [string, Json]
      doc.tables.payments[merchantKey] = merchantRow
      const error = refusal("Gateway", doc, gateway.identity)
      expect([error.table, error.key]).toEqual(["payments", merchantKey])
      expect(error.detail).toBe("a foreign row: it belongs to Merchant.payments, not Gateway.payments")
    })

    it("decodeState - should refuse a foreign row even when its fields fit: another party kind's outbox entry, another table's record", () => {
      const issuer = net.state<Issuer.IssuerState>(Topology.ids.issuer)
      const [outboxKey, outboxRow] = Object.entries(documentOf("Issuer", issuer).tables.outbox)[0] as [string, Json]
      const doc = documentOf("Gateway", gateway)
      doc.tables.outbox[outboxKey] = outboxRow
      expect(refusal("Gateway", doc, gateway.identity).detail).toBe("a foreign row: it belongs to Issuer.outbox, not Gateway.outbox")
      const own = documentOf("Gateway", gateway)
      own.tables.operationRecords[paymentKey] = { ...own.tables.records[paymentKey] }
      const error = refusal("Gateway", own, gateway.identity)
      expect([error.table, error.key, error.detail]).toEqual(["operationRecords", paymentKey, "a foreign row: it belongs to Gateway.records, not Gateway.operationRecords"])
    })

    it("rowFromJson - should refuse a truncated row with the table and key, and stateFromJson a truncated document", () => {
      const text = JSON.stringify(State.encodeRow("Gateway", "payments", gateway.payments.get(paymentKey) as Gateway.GatewayPayment))
      const error = failureOf(State.rowFromJson("Gateway", "payments", paymentKey, text.slice(0, text.length - 7)))
      expect([error.kind, error.table, error.key]).toEqual(["Gateway", "payments", paymentKey])
      expect(error.detail).toMatch(/^not JSON/)
      const whole = JSON.stringify(State.encodeState("Gateway", gateway))
      const truncated = failureOf(State.stateFromJson("Gateway", whole.slice(0, whole.length / 2), gateway.identity))
      expect([truncated.table, truncated.key]).toEqual([State.DOCUMENT, null])
      // The untruncated row decodes to the very row.
      expect(Effect.runSync(State.rowFromJson("Gateway", "payments", paymentKey, text))).toEqual(gateway.payments.get(paymentKey))
    })

    it("decodeState - should refuse a packet whose payload is not what its channel carries, or whose signature is not base64url", () => {
      const issuer = net.state<Issuer.IssuerState>(Topology.ids.issuer)
      const doc = documentOf("Issuer", issuer)
      const [key, entry] = Object.entries(doc.tables.outbox)[0] as [string, Json]
      entry.row.packet.payload.body.amount.amount_minor = -5
      const error = refusal("Issuer", doc, issuer.identity)
      expect([error.table, error.key]).toEqual(["outbox", key])
      expect(error.detail).toMatch(/signed packet's payload/)
      const again = documentOf("Issuer", issuer)
      ;(Object.values(again.tables.outbox)[0] as Json).row.packet.payload.signature = "not base64url!"
      expect(refusal("Issuer", again, issuer.identity).table).toBe("outbox")
    })

    it("decodeState - should refuse a bad header, a missing or unknown table, another kind's document, and another party's identity", () => {
      const header = documentOf("Gateway", gateway)
      header.header.config.feeBps = 1.5
      expect([refusal("Gateway", header, gateway.identity).table, refusal("Gateway", header, gateway.identity).key]).toEqual([State.HEADER, null])
      const missing = documentOf("Gateway", gateway)
      delete missing.tables.holds
      expect(refusal("Gateway", missing, gateway.identity)).toMatchObject({ table: "holds", key: null, detail: "the table is missing" })
      const unknown = documentOf("Gateway", gateway)
      unknown.tables.refunds = {}
      expect(refusal("Gateway", unknown, gateway.identity)).toMatchObject({ table: "refunds", detail: "Gateway has no table refunds" })
      expect(refusal("Gateway", documentOf("Merchant", merchant), gateway.identity)).toMatchObject({
        table: State.DOCUMENT,
        detail: "a foreign state: it is a Merchant's, not a Gateway's"
      })
      expect(refusal("Merchant", documentOf("Merchant", merchant), { ...merchant.identity, id: Topology.ids.gateway })).toMatchObject({
        table: State.DOCUMENT,
        detail: "the state of merchant-1, loaded with the identity of gateway-1"
      })
      const version = documentOf("Gateway", gateway)
      version.version = 1
      expect(refusal("Gateway", version, gateway.identity).detail).toBe(`format version 1, expected ${State.FORMAT_VERSION}`)
    })

    it("encodeState/decodeState - should round-trip the bounds a configuration lowers, write none a configuration leaves alone, and refuse one out of range", () => {
      const clearing = net.state<ClearingHouse.ClearingHouseState>(Topology.ids.clearing)
      const oneInFlight: Merchant.MerchantState = { ...merchant, config: { ...merchant.config, outboxLimit: 1 } }
      roundTrip("Merchant", oneInFlight, "merchant, outboxLimit 1")
      roundTrip("Gateway", { ...gateway, config: { ...gateway.config, submissionItems: 1 } }, "gateway, submissionItems 1")
      roundTrip("ClearingHouse", { ...clearing, cycleItems: 1 }, "clearing house, cycleItems 1")
      roundTrip("ClearingHouse", { ...clearing, outboxLimit: 2 }, "clearing house, outboxLimit 2")
      expect(documentOf("Merchant", merchant).header.config).not.toHaveProperty("outboxLimit")
      expect(documentOf("Gateway", gateway).header.config).not.toHaveProperty("submissionItems")
      expect(documentOf("ClearingHouse", clearing).header).not.toHaveProperty("cycleItems")
      expect(documentOf("ClearingHouse", clearing).header).not.toHaveProperty("outboxLimit")
      const none = documentOf("Merchant", oneInFlight)
      none.header.config.outboxLimit = 0
      expect(refusal("Merchant", none, merchant.identity).table).toBe(State.HEADER)
      const beyond = documentOf("ClearingHouse", { ...clearing, cycleItems: 1 })
      beyond.header.cycleItems = 501
      expect(refusal("ClearingHouse", beyond, clearing.identity).table).toBe(State.HEADER)
      const unbounded = documentOf("ClearingHouse", { ...clearing, outboxLimit: 2 })
      unbounded.header.outboxLimit = 10_001
      expect(refusal("ClearingHouse", unbounded, clearing.identity).table).toBe(State.HEADER)
    })

    it("decodeState - should keep a row keyed __proto__ as a row, never as the table's prototype", () => {
      const doc = JSON.parse(JSON.stringify(State.encodeState("Gateway", gateway)).replace(`"${paymentKey}"`, '"__proto__"'))
      const decoded = Effect.runSync(State.decodeState("Gateway", doc, gateway.identity))
      expect(decoded.payments.has("__proto__")).toBe(true)
      expect(Object.getPrototypeOf(decoded.payments)).toBe(Table.prototype)
    })

    it("decodeState - should fail with a StateDecodeError, never throw, whatever JSON replaces any value of a document", () => {
      const doc = documentOf("Gateway", gateway)
      const paths: Array<ReadonlyArray<string>> = []
      const walk = (value: Json, path: ReadonlyArray<string>): void => {
        paths.push(path)
        if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k])
      }
      walk(doc, [])
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, replacement) => {
          const copy = JSON.parse(JSON.stringify(doc))
          if (path.length === 0) {
            failureOf(State.decodeState("Gateway", replacement, gateway.identity))
            return
          }
          let parent = copy
          for (const step of path.slice(0, -1)) parent = parent[step]
          parent[path.at(-1) as string] = replacement
          const exit = Effect.runSyncExit(State.decodeState("Gateway", copy, gateway.identity))
          if (Exit.isFailure(exit)) expect(Cause.findErrorOption(exit.cause)._tag, String(Cause.squash(exit.cause))).toBe("Some")
        }),
        { numRuns: 300, seed: 14 }
      )
    })
  })
})
