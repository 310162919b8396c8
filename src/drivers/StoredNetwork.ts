/**
 * An in-memory network whose parties each keep their state in their own SQLite file: every step's
 * writes are committed to the stepping party's file before its packets are sent, and each party
 * holds in memory no row once committed, as {@link StoredParty} does for a party on its own. The
 * benchmarks measure the cost of durability, and the memory it saves, with it.
 *
 * @since 0.3.0
 */
import { Effect, type Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { PartyId, Timestamp_ms } from "../domain/Ids.js"
import { identityOf, isPartyKind, spill, type PartyKind, type StateOf } from "../state/State.js"
import { InMemoryNetwork, type Node } from "./InMemoryNetwork.js"
import { SqliteStore, type Synchronous } from "./SqliteStore.js"

/**
 * The network, with one store per party in `folder` (`<party id>.sqlite`, created with the
 * party's state as given).
 *
 * @category drivers
 * @since 0.3.0
 */
export class StoredNetwork extends InMemoryNetwork {
  readonly #stores = new Map<string, SqliteStore<PartyKind>>()

  /** A network over `nodes` whose states are written to new files in `folder`, each node then holding its state as loaded back from its file. */
  constructor(crypto: Layer.Layer<Ed25519>, nodes: ReadonlyArray<Node>, now_ms: Timestamp_ms, folder: string, synchronous: Synchronous = "FULL") {
    super(crypto, nodes, now_ms)
    for (const n of nodes) {
      const kind = n.machine.kind
      if (!isPartyKind(kind)) throw new Error(`StoredNetwork: no codec for a ${kind}`)
      const store = SqliteStore.open(`${folder}/${n.id}.sqlite`, kind, synchronous)
      store.create(n.state as never)
      n.state = Effect.runSync(store.loadBacked(identityOf(kind, n.state as StateOf<PartyKind>)))
      this.#stores.set(n.id, store)
    }
  }

  /** Commits the step's writes to the party's file; the party keeps none of its rows in memory. */
  protected override stepped(id: PartyId, _kind: string, before: unknown, after: unknown): unknown {
    const store = this.#stores.get(id)
    if (store === undefined) return after
    store.commitStep(before as StateOf<PartyKind>, after as StateOf<PartyKind>)
    return spill(store.kind, after as StateOf<PartyKind>)
  }

  /** Closes every file. */
  close(): void {
    for (const store of this.#stores.values()) store.close()
  }
}
