/**
 * Retention on the standard network (spec 4.9, "Retention"): after an approved, captured checkout,
 * a copy of each request gets its recorded answer up to the last millisecond of its retention;
 * from the end of it, every copy is refused as Stale before any lookup, and the first tick prunes
 * the gateway's and issuer's records and the phone's challenge, after which the copies are still
 * refused the same way and change nothing; and a new request under a used id, signed by its
 * sender, is refused as a conflict once the record is gone, because what the id made is kept.
 */
import { describe, expect, it } from "vitest"
import type { PartyId, Timestamp_ms } from "../../src/domain/Ids.js"
import { InMemoryNetwork } from "../../src/drivers/InMemoryNetwork.js"
import * as BackOffice from "../../src/drivers/BackOffice.js"
import * as Shopper from "../../src/drivers/Shopper.js"
import * as Topology from "../../src/drivers/Topology.js"
import { NodeEd25519 } from "../../src/crypto/Backends.js"
import type { Output, Packet } from "../../src/machine/Machine.js"
import { retainedUntil } from "../../src/machine/Retention.js"
import { expiryOf } from "../../src/harness/Retention.js"
import { sealBytes } from "../support/fixtures.js"
import type { GatewayState } from "../../src/parties/Gateway.js"
import type { IssuerState } from "../../src/parties/Issuer.js"
import type { PhoneState } from "../../src/parties/Phone.js"

const { ids, accounts } = Topology

/** A checkout approved and captured in full, everything delivered; with every packet that carries an expiry, and the keys. */
const settledCheckout = (): { readonly net: InMemoryNetwork; readonly expiring: ReadonlyArray<Packet>; readonly keys: Topology.Keys } => {
  const keys = Topology.makeKeys(NodeEd25519, "retention")
  const net = new InMemoryNetwork(NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  Shopper.answerOnPhone(net, ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  BackOffice.capture(net, BackOffice.lastPayment(net), 1_000)
  net.runUntilQuiet()
  const expiring = net.trace.flatMap((entry) => (entry._tag === "Sent" && expiryOf(entry.packet) !== undefined ? [entry.packet] : []))
  return { net, expiring, keys }
}

const tagOf = (packet: Packet): string => (packet.payload as { readonly body: { readonly _tag: string } }).body._tag

/** Delivers `packet` to its recipient at `now_ms` (no tick), and returns what the recipient did. */
const replay = (net: InMemoryNetwork, packet: Packet, now_ms: number): ReadonlyArray<Output> => {
  net.now_ms = now_ms as Timestamp_ms
  return net.input(packet.to, { _tag: "Receive", now_ms: now_ms as Timestamp_ms, packet })
}

const rejection = (outputs: ReadonlyArray<Output>): string | undefined => outputs.flatMap((o) => (o._tag === "Rejected" ? [o.rejection._tag] : []))[0]

describe("Retention", () => {
  it("should give every copy of a request its recorded answer up to the last millisecond of its retention", () => {
    const { net, expiring } = settledCheckout()
    const requests = expiring.filter((p) => ["AuthorizePayment", "CapturePayment", "AuthorizationRequest", "CaptureRequest"].includes(tagOf(p)))
    expect(requests.map(tagOf).sort()).toEqual(["AuthorizationRequest", "AuthorizePayment", "CapturePayment", "CaptureRequest"])
    for (const packet of requests) {
      const outputs = replay(net, packet, retainedUntil(expiryOf(packet) ?? 0) - 1)
      expect(rejection(outputs), tagOf(packet)).toBeUndefined()
      expect(outputs.filter((o) => o._tag === "Send"), tagOf(packet)).toHaveLength(1)
    }
  })

  it("should refuse every copy as Stale from the end of its retention, before and after the tick that prunes, changing nothing", () => {
    const { net, expiring } = settledCheckout()
    const latest = Math.max(...expiring.map((p) => retainedUntil(expiryOf(p) ?? 0)))
    const states = (): ReadonlyArray<unknown> => [ids.gateway, ids.issuer, ids.alicePhone].map((id) => net.state(id as PartyId))
    for (const when of ["before the tick", "after the tick"]) {
      if (when === "after the tick") net.advanceTo(latest as Timestamp_ms)
      for (const packet of expiring) {
        const before = states()
        const outputs = replay(net, packet, Math.max(latest, retainedUntil(expiryOf(packet) ?? 0)))
        expect(rejection(outputs), `${tagOf(packet)} ${when}`).toBe("Stale")
        expect(outputs.filter((o) => o._tag === "Send")).toEqual([])
        states().forEach((state, i) => expect(state).toBe(before[i]))
      }
    }
  })

  it("should prune the gateway's and the issuer's records and the phone's challenge at the end of their retention, keeping the books", () => {
    const { net, expiring } = settledCheckout()
    const gateway = (): GatewayState => net.state<GatewayState>(ids.gateway)
    const issuer = (): IssuerState => net.state<IssuerState>(ids.issuer)
    const phone = (): PhoneState => net.state<PhoneState>(ids.alicePhone)
    const sizes = () => [gateway().records.size, gateway().operationRecords.size, issuer().records.size, phone().challenges.size]
    expect(sizes()).toEqual([1, 1, 2, 1])
    const first = Math.min(...expiring.map((p) => retainedUntil(expiryOf(p) ?? 0)))
    net.advanceTo((first - 1) as Timestamp_ms)
    expect(sizes()).toEqual([1, 1, 2, 1])
    net.advanceTo(Math.max(...expiring.map((p) => retainedUntil(expiryOf(p) ?? 0))) as Timestamp_ms)
    expect(sizes()).toEqual([0, 0, 0, 0])
    expect([gateway().payments.size, issuer().authorizations.size, issuer().challenges.size, issuer().ledger.journal.size > 0]).toEqual([1, 1, 1, true])
  })

  it("should refuse a new request under a used id as a conflict once its record is pruned, changing nothing", () => {
    const { net, expiring, keys } = settledCheckout()
    net.advanceTo(Math.max(...expiring.map((p) => retainedUntil(expiryOf(p) ?? 0))) as Timestamp_ms)
    const requests = expiring.filter((p) => ["AuthorizePayment", "CapturePayment", "AuthorizationRequest", "CaptureRequest"].includes(tagOf(p)))
    for (const packet of requests) {
      const body = (packet.payload as { readonly body: Record<string, unknown> }).body
      const signing = keys.identities[packet.from]
      if (signing === undefined) throw new Error(`no key for ${packet.from}`)
      const fresh = sealBytes(signing, { ...body, expiresAt_ms: net.now_ms + 60_000 })
      const before = net.state(packet.to)
      const outputs = replay(net, fresh, net.now_ms)
      expect(rejection(outputs), tagOf(packet)).toBe("IdempotencyConflict")
      expect(outputs.filter((o) => o._tag === "Send")).toEqual([])
      expect(net.state(packet.to)).toBe(before)
    }
  })
})
