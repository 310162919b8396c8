/**
 * Real runs of the core that the documentation shows as sequence diagrams: the happy path, the
 * settled happy path, and the fault paths a reader asks about. Each scenario drives the standard
 * topology on the in-memory network with the `node:crypto` backend and returns its trace with
 * notes for what the trace itself cannot show (a lost packet, a crash, an attacker's forgery).
 */
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import * as Ledger from "../src/ledger/Ledger.js"
import type { PaymentId, Timestamp_ms } from "../src/domain/Ids.js"
import * as BackOffice from "../src/drivers/BackOffice.js"
import { InMemoryNetwork } from "../src/drivers/InMemoryNetwork.js"
import * as Shopper from "../src/drivers/Shopper.js"
import { statement } from "../src/drivers/Statement.js"
import * as Topology from "../src/drivers/Topology.js"
import { mermaid, summarize, type DiagramNote } from "../src/drivers/Trace.js"
import type { Packet } from "../src/machine/Machine.js"
import type { ClearingHouseState } from "../src/parties/ClearingHouse.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import type { MerchantState } from "../src/parties/Merchant.js"
import type { PhoneState } from "../src/parties/Phone.js"

const { ids, accounts } = Topology
const alice = { issuer: ids.issuer, account: accounts.alice }
const PARTICIPANTS = [ids.browser, ids.merchant, ids.gateway, ids.issuer, ids.alicePhone]
const WITH_CLEARING = [...PARTICIPANTS, ids.clearing]
const BANKS = [ids.gateway, ids.issuer, ids.clearing]

/** A scenario's run: the network it ran on, the notes for its diagram, and where in the trace the diagram starts. */
interface Run {
  readonly net: InMemoryNetwork
  readonly notes: Array<DiagramNote>
  /** The first trace entry the diagram shows (0: the whole run). */
  from: number
}

const fresh = (): Run => ({
  net: new InMemoryNetwork(NodeEd25519, Topology.standardNodes(Topology.makeKeys(NodeEd25519, "docs")), Topology.START_ms),
  notes: [],
  from: 0
})

const note = (run: Run, over: string, text: string): void => void run.notes.push({ before: run.net.trace.length, over, text })

/** Takes the first packet in flight with message tag `tag` off the wire. */
const takeOff = (net: InMemoryNetwork, tag: string): Packet => {
  const at = net.inFlight.findIndex((p) => summarize(p).tag === tag)
  const packet = at < 0 ? undefined : net.inFlight.splice(at, 1)[0]
  if (packet === undefined) throw new Error(`scenario: no ${tag} in flight`)
  return packet
}

/** Takes the first packet in flight with message tag `tag` addressed to `to` off the wire. */
const takeOffTo = (net: InMemoryNetwork, tag: string, to: string): Packet => {
  const at = net.inFlight.findIndex((p) => summarize(p).tag === tag && p.to === to)
  const packet = at < 0 ? undefined : net.inFlight.splice(at, 1)[0]
  if (packet === undefined) throw new Error(`scenario: no ${tag} to ${to} in flight`)
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

/** The order of the story: what the merchant charges Alice, in euro cents (two mugs, a tin of tea, standard delivery). */
const orderTotal = (net: InMemoryNetwork, payment: PaymentId): number => {
  const found = net.state<MerchantState>(ids.merchant).payments.get(payment)
  if (found === undefined) throw new Error(`scenario: no payment ${payment}`)
  return found.request.amount.amount_minor
}

/**
 * The story to the end of its first day: Alice pays and approves; the goods ship and the staff
 * capture the whole order; one mug comes back and they refund it. Returns the payment.
 */
const paidCapturedAndRefunded = (run: Run): PaymentId => {
  Shopper.checkoutAndPay(run.net, alice)
  approveAndFinish(run)
  const payment = BackOffice.lastPayment(run.net)
  note(run, ids.merchant, "the goods ship: the staff capture the whole order")
  BackOffice.capture(run.net, payment, orderTotal(run.net, payment))
  note(run, ids.merchant, "a mug comes back: the staff refund its price")
  BackOffice.refund(run.net, payment, Topology.catalog["sku-mug"])
  return payment
}

/** An hour passes: the gateway's next tick submits the day's items; the trace from here is the clearing day's end. */
const endOfDaySubmission = (run: Run): void => {
  note(run, ids.gateway, "an hour later, on its next tick, the gateway submits the capture and the refund")
  run.net.advanceTo((run.net.now_ms + 3_600_000) as Timestamp_ms)
  run.net.runUntilQuiet()
}

/**
 * A payment captured and partly refunded, then the gateway's end-of-day submission; the trace
 * drawn starts at the checkout (`"checkout"`) or at the submission (`"submission"`).
 */
const submittedDay = (drawnFrom: "checkout" | "submission"): Run => {
  const run = fresh()
  paidCapturedAndRefunded(run)
  if (drawnFrom === "submission") run.from = run.net.trace.length
  endOfDaySubmission(run)
  return run
}

/** The operator closes the open cycle; the instructions go out but are not delivered yet. */
const closeCycle = (run: Run): void => {
  note(run, ids.clearing, "the operator closes cycle 1: positions netted and posted at the settlement bank")
  run.net.input(ids.clearing, { _tag: "CloseCycle", now_ms: run.net.now_ms })
}

/** The settled story, to the point where the operator has closed the cycle and the banks have confirmed. */
const settled = (): Run => {
  const run = submittedDay("checkout")
  closeCycle(run)
  run.net.runUntilQuiet()
  note(run, ids.clearing, "both banks confirmed: cycle 1 is settled")
  return run
}

/** The scenarios, by the name their generated block uses. */
export const SCENARIOS: Readonly<Record<string, { readonly title: string; readonly participants: ReadonlyArray<string>; readonly run: () => Run }>> = {
  happy: {
    title: "The shopper approves on the phone",
    participants: PARTICIPANTS,
    run: () => {
      const run = fresh()
      Shopper.checkoutAndPay(run.net, alice)
      approveAndFinish(run)
      return run
    }
  },
  "dropped-request": {
    title: "The merchant's request is lost, and its retry goes through",
    participants: PARTICIPANTS,
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
    participants: PARTICIPANTS,
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
    participants: PARTICIPANTS,
    run: () => {
      const run = fresh()
      Shopper.checkoutAndPay(run.net, alice)
      const shown = run.net.state<PhoneState>(ids.alicePhone).challenges.values().find((c) => c.state === "Pending")
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
    participants: PARTICIPANTS,
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
    participants: PARTICIPANTS,
    run: () => forgedResult()
  },
  settled: {
    title: "Captured, partly refunded, cleared and settled",
    participants: WITH_CLEARING,
    run: settled
  },
  "dropped-instruction": {
    title: "A settlement instruction is lost, and its retry is posted once",
    participants: BANKS,
    run: () => {
      const run = submittedDay("submission")
      closeCycle(run)
      takeOffTo(run.net, "SettlementInstruction", ids.issuer)
      note(run, ids.issuer, "the network loses the issuer's SettlementInstruction")
      run.net.runUntilQuiet()
      note(run, ids.clearing, "cycle 1 waits for the issuer; 3 s later the outbox resends its instruction, same id, same bytes")
      Shopper.wait(run.net, 3_000)
      note(run, ids.clearing, "both banks confirmed: cycle 1 is settled")
      return run
    }
  },
  "replayed-submission": {
    title: "A replayed clearing submission is answered from the records",
    participants: BANKS,
    run: () => {
      const run = submittedDay("submission")
      const recorded = run.net.trace.find((e) => e._tag === "Sent" && summarize(e.packet).tag === "ClearingSubmission")
      if (recorded === undefined || recorded._tag !== "Sent") throw new Error("scenario: no ClearingSubmission sent")
      closeCycle(run)
      run.net.runUntilQuiet()
      note(run, ids.gateway, "an attacker replays the recorded ClearingSubmission after cycle 1 settled")
      run.net.inFlight.push(recorded.packet)
      run.net.runUntilQuiet()
      note(run, ids.clearing, "the recorded receipt again, for cycle 1: nothing is cleared twice")
      note(run, ids.clearing, "the operator closes cycle 2: it is empty, so nothing is sent")
      run.net.input(ids.clearing, { _tag: "CloseCycle", now_ms: run.net.now_ms })
      run.net.runUntilQuiet()
      return run
    }
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
  const notes = run.notes.filter((n) => n.before >= run.from).map((n) => ({ ...n, before: n.before - run.from }))
  return mermaid(run.net.trace.slice(run.from), scenario.participants, notes)
}

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/** The banks whose ledgers a page can show, by the name a generated block uses. */
const LEDGERS: Readonly<Record<string, (net: InMemoryNetwork) => Ledger.Ledger>> = {
  issuer: (net) => net.state<IssuerState>(ids.issuer).ledger,
  acquirer: (net) => net.state<GatewayState>(ids.gateway).ledger,
  "settlement-bank": (net) => net.state<ClearingHouseState>(ids.clearing).ledger
}

const scenarioRun = (name: string): Run => {
  const scenario = SCENARIOS[name]
  if (scenario === undefined) throw new Error(`generated block: unknown scenario ${name}`)
  return scenario.run()
}

/**
 * A bank's ledger at the end of a scenario (`issuer` unless `bank` names `acquirer` or
 * `settlement-bank`): every account's four counters with its balance and what it can still spend,
 * the posted journal entries, the holds (for the issuer, or any bank that has some), and the trial
 * balance per currency (all in minor units).
 */
export const ledgerTables = (name: string, bank = "issuer"): string => {
  const ledgerOf = LEDGERS[bank]
  if (ledgerOf === undefined) throw new Error(`generated block: unknown bank ${bank}; known: ${Object.keys(LEDGERS).join(", ")}`)
  const ledger = ledgerOf(scenarioRun(name).net)
  const accounts = ledger.accounts.values().map(
    (a) =>
      `| \`${a.id}\` | ${a.currency} | ${group(a.debitsPosted)} | ${group(a.creditsPosted)} | ${group(a.debitsPending)} | ${group(a.creditsPending)} | ${group(Ledger.balance(ledger, a.id))} | ${group(Ledger.available(ledger, a.id))} |`
  )
  const holds = ledger.holds.values().map(
    (h) =>
      `| \`${h.id}\` | \`${h.debit}\` | \`${h.credit}\` | ${h.currency} ${group(h.amount_minor)} | ${group(h.captured_minor)} | ${new Date(h.expiresAt_ms).toISOString()} | ${h.status} |`
  )
  const journal = Ledger.journalInOrder(ledger).map(
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
    ...(holds.length === 0 && bank !== "issuer"
      ? []
      : ["| hold | debit | credit | amount | captured | expires | status |", "| --- | --- | --- | ---: | ---: | --- | --- |", ...(holds.length === 0 ? ["| (none) | | | | | | |"] : holds), ""]),
    "| trial balance | posted (debits − credits) | pending (debits − credits) |",
    "| --- | ---: | ---: |",
    ...trial
  ].join("\n")
}

/**
 * Every bank's books at the end of a scenario as `npm start` prints them (`Statement.statement`):
 * each account's balance, credits minus debits, in major units, and the sum per currency.
 */
export const statements = (name: string): string => {
  const { net } = scenarioRun(name)
  return [
    ...statement(`${ids.issuer} (the shopper's bank)`, net.state<IssuerState>(ids.issuer).ledger),
    ...statement(`${ids.gateway} (the merchant's bank, the acquirer)`, net.state<GatewayState>(ids.gateway).ledger),
    ...statement(`${ids.clearing} (the settlement bank)`, net.state<ClearingHouseState>(ids.clearing).ledger)
  ].join("\n")
}
