/**
 * `checkout-protocol/sqlite`: a party run from its own SQLite file through `node:sqlite` (Node
 * 22), each step's writes and outbox committed in one transaction before its packets leave.
 * A separate entry point, so that importing the protocol does not load `node:sqlite`.
 *
 * @module
 * @since 0.3.0
 */
export * as SqliteStore from "./SqliteStore.js"
export * as StoredParty from "./StoredParty.js"
export * as StoredNetwork from "./StoredNetwork.js"
