/**
 * The main job (`npm start`): three checkouts on the in-memory network with the `node:crypto`
 * backend: one approved, one declined on the phone, one whose challenge expires unanswered. It
 * prints every hop (from, to, message, key id, short signature), then the approved run as a
 * Mermaid sequence diagram, then a short adversarial check.
 */
import { Ed25519Backends, InMemoryNetwork, Shopper, Topology, Trace } from "../src/index.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import { Ledger } from "../src/index.js"
import { attack } from "./adversary.js"

const { ids, accounts } = Topology
const crypto = Ed25519Backends.NodeEd25519
const keys = Topology.makeKeys(crypto, "demo")
const participants = [ids.browser, ids.merchant, ids.gateway, ids.issuer, ids.alicePhone]

const scenario = (title: string, run: (net: InMemoryNetwork.InMemoryNetwork) => void): InMemoryNetwork.InMemoryNetwork => {
  const net = new InMemoryNetwork.InMemoryNetwork(crypto, Topology.standardNodes(keys), Topology.START_ms)
  run(net)
  const browser = net.state<BrowserState>(ids.browser)
  const issuer = net.state<IssuerState>(ids.issuer)
  console.log(`\n== ${title}`)
  for (const line of Trace.lines(net.trace)) console.log(line)
  console.log(
    `   browser shows: ${browser.screen}` +
      `; alice's available balance: ${Ledger.available(issuer.ledger, accounts.alice)} cents` +
      `; holds: ${Object.values(issuer.ledger.holds).map((h) => `${h.id} ${h.amount_minor} ${h.status}`).join(", ") || "none"}`
  )
  return net
}

const approved = scenario("Checkout approved on the phone", (net) => {
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  Shopper.answerOnPhone(net, ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
})

scenario("Checkout declined on the phone", (net) => {
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  Shopper.answerOnPhone(net, ids.alicePhone, "decline")
  Shopper.wait(net, 2_000)
})

scenario("Checkout whose challenge expires unanswered", (net) => {
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  for (let i = 0; i < 9; i++) Shopper.wait(net, 16_000)
})

console.log("\n== The approved checkout as a Mermaid sequence diagram\n")
console.log("```mermaid")
console.log(Trace.mermaid(approved.trace, participants))
console.log("```")

const report = attack(approved, crypto)
const kinds = Object.entries(report.rejectedByKind)
  .map(([kind, n]) => `${n} ${kind}`)
  .join(", ")
console.log("\n== Adversarial check on the approved checkout")
console.log(
  `An attacker who recorded all ${report.recorded} signed messages ` +
    `made ${report.attempts} attempts: each message replayed to every signing party, tampered with, given another message's ` +
    `signature, and re-signed with the attacker's own key under the real key id. Rejected: ${kinds}. ` +
    `${report.accepted} exact replays to their own recipient were answered from the idempotency records. ` +
    (report.unchanged
      ? "Nothing moved: still one hold of the same amount, the same balance, one payment, and the order still paid."
      : "STATE CHANGED: this is a protocol bug.")
)
if (!report.unchanged) process.exitCode = 1
