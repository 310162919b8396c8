/**
 * The explorer (`src/explore/`): it visits every reachable state of the smallest scope with no
 * violation on the reference core; two worlds that differ only in the order things happened in
 * hash alike, and worlds that differ do not; it keeps a world again when reached with a spare
 * budget no earlier visit covers, and loses none, as a plain walk says; worlds queued as numbers
 * and rebuilt from their paths give the very same exploration; it judges the first world,
 * which no action reaches, and the world between a shopper's two payments, which no state holds; it finds seeded bugs with
 * a shortest counterexample that replays (one reached only by an attacker's replay, one only by a
 * forgery, one only by an insider signing with a compromised phone's key), and a core that never
 * refunds by the scope's goals; and its command line stops at Ctrl-C and refuses a scope it does
 * not know, takes up a run from its checkpoint, and refuses a checkpoint to resume that it is not
 * given or cannot find.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { bugNamed } from "../../src/bugs/Catalog.js"
import { importMutant, loadMutant, plant } from "../../src/bugs/Mutant.js"
import { apply, enabled, initialRemaining, packetKey, recordingAfter, spareOf, type Recording, type Remaining } from "../../src/explore/Actions.js"
import type { Packet } from "../../src/machine/Machine.js"
import { World, type WorldSnapshot } from "../../src/harness/World.js"
import { syncRunner } from "../../src/drivers/Runner.js"
import { explore, replay, type Exploration, type ExploreSettings, type Progress } from "../../src/explore/Explorer.js"
import { exploreInWorkers } from "../../src/explore/Parallel.js"
import { fingerprinter, worldOf } from "../../src/explore/Fingerprint.js"
import { SCOPE_NAMES } from "../../src/explore/Scopes.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"
import { exploreSettings as settingsFor, scopeOf as scope } from "../support/explore.js"
import { tagOf } from "../../src/harness/Command.js"
import { InvariantViolation } from "../../src/harness/Invariants.js"
import { SECOND_VOID_EDGE, secondVoidUndeclared } from "../support/secondVoid.js"
import { CLI } from "../support/cli.js"

let noIdempotencyCheck: HarnessCore
let crashLosesOutbox: HarnessCore
let voidRefused: HarnessCore
let refundIgnoresRefunds: HarnessCore
let garbledRequestNotRefused: HarnessCore
let nettingIgnoresCurrency: HarnessCore
let confirmationOnlyOnRetry: HarnessCore
let approvalReusable: HarnessCore
let currencyNotSigned: HarnessCore
let anyEnrolledDevice: HarnessCore
let gatewayTrustsMerchantPayee: HarnessCore
let staleCopyTakenAsNew: HarnessCore
let captureInAnyCurrency: HarnessCore
let gatewayForwardsAnyCurrency: HarnessCore
let operationHonouredAtExpiry: HarnessCore
let holdReleasedLate: HarnessCore
let expiredHoldReportedClosed: HarnessCore
let lapsedHoldReportedClosed: HarnessCore
/** The issuer funds its customers' accounts with an entry that is not an opening: its first world already breaks conservation. */
let fundedAfterOpening: HarnessCore
let fundedAfterOpeningFolder: string
/** The issuer holds the funds before the shopper approves: noUnapprovedDebit breaks four actions in, while the challenge is still pending. */
let holdBeforeApproval: HarnessCore
let holdBeforeApprovalFolder: string

beforeAll(async () => {
  noIdempotencyCheck = await loadMutant({ ...bugNamed("no-idempotency-check"), name: "explore-test-no-idempotency-check" })
  crashLosesOutbox = await loadMutant({ ...bugNamed("crash-loses-outbox"), name: "explore-test-crash-loses-outbox" })
  voidRefused = await loadMutant({ ...bugNamed("void-refused"), name: "explore-test-void-refused" })
  refundIgnoresRefunds = await loadMutant({ ...bugNamed("refund-ignores-refunds"), name: "explore-test-refund-ignores-refunds" })
  garbledRequestNotRefused = await loadMutant({ ...bugNamed("garbled-request-not-refused"), name: "explore-test-garbled-request-not-refused" })
  nettingIgnoresCurrency = await loadMutant({ ...bugNamed("netting-ignores-currency"), name: "explore-test-netting-ignores-currency" })
  confirmationOnlyOnRetry = await loadMutant({ ...bugNamed("confirmation-only-on-retry"), name: "explore-test-confirmation-only-on-retry" })
  approvalReusable = await loadMutant({ ...bugNamed("approval-reusable"), name: "explore-test-approval-reusable" })
  currencyNotSigned = await loadMutant({ ...bugNamed("payment-currency-not-signed"), name: "explore-test-payment-currency-not-signed" })
  anyEnrolledDevice = await loadMutant({ ...bugNamed("approval-from-any-enrolled-device"), name: "explore-test-approval-from-any-enrolled-device" })
  gatewayTrustsMerchantPayee = await loadMutant({ ...bugNamed("gateway-trusts-merchant-payee"), name: "explore-test-gateway-trusts-merchant-payee" })
  staleCopyTakenAsNew = await loadMutant({ ...bugNamed("stale-copy-taken-as-new"), name: "explore-test-stale-copy-taken-as-new" })
  captureInAnyCurrency = await loadMutant({ ...bugNamed("capture-in-any-currency"), name: "explore-test-capture-in-any-currency" })
  gatewayForwardsAnyCurrency = await loadMutant({ ...bugNamed("gateway-forwards-any-currency"), name: "explore-test-gateway-forwards-any-currency" })
  operationHonouredAtExpiry = await loadMutant({ ...bugNamed("operation-honoured-at-expiry"), name: "explore-test-operation-honoured-at-expiry" })
  holdReleasedLate = await loadMutant({ ...bugNamed("hold-released-late"), name: "explore-test-hold-released-late" })
  expiredHoldReportedClosed = await loadMutant({ ...bugNamed("expired-hold-reported-closed"), name: "explore-test-expired-hold-reported-closed" })
  lapsedHoldReportedClosed = await loadMutant({ ...bugNamed("lapsed-hold-reported-closed"), name: "explore-test-lapsed-hold-reported-closed" })
  fundedAfterOpeningFolder = plant({
    name: "explore-test-funded-after-opening",
    description: "The issuer funds each customer's account from its reserves under an id that is not an opening's.",
    edits: [{ file: "parties/Issuer.ts", find: "id: `opening:${c.account}`", replace: "id: `funding:${c.account}`" }]
  })
  fundedAfterOpening = await importMutant(fundedAfterOpeningFolder)
  holdBeforeApprovalFolder = plant({ ...bugNamed("hold-before-approval"), name: "explore-test-hold-before-approval" })
  holdBeforeApproval = await importMutant(holdBeforeApprovalFolder)
})

describe("explore", () => {
  it("should visit every reachable state of the smallest scope, with no violation on the reference core", () => {
    const result = explore(settingsFor("pay"))
    expect(result.violation).toBeNull()
    expect(result.complete).toBe(true)
    expect(result.states).toBeGreaterThan(100)
    expect(result.transitions).toBeGreaterThan(result.states)
    expect(result.livenessChecks).toBeGreaterThan(0)
    expect(result.goalsMet).toEqual(["approved"])
  })

  it("vacuity - should fail when no reachable state meets one of the scope's goals, though no invariant breaks (confirmation-only-on-retry)", () => {
    // The banks confirm only when the clearing house sends an instruction again, which takes a clock move this scope never makes.
    const result = explore(settingsFor("settle", confirmationOnlyOnRetry))
    expect(result.violation).toEqual({ invariant: "vacuity", findings: ["no reachable state has a settled cycle"], path: [] })
    expect(result.goalsMet).toEqual(expect.arrayContaining(["approved", "capture"]))
    expect(explore(settingsFor("settle")).violation).toBeNull()
  })

  it("should find the merchant refusing itself a void the spec has it send (void-refused), by the operations check, on a path the reference core passes", () => {
    const settings = settingsFor("capture-void", voidRefused)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("operations")
    expect(result.violation?.findings.join()).toMatch(/merchant-1: Void of ord-1\.p1 should be sent once to gateway-1, it was sent 0 times/)
    expect(replay(settingsFor("capture-void"), result.violation?.path ?? []).error).toBeNull()
  })

  it("should find the merchant sending a refund of money already given back (refund-ignores-refunds), by the operations check, once the staff misclick, on a path the reference core passes", () => {
    const settings = settingsFor("capture-refund-misclick", refundIgnoresRefunds)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("operations")
    expect(result.violation?.findings.join()).toContain("merchant-1: Refund of ord-1.p1 should be refused by the merchant itself")
    // Pay, approve, capture, refund all, refund all that was captured, each delivered in turn.
    expect(result.violation?.path).toHaveLength(20)
    expect(replay(settingsFor("capture-refund-misclick"), result.violation?.path ?? []).error).toBeNull()
  })

  it("should find the merchant throwing on a shopper's garbled request (garbled-request-not-refused), by totality, and none on the reference core, which refuses every garbling", () => {
    const found = explore(settingsFor("pay-garble", garbledRequestNotRefused)).violation
    expect(found?.invariant).toBe("totality")
    expect(found?.findings.join()).toContain("merchant-1 threw on Receive instead of answering")
    // The checkout begun, then its first request sent again garbled: as short as the harness's shrunk run (2 commands).
    const { actions, error } = replay(settingsFor("pay-garble", garbledRequestNotRefused), found?.path ?? [])
    expect(actions.map((a) => a._tag)).toEqual(["Pay", "Garble"])
    expect(error).toBeInstanceOf(InvariantViolation)
    expect(explore(settingsFor("pay-garble"))).toMatchObject({ complete: true, violation: null, states: 473 })
  })

  it("two currencies - should let the second shopper pay only once the first's page shows the result, and fail conservation on the shortest path to netting-ignores-currency, which the reference core passes", () => {
    const settings = settingsFor("settle-two-currencies")
    const world = worldOf(settings)
    const { documents } = fingerprinter(world)
    const pays = enabled(world, settings.scope, initialRemaining(settings.scope), () => documents(world.snapshot()), []).filter((a) => a._tag === "Pay")
    expect(pays).toEqual([{ _tag: "Pay", shopper: 0, customer: 0 }])
    // The shortest counterexample `explore --scope settle-two-currencies --bug netting-ignores-currency --workers 2` prints
    // (181,317 states, 26 s): a checkout in euros at merchant-1, then one in dollars at merchant-2, each captured, the cycle closed.
    const path = [1, 0, 0, 0, 0, 0, 1, 2, 1, 1, 2, 0, 1, 2, 1, 1, 2, 2, 4, 2, 2, 3, 5, 3, 3, 3, 6, 4, 4, 4, 5, 5, 8]
    const { actions, error } = replay(settingsFor("settle-two-currencies", nettingIgnoresCurrency), path)
    expect(error).toBeInstanceOf(InvariantViolation)
    expect((error as InvariantViolation).invariant).toBe("conservation")
    expect(String(error)).toContain("cycle 1 nets issuer-1:USD to 0, its items to -6190")
    expect(actions.filter((a) => a._tag === "Pay")).toEqual([{ _tag: "Pay", shopper: 0, customer: 0 }, { _tag: "Pay", shopper: 1, customer: 1 }])
    expect(actions.at(-1)?._tag).toBe("CloseCycle")
    expect(replay(settings, path).error).toBeNull()
  })

  it("should stop, incomplete, at the bound on states, having said how far it got on the way", () => {
    const reports: Array<Progress> = []
    const result = explore({ ...settingsFor("pay", Core, 10), progress: { every: 4, report: (p) => reports.push(p) } })
    expect(result).toMatchObject({ states: 10, complete: false, violation: null })
    expect(reports.map((p) => p.states)).toEqual([4, 8])
    expect(reports[1]?.transitions).toBeGreaterThan(reports[0]?.transitions ?? Infinity)
  })

  it("fingerprint - should hash alike two worlds that differ only in the order independent packets were delivered or sit in flight, interned share their objects, and apart worlds that differ", () => {
    const settings = settingsFor("pay")
    const world = worldOf(settings)
    const { documents, fingerprint, interned } = fingerprinter(world)
    let remaining = apply(world, initialRemaining(settings.scope), { _tag: "Pay", shopper: 0, customer: 0 })
    // The merchant takes the pay-now: a payment request to the gateway and a view to the page are in flight at once.
    remaining = apply(world, remaining, { _tag: "Deliver", index: world.net.inFlight.findIndex((p) => tagOf(p) === "PayNow") })
    expect(world.net.inFlight.map(tagOf).sort()).toEqual(["AuthorizePayment", "OrderView"])
    const start = world.snapshot()
    // The other order in a world of its own: one world remembers its steps (StepMemo.ts), so both orders would end in the very same objects there.
    const elsewhere = worldOf(settings)
    const deliverInOrder = (at: World, first: string, second: string): { readonly snapshot: WorldSnapshot; readonly key: string } => {
      at.restore(start)
      let left = remaining
      for (const tag of [first, second]) left = apply(at, left, { _tag: "Deliver", index: at.net.inFlight.findIndex((p) => tagOf(p) === tag) })
      return { snapshot: at.snapshot(), key: fingerprint(at.snapshot(), left) }
    }
    const [one, other] = [deliverInOrder(world, "AuthorizePayment", "OrderView"), deliverInOrder(elsewhere, "OrderView", "AuthorizePayment")]
    expect(one.key).toBe(other.key)
    // Interned, the two hold the very same objects; before, some party state of theirs was not.
    expect(one.snapshot.states.every((state, i) => state === other.snapshot.states[i])).toBe(false)
    const [internedOne, internedOther] = [interned(one.snapshot), interned(other.snapshot)]
    internedOne.states.forEach((state, i) => expect(state).toBe(internedOther.states[i]))
    internedOne.inFlight.forEach((packet) => expect(internedOther.inFlight).toContain(packet))
    expect(internedOne.model).toBe(internedOther.model)
    expect(fingerprint(internedOther, remaining)).toBe(other.key)
    const reversed = { ...start, inFlight: [...start.inFlight].reverse() }
    expect(fingerprint(reversed, remaining)).toBe(fingerprint(start, remaining))
    expect(fingerprint({ ...start, inFlight: [...start.inFlight, ...start.inFlight.slice(0, 1)] }, remaining)).not.toBe(fingerprint(start, remaining))
    expect(fingerprint(start, { ...remaining, payments: remaining.payments.map((left) => left + 1) })).not.toBe(fingerprint(start, remaining))
    // The spare budgets are not hashed: the set of states seen compares them (Visited.ts).
    expect(fingerprint(start, { ...remaining, drops: remaining.drops + 1, crashes: remaining.crashes + 2 })).toBe(fingerprint(start, remaining))
    // While a path may replay, what the attacker recorded is part of its state.
    const recorded = start.inFlight[0] as Packet
    expect(fingerprint(start, remaining, [{ key: packetKey(world, recorded), packet: recorded }])).not.toBe(fingerprint(start, remaining))
    expect(documents(start)).toHaveLength(world.parties.length)
  })

  it("fingerprint - should depend on what the states hold, not on what the fingerprinter has seen: states rebuilt from their stored documents hash as the originals", () => {
    const settings = settingsFor("pay")
    const world = worldOf(settings)
    const { documents, fingerprint } = fingerprinter(world)
    let remaining = apply(world, initialRemaining(settings.scope), { _tag: "Pay", shopper: 0, customer: 0 })
    while (world.net.inFlight.length > 0) remaining = apply(world, remaining, { _tag: "Deliver", index: 0 })
    const start = world.snapshot()
    const warm = fingerprint(start, remaining)
    // Every party state, table and row decoded afresh from JSON: no object is shared with the originals.
    const rebuilt = start.states.map((state, i) => {
      const kind = world.kinds.get(world.parties[i] ?? "") ?? ""
      if (!Core.State.isPartyKind(kind)) return state
      return Effect.runSync(Core.State.decodeState(kind, JSON.parse(JSON.stringify(documents(start)[i])), Core.State.identityOf(kind, state as never)))
    })
    expect(rebuilt.every((state, i) => state !== start.states[i])).toBe(true)
    expect(fingerprint({ ...start, states: rebuilt }, remaining)).toBe(warm)
    expect(fingerprinter(world).fingerprint(start, remaining)).toBe(warm)
    // One row changed in one table of one party: another state.
    const merchant = world.parties.indexOf(Core.Topology.ids.merchant)
    const merchantState = start.states[merchant] as Core.Merchant.MerchantState
    const [orderId, order] = merchantState.orders.entries()[0] ?? []
    if (orderId === undefined || order === undefined) throw new Error("the payment made no order")
    const changed = { ...merchantState, orders: merchantState.orders.set(orderId, { ...order, delivery: order.delivery === "standard" ? "express" : "standard" }) }
    expect(fingerprint({ ...start, states: start.states.map((state, i) => (i === merchant ? changed : state)) }, remaining)).not.toBe(warm)
  })

  it("spare budgets - should keep a world again when it is reached with a spare budget no earlier visit covers, and lose no world, as a plain breadth-first walk of every world and budget says, its every step computed", () => {
    // One drop and one crash: some worlds are reached first with the drop spent and later with it in hand (and the crash spent).
    const settings: ExploreSettings = { ...settingsFor("pay"), scope: { ...scope("pay"), name: "pay-drop-crash", faults: { ...scope("pay").faults, drops: 1, crashes: 1 } } }
    // A world of the machines as they are, not the explorer's (worldOf), which remembers their steps (StepMemo.ts).
    const world = new World(settings.core, settings.crypto, syncRunner(settings.crypto), { scope: settings.scope.topology, dropRate: 0, duplicateRate: 0, replayRate: 0 })
    const { documents, fingerprint } = fingerprinter(world)
    // The rule, plainly: each world with the list of spare budgets kept for it; a state is kept unless one kept has its world and as much of every spare budget.
    const kept = new Map<string, Array<ReadonlyArray<number>>>()
    const keep = (snapshot: WorldSnapshot, remaining: Remaining, recording: Recording): boolean => {
      const key = fingerprint(snapshot, remaining, recording)
      const held = kept.get(key) ?? []
      const spare = spareOf(remaining)
      if (held.some((other) => other.every((left, i) => left >= (spare[i] ?? 0)))) return false
      kept.set(key, [...held, spare])
      return true
    }
    const remaining0 = initialRemaining(settings.scope)
    let level = [{ snapshot: world.snapshot(), remaining: remaining0, recording: recordingAfter(world, [], remaining0) }]
    keep(level[0]!.snapshot, remaining0, level[0]!.recording)
    while (level.length > 0) {
      const next: typeof level = []
      for (const node of level) {
        world.restore(node.snapshot)
        for (const action of enabled(world, settings.scope, node.remaining, () => documents(node.snapshot), node.recording)) {
          world.restore(node.snapshot)
          const remaining = apply(world, node.remaining, action)
          const snapshot = world.snapshot()
          const recording = recordingAfter(world, node.recording, remaining)
          if (keep(snapshot, remaining, recording)) next.push({ snapshot, remaining, recording })
        }
      }
      level = next
    }
    const states = [...kept.values()].reduce((sum, held) => sum + held.length, 0)
    const result = explore(settings)
    expect(result).toMatchObject({ complete: true, violation: null, worlds: kept.size, states })
    expect(result.states).toBeGreaterThan(result.worlds)
  })

  it("queued as numbers - should reach the very same states, transitions and counterexamples when queued worlds are rebuilt from their paths, all or most of them, on one thread and on workers", async () => {
    const counts = (e: Exploration) => [e.states, e.worlds, e.transitions, e.depth, e.livenessChecks, e.complete, e.violation]
    // Replays, drops, duplicates and crashes (pay-replay) and settlement (settle).
    for (const name of ["pay-replay", "settle"]) {
      const whole = explore(settingsFor(name))
      expect(whole).toMatchObject({ complete: true, violation: null })
      for (const queuedWorlds of [0, 50]) expect(counts(explore({ ...settingsFor(name), queuedWorlds }))).toEqual(counts(whole))
      // One worker, so that which thread offers a state first cannot change the counts.
      expect(counts(await exploreInWorkers({ ...settingsFor(name), queuedWorlds: 0 }, { backend: "node" }, { workers: 1, splitPerWorker: 2 }))).toEqual(counts(whole))
    }
    // A violation reached through an attacker's replay: the same shortest path.
    const found = explore(settingsFor("pay-replay", approvalReusable)).violation
    expect(found?.invariant).toBe("agreement")
    expect(explore({ ...settingsFor("pay-replay", approvalReusable), queuedWorlds: 0 }).violation).toEqual(found)
  })

  it("should judge every world the first time it is reached: a safety invariant broken in a busy world (hold-before-approval) is found there, at the same shortest path on one thread and on workers, and replays", async () => {
    const settings = settingsFor("pay", holdBeforeApproval)
    // Workers from the first level of 4 states on: pay's levels are small.
    for (const result of [explore(settings), await exploreInWorkers(settings, { backend: "node", mutant: holdBeforeApprovalFolder }, { workers: 2, splitPerWorker: 2 })]) {
      expect(result.violation?.invariant).toBe("noUnapprovedDebit")
      // Pay, deliver the pay-now, the payment request and the authorization request: held, the challenge not yet answered.
      expect(result.violation?.path).toHaveLength(4)
      expect(String(replay(settings, result.violation?.path ?? []).error)).toContain("invariant noUnapprovedDebit broken")
    }
    expect(explore(settingsFor("pay")).violation).toBeNull()
  })

  it("should judge the world between two payments of a shopper who pays again after an approval, which no state of the exploration's holds", () => {
    const settings = settingsFor("pay2")
    const world = worldOf(settings)
    const { documents } = fingerprinter(world)
    let remaining = initialRemaining(settings.scope)
    const approved = (): boolean => world.net.state<{ readonly screen: string }>(world.directory.customers[0]!.browser).screen === "Approved"
    // The happy path: pay, approve on the phone, deliver the oldest packet first, reload the page once all is delivered, until it shows approved.
    for (let step = 0; step < 40 && !approved(); step++) {
      const actions = enabled(world, settings.scope, remaining, () => documents(world.snapshot()), [])
      const action = actions.find((a) => a._tag === "Answer" && a.how === "approve") ?? actions.find((a) => a._tag === "Deliver") ?? actions.find((a) => a._tag === (step === 0 ? "Pay" : "Refresh"))
      if (action === undefined) break
      remaining = apply(world, remaining, action)
    }
    expect(approved()).toBe(true)
    const payAgain = enabled(world, settings.scope, remaining, () => documents(world.snapshot()), []).find((a) => a._tag === "Pay")
    expect(payAgain).toBeDefined()
    const before = world.snapshot()
    apply(world, remaining, payAgain!)
    world.restore(before)
    // A world broken before the second payment is found broken by the shopper's step back to the shop, before the second "pay now".
    world.model = { ...world.model, forgeriesAccepted: ["planted by the test"] }
    const broken = (() => {
      try {
        apply(world, remaining, payAgain!)
      } catch (error) {
        return error
      }
    })()
    expect(broken).toBeInstanceOf(InvariantViolation)
    expect(broken).toMatchObject({ invariant: "authenticity", after: "Shop(0, false)" })
  })

  it("should judge the first world, which no action reaches: a violation there has the empty path, on one thread and on workers", async () => {
    const settings = settingsFor("pay", fundedAfterOpening)
    for (const result of [explore(settings), await exploreInWorkers(settings, { backend: "node", mutant: fundedAfterOpeningFolder }, { workers: 2 })]) {
      expect(result.violation?.invariant).toBe("conservation")
      expect(result.violation?.path).toEqual([])
      expect(result.states).toBe(0)
    }
    expect(explore(settingsFor("pay")).violation).toBeNull()
  })

  it("should find a seeded bug with the shortest counterexample, which replays to the same violation (no-idempotency-check)", () => {
    const settings = settingsFor("pay-k1", noIdempotencyCheck)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("liveness")
    // Pay, then the network duplicates the payment request: two actions, and none is shorter.
    expect(result.violation?.path).toHaveLength(2)
    const { error } = replay(settings, result.violation?.path ?? [])
    expect(String(error)).toContain("invariant liveness broken")
    // The reference core passes the same path.
    expect(replay(settingsFor("pay-k1"), result.violation?.path ?? []).error).toBeNull()
  })

  it("should find a crash that loses the outbox (crash-loses-outbox)", () => {
    const result = explore(settingsFor("pay-k1", crashLosesOutbox))
    expect(result.violation?.invariant).toBe("liveness")
    const actions = replay(settingsFor("pay-k1", crashLosesOutbox), result.violation?.path ?? []).actions
    expect(actions.some((a) => a._tag === "Crash")).toBe(true)
  })

  it("should find an approval that acts twice when the attacker replays it (approval-reusable)", () => {
    const settings = settingsFor("pay-replay", approvalReusable)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("agreement")
    const { actions, error } = replay(settings, result.violation?.path ?? [])
    expect(String(error)).toContain("invariant agreement broken")
    expect(actions.filter((a) => a._tag === "Replay").map((a) => a._tag === "Replay" && tagOf(a.packet))).toEqual(["ChallengeApproval"])
  })

  it("should find a signature that leaves a field out, by a forgery without a key (payment-currency-not-signed), and none on the reference core", () => {
    const settings = settingsFor("pay-forge", currencyNotSigned)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("authenticity")
    // Pay, deliver the pay-now, and forge the payment request with the other currency.
    expect(result.violation?.path).toHaveLength(3)
    const { actions } = replay(settings, result.violation?.path ?? [])
    expect(actions.at(-1)).toMatchObject({ _tag: "Forge", what: 'AuthorizePayment.amount.currency: -> "USD"' })
    const reference = explore(settingsFor("pay-forge"))
    expect(reference).toMatchObject({ violation: null, complete: true })
    expect(reference.transitions).toBeGreaterThan(10 * reference.states)
  })

  it("insider - should find a compromised phone approving another customer's payment with its own key (approval-from-any-enrolled-device), and none on the reference core", () => {
    const settings = settingsFor("pay-phone-insider", anyEnrolledDevice)
    const result = explore(settings)
    expect(result.violation?.invariant).toBe("noUnapprovedDebit")
    const { actions } = replay(settings, result.violation?.path ?? [])
    const signed = actions.at(-1)
    expect(signed).toMatchObject({ _tag: "Impersonate", what: "phone-1.2.1: sign a ChallengeApproval as its own, from a recorded Challenge (issuer-1 -> phone-1.1.1)" })
    const reference = explore(settingsFor("pay-phone-insider"))
    expect(reference).toMatchObject({ violation: null, complete: true })
    // Every message the insider signs is refused: the states are those of the scope without it.
    expect(reference.states).toBe(explore(settingsFor("pay")).states)
    expect(reference.transitions).toBeGreaterThan(explore(settingsFor("pay")).transitions)
  })

  it("insider - should find an acquirer's or a merchant's own operation in another currency taken where the spec refuses it (capture-in-any-currency, gateway-forwards-any-currency), and the same path refused on the reference core", () => {
    for (const [name, core, receiver, tag] of [
      ["craft-gateway", captureInAnyCurrency, "issuer-1", "CaptureRequest"],
      ["craft-merchant", gatewayForwardsAnyCurrency, "gateway-1", "CapturePayment"]
    ] as const) {
      const result = explore(settingsFor(name, core))
      expect(result.violation?.invariant, name).toBe("operations")
      const path = result.violation?.path ?? []
      const { actions } = replay(settingsFor(name, core), path)
      // The insider crafts the capture in the other currency; it is delivered to the receiver, which takes it.
      expect(actions.find((a) => a._tag === "Craft"), name).toMatchObject({ _tag: "Craft", what: expect.stringContaining(`craft a ${tag} (otherCurrency)`), packet: { to: receiver } })
      expect(actions.at(-1)?._tag, name).toBe("Deliver")
      expect(replay(settingsFor(name), path).error, name).toBeNull()
    }
  })

  it("insider - should move the clock only once the insider has signed and while only its packets are in flight, in craft-gateway-clock, and find the acquirer's own capture taken at its very expiry there (operation-honoured-at-expiry), and the same path refused on the reference core", () => {
    const result = explore(settingsFor("craft-gateway-clock", operationHonouredAtExpiry))
    expect(result.violation?.invariant).toBe("operations")
    const path = result.violation?.path ?? []
    const { actions } = replay(settingsFor("craft-gateway-clock", operationHonouredAtExpiry), path)
    const crafted = actions.findIndex((a) => a._tag === "Craft")
    const moved = actions.findIndex((a) => a._tag === "Clock")
    expect(crafted).toBeGreaterThanOrEqual(0)
    expect(moved).toBeGreaterThan(crafted)
    // Delivered at the instant the clock moved to: the crafted request's own expiry.
    const craft = actions[crafted]
    const clock = actions[moved]
    if (craft?._tag !== "Craft" || clock?._tag !== "Clock") throw new Error("no craft or no clock move")
    expect((craft.packet.payload as { body: { expiresAt_ms: number } }).body.expiresAt_ms).toBe(clock.at_ms)
    expect(actions.at(-1)?._tag).toBe("Deliver")
    expect(replay(settingsFor("craft-gateway-clock"), path).error).toBeNull()
    // Along the path, a clock move is never offered before the craft, and is where the path took one.
    const settings = settingsFor("craft-gateway-clock")
    const world = worldOf(settings)
    const { documents } = fingerprinter(world)
    let remaining = initialRemaining(settings.scope)
    let recording = recordingAfter(world, [], remaining)
    const offered = path.map((index) => {
      const snapshot = world.snapshot()
      const choices = enabled(world, settings.scope, remaining, () => documents(snapshot), recording)
      const clock = choices.some((a) => a._tag === "Clock")
      // Only while the insider's packets are all that is in flight.
      if (clock) expect(world.net.inFlight.map((p) => p.from)).toEqual(world.net.inFlight.map(() => world.directory.compromised?.id))
      remaining = apply(world, remaining, choices[index] ?? { _tag: "Tick" })
      recording = recordingAfter(world, recording, remaining)
      return clock
    })
    expect(offered.slice(0, crafted + 1).some(Boolean)).toBe(false)
    expect(offered[moved]).toBe(true)
  })

  it("insider - should reach a hold's expiry with the acquirer's own request in flight, in craft-gateway-clock: a hold released late, and a lapsed hold refused as closed after the issuer's tick or before it, each path passed by the reference core", () => {
    const cases = [
      { core: holdReleasedLate, invariant: "deadlines" },
      { core: expiredHoldReportedClosed, invariant: "operations" },
      { core: lapsedHoldReportedClosed, invariant: "operations" }
    ]
    for (const { core, invariant } of cases) {
      const result = explore(settingsFor("craft-gateway-clock", core))
      expect(result.violation?.invariant).toBe(invariant)
      const path = result.violation?.path ?? []
      const { actions } = replay(settingsFor("craft-gateway-clock", core), path)
      // The acquirer crafts a request that outlives the hold, and the clock moves to within a millisecond of the hold's expiry.
      const craft = actions.find((a) => a._tag === "Craft")
      const clock = actions.find((a) => a._tag === "Clock")
      if (craft?._tag !== "Craft" || clock?._tag !== "Clock") throw new Error(`${invariant}: no craft or no clock move`)
      expect(craft.what).toContain("(outlivesHold)")
      expect(Math.abs((craft.packet.payload as { body: { expiresAt_ms: number } }).body.expiresAt_ms - 1 - clock.at_ms)).toBeLessThanOrEqual(1)
      expect(replay(settingsFor("craft-gateway-clock"), path).error).toBeNull()
    }
  })

  it("insider - should reach, in void2-gateway-tamper, the merchant's edge a compromised acquirer alone makes it take (a second void said accepted: Voided -> Voided), undeclared on the core before d291c77, and on the reference core declared and passed", async () => {
    // The 100,000-run campaign of seed 20261207 reached this edge once (run 40,911), through a
    // malformed void, a replay and a sweep; the explorer reaches it breadth-first, its shortest path
    // the acquirer's own result for the first void said again for the second.
    const undeclared = await loadMutant(secondVoidUndeclared("explore-test-second-void-undeclared"))
    const result = explore(settingsFor("void2-gateway-tamper", undeclared, 100_000))
    expect(result.violation).toMatchObject({ invariant: "declaredTransitions", findings: ["merchant-1 made an undeclared transition: payment: Voided -> Voided on OperationResult (void accepted)"] })
    const path = result.violation?.path ?? []
    expect(path).toHaveLength(16)
    const { actions } = replay(settingsFor("void2-gateway-tamper", undeclared), path)
    expect(actions.filter((a) => a._tag === "Staff")).toHaveLength(2)
    expect(actions.at(-1)).toMatchObject({ _tag: "InsiderTamper", what: 'OperationResult.id: -> "ord-1.p1.o2", signed again by gateway-1', packet: { to: "merchant-1" } })
    const reference = replay(settingsFor("void2-gateway-tamper"), path)
    expect(reference.error).toBeNull()
    expect(reference.world.exercised.has(SECOND_VOID_EDGE)).toBe(true)
  })

  it("insider - should find, in capture2-merchant-tamper, the second merchant's own payment request signed again with another payee, which a gateway that trusts the payee forwards (gateway-trusts-merchant-payee), and the same path refused on the reference core", () => {
    // The scope's insider may only tamper with its own messages: no impersonation, no crafting.
    const settings = settingsFor("capture2-merchant-tamper", gatewayTrustsMerchantPayee)
    const result = explore(settings)
    expect(result.violation).toMatchObject({ invariant: "isolation", findings: ["gateway-1 payment merchant-2/ord-1.p1 was asked for by merchant-2 for payee phone-1.1.1"] })
    const path = result.violation?.path ?? []
    expect(path).toHaveLength(16)
    const { actions } = replay(settings, path)
    expect(actions.filter((a) => a._tag === "Pay")).toHaveLength(2)
    expect(actions.at(-1)).toMatchObject({ _tag: "InsiderTamper", what: 'AuthorizePayment.payee.merchant: -> "phone-1.1.1", signed again by merchant-2', packet: { to: "gateway-1" } })
    expect(replay(settingsFor("capture2-merchant-tamper"), path).error).toBeNull()
  })

  it("retention - should fail a replay at a request's end of retention that changes anything (stale-copy-taken-as-new), and pass the same path on the reference core", () => {
    // The shortest counterexample `explore --scope void-retention --bug stale-copy-taken-as-new` prints:
    // pay, approve, void, age the world to the void request's end of retention, replay it to the issuer.
    const path = [1, 0, 0, 0, 0, 0, 34, 0, 0, 0, 0, 66, 0, 0, 0, 0, 100, 69]
    const { actions, error } = replay(settingsFor("void-retention", staleCopyTakenAsNew), path)
    expect(error).toBeInstanceOf(InvariantViolation)
    expect((error as InvariantViolation).invariant).toBe("retention")
    expect(actions.slice(-2).map((a) => a._tag)).toEqual(["Age", "Replay"])
    expect(replay(settingsFor("void-retention"), path).error).toBeNull()
  })

  it("command line - should stop a long exploration at Ctrl-C (SIGINT), with exit code 130", async () => {
    const dir = mkdtempSync(join(tmpdir(), "explore-sigint-"))
    const run = spawn(process.execPath, [...CLI, "explore", "--scope", "pay2-k1", "--checkpoint", dir, "--checkpoint-minutes", "0"], { stdio: "ignore" })
    const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)))
    // Its first checkpoint is written at the end of a level: the exploration is under way, the
    // next level dealt out to the worker thread and this one waiting on it.
    for (let waited_ms = 0; !existsSync(join(dir, "current")) && waited_ms < 30_000; waited_ms += 100) await new Promise((resolve) => setTimeout(resolve, 100))
    run.kill("SIGINT")
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running 10 s after SIGINT"), 10_000))])
    run.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
    expect(code).toBe(130)
  }, 60_000)

  it("command line - should refuse --resume with no checkpoint folder, or with one that holds none, with exit code 2 and why", () => {
    const explore = (...flags: ReadonlyArray<string>) => spawnSync(process.execPath, [...CLI, "explore", "--scope", "pay", ...flags], { encoding: "utf8" })
    const unnamed = explore("--resume")
    expect(unnamed.status).toBe(2)
    expect(unnamed.stderr).toContain("--resume takes up the checkpoint of a --checkpoint folder: name it")
    const empty = mkdtempSync(join(tmpdir(), "explore-no-checkpoint-"))
    const none = explore("--checkpoint", empty, "--resume")
    rmSync(empty, { recursive: true, force: true })
    expect(none.status).toBe(2)
    expect(none.stderr).toContain(`no checkpoint in ${empty}`)
  })

  it("command line - should take up a run stopped at --max-states from its last checkpoint, and end it as a run never stopped", () => {
    const dir = mkdtempSync(join(tmpdir(), "explore-checkpoint-cli-"))
    const explore = (...flags: ReadonlyArray<string>) => spawnSync(process.execPath, [...CLI, "explore", "--scope", "pay-replay", "--checkpoint", dir, "--checkpoint-minutes", "0", ...flags], { encoding: "utf8" })
    const stopped = explore("--max-states", "3800")
    expect(stopped.stdout).toContain("stopped at --max-states: incomplete")
    const taken = explore("--resume", "--json")
    rmSync(dir, { recursive: true, force: true })
    expect(taken.status).toBe(0)
    // pay-replay's exploration, as the table gives it.
    expect(JSON.parse(taken.stdout)).toMatchObject({ states: 4203, transitions: 29276, depth: 15, livenessChecks: 25, complete: true, violation: null })
  })

  it("command line - should refuse an unknown scope with exit code 2, naming every scope", () => {
    const run = spawnSync(process.execPath, [...CLI, "explore", "--scope", "everything"], { encoding: "utf8" })
    expect(run.status).toBe(2)
    for (const name of SCOPE_NAMES) expect(run.stderr).toContain(`"${name}"`)
  })
})
