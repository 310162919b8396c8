/**
 * The world the harness acts on: every party's state on an in-memory network whose packets the
 * commands deliver, drop, duplicate, delay, replay and forge; the clock; everything ever sent
 * (what an attacker has recorded); the reference model; and counters of what was exercised.
 */
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { PartyId, Timestamp_ms } from "../domain/Ids.js"
import type { InMemoryNetwork, TraceEntry } from "../drivers/InMemoryNetwork.js"
import type { SyncRunner } from "../drivers/Runner.js"
import type { Input, Machine, Output, Packet, Transitioned } from "../machine/Machine.js"
import { deadlineFindings } from "../../model/Deadlines.js"
import { judgeOperations } from "../../model/Operations.js"
import * as ModelOps from "../../model/Model.js"
import type { Model } from "../../model/Model.js"
import type { SystemView } from "../../model/Invariants.js"
import { systemView } from "../../model/View.js"
import { tagOf } from "./Command.js"
import type { Core } from "./Core.js"
import { buildWorld, scopeFeatures, type Directory, type Scope } from "./Scope.js"
import { isInsiderOwn } from "./Insider.js"
import { countCheck, InvariantViolation } from "./Invariants.js"
import { retentionHorizon } from "./Retention.js"

/** Per-run conditions (swarm testing): each run draws its own world and fault rates. */
export interface Swarm {
  /** The world's topology: how many merchants, gateways, issuers, customers, phones and currencies. */
  readonly scope: Scope
  /** Chance that delivering a packet drops it instead (up to 0.3). */
  readonly dropRate: number
  /** Chance that a delivered packet is also left in flight as a duplicate (up to 0.5). */
  readonly duplicateRate: number
  /** Chance that a delivery is followed by a replay of a recorded packet (up to 0.5). */
  readonly replayRate: number
}

/** One numbered line of a run's readable trace. */
export interface Line {
  readonly command: string
  readonly outputs: ReadonlyArray<string>
}

/** The most packets the harness's network holds in flight. */
export const NETWORK_CAPACITY = 128

/**
 * A world's state at one moment, as the explorer keeps it (`src/explore/`): every party's state,
 * the packets in flight, the clock, the reference model, and the insider's count of lies. Party
 * states are persistent values, so a snapshot shares them with the world instead of copying.
 */
export interface WorldSnapshot {
  readonly states: ReadonlyArray<unknown>
  readonly inFlight: ReadonlyArray<Packet>
  readonly now_ms: Timestamp_ms
  readonly model: Model
  readonly lies: number | null
}

/** The harness's world. */
export class World {
  readonly net: InMemoryNetwork
  /** Who is who in this run's world. */
  readonly directory: Directory
  model: Model = ModelOps.empty
  readonly lines: Array<Line> = []
  /** How often each fault and each people's action was exercised in this run. */
  readonly exercised = new Map<string, number>()
  /** Party steps taken (every input to every machine). */
  steps = 0
  /** Harness commands run. */
  commands = 0
  /** How many lies a compromised merchant has told its shoppers' pages, once it started lying (`null`: it has not). */
  lies: number | null = null

  constructor(
    readonly core: Core,
    readonly crypto: Layer.Layer<Ed25519>,
    readonly run: SyncRunner,
    readonly swarm: Swarm,
    machines: ReadonlyArray<Machine<any, any>> = []
  ) {
    const built = buildWorld(core, crypto, swarm.scope)
    this.directory = built.directory
    const nodes = built.nodes.map((n) => ({ ...n, machine: machines.find((m) => m.kind === n.machine.kind) ?? n.machine }))
    this.net = new core.InMemoryNetwork.InMemoryNetwork(crypto, nodes, core.Topology.START_ms)
    this.#nodes = nodes
    this.declared = new Map(nodes.map((n) => [n.id, new Set(n.machine.transitions.map(transitionKey))]))
    this.kinds = new Map(nodes.map((n) => [n.id, n.machine.kind]))
    for (const feature of scopeFeatures(swarm.scope)) this.count(feature)
  }

  /** The network's nodes, the same objects it steps: what {@link restore} writes states into. */
  readonly #nodes: ReadonlyArray<{ state: unknown }>

  /** The world's state now; see {@link WorldSnapshot}. */
  snapshot(): WorldSnapshot {
    return { states: this.#nodes.map((n) => n.state), inFlight: [...this.net.inFlight], now_ms: this.net.now_ms, model: this.model, lies: this.lies }
  }

  /** Puts the world back to `snapshot`, and forgets its history (trace, lines, recorded packets): the explorer keeps paths, not traces. */
  restore(snapshot: WorldSnapshot): void {
    this.#nodes.forEach((n, i) => {
      n.state = snapshot.states[i]
    })
    this.net.inFlight.splice(0, this.net.inFlight.length, ...snapshot.inFlight)
    this.net.now_ms = snapshot.now_ms
    this.model = snapshot.model
    this.lies = snapshot.lies
    this.net.trace.length = 0
    this.lines.length = 0
    this.#recorded.length = 0
    this.#genuine.clear()
    this.#indexed = 0
    this.#timed.length = 0
  }

  /** Each party's machine kind, such as `"Issuer"`. */
  readonly kinds: ReadonlyMap<string, string>

  /** Each party's declared transitions, as keys. */
  readonly declared: ReadonlyMap<string, ReadonlySet<string>>

  /** The parties that hold keys and accept signed packets. */
  get signingParties(): ReadonlyArray<PartyId> {
    const d = this.directory
    return [...d.merchants, ...d.gateways, ...d.issuers, ...d.phones, d.clearing]
  }

  /** Every party. */
  get parties(): ReadonlyArray<PartyId> {
    return [...this.directory.browsers, ...this.signingParties]
  }

  /**
   * The network holds at most {@link NETWORK_CAPACITY} packets in flight; past that it loses the
   * oldest, as a full buffer does. Without a bound, a high duplicate rate would grow the queue
   * without end and a run would never finish.
   */
  trimNetwork(): void {
    const excess = this.net.inFlight.length - NETWORK_CAPACITY
    if (excess <= 0) return
    this.net.inFlight.splice(0, excess)
    this.count("overflow")
  }

  readonly #recorded: Array<Packet> = []
  readonly #genuine = new Set<string>()
  #indexed = 0

  /** Every packet ever put on the wire: what an attacker has recorded. */
  recorded(): ReadonlyArray<Packet> {
    // Indexed as the trace grows, so aiming and forging stay cheap however long a run gets.
    for (; this.#indexed < this.net.trace.length; this.#indexed++) {
      const entry: TraceEntry | undefined = this.net.trace[this.#indexed]
      if (entry?._tag !== "Sent") continue
      this.#recorded.push(entry.packet)
      this.#genuine.add(this.core.Canonical.canonicalJson(entry.packet.payload))
    }
    return this.#recorded
  }

  /** Counts one exercise of `kind` (a fault or a people's action). */
  count(kind: string): void {
    this.exercised.set(kind, (this.exercised.get(kind) ?? 0) + 1)
  }

  /** Feeds an input to a party and logs it as one numbered line of the trace. */
  input<I extends { readonly _tag: string; readonly now_ms: Timestamp_ms }>(command: string, party: PartyId, input: I): ReadonlyArray<Output> {
    const outputs = this.observe(command, party, this.step(command, party, input))
    this.steps++
    this.lines.push({ command, outputs: outputs.map(describe) })
    return outputs
  }

  /** Delivers `packet` to `to` as a Receive. */
  receive(command: string, to: PartyId, packet: Packet): ReadonlyArray<Output> {
    const before = this.net.state<unknown>(to)
    const outputs = this.input(command, to, { _tag: "Receive", now_ms: this.net.now_ms, packet })
    if (this.forged.has(packet)) {
      // A forgery must be rejected and change nothing; otherwise the model records it as accepted.
      const rejected = outputs.some((o) => o._tag === "Rejected")
      if (!rejected || this.net.state<unknown>(to) !== before) this.model = ModelOps.forgeryAccepted(this.model, `${command} -> ${to}`)
    }
    return outputs
  }

  /** The forged packets the attacker made, wherever they travel. */
  readonly forged = new WeakSet<Packet>()

  /**
   * Marks `packet` as a forgery, unless its payload is byte for byte one an honest party really
   * sent (forging a forgery back into the original is a replay, not a forgery) or one the run's
   * insider signed as itself (`isInsiderOwn`), which it may send.
   */
  markForged(packet: Packet): void {
    this.recorded()
    if (this.#genuine.has(this.core.Canonical.canonicalJson(packet.payload))) return
    const insider = this.directory.compromised
    if (insider !== null && this.run(isInsiderOwn(this.core, insider, packet))) return
    this.forged.add(packet)
  }

  /** Injects a forged packet straight into party `to`. */
  injectForgery(command: string, to: PartyId, packet: Packet): void {
    this.markForged(packet)
    this.receive(command, to, packet)
  }

  readonly #timed: Array<{ readonly at_ms: number; readonly packet: Packet }> = []

  /**
   * Has the insider send `packet` at `at_ms`: when the clock gets there, it reaches its recipient
   * at that instant, before any party ticks then (an acquirer's capture timed to a hold's expiry).
   */
  sendAt(at_ms: number, packet: Packet): void {
    this.#timed.push({ at_ms, packet })
  }

  /** Sends the timed packets due by `until_ms`, soonest first, each at its instant (or now, if the clock was set past it). */
  #sendTimed(until_ms: number): void {
    this.#timed.sort((a, b) => a.at_ms - b.at_ms)
    for (let next = this.#timed[0]; next !== undefined && next.at_ms <= until_ms; next = this.#timed[0]) {
      this.#timed.shift()
      const { at_ms, packet } = next
      this.net.now_ms = Math.max(this.net.now_ms, at_ms) as Timestamp_ms
      this.count("insider:timed send")
      this.receive(`insider ${packet.from}: send its ${tagOf(packet)} -> ${packet.to} at ${this.net.now_ms}, as it planned`, packet.to, packet)
    }
  }

  /**
   * Lets `delta_ms` pass, every party ticks; never past `horizon_ms`, by default the retention
   * horizon (`Retention.ts`) of a request still waiting for its answer (the protocol's assumption
   * that every request is answered within its retention window); a run's commands pass the
   * earlier `faultHorizon`. The insider's packets timed by then are sent first, each at its
   * instant (see {@link World.sendAt}).
   */
  advance(command: string, delta_ms: number, horizon_ms: number = retentionHorizon(this)): void {
    if (this.net.now_ms + delta_ms > horizon_ms) this.count(horizon_ms < retentionHorizon(this) ? "clock:held at the fault horizon" : "clock:held at the retention horizon")
    const now_ms = Math.max(this.net.now_ms, Math.min(this.net.now_ms + delta_ms, horizon_ms)) as Timestamp_ms
    this.#sendTimed(now_ms)
    this.net.now_ms = now_ms
    const outputs: Array<string> = []
    for (const party of this.parties) {
      outputs.push(...this.observe(command, party, this.step(command, party, { _tag: "Tick", now_ms })).map(describe))
      this.steps++
    }
    this.lines.push({ command, outputs })
  }

  /**
   * Steps `party` with `input`. A party answers every input, with a typed rejection at worst
   * (DESIGN section 6: bad input gets a clear typed error and changes nothing); one that throws
   * instead breaks the `totality` check.
   */
  step(command: string, party: PartyId, input: Input): ReadonlyArray<Output> {
    const before = this.net.state<unknown>(party)
    let outputs: ReadonlyArray<Output>
    try {
      outputs = this.net.input(party, input)
    } catch (error) {
      if (error instanceof InvariantViolation) throw error
      this.lines.push({ command, outputs: [] })
      throw new InvariantViolation("totality", command, [`${party} threw on ${input._tag} instead of answering: ${error instanceof Error ? error.message : String(error)}`])
    }
    this.#checkDeadlines(command, party, input, before, outputs)
    this.#checkOperations(command, party, input, before, outputs)
    for (const bound of outputs.flatMap(boundRefused)) {
      this.count(REFUSED_AT_BOUND)
      this.count(refusedAt(bound))
    }
    return outputs
  }

  /** The `deadlines` check (`model/Deadlines.ts`) on an honest party's step: nothing expired early and, after a tick, nothing left open past its expiry. */
  #checkDeadlines(command: string, party: PartyId, input: Input, before: unknown, outputs: ReadonlyArray<Output>): void {
    if (party === this.directory.compromised?.id) return
    countCheck("deadlines")
    const transitions = outputs.filter((o): o is Transitioned => o._tag === "Transitioned")
    const findings = deadlineFindings(this.kinds.get(party) ?? "?", before, this.net.state<unknown>(party), input.now_ms, input._tag === "Tick", transitions)
    if (findings.length === 0) return
    this.lines.push({ command, outputs: outputs.map(describe) })
    throw new InvariantViolation("deadlines", command, findings.map((f) => `${party}: ${f}`))
  }

  /** The `operations` check (`model/Operations.ts`) on an honest merchant's, gateway's or issuer's step: each capture, void and refund given the verdict the spec gives (refused by the merchant itself or sent, refused by the gateway, forwarded, decided by the issuer, relayed unchanged), a repeat its recorded answer, and every authorization it touched standing where its hold says. */
  #checkOperations(command: string, party: PartyId, input: Input, before: unknown, outputs: ReadonlyArray<Output>): void {
    if (party === this.directory.compromised?.id) return
    countCheck("operations")
    const { judged, findings } = judgeOperations(this.kinds.get(party) ?? "?", before, this.net.state<unknown>(party), input, outputs)
    if (judged !== null) this.count(`operation verdict:${judged}`)
    if (findings.length === 0) return
    this.lines.push({ command, outputs: outputs.map(describe) })
    throw new InvariantViolation("operations", command, findings.map((f) => `${party}: ${f}`))
  }

  /** Checks that every transition a party made is one its machine declares. */
  observe(command: string, party: PartyId, outputs: ReadonlyArray<Output>): ReadonlyArray<Output> {
    const declared = this.declared.get(party) ?? new Set<string>()
    for (const o of outputs) {
      if (o._tag !== "Transitioned") continue
      const key = transitionKey(o)
      this.count(transitionCounter(this.kinds.get(party) ?? "?", key))
      if (!declared.has(key)) {
        this.lines.push({ command, outputs: outputs.map(describe) })
        throw new InvariantViolation("declaredTransitions", command, [`${party} made an undeclared transition: ${key}`])
      }
    }
    return outputs
  }

  /** Every party's real state now. */
  view(): SystemView {
    return systemView(this.net, this.directory)
  }

  /** The readable trace, then the run as a Mermaid sequence diagram in a fenced block: how a failure is printed. */
  traceWithDiagram(): ReadonlyArray<string> {
    return [...this.traceLines(), "", "```mermaid", this.core.Trace.mermaid(this.net.trace, this.parties), "```"]
  }

  /** The readable trace: numbered lines, each command followed by what it caused. */
  traceLines(): ReadonlyArray<string> {
    return this.lines.flatMap((line, i) => [`${String(i + 1).padStart(3)}. ${line.command}`, ...line.outputs.map((o) => `       ${o}`)])
  }
}

/** The counter of inputs a party refused because a bound was reached: its outbox full, or a clearing cycle; {@link refusedAt} counts each bound apart. @since 0.6.0 */
export const REFUSED_AT_BOUND = "refused at a bound"

/** The counter of refusals at one bound, as the party said it: `refused at a bound: cycle full`. @since 0.6.0 */
export const refusedAt = (bound: string): string => `${REFUSED_AT_BOUND}: ${bound}`

/** What the parties say when they refuse new work at a bound: a merchant's outbox (payments or operations in flight), a clearing cycle, the clearing house's outbox. */
const AT_BOUND = /^(too many (payments|requests) in flight|cycle full|outbox full)/

/** The bound `o` is a refusal at, as the party said it (`too many payments in flight`, `cycle full`...), if it is one. */
const boundRefused = (o: Output): ReadonlyArray<string> => {
  const at = o._tag === "Rejected" && o.rejection._tag === "InvalidRequest" ? AT_BOUND.exec(o.rejection.detail) : null
  return at === null ? [] : [at[0]]
}

/** The counter of a declared transition taken by a machine of `kind`, in a run's exercised counts. */
export const transitionCounter = (kind: string, key: string): string => `transition:${kind}: ${key}`

/** A transition as one comparable string. */
export const transitionKey = (t: { readonly entity: string; readonly from: string; readonly on: string; readonly to: string }): string =>
  `${t.entity}: ${t.from} -> ${t.to} on ${t.on}`

/** One output as a short line. */
export const describe = (o: Output): string => {
  switch (o._tag) {
    case "Send": {
      const payload = o.packet.payload as { _tag?: string; body?: { _tag?: string } }
      return `send ${o.packet.from} -> ${o.packet.to}: ${payload.body?._tag ?? payload._tag ?? "?"}`
    }
    case "Transitioned":
      return `${o.party}: ${o.entity} ${o.id} ${o.from} -> ${o.to} on ${o.on}`
    case "Rejected":
      return `${o.party}: rejected ${o.input} with ${o.rejection._tag}`
  }
}
