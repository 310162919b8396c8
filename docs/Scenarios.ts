/**
 * Real runs of the core that the documentation shows as sequence diagrams: the happy path and
 * the fault paths a reader asks about. Each scenario drives the standard topology on the
 * in-memory network with the `node:crypto` backend and returns its trace with notes for what the
 * trace itself cannot show (a lost packet, a crash, an attacker's forgery).
 */
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import * as Ledger from "../src/ledger/Ledger.js"
import type { Timestamp_ms } from "../src/domain/Ids.js"
import { InMemoryNetwork } from "../src/drivers/InMemoryNetwork.js"
import * as Shopper from "../src/drivers/Shopper.js"
import * as Topology from "../src/drivers/Topology.js"
import { mermaid, summarize, type DiagramNote } from "../src/drivers/Trace.js"
import type { Packet } from "../src/machine/Machine.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import type { PhoneState } from "../src/parties/Phone.js"

const { ids, accounts } = Topology
const alice = { issuer: ids.issuer, account: accounts.alice }
const PARTICIPANTS = [ids.browser, ids.merchant, ids.gateway, ids.issuer, ids.alicePhone]

/** A scenario's run: the network it ran on and the notes for its diagram. */
interface Run {
  readonly net: InMemoryNetwork
  readonly notes: Array<DiagramNote>
}

const fresh = (): Run => ({
  net: new InMemoryNetwork(NodeEd25519, Topology.standardNodes(Topology.makeKeys(NodeEd25519, "docs")), Topology.START_ms),
  notes: []
})

const note = (run: Run, over: string, text: string): void => void run.notes.push({ before: run.net.trace.length, over, text })

/** Takes the first packet in flight with message tag `tag` off the wire. */
const takeOff = (net: InMemoryNetwork, tag: string): Packet => {
  const at = net.inFlight.findIndex((p) => summarize(p).tag === tag)
  const packet = at < 0 ? undefined : net.inFlight.splice(at, 1)[0]
  if (packet === undefined) throw new Error(`scenario: no ${tag} in flight`)
  return packet
}

/** Delivers packets until one with `tag` is next in flight. */
const deliverUntil = (net: InMemoryNetwork, tag: string): void => {
  for (let i = 0; i < 100 && net.inFlight.length > 0 && !net.inFlight.some((p) => summarize(p).tag === tag); i++) net.deliverNext()
}

const approveAndFinish = (run: Run): void => {
  Shopper.answerOnPhone(run.net, ids.alicePhone, "approve")
  Shopper.wait(run.net, 2_000)
}

/** The shopper pays, and the merchant's AuthorizePayment never reaches the wire; `why` says what happened to it. */
const payWithoutTheRequest = (why: string): Run => {
  const run = fresh()
  Shopper.readyToPay(run.net)
  Shopper.clickPayNow(run.net, alice)
  deliverUntil(run.net, "AuthorizePayment")
  takeOff(run.net, "AuthorizePayment")
  note(run, ids.merchant, why)
  return run
}

/** The scenarios, by the name their generated block uses. */
export const SCENARIOS: Readonly<Record<string, { readonly title: string; readonly run: () => Run }>> = {
  happy: {
    title: "The shopper approves on the phone",
    run: () => {
      const run = fresh()
      Shopper.checkoutAndPay(run.net, alice)
      approveAndFinish(run)
      return run
    }
  },
  "dropped-request": {
    title: "The merchant's request is lost, and its retry goes through",
    run: () => {
      const run = payWithoutTheRequest("the network loses AuthorizePayment")
      run.net.runUntilQuiet()
      note(run, ids.merchant, "3 s later the outbox resends it, same id, same bytes")
      Shopper.wait(run.net, 3_000)
      approveAndFinish(run)
      return run
    }
  },
  "duplicated-approval": {
    title: "The network delivers the approval twice: one hold",
    run: () => {
      const run = fresh()
      Shopper.checkoutAndPay(run.net, alice)
      const challengeId = Shopper.pendingChallenge(run.net, ids.alicePhone)
      if (challengeId === undefined) throw new Error("scenario: no challenge")
      run.net.input(ids.alicePhone, { _tag: "Answer", now_ms: run.net.now_ms, challengeId, decision: "approve" })
      const approval = takeOff(run.net, "ChallengeApproval")
      run.net.inFlight.push(approval, approval)
      note(run, ids.issuer, "the network duplicates ChallengeApproval")
      run.net.runUntilQuiet()
      Shopper.wait(run.net, 2_000)
      return run
    }
  },
  "approval-after-expiry": {
    title: "The approval arrives after the challenge expired",
    run: () => {
      const run = fresh()
      Shopper.checkoutAndPay(run.net, alice)
      const shown = Object.values(run.net.state<PhoneState>(ids.alicePhone).challenges).find((c) => c.state === "Pending")
      if (shown === undefined) throw new Error("scenario: no challenge")
      run.net.input(ids.alicePhone, { _tag: "Answer", now_ms: run.net.now_ms, challengeId: shown.challenge.id, decision: "approve" })
      const late = takeOff(run.net, "ChallengeApproval")
      note(run, ids.alicePhone, "the approval is held up in the network past the challenge's expiry")
      run.net.now_ms = shown.challenge.expiresAt_ms as Timestamp_ms
      run.net.inFlight.push(late)
      run.net.runUntilQuiet()
      Shopper.wait(run.net, 1_000)
      Shopper.wait(run.net, 2_000)
      return run
    }
  },
  "crash-and-resend": {
    title: "The merchant crashes before its request got out, and resends it on restart",
    run: () => {
      const run = payWithoutTheRequest("the merchant crashes before AuthorizePayment leaves, but its outbox is durable")
      run.net.restart(ids.merchant)
      run.net.runUntilQuiet()
      note(run, ids.merchant, "restarted: every unanswered request is due at once")
      Shopper.wait(run.net, 1)
      approveAndFinish(run)
      return run
    }
  },
  "forged-result": {
    title: "An attacker turns a declined result into an approval: rejected",
    run: () => forgedResult()
  }
}

/** The shopper declines; the attacker intercepts the gateway's result and changes its status to approved. */
const forgedResult = (): Run => {
  const run = fresh()
  Shopper.checkoutAndPay(run.net, alice)
  const challengeId = Shopper.pendingChallenge(run.net, ids.alicePhone)
  if (challengeId === undefined) throw new Error("scenario: no challenge")
  run.net.input(ids.alicePhone, { _tag: "Answer", now_ms: run.net.now_ms, challengeId, decision: "decline" })
  deliverUntil(run.net, "AuthorizationResult")
  const result = takeOff(run.net, "AuthorizationResult")
  const wire = structuredClone(result.payload) as { body: Record<string, unknown> }
  wire.body["status"] = "approved"
  wire.body["holdExpiresAt_ms"] = run.net.now_ms + 1_000
  note(run, ids.merchant, "an attacker rewrites the result: status approved")
  run.net.input(ids.merchant, { _tag: "Receive", now_ms: run.net.now_ms, packet: { ...result, payload: wire } })
  note(run, ids.merchant, "the genuine result is delivered")
  run.net.input(ids.merchant, { _tag: "Receive", now_ms: run.net.now_ms, packet: result })
  run.net.runUntilQuiet()
  Shopper.wait(run.net, 2_000)
  return run
}

/** A scenario's Mermaid sequence diagram. */
export const sequenceDiagram = (name: string): string => {
  const scenario = SCENARIOS[name]
  if (scenario === undefined) throw new Error(`generated block: unknown scenario ${name}`)
  const run = scenario.run()
  return mermaid(run.net.trace, PARTICIPANTS, run.notes)
}

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * The issuer's ledger at the end of a scenario: every account's four counters with its balance and
 * what it can still spend, the posted journal entries, every hold, and the trial balance per
 * currency (all in minor units).
 */
export const ledgerTables = (name: string): string => {
  const scenario = SCENARIOS[name]
  if (scenario === undefined) throw new Error(`generated block: unknown scenario ${name}`)
  const { ledger } = scenario.run().net.state<IssuerState>(ids.issuer)
  const accounts = Object.values(ledger.accounts).map(
    (a) =>
      `| \`${a.id}\` | ${a.currency} | ${group(a.debitsPosted)} | ${group(a.creditsPosted)} | ${group(a.debitsPending)} | ${group(a.creditsPending)} | ${group(Ledger.balance(ledger, a.id))} | ${group(Ledger.available(ledger, a.id))} |`
  )
  const holds = Object.values(ledger.holds).map(
    (h) =>
      `| \`${h.id}\` | \`${h.debit}\` | \`${h.credit}\` | ${h.currency} ${group(h.amount_minor)} | ${group(h.captured_minor)} | ${new Date(h.expiresAt_ms).toISOString()} | ${h.status} |`
  )
  const journal = Object.values(ledger.journal).map(
    (e) => `| \`${e.id}\` | \`${e.debit}\` | \`${e.credit}\` | ${e.currency} ${group(e.amount_minor)} | ${e.kind} |`
  )
  const trial = Object.entries(Ledger.trialBalance(ledger)).map(([currency, t]) => `| ${currency} | ${group(t.posted)} | ${group(t.pending)} |`)
  return [
    "| account | currency | debits posted | credits posted | debits pending | credits pending | balance | available |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...accounts,
    "",
    "| journal entry | debit | credit | amount | kind |",
    "| --- | --- | --- | ---: | --- |",
    ...journal,
    "",
    "| hold | debit | credit | amount | captured | expires | status |",
    "| --- | --- | --- | ---: | ---: | --- | --- |",
    ...(holds.length === 0 ? ["| (none) | | | | | | |"] : holds),
    "",
    "| trial balance | posted (debits − credits) | pending (debits − credits) |",
    "| --- | ---: | ---: |",
    ...trial
  ].join("\n")
}
