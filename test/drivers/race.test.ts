/**
 * Races in the asynchronous driver: fast-check's scheduler decides the order in which packets
 * arrive, the shopper taps "approve", the clock passes the challenge's expiry, and retries fire.
 * Whatever the order, nobody is charged twice or without approval, all parties end up agreeing,
 * and a run replays exactly from its seed.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Invariants from "../../model/Invariants.js"
import * as ModelOps from "../../model/Model.js"
import { STANDARD_ROLES, systemView } from "../../model/View.js"
import type { Model } from "../../model/Model.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { AsyncNetwork } from "../../src/drivers/AsyncNetwork.js"
import * as Shopper from "../../src/drivers/Shopper.js"
import * as Topology from "../../src/drivers/Topology.js"
import type { Timestamp_ms } from "../../src/domain/Ids.js"
import { OrderLine } from "../../src/messages/BrowserMerchant.js"
import { Payer } from "../../src/messages/Common.js"
import type { BrowserInput, BrowserState } from "../../src/parties/Browser.js"
import { CHALLENGE_TTL_ms, HOLD_TTL_ms } from "../../src/parties/Issuer.js"
import type { MerchantState } from "../../src/parties/Merchant.js"
import type { PhoneState } from "../../src/parties/Phone.js"

const { ids, accounts } = Topology
const keys = Topology.makeKeys(NodeEd25519, "race")


const violations = (net: AsyncNetwork, model: Model, checkers: Readonly<Record<string, Invariants.Checker>>): ReadonlyArray<string> =>
  Object.entries(checkers).flatMap(([name, check]) => check(systemView(net, STANDARD_ROLES), model).map((v) => `${name}: ${v}`))

/** One raced checkout; returns the delivery order the scheduler chose, for the replay check. */
const racedCheckout = async (s: fc.Scheduler, lossy: ReadonlyArray<boolean>): Promise<ReadonlyArray<string>> => {
  let sent = 0
  const order: Array<string> = []
  // The scheduler decides when each packet arrives; some of them it loses (the first time only).
  const net = new AsyncNetwork(NodeEd25519, Topology.standardNodes(keys), Topology.START_ms, (packet, deliver) => {
    // Only signed packets are lost: the checkout pages before "pay now" are not what is raced here.
    const lost = packet.channel === "signed" && lossy[sent++ % lossy.length] === true && sent < 12
    const label = `${packet.from} -> ${packet.to}`
    return s.schedule(Promise.resolve(label), label).then(() => {
      order.push(`${label}${lost ? " (lost)" : ""}`)
      if (!lost) deliver()
    })
  })
  let model = ModelOps.empty
  const at = (delta_ms: number) => (net.now_ms + delta_ms) as Timestamp_ms
  const tap = async (input: BrowserInput) => {
    net.input(ids.browser, input)
    await s.waitAll()
  }
  await tap({ _tag: "AddToCart", now_ms: net.now_ms, line: new OrderLine({ sku: Topology.skus.kettle, quantity: 1 }) })
  await tap({ _tag: "ConfirmOrder", now_ms: net.now_ms })
  await tap({ _tag: "ChooseDelivery", now_ms: net.now_ms, option: "standard" })
  await tap({ _tag: "EnterAddress", now_ms: net.now_ms, address: Shopper.address })
  expect(net.state<BrowserState>(ids.browser).screen).toBe("ReadyToPay")
  const paying = net.state<BrowserState>(ids.browser).order
  if (paying !== null) model = ModelOps.payClicked(model, ids.browser, ids.merchant, paying.orderId, paying.total)
  net.input(ids.browser, { _tag: "ClickPayNow", now_ms: net.now_ms, payer: new Payer({ issuer: ids.issuer, account: accounts.alice }) })
  // Three things race with the packets in flight: the shopper's approval, retries, and the clock passing the challenge's expiry.
  const approve = s.schedule(Promise.resolve("shopper approves"), "approve").then(() => {
    const shown = net.state<PhoneState>(ids.alicePhone).challenges.values().find((c) => c.state === "Pending")
    if (shown === undefined) return
    model = ModelOps.decide(model, ids.alicePhone, ids.issuer, shown.challenge, "approve", net.now_ms)
    net.input(ids.alicePhone, { _tag: "Answer", now_ms: net.now_ms, challengeId: shown.challenge.id, decision: "approve" })
  })
  const retry = s.schedule(Promise.resolve("retries fire"), "retry").then(() => net.advanceTo(at(3_000)))
  const expiry = s.schedule(Promise.resolve("challenge expires"), "expiry").then(() => net.advanceTo(at(CHALLENGE_TTL_ms + 1)))
  await s.waitFor(Promise.all([approve, retry, expiry]))
  await s.waitAll()
  expect(violations(net, model, Invariants.safety).join("\n")).toBe("")
  // Then the world quiets down: time passes, every retry and poll is answered.
  for (let round = 0; round < 25; round++) {
    net.advanceTo(at(16_000))
    await s.waitAll()
  }
  // Nobody captures: the hold, if any, runs to its expiry and releases the funds.
  net.advanceTo(at(HOLD_TTL_ms))
  await s.waitAll()
  expect(violations(net, model, { ...Invariants.safety, ...Invariants.atQuiescence }).join("\n")).toBe("")
  const browser = net.state<BrowserState>(ids.browser)
  const paid = net.state<MerchantState>(ids.merchant).orders.values().some((o) => o.state === "Paid")
  expect(browser.screen).toBe(paid ? "Approved" : "Declined")
  return order
}

describe("AsyncNetwork races", () => {
  it("AsyncNetwork - should keep every invariant whatever order deliveries, approval, expiry and retries happen in", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), async (s, lossy) => {
        await racedCheckout(s, lossy)
      }),
      { numRuns: 60, seed: 7 }
    )
  })

  it("AsyncNetwork - should replay a scheduled run to the same delivery order from its seed", async () => {
    const orders: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < 2; i++) {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), async (s) => {
          orders.push(await racedCheckout(s, [false]))
        }),
        { numRuns: 1, seed: 42 }
      )
    }
    expect(orders[0]?.length).toBeGreaterThan(10)
    expect(orders[1]).toEqual(orders[0])
  })
})
