/**
 * The whole deployment over HTTP (`npx tsx examples/http.ts`): each party of the standard
 * topology behind its own HTTP server on 127.0.0.1 and its own SQLite file, a packet one
 * `POST /packets` of JSON. A checkout is approved, captured, partly refunded, cleared and settled
 * between the banks, with the issuer killed while the shopper's approval is on its way and
 * restarted from its file; then three bad requests are refused at the door or by the machine.
 *
 * Each server does what `docs/guides/embedding.md` asks of a driver: decode the bytes with a
 * Schema before anything else (`State.Rows.PacketRow`: the packet, and a payload its channel
 * carries), step one input at a time, commit the step to the file (`StoredParty`), and only then
 * send its packets, each a POST of its own that nobody waits for inside a step. A packet that
 * cannot be sent is lost: the outbox resends requests on the next tick.
 *
 * Three shortcuts, the example's and not a deployment's: every party runs in this one process
 * and reads one shared clock the script moves (a deployment ticks each party on its own timer with
 * its own `Date.now()`; a shared clock lets the clearing day pass in a second); the browser is a
 * party with a server of its own (a real browser gets the merchant's answers in its HTTP
 * responses); and plain HTTP carries everything, where a deployment takes `session` packets only
 * on the shopper's authenticated session (TLS and its cookie: they are not signed) and runs the
 * signed hops over TLS too, for privacy, though their signatures need no channel to be trusted.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Exit, Schema } from "effect"
import { BrowserMerchant, Common, Ed25519Backends, Ids, Ledger, Shopper, State, Statement, Topology, Trace } from "../src/index.js"
import type { Browser, ClearingHouse, Gateway, InMemoryNetwork, Issuer, Machine, Merchant, Phone } from "../src/index.js"
import { StoredParty } from "../src/drivers/sqlite.js"

const { ids, accounts } = Topology
const crypto = Ed25519Backends.NodeEd25519

/** The wire format: a packet as JSON, its payload checked against what its channel carries. */
const decodePacket = Schema.decodeUnknownExit(Schema.fromJsonString(State.Rows.PacketRow))

/** The largest request body a server reads; a protocol packet is a few kilobytes. */
const MAX_BODY_BYTES = 64 * 1024

/** The body of a request, or `undefined` once it passes {@link MAX_BODY_BYTES}. */
const bodyOf = async (request: IncomingMessage): Promise<string | undefined> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString("utf8")
}

const reply = (response: ServerResponse, status: number, text: string): void => {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text)
}

/** An input to any of the parties. */
type PartyInput = Browser.BrowserInput | Merchant.MerchantInput | Gateway.GatewayInput | Issuer.IssuerInput | Phone.PhoneInput | ClearingHouse.ClearingHouseInput

/** A stored party of any kind, as the deployment drives it. */
type AnyStoredParty = StoredParty.StoredParty<State.PartyKind, PartyInput>

/** Opens the party of `node` from its file at `path`, created with the node's state if new. */
const openStored = <K extends State.PartyKind>(kind: K, node: InMemoryNetwork.Node, path: string): AnyStoredParty =>
  Effect.runSync(
    StoredParty.StoredParty.open<K, PartyInput>({ path, kind, machine: node.machine, identity: State.identityOf(kind, node.state), initial: () => node.state, crypto })
  )

/**
 * The parties, their servers and the clock: what a deployment spreads over several machines.
 * Every packet sent and every event is kept in a trace, as the in-memory network keeps one.
 */
class HttpDeployment {
  readonly trace: Array<InMemoryNetwork.TraceEntry> = []
  readonly urls = new Map<Ids.PartyId, string>()
  readonly parties = new Map<Ids.PartyId, AnyStoredParty>()
  readonly #servers = new Map<Ids.PartyId, Server>()
  readonly #queues = new Map<Ids.PartyId, Promise<unknown>>()
  readonly #sending = new Set<Promise<void>>()
  /** POSTs that reached no server. */
  lost = 0
  /** Requests a server refused before any machine saw them. */
  refusedAtTheDoor = 0

  private constructor(
    readonly folder: string,
    readonly nodes: ReadonlyArray<InMemoryNetwork.Node>,
    public now_ms: Ids.Timestamp_ms
  ) {}

  /** Starts every party of `nodes` from a new file in `folder`, each behind a server of its own. */
  static async start(folder: string, nodes: ReadonlyArray<InMemoryNetwork.Node>): Promise<HttpDeployment> {
    const deployment = new HttpDeployment(folder, nodes, Topology.START_ms)
    for (const node of nodes) await deployment.startParty(node.id)
    return deployment
  }

  /** Opens party `id` from its file (a restart, if the file holds a state) and serves it on a new port. */
  async startParty(id: Ids.PartyId): Promise<void> {
    const node = this.nodes.find((n) => n.id === id)
    if (node === undefined || !State.isPartyKind(node.machine.kind)) throw new Error(`http: no party ${id}`)
    const party = openStored(node.machine.kind, node, join(this.folder, `${id}.sqlite`))
    const server = createServer((request, response) => {
      // A step that throws (a row of its file that no longer decodes) is the operator's to look at; the sender retries.
      this.#serve(id, request, response).catch((error: unknown) => reply(response, 500, String(error)))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    this.parties.set(id, party)
    this.#servers.set(id, server)
    this.urls.set(id, `http://127.0.0.1:${(server.address() as AddressInfo).port}/packets`)
  }

  /** Kills party `id`: its server stops answering and its file is closed, with whatever it committed. */
  async stopParty(id: Ids.PartyId): Promise<void> {
    await this.#queues.get(id)
    const server = this.#servers.get(id)
    this.#servers.delete(id)
    this.urls.delete(id)
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    this.parties.get(id)?.close()
    this.parties.delete(id)
  }

  /** The current state of party `id`, read from its file. */
  state<S>(id: Ids.PartyId): S {
    const party = this.parties.get(id)
    if (party === undefined) throw new Error(`http: ${id} is not running`)
    return party.state as S
  }

  /** Feeds `input` to party `id` after the inputs before it; resolves once it is committed and its packets are on their way. */
  input(id: Ids.PartyId, input: PartyInput): Promise<void> {
    const stepped = (this.#queues.get(id) ?? Promise.resolve()).then(() => {
      const party = this.parties.get(id)
      if (party === undefined) throw new Error(`http: ${id} is not running`)
      for (const output of party.step(input)) {
        if (output._tag === "Send") this.#send(output.packet)
        else this.trace.push({ _tag: "Event", at_ms: this.now_ms, output })
      }
    })
    this.#queues.set(id, stepped.catch(() => undefined))
    return stepped
  }

  /** Moves the clock by `delta_ms`, ticks every party, and waits until no packet is on its way. */
  async wait(delta_ms: number): Promise<void> {
    this.now_ms = Ids.Timestamp_ms.make(this.now_ms + delta_ms)
    await Promise.all([...this.parties.keys()].map((id) => this.input(id, { _tag: "Tick", now_ms: this.now_ms })))
    await this.idle()
  }

  /** Resolves once no packet is on its way, counting those sent by the deliveries it waited for. */
  async idle(): Promise<void> {
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending])
  }

  /** Stops every server and closes every file. */
  async close(): Promise<void> {
    for (const id of [...this.parties.keys()]) await this.stopParty(id)
  }

  /** POSTs `packet` to its recipient; nobody waits for it inside a step. */
  #send(packet: Machine.Packet): void {
    this.trace.push({ _tag: "Sent", at_ms: this.now_ms, packet })
    const url = this.urls.get(packet.to)
    const sent = (url === undefined ? Promise.reject(new Error("no server")) : fetch(url, { method: "POST", body: JSON.stringify(packet) }))
      .then((response) => response.text())
      .then(
        () => undefined,
        () => void this.lost++
      )
      .finally(() => this.#sending.delete(sent))
    this.#sending.add(sent)
  }

  /** One request to party `id`'s server: decode, check it is addressed here, step, commit, answer. */
  async #serve(id: Ids.PartyId, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.url !== "/packets") return this.#refuse(response, 404, "packets go to POST /packets")
    if (request.method !== "POST") return this.#refuse(response, 405, "packets go to POST /packets")
    const body = await bodyOf(request)
    if (body === undefined) return this.#refuse(response, 413, `a packet is at most ${MAX_BODY_BYTES} bytes`)
    const decoded = decodePacket(body)
    if (Exit.isFailure(decoded)) return this.#refuse(response, 400, "not a packet")
    // Not 421 (Misdirected Request): a client may send that one again on a new connection, and fetch does.
    if (decoded.value.to !== id) return this.#refuse(response, 404, `this is ${id}, not ${decoded.value.to}`)
    await this.input(id, { _tag: "Receive", now_ms: this.now_ms, packet: decoded.value })
    reply(response, 202, "stepped and committed")
  }

  #refuse(response: ServerResponse, status: number, why: string): void {
    this.refusedAtTheDoor++
    reply(response, status, why)
  }
}

/** What a run of the example shows, for its test. */
export interface HttpRunSummary {
  /** What the shopper's browser shows at the end. */
  readonly screen: string
  /** POSTs that reached no server. */
  readonly lost: number
  /** Requests refused before any machine saw them. */
  readonly refusedAtTheDoor: number
  /** The HTTP statuses of the three bad requests. */
  readonly badRequests: ReadonlyArray<number>
  /** Whether the gateway's stored state is the same after the bad requests as before. */
  readonly gatewayUnchanged: boolean
  /** What the machines refused, by rejection tag. */
  readonly rejections: ReadonlyArray<string>
  /** The clearing house's settled cycles. */
  readonly settledCycles: number
  /** Alice's balance at her bank at the end, in cents. */
  readonly aliceBalance_minor: number
  /** The packets sent, each one POST. */
  readonly packets: number
  /** The trace and every bank's books, as the example prints them. */
  readonly lines: ReadonlyArray<string>
}

/** The demo's order: two mugs and a tin of tea, standard delivery. */
const ORDER_TOTAL_minor = 2 * Topology.catalog["sku-mug"] + Topology.catalog["sku-tea"] + Topology.deliveryFees.standard

/** Runs the example in a new folder of SQLite files, removed at the end; returns what it showed. */
export const runOverHttp = async (): Promise<HttpRunSummary> => {
  const folder = mkdtempSync(join(tmpdir(), "checkout-http-"))
  const net = await HttpDeployment.start(folder, Topology.standardNodes(Topology.makeKeys(crypto, "http")))
  try {
    // The shopper fills the cart, confirms the order, picks delivery and sets the address, then pays.
    const now_ms = () => net.now_ms
    const clicks: ReadonlyArray<() => Browser.ShopperAction> = [
      () => ({ _tag: "AddToCart", now_ms: now_ms(), line: new BrowserMerchant.OrderLine({ sku: Topology.skus.mug, quantity: 2 }) }),
      () => ({ _tag: "AddToCart", now_ms: now_ms(), line: new BrowserMerchant.OrderLine({ sku: Topology.skus.tea, quantity: 1 }) }),
      () => ({ _tag: "ConfirmOrder", now_ms: now_ms() }),
      () => ({ _tag: "ChooseDelivery", now_ms: now_ms(), option: "standard" }),
      () => ({ _tag: "EnterAddress", now_ms: now_ms(), address: Shopper.address }),
      () => ({ _tag: "ClickPayNow", now_ms: now_ms(), payer: new Common.Payer({ issuer: ids.issuer, account: accounts.alice }) })
    ]
    for (const click of clicks) {
      await net.input(ids.browser, click())
      await net.wait(250)
    }

    // The issuer dies with the challenge out; Alice approves; her phone's answer reaches no server.
    await net.stopParty(ids.issuer)
    const challenge = net.state<Phone.PhoneState>(ids.alicePhone).challenges.values().find((c) => c.state === "Pending")
    if (challenge === undefined) throw new Error("http: no challenge on Alice's phone")
    await net.wait(1_500)
    await net.input(ids.alicePhone, { _tag: "Answer", now_ms: net.now_ms, challengeId: challenge.challenge.id, decision: "approve" })
    await net.idle()
    // The issuer comes back from its file; the phone's outbox resends the answer on a tick.
    await net.startParty(ids.issuer)
    for (let i = 0; i < 5 && net.state<Browser.BrowserState>(ids.browser).screen !== "Approved"; i++) await net.wait(2_000)

    const last = net.state<Merchant.MerchantState>(ids.merchant).payments.keys().at(-1)
    if (last === undefined) throw new Error("http: the merchant has no payment")
    const paymentId = Ids.PaymentId.make(last)
    await net.input(ids.merchant, { _tag: "Capture", now_ms: net.now_ms, paymentId, amount_minor: ORDER_TOTAL_minor })
    await net.idle()
    await net.input(ids.merchant, { _tag: "Refund", now_ms: net.now_ms, paymentId, amount_minor: Topology.catalog["sku-mug"] })
    await net.idle()
    await net.wait(3_600_000)
    await net.input(ids.clearing, { _tag: "CloseCycle", now_ms: net.now_ms })
    await net.idle()

    const gatewayDocument = () => JSON.stringify(State.encodeState("Gateway", net.state<Gateway.GatewayState>(ids.gateway)))
    const gatewayBefore = gatewayDocument()
    const badRequests = await badRequestsTo(net)
    const gatewayUnchanged = gatewayDocument() === gatewayBefore
    const issuer = net.state<Issuer.IssuerState>(ids.issuer)
    return {
      screen: net.state<Browser.BrowserState>(ids.browser).screen,
      lost: net.lost,
      refusedAtTheDoor: net.refusedAtTheDoor,
      badRequests,
      gatewayUnchanged,
      rejections: net.trace.flatMap((e) => (e._tag === "Event" && e.output._tag === "Rejected" ? [e.output.rejection._tag] : [])),
      settledCycles: net.state<ClearingHouse.ClearingHouseState>(ids.clearing).cycles.values().filter((c) => c.state === "Settled").length,
      aliceBalance_minor: Ledger.balance(issuer.ledger, accounts.alice),
      packets: net.trace.filter((e) => e._tag === "Sent").length,
      lines: [
        ...Trace.lines(net.trace),
        ...Statement.statement(`${ids.issuer} (the shopper's bank)`, issuer.ledger),
        ...Statement.statement(`${ids.gateway} (the acquirer)`, net.state<Gateway.GatewayState>(ids.gateway).ledger),
        ...Statement.statement(`${ids.clearing} (the settlement bank)`, net.state<ClearingHouse.ClearingHouseState>(ids.clearing).ledger)
      ]
    }
  } finally {
    await net.close()
    rmSync(folder, { recursive: true, force: true })
  }
}

/**
 * Three requests from outside, each refused: a line that is not a packet (400 at the door), a
 * packet for another party (404 at the door), and the merchant's signed capture with its amount
 * changed, which decodes and reaches the gateway's machine, whose signature check refuses it.
 * Returns the three HTTP statuses.
 */
const badRequestsTo = async (net: HttpDeployment): Promise<ReadonlyArray<number>> => {
  const gateway = net.urls.get(ids.gateway) ?? ""
  const capture = net.trace.find((e) => e._tag === "Sent" && e.packet.from === ids.merchant && Trace.summarize(e.packet).tag === "CapturePayment")
  if (capture?._tag !== "Sent") throw new Error("http: no capture in the trace")
  const tampered = JSON.parse(JSON.stringify(capture.packet)) as { payload: { body: { amount: { amount_minor: number } } } }
  tampered.payload.body.amount.amount_minor += 1
  const statuses: Array<number> = []
  for (const body of ["not json", JSON.stringify({ ...capture.packet, to: ids.issuer }), JSON.stringify(tampered)]) {
    statuses.push((await fetch(gateway, { method: "POST", body })).status)
  }
  return statuses
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const run = await runOverHttp()
  for (const line of run.lines) console.log(line)
  console.log(
    `\nThe browser shows ${run.screen}; ${run.packets} packets went as HTTP POSTs, of which ${run.lost} reached no server while the issuer was down ` +
      `(its sender's outbox sent it again); settled clearing cycles: ${run.settledCycles}. Three bad requests got HTTP ${run.badRequests.join(", ")}; ` +
      `the machines refused: ${run.rejections.join(", ") || "nothing"}; the gateway's state is ${run.gatewayUnchanged ? "unchanged" : "CHANGED"}.`
  )
  if (run.screen !== "Approved" || run.settledCycles !== 1 || !run.gatewayUnchanged) process.exitCode = 1
}
