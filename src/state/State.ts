/**
 * A codec for every party's durable state: JSON out, Schema-checked JSON in.
 *
 * Each party kind's state is kept as a small **header** (configuration and counters) and named
 * **tables** of rows by key (payments, records, outbox entries, challenges, ledger accounts,
 * cycles, ...), each with its own Schema; fields that hold protocol messages reuse the message
 * Schemas. {@link encodeState} turns a state into one JSON-safe document; {@link decodeState}
 * checks a document against the Schemas and rebuilds the state, and {@link encodeRow} and
 * {@link decodeRow} do the same for one row, the unit a store reads and writes.
 *
 * A party's **identity** (its party id, its signing seed and its registry of trusted keys) is not
 * part of its durable state and is never encoded: a party is loaded with its identity from its
 * configuration, so {@link decodeState} takes it as an argument (`null` for the browser, which
 * signs nothing), and refuses a document whose party is not the identity's.
 *
 * Decoding never throws and never fills in a default: an unknown field, a wrong type, a missing
 * field, a row that names another table or another party kind (a foreign row), a document of
 * another kind, or text that is not JSON, each fails with a {@link StateDecodeError} naming the
 * party kind, the table and the row's key.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Ed25519Backends, InMemoryNetwork, Issuer, State, Topology } from "checkout-protocol"
 *
 * const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
 * const net = new InMemoryNetwork.InMemoryNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
 * const issuer = net.state<Issuer.IssuerState>(Topology.ids.issuer)
 *
 * const text = JSON.stringify(State.encodeState("Issuer", issuer)) // no seed, no registry in it
 * const restored = Effect.runSync(State.stateFromJson("Issuer", text, issuer.identity))
 * restored.ledger.accounts.get("acct-alice")?.creditsPosted // 50000
 *
 * // A row of the gateway's payments table is refused in the issuer's authorizations table.
 * const refused = Effect.runSync(Effect.flip(State.decodeRow("Issuer", "authorizations", "gw/a-1", { of: "Gateway.payments", row: {} })))
 * refused.message // 'Issuer authorizations["gw/a-1"]: a foreign row: it belongs to Gateway.payments, not Issuer.authorizations'
 * ```
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import type { PartyIdentity } from "../machine/Party.js"
import type { Table } from "../machine/Table.js"
import * as BrowserCodec from "./BrowserCodec.js"
import * as ClearingHouseCodec from "./ClearingHouseCodec.js"
import { DOCUMENT, StateDecodeError } from "./Errors.js"
import * as GatewayCodec from "./GatewayCodec.js"
import * as IssuerCodec from "./IssuerCodec.js"
import * as MerchantCodec from "./MerchantCodec.js"
import * as PhoneCodec from "./PhoneCodec.js"
import * as Codec from "./Codec.js"
import type { Parts, PartyCodec } from "./Codec.js"

export { DOCUMENT, HEADER, StateDecodeError } from "./Errors.js"
export { FORMAT_VERSION, type AnyPartyCodec, type EncodedDocument, type EncodedRow, type Parts, type PartyCodec } from "./Codec.js"
export * as Rows from "./Rows.js"
export * as BrowserCodec from "./BrowserCodec.js"
export * as MerchantCodec from "./MerchantCodec.js"
export * as GatewayCodec from "./GatewayCodec.js"
export * as IssuerCodec from "./IssuerCodec.js"
export * as PhoneCodec from "./PhoneCodec.js"
export * as ClearingHouseCodec from "./ClearingHouseCodec.js"

/** Every party kind's codec, by the kind its machine has. @since 0.3.0 */
export const CODECS = {
  Browser: BrowserCodec.codec,
  Merchant: MerchantCodec.codec,
  Gateway: GatewayCodec.codec,
  Issuer: IssuerCodec.codec,
  Phone: PhoneCodec.codec,
  ClearingHouse: ClearingHouseCodec.codec
} as const

/** A party kind: `"Browser"`, `"Merchant"`, `"Gateway"`, `"Issuer"`, `"Phone"` or `"ClearingHouse"`. @since 0.3.0 */
export type PartyKind = keyof typeof CODECS

/** The party kinds, in the order of the protocol's hops. @since 0.3.0 */
export const PARTY_KINDS: ReadonlyArray<PartyKind> = ["Browser", "Merchant", "Gateway", "Issuer", "Phone", "ClearingHouse"]

/** Whether `kind` names a party kind (a machine's `kind` is a plain string). @since 0.3.0 */
export const isPartyKind = (kind: string): kind is PartyKind => Object.hasOwn(CODECS, kind)

/** The codec of party kind `K`. @since 0.3.0 */
export type CodecOf<K extends PartyKind> = (typeof CODECS)[K]

/** The state of a party of kind `K`, as its machine keeps it. @since 0.3.0 */
export type StateOf<K extends PartyKind> = CodecOf<K> extends PartyCodec<infer S, any, any, any> ? S : never

/** What a party of kind `K` is loaded with besides its stored state: its identity, or `null` for the browser. @since 0.3.0 */
export type IdentityOf<K extends PartyKind> = K extends "Browser" ? null : PartyIdentity

/** The tables of a party of kind `K` and their row types. @since 0.3.0 */
export type TablesOf<K extends PartyKind> = CodecOf<K> extends PartyCodec<any, any, any, infer T> ? T : never

/** The header of a party of kind `K`. @since 0.3.0 */
export type HeaderOf<K extends PartyKind> = CodecOf<K> extends PartyCodec<any, any, infer H, any> ? H : never

/** The codec of party kind `kind`, as the untyped codec functions take it. @since 0.3.0 */
export const codecOf = (kind: PartyKind): Codec.AnyPartyCodec => CODECS[kind] as Codec.AnyPartyCodec

/** The names of the tables a party of kind `kind` keeps. @since 0.3.0 */
export const tableNames = <K extends PartyKind>(kind: K): ReadonlyArray<keyof TablesOf<K> & string> =>
  Object.keys(CODECS[kind].tables) as Array<keyof TablesOf<K> & string>

/** The state's stored parts: its party id, header and tables, not yet encoded. @since 0.3.0 */
export const split = <K extends PartyKind>(kind: K, state: StateOf<K>): Parts<HeaderOf<K>, TablesOf<K>> =>
  codecOf(kind).split(state) as Parts<HeaderOf<K>, TablesOf<K>>

/** The identity a party's state holds (it is never stored), as a decoder or a join takes it: `null` for the browser. @since 0.6.0 */
export const identityOf = <K extends PartyKind>(kind: K, state: StateOf<K>): IdentityOf<K> =>
  (kind === "Browser" ? null : (state as { readonly identity: PartyIdentity }).identity) as IdentityOf<K>

/**
 * The state once its store committed the writes that led to it: every table
 * {@link Table.backed} by the store drops them from memory ({@link Table.spill}); the state of a
 * party not backed by a store is returned as it is.
 *
 * @since 0.6.0
 */
export const spill = <K extends PartyKind>(kind: K, state: StateOf<K>): StateOf<K> => {
  const codec = codecOf(kind)
  const parts = codec.split(state)
  const tables = Object.fromEntries(Object.entries(parts.tables).map(([name, table]) => [name, table.spill()]))
  return codec.join({ ...parts, tables }, identityOf(kind, state)) as StateOf<K>
}

/**
 * Encodes a party's state as one JSON-safe document: the kind, the format version, the party id,
 * the header and every table, each row tagged with its table. Never includes the identity.
 *
 * @since 0.3.0
 */
export const encodeState = <K extends PartyKind>(kind: K, state: StateOf<K>): Codec.EncodedDocument => Codec.encodeDocument(codecOf(kind), state)

/**
 * Decodes a document written by {@link encodeState} (after `JSON.parse`) into the state of a
 * party of kind `kind`, loaded with `identity`; fails with a {@link StateDecodeError} naming
 * where the document is wrong.
 *
 * @since 0.3.0
 */
export const decodeState = <K extends PartyKind>(kind: K, json: unknown, identity: IdentityOf<K>): Effect.Effect<StateOf<K>, StateDecodeError> =>
  Codec.decodeDocument(codecOf(kind), json, identity) as Effect.Effect<StateOf<K>, StateDecodeError>

/** {@link decodeState} from JSON text: text that does not parse is a {@link StateDecodeError} of the document. @since 0.3.0 */
export const stateFromJson = <K extends PartyKind>(kind: K, text: string, identity: IdentityOf<K>): Effect.Effect<StateOf<K>, StateDecodeError> =>
  Effect.flatMap(Codec.parseJson(kind, DOCUMENT, null, text), (json) => decodeState(kind, json, identity))

/** Encodes the header of a party of kind `kind`, as {@link encodeState} writes it. @since 0.6.0 */
export const encodeHeader = <K extends PartyKind>(kind: K, header: HeaderOf<K>): unknown => Codec.encodeHeader(codecOf(kind), header)

/** Encodes one row of table `table` of a party of kind `kind`, tagged with its table. @since 0.3.0 */
export const encodeRow = <K extends PartyKind, N extends keyof TablesOf<K> & string>(kind: K, table: N, row: TablesOf<K>[N]): Codec.EncodedRow =>
  Codec.encodeRow(codecOf(kind), table, row)

/**
 * Decodes the row stored under `key` in table `table` of a party of kind `kind`; fails with a
 * {@link StateDecodeError} if it does not decode with the table's Schema or names another table
 * (a foreign row).
 *
 * @since 0.3.0
 */
export const decodeRow = <K extends PartyKind, N extends keyof TablesOf<K> & string>(
  kind: K,
  table: N,
  key: string,
  json: unknown
): Effect.Effect<TablesOf<K>[N], StateDecodeError> => Codec.decodeRow(codecOf(kind), table, key, json) as Effect.Effect<TablesOf<K>[N], StateDecodeError>

/** {@link decodeRow} from JSON text: text that does not parse (a truncated row) is a {@link StateDecodeError} at the table and key. @since 0.3.0 */
export const rowFromJson = <K extends PartyKind, N extends keyof TablesOf<K> & string>(
  kind: K,
  table: N,
  key: string,
  text: string
): Effect.Effect<TablesOf<K>[N], StateDecodeError> => Effect.flatMap(Codec.parseJson(kind, table, key, text), (json) => decodeRow(kind, table, key, json))
