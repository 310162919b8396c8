/**
 * An asynchronous in-memory network: the same parties and the same pure steps as
 * {@link InMemoryNetwork}, but every packet a step sends is handed to a transport that decides,
 * asynchronously, when it arrives. This is the shape of a real driver (a socket, an HTTP client,
 * a queue consumer): deliveries, the shopper's taps and the clock interleave in whatever order
 * the world produces, and the machines must be right in every one of them. The tests drive it
 * with fast-check's scheduler to explore those orders.
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Timestamp_ms } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import { InMemoryNetwork, type Node } from "./InMemoryNetwork.js"

/**
 * Carries a packet: resolves when it has arrived, after calling `deliver`, or without calling
 * it if the packet was lost.
 *
 * @category drivers
 * @since 0.1.0
 */
export type Transport = (packet: Packet, deliver: () => void) => Promise<void>

/**
 * The asynchronous network.
 *
 * **Example**
 *
 * ```ts
 * import { AsyncNetwork, Browser, BrowserMerchant, Ed25519Backends, Topology } from "checkout-protocol"
 *
 * // A transport that delivers each packet a millisecond after it was sent, as a socket would.
 * const later: AsyncNetwork.Transport = (_packet, deliver) => new Promise((resolve) => setTimeout(() => resolve(deliver()), 1))
 * const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
 * const net = new AsyncNetwork.AsyncNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms, later)
 * net.input(Topology.ids.browser, { _tag: "AddToCart", now_ms: net.now_ms, line: new BrowserMerchant.OrderLine({ sku: Topology.skus.mug, quantity: 1 }) })
 * net.input(Topology.ids.browser, { _tag: "ConfirmOrder", now_ms: net.now_ms })
 * await net.idle() // the CreateOrder and its OrderView have arrived
 * net.state<Browser.BrowserState>(Topology.ids.browser).screen // "Checkout"
 * ```
 *
 * @category drivers
 * @since 0.1.0
 */
export class AsyncNetwork extends InMemoryNetwork {
  readonly #pending = new Set<Promise<void>>()

  /** A network over `nodes` whose packets travel by `transport`. */
  constructor(
    crypto: Layer.Layer<Ed25519>,
    nodes: ReadonlyArray<Node>,
    now_ms: Timestamp_ms,
    readonly transport: Transport
  ) {
    super(crypto, nodes, now_ms)
  }

  /** Hands a sent packet to the transport instead of queueing it. */
  protected override dispatch(packet: Packet): void {
    const arrival = this.transport(packet, () => this.receive(packet)).finally(() => this.#pending.delete(arrival))
    this.#pending.add(arrival)
  }

  /** How many packets are on their way. */
  get travelling(): number {
    return this.#pending.size
  }

  /** Resolves once no packet is on its way, including the ones sent by the deliveries it waited for. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }
}
