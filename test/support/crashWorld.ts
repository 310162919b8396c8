/**
 * The world of the crash test: one party of the standard topology runs as a child process on its
 * SQLite file ({@link partyProcess}), every other party in memory; the child is killed with
 * SIGKILL at points a seeded plan picks and restarted from its file, and the packets it was
 * handling when it died are lost, as on a real network.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { createInterface, type Interface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { SystemView } from "../../model/Invariants.js"
import { systemView, STANDARD_ROLES } from "../../model/View.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { InMemoryNetwork } from "../../src/drivers/InMemoryNetwork.js"
import type { Phase } from "../../src/drivers/StoredParty.js"
import { SqliteStore } from "../../src/drivers/SqliteStore.js"
import * as Topology from "../../src/drivers/Topology.js"
import type { PartyId, Timestamp_ms } from "../../src/domain/Ids.js"
import type { Input, Packet } from "../../src/machine/Machine.js"
import { isPartyKind } from "../../src/state/State.js"
import { crashNodes } from "./crashTopology.js"

const SCRIPT = fileURLToPath(new URL("./partyProcess.ts", import.meta.url))
const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** When the plan kills the child: after the step and before its commit, after the commit and before the answer, or from outside at once. */
export type Kill = Phase | "outside"

/** A flaw the child can be started with, to show the test catches it: it forgets its idempotency records and authorizations on restart. */
export type Flaw = "forget-records"

/** A small seeded generator (mulberry32), so a plan replays from its seed. */
const generator = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The child process of the party, one request at a time. */
class Child {
  readonly #process: ChildProcessWithoutNullStreams
  readonly #lines: Interface
  readonly #exited: Promise<"died">

  constructor(party: PartyId, file: string, label: string, flaw: Flaw | null) {
    const args = [SCRIPT, party, file, label, ...(flaw === null ? [] : [flaw])]
    this.#process = spawn(process.execPath, ["--import", "tsx", "--disable-warning=ExperimentalWarning", ...args], { cwd: ROOT })
    this.#process.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk))
    // A write to a child that has just died fails with EPIPE: the death is seen on its exit.
    this.#process.stdin.on("error", () => undefined)
    this.#lines = createInterface({ input: this.#process.stdout })
    this.#exited = new Promise((resolve) => this.#process.once("exit", () => resolve("died")))
  }

  /** Sends one request; resolves with the packets the child sent, or `"died"`. */
  async request(input: Input, kill: Kill | null): Promise<ReadonlyArray<Packet> | "died"> {
    const answer = new Promise<ReadonlyArray<Packet>>((resolve) => this.#lines.once("line", (line) => resolve((JSON.parse(line) as { sent: Array<Packet> }).sent)))
    this.#process.stdin.write(`${JSON.stringify({ input, die: kill === "outside" ? null : kill })}\n`)
    if (kill === "outside") {
      // Killed the moment the request is written: whatever it did of it, its answer is lost.
      this.#process.kill("SIGKILL")
      return this.#exited
    }
    return Promise.race([answer, this.#exited])
  }

  /** Ends the child cleanly (its stdin closes) and waits for it. */
  async stop(): Promise<void> {
    this.#process.stdin.end()
    await this.#exited
  }
}

/** What happened to the child, line by line, for the failure message. */
export interface CrashLog {
  readonly seed: number
  readonly kills: Array<string>
  requests: number
}

/**
 * The network: the remote party's packets go to the child; the others' are delivered in memory.
 * `settle`, `wait` and `stop` are the async steps a test awaits between the shopper's taps.
 */
export class CrashWorld extends InMemoryNetwork {
  readonly #toChild: Array<Packet> = []
  readonly #random: () => number
  readonly #kills: { remaining: number; readonly rate: number }
  #child: Child
  readonly #flaw: Flaw | null
  /** The kills so far, for the failure message. */
  readonly log: CrashLog

  constructor(
    readonly remote: PartyId,
    readonly file: string,
    readonly label: string,
    options: { readonly seed: number; readonly kills: number; readonly rate: number; readonly flaw?: Flaw }
  ) {
    super(NodeEd25519, crashNodes(label).filter((n) => n.id !== remote), Topology.START_ms)
    this.#random = generator(options.seed)
    this.#kills = { remaining: options.kills, rate: options.rate }
    this.#flaw = options.flaw ?? null
    this.#child = new Child(remote, file, label, this.#flaw)
    this.log = { seed: options.seed, kills: [], requests: 0 }
  }

  protected override receive(packet: Packet): void {
    if (packet.to === this.remote) this.#toChild.push(packet)
    else super.receive(packet)
  }

  /** Picks, for the next request, whether and where the child dies. */
  #kill(): Kill | null {
    if (this.#kills.remaining === 0 || this.#random() >= this.#kills.rate) return null
    this.#kills.remaining--
    const kinds: ReadonlyArray<Kill> = ["stepped", "committed", "outside"]
    return kinds[Math.floor(this.#random() * kinds.length)] ?? "outside"
  }

  async #request(input: Input, what: string): Promise<void> {
    const kill = this.#kill()
    this.log.requests++
    const sent = await this.#child.request(input, kill)
    if (sent === "died") {
      if (kill === null) throw new Error(`the ${this.remote} process died on its own at request ${this.log.requests} (seed ${this.log.seed})`)
      this.log.kills.push(`request ${this.log.requests} (${what}): killed ${kill === "outside" ? "from outside" : `after it ${kill}`}`)
      this.#child = new Child(this.remote, this.file, this.label, this.#flaw)
      return
    }
    for (const packet of sent) this.inFlight.push(packet)
  }

  /** Delivers everything in flight, the child's packets included, until nothing is. */
  async settle(): Promise<void> {
    for (;;) {
      this.runUntilQuiet()
      const packet = this.#toChild.shift()
      if (packet === undefined) return
      await this.#request({ _tag: "Receive", now_ms: this.now_ms, packet } as Input, `a packet from ${packet.from}`)
    }
  }

  /** Lets `delta_ms` pass: every party ticks, the child too, and everything is delivered. */
  async wait(delta_ms: number): Promise<void> {
    this.advanceTo((this.now_ms + delta_ms) as Timestamp_ms)
    await this.#request({ _tag: "Tick", now_ms: this.now_ms }, "a tick")
    await this.settle()
  }

  /** Stops the child and reads its state back from its file. */
  async stop(): Promise<unknown> {
    await this.#child.stop()
    const node = crashNodes(this.label).find((n) => n.id === this.remote)
    if (node === undefined || !isPartyKind(node.machine.kind)) throw new Error(`no party ${this.remote}`)
    const store = SqliteStore.open(this.file, node.machine.kind)
    const state = Effect.runSync(store.load(node.state.identity))
    store.close()
    return state
  }

  /** Every party's state, the remote one's as `remoteState` (read from its file). */
  view(remoteState: unknown): SystemView {
    const observable = { now_ms: this.now_ms, state: <S>(id: PartyId): S => (id === this.remote ? remoteState : this.state(id)) as S }
    return systemView(observable, STANDARD_ROLES)
  }
}
