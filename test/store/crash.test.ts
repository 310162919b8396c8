/**
 * Real crashes: the issuer, then the gateway, runs as a child process on its SQLite file while
 * shoppers check out, pay, get captured and settled. A seeded plan kills it with SIGKILL after a
 * step and before its commit, after the commit and before its packets leave, or from outside at
 * once; each time it restarts from its file and the packets it was handling are lost. At the end
 * the invariants hold on every party's state, the child's read back from its file: nothing was
 * lost (every payment final, agreed and settled) and nothing was done twice.
 *
 * `npm test` runs a short plan; `CRASH_CHECKOUTS=30 CRASH_KILLS=25 npx vitest run test/store/crash.test.ts`
 * runs a longer one, and `CRASH_SEED=<n>` replays a plan.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as Invariants from "../../model/Invariants.js"
import * as ModelOps from "../../model/Model.js"
import type { Model } from "../../model/Model.js"
import { Browser, Shopper, Topology, type Ids } from "../../src/index.js"
import { HOLD_TTL_ms } from "../../src/parties/Issuer.js"
import type { MerchantState } from "../../src/parties/Merchant.js"
import type { PhoneState } from "../../src/parties/Phone.js"
import { CrashWorld, type Flaw } from "../support/crashWorld.js"

const { ids, accounts } = Topology
const CHECKOUTS = Number(process.env["CRASH_CHECKOUTS"] ?? 3)
const KILLS = Number(process.env["CRASH_KILLS"] ?? 4)
const SEED = Number(process.env["CRASH_SEED"] ?? 20261203)
const folder = mkdtempSync(join(tmpdir(), "checkout-crash-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** Waits, in rounds of `delta_ms`, until `done` holds; at most `rounds` rounds. */
const until = async (world: CrashWorld, done: () => boolean, rounds = 20, delta_ms = 4_000): Promise<void> => {
  for (let round = 0; round < rounds && !done(); round++) await world.wait(delta_ms)
}

/** One checkout by a fresh browser session, paid by Alice and approved on her phone; returns the model with the shopper's decision. */
const checkout = async (world: CrashWorld, n: number, model: Model): Promise<Model> => {
  const browser = world.state<Browser.BrowserState>(ids.browser)
  Object.assign(browser, Browser.initial(ids.browser, ids.merchant, `sess-${n}` as Ids.SessionId))
  const ready = Shopper.readyToPay(world)
  if (ready.order === null) throw new Error("no order to pay")
  let next = ModelOps.payClicked(model, ids.browser, ids.merchant, ready.order.orderId, ready.order.total)
  Shopper.clickPayNow(world, { issuer: ids.issuer, account: accounts.alice })
  await world.settle()
  await until(world, () => Shopper.pendingChallenge(world, ids.alicePhone) !== undefined)
  const shown = world.state<PhoneState>(ids.alicePhone).challenges.values().find((c) => c.state === "Pending")
  if (shown === undefined) throw new Error(`checkout ${n}: no challenge reached the phone`)
  next = ModelOps.decide(next, ids.alicePhone, ids.issuer, shown.challenge, "approve", world.now_ms)
  world.input(ids.alicePhone, { _tag: "Answer", now_ms: world.now_ms, challengeId: shown.challenge.id, decision: "approve" })
  await world.settle()
  await until(world, () => world.state<Browser.BrowserState>(ids.browser).screen === "Approved")
  expect(world.state<Browser.BrowserState>(ids.browser).screen, `checkout ${n}`).toBe("Approved")
  return next
}

const run = async (remote: Ids.PartyId, seed: number, flaw?: Flaw): Promise<void> => {
  const file = join(folder, `${remote}-${seed}-${flaw ?? "sound"}.sqlite`)
  const world = new CrashWorld(remote, file, "crash", { seed, kills: KILLS, rate: 0.15, ...(flaw === undefined ? {} : { flaw }) })
  const context = () => `seed ${seed} (replay: CRASH_SEED=${seed}); ${world.log.requests} requests to the ${remote} process; kills:\n${world.log.kills.join("\n")}`
  try {
    let model = ModelOps.empty
    for (let n = 1; n <= CHECKOUTS; n++) model = await checkout(world, n, model)
    // The merchant captures every payment, and the day is closed: clearing and settlement go through the child too.
    for (const paymentId of world.state<MerchantState>(ids.merchant).payments.keys()) {
      const outputs = world.input(ids.merchant, { _tag: "Capture", now_ms: world.now_ms, paymentId: paymentId as Ids.PaymentId, amount_minor: 500 })
      for (const o of outputs) {
        if (o._tag === "Transitioned" && o.entity === "operation") {
          model = ModelOps.staffAsked(model, o.id, { merchant: ids.merchant, operation: "capture", paymentId, amount_minor: 500 })
        }
      }
      await world.settle()
    }
    await until(world, () => false, 10)
    world.input(ids.clearing, { _tag: "CloseCycle", now_ms: world.now_ms })
    await world.settle()
    await until(world, () => false, 25, 16_000)
    // The holds run to their expiry: what was captured stays captured, the rest is released.
    await world.wait(HOLD_TTL_ms)
    await until(world, () => false, 5, 16_000)
    const remoteState = await world.stop()
    const view = world.view(remoteState)
    const checks = { ...Invariants.safety, ...Invariants.atQuiescence }
    const violations = Object.entries(checks).flatMap(([name, check]) => check(view, model).map((v) => `${name}: ${v}`))
    if (violations.length > 0) throw new Error(`invariants broken:\n${violations.join("\n")}`)
    expect(world.log.kills.length, context()).toBeGreaterThan(0)
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${context()}`)
  }
}

describe("real crashes (SIGKILL) of a party run from its SQLite file", { timeout: 120_000 }, () => {
  it("the issuer - should lose nothing and do nothing twice", async () => {
    await run(ids.issuer, SEED)
  })
  it("the gateway - should lose nothing and do nothing twice", async () => {
    await run(ids.gateway, SEED + 1)
  })
  it("an issuer whose store forgets its idempotency records and authorizations - should be caught", async () => {
    await expect(run(ids.issuer, SEED, "forget-records")).rejects.toThrow(/to be 'Approved'|invariants broken/)
  })
})
