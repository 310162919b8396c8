/**
 * Each invariant checker holds on a real approved checkout, and fails on a state seeded with the
 * bug it exists to catch. (The bug-injection runner, `npm run bugs`, shows the same through the
 * harness with bugs planted in the machines themselves.)
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Invariants from "../../model/Invariants.js"
import * as ModelOps from "../../model/Model.js"
import { STANDARD_ROLES, systemView } from "../../model/View.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { InMemoryNetwork } from "../../src/drivers/InMemoryNetwork.js"
import * as BackOffice from "../../src/drivers/BackOffice.js"
import * as Shopper from "../../src/drivers/Shopper.js"
import * as Money from "../../src/domain/Money.js"
import * as Topology from "../../src/drivers/Topology.js"
import * as Ledger from "../../src/ledger/Ledger.js"
import type { BrowserState } from "../../src/parties/Browser.js"
import * as Outbox from "../../src/machine/Outbox.js"
import { Table } from "../../src/machine/Table.js"
import { challengeDueAt, type PhoneState } from "../../src/parties/Phone.js"

const { ids, accounts } = Topology

/**
 * A checkout the shopper approved, captured in full when shipped, refunded in part, then cleared
 * and settled, with the model of what the shopper and the merchant's staff decided.
 */
const approvedCheckout = () => {
  const net = new InMemoryNetwork(NodeEd25519, Topology.standardNodes(Topology.makeKeys(NodeEd25519, "invariants")), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  const challenge = net.state<PhoneState>(ids.alicePhone).challenges.values()[0]?.challenge
  if (challenge === undefined) throw new Error("no challenge reached the phone")
  const paying = net.state<BrowserState>(ids.browser).order
  if (paying === null) throw new Error("the shopper is on no order")
  let model = ModelOps.payClicked(ModelOps.empty, ids.browser, ids.merchant, paying.orderId, paying.total)
  model = ModelOps.decide(model, ids.alicePhone, ids.issuer, challenge, "approve", net.now_ms + 1_500)
  Shopper.answerOnPhone(net, ids.alicePhone, "approve")
  Shopper.wait(net, 5_000)
  const paymentId = BackOffice.lastPayment(net)
  BackOffice.capture(net, paymentId, challenge.amount.amount_minor)
  BackOffice.refund(net, paymentId, REFUND_minor)
  model = ModelOps.staffAsked(model, `${paymentId}.o1`, { merchant: ids.merchant, operation: "capture", paymentId, amount_minor: challenge.amount.amount_minor })
  model = ModelOps.staffAsked(model, `${paymentId}.o2`, { merchant: ids.merchant, operation: "refund", paymentId, amount_minor: REFUND_minor })
  BackOffice.endOfDay(net)
  const view = systemView(net, STANDARD_ROLES)
  return { view, model }
}

const REFUND_minor = 500

/** The one party of a role in the standard topology. */
const first = <T>(states: ReadonlyArray<T>): T => {
  const state = states[0]
  if (state === undefined) throw new Error("the standard topology has one party of each role")
  return state
}

/** A transfer posted straight into a view's ledger, as a buggy bank would. */
const posted = (ledger: Ledger.Ledger, id: string, debit: string, credit: string, amount_minor: number): Ledger.Ledger =>
  Result.getOrThrow(Ledger.transfer(ledger, { id, debit, credit, amount: Money.money(amount_minor, "EUR") }))

const ALL = { ...Invariants.safety, ...Invariants.atQuiescence }

describe("invariant checkers", () => {
  it("every checker - should hold on an approved checkout that has quiesced", () => {
    const { view, model } = approvedCheckout()
    expect(view.browsers[0]?.screen).toBe("Approved")
    for (const [name, checker] of Object.entries(ALL)) expect(checker(view, model), name).toEqual([])
  })

  it("noDoubleCharge - should fail when one payment holds funds twice", () => {
    const { view, model } = approvedCheckout()
    const [key, auth] = first(view.issuers).authorizations.entries()[0] ?? []
    if (key === undefined || auth === undefined) throw new Error("no authorization")
    const twice = `${key}-again`
    const ledger = Result.getOrThrow(
      Ledger.placeHold(first(view.issuers).ledger, { id: `hold:${twice}`, debit: accounts.alice, credit: "scheme-payable:EUR", amount: auth.request.amount, expiresAt_ms: view.now_ms + 1_000_000 })
    )
    const issuer = { ...first(view.issuers), ledger, authorizations: first(view.issuers).authorizations.set(twice, auth) }
    expect(Invariants.noDoubleCharge({ ...view, issuers: [issuer] }, model).join()).toMatch(/has 2 holds/)
  })

  it("agreement - should fail when a browser shows approved for another order than its shopper paid, or one its shopper never paid", () => {
    const { view, model } = approvedCheckout()
    const elsewhere = { ...model, shoppersPaying: Object.fromEntries(Object.entries(model.shoppersPaying).map(([b, p]) => [b, { ...p, orderId: "ord-9" }])) }
    expect(Invariants.agreement(view, elsewhere).join()).toMatch(/shows approved for merchant-1\/ord-1, its shopper paid merchant-1\/ord-9/)
    expect(Invariants.agreement(view, { ...model, shoppersPaying: {} }).join()).toMatch(/its shopper never clicked pay now/)
  })

  it("agreement - should leave out the pages of a compromised merchant, which show what it says, and no other merchant's", () => {
    const { view, model } = approvedCheckout()
    const neverPaid = { ...model, shoppersPaying: {} }
    expect(Invariants.agreement({ ...view, compromised: ids.merchant }, neverPaid).join()).not.toMatch(/never clicked pay now/)
    expect(Invariants.agreement({ ...view, compromised: ids.gateway }, neverPaid).join()).toMatch(/its shopper never clicked pay now/)
  })

  it("noOverdraft - should fail when a customer's account has more debited and held than credited", () => {
    const { view, model } = approvedCheckout()
    const before = first(view.issuers).ledger
    const alice = before.accounts.get(accounts.alice)
    if (alice === undefined) throw new Error("no account")
    // As a buggy bank would leave it: a debit posted past the balance, which the ledger itself refuses.
    const ledger = { ...before, accounts: before.accounts.set(accounts.alice, { ...alice, debitsPosted: alice.creditsPosted + 1 }) }
    expect(Invariants.noOverdraft({ ...view, issuers: [{ ...first(view.issuers), ledger }] }, model).join()).toMatch(/acct-alice is overdrawn/)
  })

  it("conservation - should fail when a cycle nets an item in another currency or on another bank's side", () => {
    const { view, model } = approvedCheckout()
    const cycles = view.clearing.cycles.map((c) => ({ ...c, items: c.items.map((item) => ({ ...item, amount: { ...item.amount, currency: "USD" as const } })) }))
    expect(Invariants.conservation({ ...view, clearing: { ...view.clearing, cycles } }, model).join()).toMatch(/cycle 1 nets issuer-1:EUR to .*, its items to 0/)
  })

  it("noUnapprovedDebit - should fail on a hold the shopper never approved", () => {
    const { view } = approvedCheckout()
    expect(Invariants.noUnapprovedDebit(view, ModelOps.empty).join()).toMatch(/without the shopper's approval/)
  })

  it("noUnapprovedDebit - should fail when the approval was for another amount", () => {
    const { view, model } = approvedCheckout()
    const [challengeId, decision] = Object.entries(model.decisions)[0] ?? []
    if (challengeId === undefined || decision === undefined) throw new Error("no decision")
    const cheaper = { ...model, decisions: { [challengeId]: { ...decision, amount: { ...decision.amount, amount_minor: 1 } } } }
    expect(Invariants.noUnapprovedDebit(view, cheaper as typeof model).join()).toMatch(/does not match what the shopper approved: amount/)
  })

  it("authenticity - should fail when a forgery was accepted, or the merchant took a result the gateway never approved", () => {
    const { view, model } = approvedCheckout()
    expect(Invariants.authenticity(view, ModelOps.forgeryAccepted(model, "a forged result")).join()).toMatch(/accepted a forgery/)
    const gateway = { ...first(view.gateways), payments: first(view.gateways).payments.map((p) => ({ ...p, state: "Declined" as const })) }
    expect(Invariants.authenticity({ ...view, gateways: [gateway] }, model).join()).toMatch(/without its gateway approving it/)
  })

  it("agreement - should fail when a phone shows an answered challenge as waiting, another answer, or another outcome than its issuer's", () => {
    const { view, model } = approvedCheckout()
    const phone = view.phones.find((p) => p.identity.id === ids.alicePhone)
    const [id, shown] = phone?.challenges.entries()[0] ?? []
    if (phone === undefined || id === undefined || shown === undefined) throw new Error("no challenge on the phone")
    const showing = (changed: typeof shown) => Invariants.agreement({ ...view, phones: view.phones.map((p) => (p === phone ? { ...phone, challenges: Table.from([[id, changed]], challengeDueAt) } : p)) }, model).join()
    expect(showing(shown)).toBe("")
    expect(showing({ ...shown, state: "Pending", outcome: null })).toMatch(/shows challenge .* Pending with approve, its person answered approve/)
    expect(showing({ ...shown, decision: "decline" })).toMatch(/its person answered approve/)
    expect(showing({ ...shown, outcome: "declined_by_shopper" })).toMatch(/closed as declined_by_shopper, issuer-1 decided approved/)
  })

  it("agreement - should fail when the merchant says paid but the issuer holds nothing", () => {
    const { view, model } = approvedCheckout()
    const authorizations = first(view.issuers).authorizations.map((a) => ({ ...a, state: "Declined" as const }))
    expect(Invariants.agreement({ ...view, issuers: [{ ...first(view.issuers), authorizations }] }, model).join()).toMatch(/paid but the issuer holds no payment/)
  })

  it("isolation - should fail when an issuer pays a merchant through another gateway, or a gateway holds another merchant's payment", () => {
    const { view, model } = approvedCheckout()
    const issuer = first(view.issuers)
    const authorizations = Table.from(issuer.authorizations.entries().map(([k, a]) => [k.replace(`${ids.gateway}/`, "gateway-9/"), a] as const))
    expect(Invariants.isolation({ ...view, issuers: [{ ...issuer, authorizations }] }, model).join()).toMatch(/pays merchant-1, whose gateway is gateway-1, through gateway-9/)
    const gateway = first(view.gateways)
    const payments = Table.from(gateway.payments.entries().map(([k, p]) => [k.replace(`${ids.merchant}/`, "merchant-9/"), p] as const))
    expect(Invariants.isolation({ ...view, gateways: [{ ...gateway, payments }] }, model).join()).toMatch(/payment merchant-9\/.* was asked for by merchant-1 for payee merchant-1/)
    expect(Invariants.isolation({ ...view, compromised: ids.gateway, gateways: [{ ...gateway, payments }] }, model)).toEqual([])
  })

  it("every checker - should have seen money settle: the merchant paid, the shopper debited, the books balanced", () => {
    const { view } = approvedCheckout()
    const payment = first(view.merchants).payments.values()[0]
    if (payment === undefined) throw new Error("no payment")
    const net = payment.captured_minor - REFUND_minor
    expect(Ledger.balance(first(view.gateways).ledger, `merchant:${ids.merchant}:EUR`)).toBe(net - Math.floor((payment.captured_minor * Topology.FEE_BPS) / 10_000))
    expect(Ledger.balance(first(view.issuers).ledger, accounts.alice)).toBe(50_000 - net)
    expect(view.clearing.cycles.values().map((c) => c.state)).toEqual(["Settled", "Open"])
  })

  it("noDoubleCharge - should fail when a hold was captured beyond what the merchant's staff asked", () => {
    const { view, model } = approvedCheckout()
    const staffRequests = Object.fromEntries(Object.entries(model.staffRequests).map(([id, r]) => [id, { ...r, amount_minor: r.operation === "capture" ? 1 : r.amount_minor }]))
    expect(Invariants.noDoubleCharge(view, { ...model, staffRequests }).join()).toMatch(/the merchant asked for 1/)
  })

  it("agreement - should fail when the merchant counts more captured than the issuer", () => {
    const { view, model } = approvedCheckout()
    const payments = first(view.merchants).payments.map((p) => ({ ...p, captured_minor: p.captured_minor + 1 }))
    expect(Invariants.agreement({ ...view, merchants: [{ ...first(view.merchants), payments }] }, model).join()).toMatch(/captured .* at merchant\/gateway\/issuer/)
  })

  it("conservation - should fail when a bank mints money out of its own funds", () => {
    const { view, model } = approvedCheckout()
    const ledger = posted(first(view.issuers).ledger, "gift", "reserves:EUR", accounts.alice, 100)
    expect(Invariants.conservation({ ...view, issuers: [{ ...first(view.issuers), ledger }] }, model).join()).toMatch(/moved its own funds after opening: gift/)
  })

  it("conservation - should fail when a ledger is off balance or its pending counters disagree with its holds", () => {
    const { view, model } = approvedCheckout()
    const alice = first(view.issuers).ledger.accounts.get(accounts.alice)
    if (alice === undefined) throw new Error("no account")
    const accountsOff = first(view.issuers).ledger.accounts.set(accounts.alice, { ...alice, creditsPosted: alice.creditsPosted + 7, debitsPending: 3 })
    const found = Invariants.conservation({ ...view, issuers: [{ ...first(view.issuers), ledger: { ...first(view.issuers).ledger, accounts: accountsOff } }] }, model).join()
    expect(found).toMatch(/off balance in EUR/)
    expect(found).toMatch(/its pending holds reserve 0\/0/)
  })

  it("conservation - should fail when posted counters disagree with the journal, even on a ledger that balances", () => {
    const { view, model } = approvedCheckout()
    const ledger = first(view.issuers).ledger
    const alice = ledger.accounts.get(accounts.alice)
    const reserves = ledger.accounts.get("reserves:EUR")
    if (alice === undefined || reserves === undefined) throw new Error("no account")
    // Both sides moved by 7 with no entry: the trial balance is still zero, only the journal disagrees.
    const moved = ledger.accounts.set(accounts.alice, { ...alice, debitsPosted: alice.debitsPosted + 7 }).set("reserves:EUR", { ...reserves, creditsPosted: reserves.creditsPosted + 7 })
    const found = Invariants.conservation({ ...view, issuers: [{ ...first(view.issuers), ledger: { ...ledger, accounts: moved } }] }, model).join()
    expect(found).not.toMatch(/off balance/)
    expect(found).toMatch(new RegExp(`${accounts.alice} has \\d+/\\d+ posted, its journal entries sum to`))
    const entry = ledger.journal.values()[0]
    if (entry === undefined) throw new Error("no entry")
    const foreign = { ...ledger, journal: ledger.journal.set(entry.id, { ...entry, currency: "USD" as const }) }
    expect(Invariants.conservation({ ...view, issuers: [{ ...first(view.issuers), ledger: foreign }] }, model).join()).toMatch(/entry .* an account in EUR, in USD/)
  })

  it("conservation - should fail on a hold closed without being captured in full, or with a status no hold has", () => {
    const { view, model } = approvedCheckout()
    const ledger = first(view.issuers).ledger
    const [id, hold] = ledger.holds.entries()[0] ?? []
    if (id === undefined || hold === undefined) throw new Error("no hold")
    const withHold = (h: typeof hold) => Invariants.conservation({ ...view, issuers: [{ ...first(view.issuers), ledger: { ...ledger, holds: ledger.holds.set(id, h) } }] }, model).join()
    expect(withHold({ ...hold, status: "closed", captured_minor: hold.amount_minor - 1 })).toMatch(/hold .* is closed with \d+ of \d+ captured/)
    expect(withHold({ ...hold, status: "" as typeof hold.status })).toMatch(/hold .* is "" with/)
  })

  it("settlementExactlyOnce - should fail when an acquirer has two submissions waiting for a receipt", () => {
    const { view, model } = approvedCheckout()
    const gateway = first(view.gateways)
    const [id, submission] = gateway.submissions.entries()[0] ?? []
    if (id === undefined || submission === undefined) throw new Error("no submission")
    const submissions = Table.from<typeof submission>([
      [id, { ...submission, cycle: null }],
      ["sub-9", { ...submission, cycle: null }]
    ])
    expect(Invariants.settlementExactlyOnce({ ...view, gateways: [{ ...gateway, submissions }] }, model).join()).toMatch(/has 2 submissions waiting for a receipt/)
  })

  it("settlementExactlyOnce - should fail when an acquirer's submission holds more items than its configured submissionItems", () => {
    const { view, model } = approvedCheckout()
    const gateway = first(view.gateways)
    const [id, submission] = gateway.submissions.entries()[0] ?? []
    if (id === undefined || submission === undefined) throw new Error("no submission")
    const lowered = { ...gateway, config: { ...gateway.config, submissionItems: submission.items.length } }
    expect(Invariants.settlementExactlyOnce({ ...view, gateways: [lowered] }, model)).toEqual([])
    const over = { ...lowered, submissions: gateway.submissions.set(id, { ...submission, items: [...submission.items, ...submission.items] }) }
    expect(Invariants.settlementExactlyOnce({ ...view, gateways: [over] }, model).join()).toContain(`${ids.gateway} submission ${id} has ${2 * submission.items.length} items, more than ${submission.items.length}`)
  })

  it("bounded - should fail when a merchant has more requests in flight than its outboxLimit, the clearing house more instructions unconfirmed than its outboxLimit, or a cycle more items of a bank than its cycleItems", () => {
    const { view, model } = approvedCheckout()
    const merchant = first(view.merchants)
    const entry = { packet: { from: ids.merchant, to: ids.gateway, channel: "signed" as const, payload: null }, attempts: 1, nextAttempt_ms: 0 }
    const busy = { ...merchant, config: { ...merchant.config, outboxLimit: 1 }, outbox: Outbox.from([["r1", entry], ["r2", entry]]) }
    expect(Invariants.bounded({ ...view, merchants: [busy] }, model)).toEqual([`${ids.merchant} has 2 requests in flight, more than 1`])
    expect(Invariants.bounded({ ...view, merchants: [busy], compromised: ids.merchant }, model)).toEqual([])
    const unconfirmed = Outbox.from(Array.from({ length: Outbox.OUTBOX_LIMIT + 1 }, (_, i) => [`i${i}`, entry] as const))
    expect(Invariants.bounded({ ...view, clearing: { ...view.clearing, outbox: unconfirmed } }, model)).toEqual([`${ids.clearing} has ${Outbox.OUTBOX_LIMIT + 1} instructions unconfirmed, more than ${Outbox.OUTBOX_LIMIT}`])
    const three = Outbox.from([["i1", entry], ["i2", entry], ["i3", entry]])
    expect(Invariants.bounded({ ...view, clearing: { ...view.clearing, outbox: three, outboxLimit: 3 } }, model)).toEqual([])
    expect(Invariants.bounded({ ...view, clearing: { ...view.clearing, outbox: three, outboxLimit: 2 } }, model)).toEqual([`${ids.clearing} has 3 instructions unconfirmed, more than 2`])
    // Cycle 1 holds the capture and the refund: two items of the issuer and two of the acquirer, in euros.
    expect(Invariants.bounded({ ...view, clearing: { ...view.clearing, cycleItems: 2 } }, model)).toEqual([])
    expect(Invariants.bounded({ ...view, clearing: { ...view.clearing, cycleItems: 1 } }, model)).toEqual([
      `cycle 1 holds 2 items of ${ids.issuer} EUR, more than 1`,
      `cycle 1 holds 2 items of ${ids.gateway} EUR, more than 1`
    ])
  })

  it("conservation - should fail when netting does not sum to zero, or a bank's settlement account disagrees with the settlement bank", () => {
    const { view, model } = approvedCheckout()
    const cycles = view.clearing.cycles.map((c) => ({ ...c, positions: c.positions === null ? null : { ...c.positions, [`${ids.gateway}:EUR`]: -1 } }))
    expect(Invariants.conservation({ ...view, clearing: { ...view.clearing, cycles } }, model).join()).toMatch(/positions sum to/)
    const ledger = posted(first(view.gateways).ledger, "settle-again", "settlement:EUR", "scheme-receivable:EUR", 100)
    expect(Invariants.conservation({ ...view, gateways: [{ ...first(view.gateways), ledger }] }, model).join()).toMatch(/settlement account moved .*, its posted instructions say/)
  })

  it("conservation - should fail when a bank's settlement account and the settlement bank's mirror of it opened with different funds", () => {
    const { view, model } = approvedCheckout()
    const gatewayOpening = `opening:${ids.gateway}:EUR`
    expect(view.clearing.ledger.journal.get(gatewayOpening)).toBeDefined()
    const journal = view.clearing.ledger.journal.remove(gatewayOpening)
    const clearing = { ...view.clearing, ledger: { ...view.clearing.ledger, journal } }
    expect(Invariants.conservation({ ...view, clearing }, model).join()).toMatch(
      new RegExp(`${ids.gateway} opened its settlement account with [0-9]+ EUR, the settlement bank opened settlement:${ids.gateway}:EUR with 0`)
    )
  })

  it("settlementExactlyOnce - should fail when the settlement bank records an instruction confirmed, or a cycle settled, that a bank never posted", () => {
    const { view, model } = approvedCheckout()
    const [id, instruction] = view.clearing.instructions.entries()[0] ?? []
    if (id === undefined || instruction === undefined) throw new Error("the approved checkout settled no instruction")
    expect(view.clearing.cycles.get(String(instruction.cycle))?.state).toBe("Settled")
    const unconfirmed = { ...view.clearing, instructions: view.clearing.instructions.set(id, { ...instruction, confirmed: false }) }
    expect(Invariants.settlementExactlyOnce({ ...view, clearing: unconfirmed }, model).join()).toMatch(new RegExp(`cycle ${instruction.cycle} is settled, its instruction ${id} is unconfirmed and posted`))
    const bank = view.issuers.find((b) => b.identity.id === instruction.bank) ?? view.gateways.find((b) => b.identity.id === instruction.bank)
    if (bank === undefined) throw new Error(`no bank ${instruction.bank}`)
    const forgot = { ...bank, settlements: bank.settlements.remove(`${view.clearing.identity.id}/${id}`) }
    const banks = { issuers: view.issuers.map((b) => (b === bank ? (forgot as typeof b) : b)), gateways: view.gateways.map((b) => (b === bank ? (forgot as typeof b) : b)) }
    expect(Invariants.settlementExactlyOnce({ ...view, ...banks }, model).join()).toMatch(new RegExp(`instruction ${id} is recorded confirmed, ${instruction.bank} never posted it`))
  })

  it("settlementExactlyOnce - should fail when an item is cleared twice", () => {
    const { view, model } = approvedCheckout()
    const cycles = view.clearing.cycles.map((c) => ({ ...c, items: [...c.items, ...c.items] }))
    expect(Invariants.settlementExactlyOnce({ ...view, clearing: { ...view.clearing, cycles } }, model).join()).toMatch(/cleared in cycles 1 and 1/)
  })

  it("settlementExactlyOnce - should fail when refunds exceed captures, or a merchant is paid other than its settled captures less refunds and fees", () => {
    const { view, model } = approvedCheckout()
    const authorizations = first(view.issuers).authorizations.map((a) => ({ ...a, refunded_minor: 1_000_000 }))
    expect(Invariants.settlementExactlyOnce({ ...view, issuers: [{ ...first(view.issuers), authorizations }] }, model).join()).toMatch(/refunded 1000000 of/)
    // A compromised acquirer's refunds of its own payments are its own money: out of scope.
    expect(Invariants.settlementExactlyOnce({ ...view, compromised: ids.gateway, issuers: [{ ...first(view.issuers), authorizations }] }, model).join()).not.toMatch(/refunded 1000000 of/)
    const ledger = posted(first(view.gateways).ledger, "payout-again", `merchant-pending:${ids.merchant}:EUR`, `merchant:${ids.merchant}:EUR`, 100)
    expect(Invariants.settlementExactlyOnce({ ...view, gateways: [{ ...first(view.gateways), ledger }] }, model).join()).toMatch(/was paid .*, its settled captures less refunds and fees are/)
  })

  it("liveness - should fail while a hold is pending, an operation is in flight, or a cycle is unsettled", () => {
    const { view, model } = approvedCheckout()
    const holds = first(view.issuers).ledger.holds.map((h) => ({ ...h, status: "pending" as const }))
    expect(Invariants.liveness({ ...view, issuers: [{ ...first(view.issuers), ledger: { ...first(view.issuers).ledger, holds } }] }, model).join()).toMatch(/still pending/)
    const operations = first(view.merchants).operations.map((o) => ({ ...o, state: "Pending" as const }))
    expect(Invariants.liveness({ ...view, merchants: [{ ...first(view.merchants), operations }] }, model).join()).toMatch(/merchant-1 operation .* still pending/)
    const cycles = view.clearing.cycles.map((c) => ({ ...c, state: c.items.length > 0 ? ("Settling" as const) : c.state }))
    expect(Invariants.liveness({ ...view, clearing: { ...view.clearing, cycles } }, model).join()).toMatch(/cycle 1 is Settling/)
  })

  it("liveness - should leave out a cycle that waits only on a compromised acquirer's confirmation, and no other", () => {
    const { view, model } = approvedCheckout()
    const [id, instruction] = view.clearing.instructions.entries().find(([, i]) => i.bank === ids.gateway) ?? []
    if (id === undefined || instruction === undefined) throw new Error("the settled checkout sent the acquirer an instruction")
    const waiting = (unconfirmed: ReadonlyArray<string>) =>
      view.clearing.cycles.map((c) => (c.items.length > 0 ? { ...c, state: "Settling" as const, unconfirmed: unconfirmed as typeof c.unconfirmed } : c))
    const onAcquirer = { ...view, clearing: { ...view.clearing, cycles: waiting([id]) } }
    expect(Invariants.liveness(onAcquirer, model).join()).toMatch(/cycle 1 is Settling/)
    expect(Invariants.liveness({ ...onAcquirer, compromised: ids.gateway }, model).join()).not.toMatch(/cycle 1/)
    const onIssuerToo = view.clearing.instructions.keys()
    expect(Invariants.liveness({ ...view, compromised: ids.gateway, clearing: { ...view.clearing, cycles: waiting(onIssuerToo) } }, model).join()).toMatch(/cycle 1 is Settling/)
  })

  it("liveness - should fail while an honest party waits for an answer from an honest one, and not for an insider's", () => {
    const { view, model } = approvedCheckout()
    const packet = { from: ids.merchant, to: ids.gateway, channel: "signed", payload: {} } as const
    const merchants = [{ ...first(view.merchants), outbox: Outbox.from([["ord-9.p1", { packet, attempts: 3, nextAttempt_ms: view.now_ms }]]) }] as typeof view.merchants
    expect(Invariants.liveness({ ...view, merchants }, model).join()).toMatch(/merchant-1 still waits for answers to ord-9.p1/)
    expect(Invariants.liveness({ ...view, merchants, compromised: ids.gateway }, model).join()).not.toMatch(/still waits/)
  })

  it("liveness - should fail while a payment is still authorizing, or a hold outlived its expiry", () => {
    const { view, model } = approvedCheckout()
    const payments = first(view.merchants).payments.map((p) => ({ ...p, state: "Authorizing" as const }))
    expect(Invariants.liveness({ ...view, merchants: [{ ...first(view.merchants), payments }] }, model).join()).toMatch(/still authorizing/)
    const holds = first(view.issuers).ledger.holds.map((h) => ({ ...h, status: "pending" as const }))
    const lapsed = { ...view, now_ms: view.now_ms + 8 * 24 * 3_600_000, issuers: [{ ...first(view.issuers), ledger: { ...first(view.issuers).ledger, holds } }] }
    expect(Invariants.liveness(lapsed, model).join()).toMatch(/outlived its expiry/)
  })
})
