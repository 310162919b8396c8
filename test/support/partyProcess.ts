/**
 * One party of the standard topology run as its own process from its SQLite file, for the crash
 * test: `node --import tsx test/support/partyProcess.ts <party id> <file> <seed label> [forget-records]`.
 * With `forget-records`, the issuer loses its idempotency records and its authorizations on every
 * restart, as a store that did not persist them would: the flaw the crash test must catch. (Losing
 * the records alone is no longer enough to do anything twice: a retry under an id whose
 * authorization is kept is refused as a conflict, spec 4.9.)
 *
 * It reads one request per line on stdin, `{ "input": <Receive or Tick>, "die": <when> }`, steps
 * the party through {@link StoredParty} (step, commit, send) and answers one line on stdout,
 * `{ "sent": [<packets>] }`. When `die` is `"stepped"` (after the step, before its commit) or
 * `"committed"` (after the commit, before the answer), the process kills itself there with
 * SIGKILL: no handler runs, nothing is flushed, exactly as a crash.
 */
import { createInterface } from "node:readline"
import { Effect } from "effect"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { StoredParty, type Phase } from "../../src/drivers/StoredParty.js"
import type { PartyId } from "../../src/domain/Ids.js"
import * as Idempotency from "../../src/machine/Idempotency.js"
import { Table } from "../../src/machine/Table.js"
import { crashNodes } from "./crashTopology.js"
import type { Input } from "../../src/machine/Machine.js"
import { isPartyKind } from "../../src/state/State.js"

const [party, path, label, flaw] = process.argv.slice(2)
const node = crashNodes(label ?? "").find((n) => n.id === (party as PartyId))
if (node === undefined || path === undefined || !isPartyKind(node.machine.kind) || node.machine.kind === "Browser") {
  console.error(`partyProcess: usage: <party id of the standard topology> <file> <seed label> [forget-records]; got ${process.argv.slice(2).join(" ")}`)
  process.exit(2)
}
const kind = node.machine.kind
const machine = flaw === "forget-records" ? { ...node.machine, restart: (state: never) => ({ ...node.machine.restart(state), records: Idempotency.emptyRetained, authorizations: Table.empty() }) } : node.machine
let dieAt: Phase | null = null
const stored = Effect.runSync(
  StoredParty.open({
    path,
    kind,
    // The kind is known only at run time: the party's own machine, identity and state go with it.
    machine: machine as never,
    identity: node.state.identity as never,
    initial: () => node.state as never,
    crypto: NodeEd25519,
    observe: (phase) => {
      if (phase === dieAt) process.kill(process.pid, "SIGKILL")
    }
  })
)
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as { readonly input: Input; readonly die: Phase | null }
  dieAt = request.die
  const sent = stored.step(request.input).flatMap((output) => (output._tag === "Send" ? [output.packet] : []))
  process.stdout.write(`${JSON.stringify({ sent })}\n`)
}
stored.close()
