/**
 * What every party machine is: an initial state, a pure `step`, a crash rule, and its
 * transitions as data.
 *
 * `step(state, input)` returns an Effect of the next state and the outputs: packets to send and
 * events for the trace. It reads no clock (every input carries `now_ms`), draws no randomness,
 * does no I/O and never fails: a refused input yields the unchanged state and a `Rejected` event.
 * The only service it needs is {@link Ed25519}, and the layers provided for it are synchronous,
 * so a driver can run a step with `Effect.runSync`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import type { PartyId, Timestamp_ms } from "../domain/Ids.js"
import type { Rejection } from "../domain/Rejection.js"

/**
 * One message on its way: the sender, the recipient, and the JSON-ready payload. `session`
 * packets go between a browser and a merchant on the shopper's session and are not signed;
 * `signed` packets carry a {@link Envelope.WireEnvelope}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Packet {
  readonly from: PartyId
  readonly to: PartyId
  readonly channel: "session" | "signed"
  readonly payload: unknown
}

/** A packet the step wants sent. @category outputs @since 0.1.0 */
export interface Send {
  readonly _tag: "Send"
  readonly packet: Packet
}

/** An entity moved from one declared state to another. @category outputs @since 0.1.0 */
export interface Transitioned {
  readonly _tag: "Transitioned"
  readonly party: PartyId
  readonly entity: string
  readonly id: string
  readonly from: string
  readonly on: string
  readonly to: string
}

/** An input was refused; the state did not change. @category outputs @since 0.1.0 */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly party: PartyId
  readonly input: string
  readonly rejection: Rejection
}

/** Everything a step can output. @category outputs @since 0.1.0 */
export type Output = Send | Transitioned | Rejected

/** The result of one step. @category models @since 0.1.0 */
export interface Step<S> {
  readonly state: S
  readonly outputs: ReadonlyArray<Output>
}

/** What every input has: its tag and the time it arrives. @category models @since 0.1.0 */
export interface Input {
  readonly _tag: string
  readonly now_ms: Timestamp_ms
}

/** A packet arriving from the network. @category inputs @since 0.1.0 */
export interface Receive {
  readonly _tag: "Receive"
  readonly now_ms: Timestamp_ms
  readonly packet: Packet
}

/** Time passes: retries become due and deadlines pass. @category inputs @since 0.1.0 */
export interface Tick {
  readonly _tag: "Tick"
  readonly now_ms: Timestamp_ms
}

/**
 * One declared transition: an `entity` (an order, a payment, a challenge, ...) in state `from`
 * moves to state `to` on input `on`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Transition {
  readonly entity: string
  readonly from: string
  readonly on: string
  readonly to: string
}

/**
 * A party machine: its kind, its declared transitions, its pure `step`, and its crash rule. A
 * driver runs a step with `Effect.runSync`, providing one of the two Ed25519 layers.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Ed25519Backends, Gateway, Ids, KeyRegistry, Topology } from "checkout-protocol"
 *
 * const gateway = Gateway.initial({
 *   id: Topology.ids.gateway,
 *   signing: { keyId: Ids.KeyId.make("gateway-1.k1"), seed: Topology.seedFor("example", "gateway-1") },
 *   registry: KeyRegistry.makeRegistry([])
 * })
 * // A packet whose payload is not an envelope: refused, and the state is the very same object.
 * const packet = { from: Topology.ids.merchant, to: Topology.ids.gateway, channel: "signed" as const, payload: "garbage" }
 * const { state, outputs } = Effect.runSync(
 *   Effect.provide(Gateway.Gateway.step(gateway, { _tag: "Receive", now_ms: Topology.START_ms, packet }), Ed25519Backends.NodeEd25519)
 * )
 * state === gateway // true
 * outputs.map((o) => o._tag) // ["Rejected"]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Machine<S, I extends Input> {
  /** The kind of party, such as `"Issuer"`. */
  readonly kind: string
  /** Every transition the machine can make, as data; the docs draw them and the tests hold the machine to them. */
  readonly transitions: ReadonlyArray<Transition>
  /** Decides the next state and outputs. Pure; never fails. */
  readonly step: (state: S, input: I) => Effect.Effect<Step<S>, never, Ed25519>
  /** The state after a crash and restart: the durable part kept, the volatile part lost, unacknowledged requests due again. */
  readonly restart: (state: S) => S
}

/** A step that changes nothing and outputs nothing. @since 0.1.0 */
export const unchanged = <S>(state: S): Step<S> => ({ state, outputs: [] })

/** A {@link Send} output. @since 0.1.0 */
export const send = (packet: Packet): Send => ({ _tag: "Send", packet })

/** A {@link Transitioned} output. @since 0.1.0 */
export const transitioned = (t: Omit<Transitioned, "_tag">): Transitioned => ({ _tag: "Transitioned", ...t })

/**
 * Runs a handler that may fail with a rejection, turning a failure into the unchanged state plus
 * a `Rejected` event. This is how every machine keeps "a refused input changes nothing".
 *
 * @since 0.1.0
 */
export const guard = <S, R>(
  party: PartyId,
  state: S,
  input: string,
  handler: Effect.Effect<Step<S>, Rejection, R>
): Effect.Effect<Step<S>, never, R> =>
  Effect.catch(handler, (rejection: Rejection) =>
    Effect.succeed({ state, outputs: [{ _tag: "Rejected", party, input, rejection } satisfies Rejected] })
  )

/** Fails with `rejection` unless `condition` holds. @since 0.1.0 */
export const ensure = (condition: boolean, rejection: () => Rejection): Effect.Effect<void, Rejection> =>
  condition ? Effect.void : Effect.fail(rejection())
