/**
 * The main job (`checkout-protocol demo`, `npm start`): three checkouts on the in-memory network
 * with the `node:crypto` backend: one approved, then captured when the goods ship, partly refunded, cleared and settled
 * between the banks; one declined on the phone; one whose challenge expires unanswered. It prints
 * every hop (from, to, message, key id, short signature), every bank's ledger at the end of the
 * settled run, then that run as a Mermaid sequence diagram, then a short adversarial check and a
 * short adversarial campaign of the model-based harness.
 *
 * @since 0.3.0
 */
import { BackOffice, Ed25519Backends, InMemoryNetwork, Shopper, Statement, Topology, Trace } from "../index.js"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { GatewayState } from "../parties/Gateway.js"
import type { BrowserState } from "../parties/Browser.js"
import type { IssuerState } from "../parties/Issuer.js"
import { Ledger } from "../index.js"
import * as Core from "../index.js"
import { campaign, DEFAULT_BUDGET } from "../harness/Campaign.js"
import { PEOPLE_ACTIONS } from "../harness/Commands.js"
import { attack } from "./Adversary.js"

const { ids, accounts } = Topology
const crypto = Ed25519Backends.NodeEd25519
const keys = Topology.makeKeys(crypto, "demo")
const participants = [ids.browser, ids.merchant, ids.gateway, ids.issuer, ids.alicePhone, ids.clearing]
/** The demo order: two mugs and a tin of tea with standard delivery. */
const ORDER_TOTAL_minor = 2 * Topology.catalog["sku-mug"] + Topology.catalog["sku-tea"] + 490

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
      `; holds: ${issuer.ledger.holds.values().map((h) => `${h.id} ${h.amount_minor} ${h.status}`).join(", ") || "none"}`
  )
  return net
}

/**
 * Runs the demo, printing as it goes; returns the exit code: 0, or 1 if the adversarial check or
 * the campaign found anything.
 *
 * @category demo
 * @since 0.3.0
 */
export const runDemo = (): number => {
  const approved = scenario("Checkout approved on the phone, captured when shipped, one mug refunded, cleared and settled", (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    Shopper.answerOnPhone(net, ids.alicePhone, "approve")
    Shopper.wait(net, 2_000)
    const payment = BackOffice.lastPayment(net)
    BackOffice.capture(net, payment, ORDER_TOTAL_minor)
    BackOffice.refund(net, payment, Topology.catalog["sku-mug"])
    BackOffice.endOfDay(net)
  })

  console.log("\n== Every bank's books after settlement (balances are credits minus debits, in euros)")
  for (const line of [
    ...Statement.statement(`${ids.issuer} (the shopper's bank)`, approved.state<IssuerState>(ids.issuer).ledger),
    ...Statement.statement(`${ids.gateway} (the merchant's bank, the acquirer)`, approved.state<GatewayState>(ids.gateway).ledger),
    ...Statement.statement(`${ids.clearing} (the settlement bank)`, approved.state<ClearingHouseState>(ids.clearing).ledger)
  ]) {
    console.log(line)
  }

  scenario("Checkout declined on the phone", (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    Shopper.answerOnPhone(net, ids.alicePhone, "decline")
    Shopper.wait(net, 2_000)
  })

  scenario("Checkout whose challenge expires unanswered", (net) => {
    Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
    for (let i = 0; i < 9; i++) Shopper.wait(net, 16_000)
  })

  console.log("\n== The approved and settled checkout as a Mermaid sequence diagram\n")
  console.log("```mermaid")
  console.log(Trace.mermaid(approved.trace, participants))
  console.log("```")

  const report = attack(approved, crypto)
  const kinds = Object.entries(report.rejectedByKind)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ")
  console.log("\n== Adversarial check on the approved and settled checkout")
  console.log(
    `An attacker who recorded all ${report.recorded} signed messages ` +
      `made ${report.attempts} attempts: each message replayed to every signing party, tampered with, given another message's ` +
      `signature, and re-signed with the attacker's own key under the real key id. Rejected: ${kinds}. ` +
      `${report.accepted} exact replays to their own recipient were answered from the idempotency records. ` +
      (report.unchanged
        ? "Nothing moved: every account of every bank has the same balance, the hold is as it was, one payment, and the order still paid."
        : "STATE CHANGED: this is a protocol bug.")
  )
  let failed = !report.unchanged

  // A short adversarial campaign: the model-based harness of `npm test`, at a small budget.
  const CAMPAIGN_RUNS = 150
  const summary = campaign({ core: Core, crypto, maxCommands: DEFAULT_BUDGET.maxCommands }, { numRuns: CAMPAIGN_RUNS, seed: 2026 })
  const faults = Object.entries(summary.exercised)
    .filter(([kind]) => !(PEOPLE_ACTIONS as ReadonlyArray<string>).includes(kind))
    .reduce((sum, [, e]) => sum + e.times, 0)
  const checks = Object.values(summary.invariants).reduce((sum, n) => sum + n, 0)
  console.log("\n== Adversarial campaign")
  console.log(
    `${summary.runs} generated runs (seed ${summary.seed}) of shoppers paying, approving, declining and approving late or twice, merchants capturing, voiding and refunding, clearing cycles closing, ` +
      `over a network that dropped, duplicated, reordered, delayed and replayed messages, an attacker forging and intercepting them, ` +
      `parties crashing and the clock jumping past expiries: ${summary.commands} commands (mean ${summary.meanCommands.toFixed(0)} per run), ` +
      `${faults} faults injected, ${summary.steps} party steps at ${Math.round(summary.stepsPerSecond)} steps/s. ` +
      `${checks} invariant checks (no double charge, no unapproved debit, authenticity, agreement, conservation and settlement exactly once after every command; liveness once quiet): ` +
      `${summary.violations === 0 ? "no violation." : `a violation:\n${summary.report}`}` +
      ` Deeper campaigns: checkout-protocol check --runs 100000 --workers 2.`
  )
  failed ||= summary.violations > 0
  return failed ? 1 : 0
}
