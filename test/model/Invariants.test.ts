/**
 * Each invariant checker holds on a real approved checkout, and fails on a state seeded with the
 * bug it exists to catch. (The bug-injection runner, `npm run bugs`, shows the same through the
 * harness with bugs planted in the machines themselves.)
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Invariants from "../../model/Invariants.js"
import * as ModelOps from "../../model/Model.js"
import { systemView } from "../../model/View.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { InMemoryNetwork } from "../../src/drivers/InMemoryNetwork.js"
import * as Shopper from "../../src/drivers/Shopper.js"
import * as Topology from "../../src/drivers/Topology.js"
import * as Ledger from "../../src/ledger/Ledger.js"
import type { PhoneState } from "../../src/parties/Phone.js"

const { ids, accounts } = Topology

/** A checkout the shopper approved, run to the end, with the model of what the shopper decided. */
const approvedCheckout = () => {
  const net = new InMemoryNetwork(NodeEd25519, Topology.standardNodes(Topology.makeKeys(NodeEd25519, "invariants")), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: ids.issuer, account: accounts.alice })
  const challenge = Object.values(net.state<PhoneState>(ids.alicePhone).challenges)[0]?.challenge
  if (challenge === undefined) throw new Error("no challenge reached the phone")
  const model = ModelOps.decide(ModelOps.empty, ids.alicePhone, challenge, "approve", net.now_ms + 1_500)
  Shopper.answerOnPhone(net, ids.alicePhone, "approve")
  Shopper.wait(net, 5_000)
  const view = systemView(net)
  return { view, model }
}

const ALL = { ...Invariants.safety, ...Invariants.atQuiescence }

describe("invariant checkers", () => {
  it("every checker - should hold on an approved checkout that has quiesced", () => {
    const { view, model } = approvedCheckout()
    expect(view.browsers[0]?.screen).toBe("Approved")
    for (const [name, checker] of Object.entries(ALL)) expect(checker(view, model), name).toEqual([])
  })

  it("noDoubleCharge - should fail when one payment holds funds twice", () => {
    const { view, model } = approvedCheckout()
    const [key, auth] = Object.entries(view.issuer.authorizations)[0] ?? []
    if (key === undefined || auth === undefined) throw new Error("no authorization")
    const twice = `${key}-again`
    const ledger = Result.getOrThrow(
      Ledger.placeHold(view.issuer.ledger, { id: `hold:${twice}`, debit: accounts.alice, credit: "scheme-payable:EUR", amount: auth.request.amount, expiresAt_ms: view.now_ms + 1_000_000 })
    )
    const issuer = { ...view.issuer, ledger, authorizations: { ...view.issuer.authorizations, [twice]: auth } }
    expect(Invariants.noDoubleCharge({ ...view, issuer }, model).join()).toMatch(/has 2 holds/)
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
    const gateway = { ...view.gateway, payments: Object.fromEntries(Object.entries(view.gateway.payments).map(([k, p]) => [k, { ...p, state: "Declined" as const }])) }
    expect(Invariants.authenticity({ ...view, gateway }, model).join()).toMatch(/without the gateway approving it/)
  })

  it("agreement - should fail when the merchant says paid but the issuer holds nothing", () => {
    const { view, model } = approvedCheckout()
    const authorizations = Object.fromEntries(Object.entries(view.issuer.authorizations).map(([k, a]) => [k, { ...a, state: "Declined" as const }]))
    expect(Invariants.agreement({ ...view, issuer: { ...view.issuer, authorizations } }, model).join()).toMatch(/paid but the issuer holds no payment/)
  })

  it("liveness - should fail while a payment is still authorizing, or a hold outlived its expiry", () => {
    const { view, model } = approvedCheckout()
    const payments = Object.fromEntries(Object.entries(view.merchant.payments).map(([k, p]) => [k, { ...p, state: "Authorizing" as const }]))
    expect(Invariants.liveness({ ...view, merchant: { ...view.merchant, payments } }, model).join()).toMatch(/still authorizing/)
    expect(Invariants.liveness({ ...view, now_ms: view.now_ms + 8 * 24 * 3_600_000 }, model).join()).toMatch(/outlived its expiry/)
  })
})
