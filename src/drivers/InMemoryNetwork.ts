/**
 * An in-memory network that runs party machines: the simplest driver, used by the demo, the
 * benchmarks and the tests.
 *
 * A driver is the only place that loops, queues and keeps time. This one holds each party's
 * state, a FIFO queue of packets in flight and a clock; it steps a machine with
 * `Effect.runSync` (the crypto layers are synchronous), queues the packets the step sends, and
 * records a trace of every packet and event. Faults are not its business: the test harness
 * drives the same machines over a hostile network of its own.
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { PartyId, Timestamp_ms } from "../domain/Ids.js"
import type { Input, Machine, Output, Packet, Step } from "../machine/Machine.js"
import { syncRunner, type SyncRunner } from "./Runner.js"

/** One party on the network: its machine and its current state. @category models @since 0.1.0 */
export interface Node<S = any, I extends Input = any> {
  readonly id: PartyId
  readonly machine: Machine<S, I>
  state: S
}

/** A machine paired with its state, ready to be put on a network. @since 0.1.0 */
export const node = <S, I extends Input>(id: PartyId, machine: Machine<S, I>, state: S): Node<S, I> => ({ id, machine, state })

/** One line of a run's trace: a packet put on the wire, or an event a party emitted. @category models @since 0.1.0 */
export type TraceEntry =
  | { readonly _tag: "Sent"; readonly at_ms: number; readonly packet: Packet }
  | { readonly _tag: "Event"; readonly at_ms: number; readonly output: Exclude<Output, { readonly _tag: "Send" }> }

/**
 * The network: parties by id, packets in flight, the clock and the trace.
 *
 * **Example**
 *
 * ```ts
 * import { Browser, Ed25519Backends, InMemoryNetwork, Shopper, Topology } from "checkout-protocol"
 *
 * const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
 * const net = new InMemoryNetwork.InMemoryNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
 * Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
 * Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
 * Shopper.wait(net, 2_000) // the browser polls and sees the result
 * net.state<Browser.BrowserState>(Topology.ids.browser).screen // "Approved"
 * ```
 *
 * @category drivers
 * @since 0.1.0
 */
export class InMemoryNetwork {
  /** Packets sent and not yet delivered, oldest first. */
  readonly inFlight: Array<Packet> = []
  /** Everything that happened, in order. */
  readonly trace: Array<TraceEntry> = []
  readonly #nodes = new Map<string, Node>()
  readonly #run: SyncRunner

  /** A network over the given nodes, stepping them with `crypto`, starting at `now_ms`. */
  constructor(
    crypto: Layer.Layer<Ed25519>,
    nodes: ReadonlyArray<Node>,
    public now_ms: Timestamp_ms
  ) {
    this.#run = syncRunner(crypto)
    for (const n of nodes) this.#nodes.set(n.id, n)
  }

  /** The current state of party `id`. */
  state<S>(id: PartyId): S {
    return this.#node(id).state as S
  }

  /** Feeds `input` to party `id` and queues what it sends; returns the step's outputs. */
  input<I extends Input>(id: PartyId, input: I): ReadonlyArray<Output> {
    const n = this.#node(id)
    const result: Step<unknown> = this.#run(n.machine.step(n.state, input))
    n.state = this.stepped(id, n.machine.kind, n.state, result.state)
    for (const output of result.outputs) {
      if (output._tag === "Send") {
        this.trace.push({ _tag: "Sent", at_ms: this.now_ms, packet: output.packet })
        this.dispatch(output.packet)
      } else {
        this.trace.push({ _tag: "Event", at_ms: this.now_ms, output })
      }
    }
    return result.outputs
  }

  /** Delivers the oldest packet in flight; returns false when there is none. */
  deliverNext(): boolean {
    const packet = this.inFlight.shift()
    if (packet === undefined) return false
    this.receive(packet)
    return true
  }

  /**
   * Called after every step with the party's states before and after it, before its packets are
   * sent; returns the state the party keeps: here, `after`. A driver that keeps the parties' state
   * durable commits the step's writes here and keeps what it holds in memory (see
   * `checkout-protocol/sqlite`).
   */
  protected stepped(_id: PartyId, _kind: string, _before: unknown, after: unknown): unknown {
    return after
  }

  /** What happens to a packet a step sends: here, it joins the queue of packets in flight. */
  protected dispatch(packet: Packet): void {
    this.inFlight.push(packet)
  }

  /** Delivers `packet` to its recipient now; a packet to a party not on this network is lost. */
  protected receive(packet: Packet): void {
    if (this.#nodes.has(packet.to)) this.input(packet.to, { _tag: "Receive", now_ms: this.now_ms, packet })
  }

  /** Moves the clock to `now_ms` and ticks every party. */
  advanceTo(now_ms: Timestamp_ms): void {
    this.now_ms = now_ms
    for (const id of this.#nodes.keys()) this.input(id as PartyId, { _tag: "Tick", now_ms })
  }

  /** Crashes and restarts party `id`: its volatile state is lost and its outbox becomes due. */
  restart(id: PartyId): void {
    const n = this.#node(id)
    n.state = n.machine.restart(n.state)
  }

  /** Delivers packets until none is in flight, at most `maxDeliveries` of them; returns how many it delivered. */
  runUntilQuiet(maxDeliveries = 10_000): number {
    let delivered = 0
    while (delivered < maxDeliveries && this.deliverNext()) delivered++
    return delivered
  }

  #node(id: PartyId): Node {
    const n = this.#nodes.get(id)
    if (n === undefined) throw new Error(`InMemoryNetwork: no party ${id} on this network`)
    return n
  }
}
