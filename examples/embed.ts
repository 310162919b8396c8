/**
 * Embedding a party machine behind your own transport (`npx tsx examples/embed.ts`).
 *
 * A driver does four things per incoming message: decode it, step the machine, persist the new
 * state, send the outputs. `serveGateway` does them for the gateway over any byte stream carrying
 * one JSON packet per line. The rest of the file tries it: a stream standing in for a socket from
 * the merchant carries a signed `AuthorizePayment`, the same packet with its amount changed, and
 * a line that is not JSON; another stream stands in for the socket to the issuer.
 */
import { createInterface } from "node:readline"
import { PassThrough, type Readable, type Writable } from "node:stream"
import { Effect, Exit, Schema } from "effect"
import { Common, Ed25519Backends, Gateway, Ids, KeyRegistry, MerchantGateway, Money, Party, Rejection, Topology } from "../src/index.js"

// README excerpt starts here.
/** The wire format: one JSON packet per line. */
const WirePacket = Schema.Struct({
  from: Ids.PartyId,
  to: Ids.PartyId,
  channel: Schema.Literals(["session", "signed"]),
  payload: Schema.Unknown
})
const decodePacket = Schema.decodeUnknownExit(Schema.fromJsonString(WirePacket))

/**
 * Runs the gateway over a byte stream: decode each line, step the machine (pure; `runSync` is
 * enough because the crypto layers are synchronous), persist, send. A real driver also routes
 * each packet by `packet.to` and feeds `{ _tag: "Tick", now_ms }` on a timer so the outbox retries.
 */
export const serveGateway = async (
  state: Gateway.GatewayState,
  input: Readable,
  output: Writable
): Promise<Gateway.GatewayState> => {
  for await (const line of createInterface({ input })) {
    const decoded = decodePacket(line)
    if (Exit.isFailure(decoded)) {
      console.log(`dropped a line that is not a packet: ${JSON.stringify(line)}`)
      continue
    }
    const now_ms = Ids.Timestamp_ms.make(Date.now())
    const step = Gateway.Gateway.step(state, { _tag: "Receive", now_ms, packet: decoded.value })
    const result = Effect.runSync(Effect.provide(step, Ed25519Backends.NodeEd25519))
    state = result.state // persist here (state and outbox, atomically) before sending anything
    for (const out of result.outputs) {
      if (out._tag === "Send") output.write(JSON.stringify(out.packet) + "\n")
      else if (out._tag === "Transitioned") console.log(`${out.entity} ${out.id}: ${out.from} -> ${out.to} on ${out.on}`)
      else console.log(`rejected: ${out.rejection._tag} (${Rejection.explain(out.rejection)})`)
    }
  }
  return state
}
// README excerpt ends here.

const { ids } = Topology
const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "embed")

const required = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new Error(`embed: missing ${what}`)
  return value
}

/** A party's identity from the topology's keys: its own signing key and the keys it trusts. */
const identityOf = (party: Ids.PartyId, trusts: ReadonlyArray<Ids.PartyId>): Party.PartyIdentity => ({
  id: party,
  signing: required(keys.identities[party], `${party}'s signing key`),
  registry: KeyRegistry.makeRegistry(trusts.map((p) => required(keys.keys[p], `${p}'s public key`)))
})

// The merchant's side of the socket: one signed request, a tampered copy, and garbage.
const request = new MerchantGateway.AuthorizePayment({
  id: Ids.PaymentId.make("pay-1"),
  from: ids.merchant,
  to: ids.gateway,
  orderId: Ids.OrderId.make("order-1"),
  amount: Money.money(3_889, "EUR"),
  payer: new Common.Payer({ issuer: ids.issuer, account: Topology.accounts.alice }),
  payee: new Common.Payee({ merchant: ids.merchant, name: "Teapot & Co" }),
  expiresAt_ms: Ids.Timestamp_ms.make(Date.now() + 60_000)
})
const packet = Effect.runSync(Effect.provide(Party.sealPacket(identityOf(ids.merchant, []), request), Ed25519Backends.NodeEd25519))
const tampered = JSON.parse(JSON.stringify(packet)) as { payload: { body: { amount: { amount_minor: number } } } }
tampered.payload.body.amount.amount_minor = 1

const fromMerchant = new PassThrough()
const toIssuer = new PassThrough()
toIssuer.on("data", (chunk: Buffer) => console.log(`sent to the issuer: ${chunk.toString("utf8").slice(0, 100)}…`))
fromMerchant.end([JSON.stringify(packet), JSON.stringify(tampered), "not json"].join("\n") + "\n")

const final = await serveGateway(Gateway.initial(identityOf(ids.gateway, [ids.merchant, ids.issuer])), fromMerchant, toIssuer)
console.log(`the gateway now holds ${final.payments.size} payment(s): ${final.payments.keys().join(", ")}`)
