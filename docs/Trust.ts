/**
 * The trust picture of the standard topology, drawn from the parties' real key registries: who
 * has registered whose public key, in which role.
 */
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import * as Topology from "../src/drivers/Topology.js"
import type { PartyIdentity } from "../src/machine/Party.js"

const nodeId = (party: string): string => party.replace(/[^A-Za-z0-9]/g, "_")

/**
 * A Mermaid flowchart with one arrow per registered key, from the key's owner to the party that
 * registered it, labelled with the key's role and id; a dotted line for a browser's session.
 */
export const trustDiagram = (topology: string): string => {
  if (topology !== "standard") throw new Error(`generated block: unknown topology ${topology}`)
  const nodes = Topology.standardNodes(Topology.makeKeys(NodeEd25519, "docs"))
  const lines = ["flowchart LR"]
  for (const node of nodes) lines.push(`  ${nodeId(node.id)}["${node.id} (${node.machine.kind})"]`)
  for (const node of nodes) {
    const { identity, merchant } = node.state as { readonly identity?: PartyIdentity; readonly merchant?: string }
    // The browser holds no key: its session with the merchant is authenticated by the transport.
    if (identity === undefined) {
      if (merchant !== undefined) lines.push(`  ${nodeId(node.id)} -. "session: TLS and cookie, unsigned" .- ${nodeId(merchant)}`)
      continue
    }
    for (const key of Object.values(identity.registry)) lines.push(`  ${nodeId(key.owner)} -- "${key.role} key ${key.keyId}" --> ${nodeId(node.id)}`)
  }
  return lines.join("\n")
}
