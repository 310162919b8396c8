/**
 * A short adversarial check for the demo: after a completed checkout, an attacker who recorded
 * every signed message replays each one to every party, tampers with each (a changed amount or
 * id), swaps signatures between messages, and signs each again with a key of its own under the
 * real key ids. The check counts the rejections by kind and confirms nothing moved: every account
 * of every bank (issuer, acquirer, settlement bank) has the same balance, the hold is as it was,
 * the merchant still has one payment and the order is still paid.
 */
import { Effect, Schema } from "effect"
import { Envelope, Ledger, Signed, Topology } from "../index.js"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { KeyId, PartyId } from "../domain/Ids.js"
import type { InMemoryNetwork } from "../drivers/InMemoryNetwork.js"
import type { Packet } from "../machine/Machine.js"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { GatewayState } from "../parties/Gateway.js"
import type { IssuerState } from "../parties/Issuer.js"
import type { MerchantState } from "../parties/Merchant.js"
import type { Layer } from "effect"

/** What the attacker tried and what it achieved. */
export interface AdversaryReport {
  readonly recorded: number
  readonly attempts: number
  readonly rejectedByKind: Readonly<Record<string, number>>
  readonly accepted: number
  readonly unchanged: boolean
}

/** Every account's posted balance and pending debits, in a ledger. */
const balances = (ledger: Ledger.Ledger) => ledger.accounts.values().map((a) => [a.id, Ledger.balance(ledger, a.id), a.debitsPending])

const snapshot = (net: InMemoryNetwork) => {
  const issuer = net.state<IssuerState>(Topology.ids.issuer)
  const merchant = net.state<MerchantState>(Topology.ids.merchant)
  return JSON.stringify({
    holds: issuer.ledger.holds.values().map((h) => [h.id, h.amount_minor, h.captured_minor, h.status]),
    books: [issuer.ledger, net.state<GatewayState>(Topology.ids.gateway).ledger, net.state<ClearingHouseState>(Topology.ids.clearing).ledger].map(balances),
    payments: merchant.payments.values().map((p) => [p.request.id, p.state]),
    orders: merchant.orders.values().map((o) => [o.id, o.state])
  })
}

const tamper = (packet: Packet): Packet => {
  const wire = structuredClone(packet.payload) as { body: Record<string, unknown> }
  const amount = wire.body["amount"] as { amount_minor: number } | undefined
  if (amount !== undefined) amount.amount_minor += 1
  else wire.body["id"] = `${String(wire.body["id"])}x`
  return { ...packet, payload: wire }
}

const swapSignature = (packet: Packet, donor: Packet): Packet => ({
  ...packet,
  payload: { ...(packet.payload as object), signature: (donor.payload as { signature: string }).signature }
})

const resignWithAttackerKey = (packet: Packet): Effect.Effect<Packet, never, Ed25519> => {
  const wire = packet.payload as { body: unknown; signer: KeyId }
  const body = Schema.decodeUnknownSync(Signed.SignedMessage)(wire.body)
  return Effect.map(
    Envelope.seal(Signed.AnySigned, body, { keyId: wire.signer, seed: Topology.seedFor("attacker", packet.from) }),
    (forged) => ({ ...packet, payload: forged })
  )
}

/** Replays, tampers with, swaps signatures on and forges every signed packet of `net`'s trace. */
export const attack = (net: InMemoryNetwork, crypto: Layer.Layer<Ed25519>): AdversaryReport => {
  const recorded = net.trace.flatMap((e) => (e._tag === "Sent" && e.packet.channel === "signed" ? [e.packet] : []))
  const parties: ReadonlyArray<PartyId> = [Topology.ids.merchant, Topology.ids.gateway, Topology.ids.issuer, Topology.ids.alicePhone, Topology.ids.clearing]
  const before = snapshot(net)
  const rejectedByKind: Record<string, number> = {}
  let attempts = 0
  let accepted = 0
  const inject = (packet: Packet, to: PartyId) => {
    attempts++
    const outputs = net.input(to, { _tag: "Receive", now_ms: net.now_ms, packet: { ...packet, to } })
    const rejected = outputs.find((o) => o._tag === "Rejected")
    if (rejected?._tag === "Rejected") rejectedByKind[rejected.rejection._tag] = (rejectedByKind[rejected.rejection._tag] ?? 0) + 1
    else accepted++
  }
  recorded.forEach((packet, i) => {
    const donor = recorded[(i + 1) % recorded.length] ?? packet
    const forged = Effect.runSync(Effect.provide(resignWithAttackerKey(packet), crypto))
    for (const to of parties) for (const variant of [packet, tamper(packet), swapSignature(packet, donor), forged]) inject(variant, to)
  })
  net.runUntilQuiet()
  return { recorded: recorded.length, attempts, rejectedByKind, accepted, unchanged: snapshot(net) === before }
}
