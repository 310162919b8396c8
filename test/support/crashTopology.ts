/**
 * The parties of the crash test: the standard topology, with Alice rich enough for every
 * checkout of the longer plan (`CRASH_CHECKOUTS=30`: EUR 500, the standard balance, runs out at
 * the thirteenth). The test's own process and the party's child process build them alike.
 */
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import type { Node } from "../../src/drivers/InMemoryNetwork.js"
import * as Topology from "../../src/drivers/Topology.js"

/** Alice's opening balance in the crash test, in euro cents: EUR 100,000. */
const ALICE_BALANCE_minor = 10_000_000

/** The crash test's parties, keyed from `label`. */
export const crashNodes = (label: string): ReadonlyArray<Node> =>
  Topology.standardNodes(Topology.makeKeys(NodeEd25519, label), { aliceBalance_minor: ALICE_BALANCE_minor })
