/**
 * A party run from its SQLite file: the driver an embedding puts behind its transport.
 *
 * Each input goes through four phases, in this order:
 *
 * 1. **step**: the pure machine decides the next state and outputs, in memory;
 * 2. **commit**: the step's writes (`Changes.changesOf`: the rows it changed, its outbox
 *    among them) go to the file in one transaction;
 * 3. **send**: only then are the step's packets handed back to the caller to send;
 * 4. the new state replaces the old one in memory.
 *
 * A process killed before the commit loses the step: the input is as if it never arrived, and
 * its sender retries it. A process killed after the commit and before the send loses only the
 * packets: a request is still in the outbox, due again at once after the restart; an answer is
 * in the idempotency records, sent again when the request is retried. So no work is lost and
 * none is done twice. Opening a store that already holds a state is a **restart**: the state is
 * loaded, the machine's crash rule applied (its volatile part dropped, its outbox due), and that
 * committed too.
 *
 * No row is held in memory between steps, only each table's deadline index (the time and key of
 * every row that is due: {@link SqliteStore.loadBacked}); a row is read from the file when a step
 * asks for it, so neither the party's memory nor the time it takes to start grows with its
 * history. Starting reads and checks the due rows; any other row is checked when a step reads it.
 *
 * @since 0.3.0
 */
import { Effect, type Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { Input, Machine, Output } from "../machine/Machine.js"
import type { StateDecodeError } from "../state/Errors.js"
import { spill, type IdentityOf, type PartyKind, type StateOf } from "../state/State.js"
import { syncRunner, type SyncRunner } from "./Runner.js"
import { SqliteStore, type Synchronous } from "./SqliteStore.js"

/** Where a step is between its phases, as an observer sees it. @category models @since 0.3.0 */
export type Phase = "stepped" | "committed"

/** How to run a party from its file. @category models @since 0.3.0 */
export interface StoredPartyOptions<K extends PartyKind, I extends Input> {
  /** The SQLite file (created if missing). */
  readonly path: string
  /** The party kind its state is stored as. */
  readonly kind: K
  /** The party's machine. */
  readonly machine: Machine<StateOf<K>, I>
  /** The party's identity, from its configuration (never stored). */
  readonly identity: IdentityOf<K>
  /** The state to start from when the file is new. */
  readonly initial: () => StateOf<K>
  /** The Ed25519 layer the steps run with. */
  readonly crypto: Layer.Layer<Ed25519>
  /** How hard a commit waits for the disk (default `FULL`). */
  readonly synchronous?: Synchronous
  /** Called between the phases of every step: a test hook that may kill the process there. */
  readonly observe?: (phase: Phase) => void
}

/**
 * A party whose every step is committed to its SQLite file before its packets leave.
 *
 * @category drivers
 * @since 0.3.0
 */
export class StoredParty<K extends PartyKind, I extends Input> {
  #state: StateOf<K>
  readonly #store: SqliteStore<K>
  readonly #options: StoredPartyOptions<K, I>
  readonly #run: SyncRunner

  private constructor(options: StoredPartyOptions<K, I>, store: SqliteStore<K>, state: StateOf<K>) {
    this.#options = options
    this.#store = store
    this.#state = state
    this.#run = syncRunner(options.crypto)
  }

  /**
   * Starts the party from its file: a new file gets the initial state; a file that holds a state
   * is a restart (loaded, the crash rule applied and committed). Fails with a
   * {@link StateDecodeError} if the file holds a state that does not decode, or another party's.
   */
  static open<K extends PartyKind, I extends Input>(options: StoredPartyOptions<K, I>): Effect.Effect<StoredParty<K, I>, StateDecodeError> {
    const store = SqliteStore.open(options.path, options.kind, options.synchronous)
    if (store.isEmpty()) {
      store.create(options.initial())
      return store.loadBacked(options.identity).pipe(Effect.map((state) => new StoredParty(options, store, state)))
    }
    return store.loadBacked(options.identity).pipe(
      Effect.map((loaded) => {
        const restarted = options.machine.restart(loaded)
        store.commitStep(loaded, restarted)
        return new StoredParty(options, store, spill(options.kind, restarted))
      }),
      Effect.tapError(() => Effect.sync(() => store.close()))
    )
  }

  /** The party's current state (the same as its file's): a view of the file, valid while it is open. */
  get state(): StateOf<K> {
    return this.#state
  }

  /** Steps the party on `input`, commits its writes, and returns its outputs for the caller to send. */
  step(input: I): ReadonlyArray<Output> {
    const { state, outputs } = this.#run(this.#options.machine.step(this.#state, input))
    this.#options.observe?.("stepped")
    this.#store.commitStep(this.#state, state)
    this.#state = spill(this.#options.kind, state)
    this.#options.observe?.("committed")
    return outputs
  }

  /** Closes the file. */
  close(): void {
    this.#store.close()
  }
}
