/**
 * The durable store: a step's writes are exactly the difference between its states; a state
 * committed to SQLite loads back equal; a bad or foreign file is a typed error; and a party run
 * from its file through a whole checkout, reopened halfway, ends where the in-memory one does.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Cause, Effect, Exit } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SqliteStore } from "../../src/drivers/SqliteStore.js"
import { StoredNetwork } from "../../src/drivers/StoredNetwork.js"
import { StoredParty } from "../../src/drivers/StoredParty.js"
import {
  BackOffice,
  Browser,
  Changes,
  Ed25519Backends,
  InMemoryNetwork,
  Issuer,
  Shopper,
  State,
  Table,
  Topology,
  type Ids,
  type Machine
} from "../../src/index.js"
import { comparable } from "../support/tables.js"

const crypto = Ed25519Backends.NodeEd25519
const keys = Topology.makeKeys(crypto, "store")
const folder = mkdtempSync(join(tmpdir(), "checkout-store-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** One step of one party: its kind and its states before and after. */
interface Stepped {
  readonly kind: State.PartyKind
  readonly before: unknown
  readonly after: unknown
}

/** An in-memory network that records every step's states. */
class RecordingNetwork extends InMemoryNetwork.InMemoryNetwork {
  readonly steps: Array<Stepped> = []

  protected override stepped(_id: Ids.PartyId, kind: string, before: unknown, after: unknown): unknown {
    if (State.isPartyKind(kind)) this.steps.push({ kind, before, after })
    return after
  }
}

/** A checkout, approved, captured, partly refunded and settled. */
const settledCheckout = (): RecordingNetwork => {
  const net = new RecordingNetwork(crypto, Topology.standardNodes(keys), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  const payment = BackOffice.lastPayment(net)
  BackOffice.capture(net, payment, 1_000)
  BackOffice.refund(net, payment, 100)
  BackOffice.endOfDay(net)
  return net
}

const failureOf = <A, E>(effect: Effect.Effect<A, E>): E => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.squash(exit.cause) as E
}

const issuerInitial = (): Issuer.IssuerState =>
  Topology.standardNodes(keys).find((n) => n.id === Topology.ids.issuer)?.state as Issuer.IssuerState

/** One settled checkout, whose steps and whose issuer every describe below reads. */
const settled = settledCheckout()
const issuer = settled.state<Issuer.IssuerState>(Topology.ids.issuer)

/** A file at `name` holding the settled issuer, and a second connection to it through which a test corrupts the file. */
const storedIssuer = (name: string): { readonly store: SqliteStore<"Issuer">; readonly db: DatabaseSync } => {
  const path = join(folder, name)
  const store = SqliteStore.open(path, "Issuer")
  store.create(issuer)
  return { store, db: new DatabaseSync(path) }
}

/** Writes `text` as the stored row under `key` of `table`, behind the store's back. */
const overwrite = (db: DatabaseSync, table: string, key: string, text: string): void => {
  db.prepare(`UPDATE "rows_${table}" SET row = ? WHERE key = ?`).run(text, key)
}

describe("Changes", () => {
  it("changesOf - should be, for every step of a settled checkout, exactly what turns the stored state before into the one after", () => {
    expect(settled.steps.length).toBeGreaterThan(50)
    let written = 0
    for (const [index, { kind, before, after }] of settled.steps.entries()) {
      const changes = Changes.changesOf(State.codecOf(kind), before, after)
      written += changes.rows.length
      const applied = Changes.applyChanges(State.encodeState(kind, before as never), changes)
      expect(applied, `step ${index} of the ${kind}`).toEqual(State.encodeState(kind, after as never))
    }
    expect(written).toBeGreaterThan(0)
  })

  it("changesOf - should write nothing for a step that changes nothing, and only the rows a step touched", () => {
    const idle = settled.steps.filter((s) => s.before === s.after)
    expect(idle.length).toBeGreaterThan(0)
    for (const { kind, before, after } of idle) expect(Changes.isEmpty(Changes.changesOf(State.codecOf(kind), before, after))).toBe(true)
    const issuerRows = State.encodeState("Issuer", issuer).tables
    const total = Object.values(issuerRows).reduce((n, rows) => n + Object.keys(rows).length, 0)
    const largest = Math.max(...settled.steps.filter((s) => s.kind === "Issuer").map((s) => Changes.changesOf(State.codecOf("Issuer"), s.before, s.after).rows.length))
    expect(largest).toBeLessThan(total)
  })
})

describe("SqliteStore", () => {
  it("create and load - should give back the state it was given, on a file", () => {
    const store = SqliteStore.open(join(folder, "issuer-roundtrip.sqlite"), "Issuer")
    expect(store.isEmpty()).toBe(true)
    store.create(issuer)
    store.close()
    const reopened = SqliteStore.open(join(folder, "issuer-roundtrip.sqlite"), "Issuer")
    expect(reopened.isEmpty()).toBe(false)
    expect(comparable(Effect.runSync(reopened.load(issuer.identity)))).toEqual(comparable(issuer))
    reopened.close()
  })

  it("commit - should apply a step's writes, deletions included", () => {
    const store = SqliteStore.open(":memory:", "Issuer")
    const initial = issuerInitial()
    store.create(initial)
    store.commit(Changes.changesOf(State.codecOf("Issuer"), initial, issuer))
    expect(comparable(Effect.runSync(store.load(issuer.identity)))).toEqual(comparable(issuer))
    // Back to the initial state: every row added since is deleted.
    store.commit(Changes.changesOf(State.codecOf("Issuer"), issuer, initial))
    expect(comparable(Effect.runSync(store.load(issuer.identity)))).toEqual(comparable(initial))
    store.close()
  })

  it("load - should refuse a corrupted row, a foreign row, another kind's file and an empty file with a typed error", () => {
    const { store, db } = storedIssuer("issuer-bad.sqlite")
    const key = issuer.authorizations.keys()[0] ?? ""
    overwrite(db, "authorizations", key, '{"of":"Issuer.authorizations","row":')
    expect(failureOf(store.load(issuer.identity))).toMatchObject({ _tag: "StateDecodeError", table: "authorizations", key })
    overwrite(db, "authorizations", key, '{"of":"Gateway.payments","row":{}}')
    expect(failureOf(store.load(issuer.identity)).detail).toBe("a foreign row: it belongs to Gateway.payments, not Issuer.authorizations")
    db.close()
    store.close()
    const asGateway = SqliteStore.open(join(folder, "issuer-bad.sqlite"), "Gateway")
    const gatewayIdentity = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.gateway)?.state.identity
    expect(failureOf(asGateway.load(gatewayIdentity)).detail).toBe("a foreign state: it is a Issuer's, not a Gateway's")
    asGateway.close()
    const empty = SqliteStore.open(":memory:", "Issuer")
    expect(failureOf(empty.load(issuer.identity)).detail).toMatch(/no state was ever created/)
    empty.close()
  })
})

describe("SqliteStore.loadBacked", () => {
  it("should give back the state it was given, its deadline indexes included, with no row in memory", () => {
    const store = SqliteStore.open(":memory:", "Issuer")
    store.create(issuer)
    const backed = Effect.runSync(store.loadBacked(issuer.identity))
    expect(issuer.records.size).toBeGreaterThan(0)
    expect(comparable(backed)).toEqual(comparable(issuer))
    expect(backed.authorizations.size).toBe(issuer.authorizations.size)
    const tables = State.split("Issuer", backed).tables as Record<string, Table<unknown>>
    expect(Object.values(tables).map((table) => table.inMemory)).toEqual(Object.values(tables).map(() => 0))
    store.close()
  })

  it("should refuse a corrupted due row when loading, and throw the typed error of any other bad row when a step reads it", () => {
    const { store, db } = storedIssuer("issuer-backed-bad.sqlite")
    const authorization = issuer.authorizations.keys()[0] ?? ""
    overwrite(db, "authorizations", authorization, '{"of":"Gateway.payments","row":{}}')
    // Not due: loading does not read it; reading it does.
    const backed = Effect.runSync(store.loadBacked(issuer.identity))
    expect(() => backed.authorizations.get(authorization)).toThrow(expect.objectContaining({ _tag: "StateDecodeError", table: "authorizations", key: authorization }))
    expect(failureOf(store.load(issuer.identity)).detail).toBe("a foreign row: it belongs to Gateway.payments, not Issuer.authorizations")
    // Due (an idempotency record within retention): loading reads it and refuses it.
    const record = issuer.records.keys()[0] ?? ""
    expect(db.prepare('SELECT due FROM "rows_records" WHERE key = ?').get(record)).toEqual({ due: issuer.records.get(record)?.retainUntil_ms })
    overwrite(db, "records", record, '{"of":"Issuer.records","row":')
    expect(failureOf(store.loadBacked(issuer.identity))).toMatchObject({ _tag: "StateDecodeError", table: "records", key: record })
    db.close()
    store.close()
  })

  it("should refuse a file of the older layout, whose rows carry no due time", () => {
    const { store, db } = storedIssuer("issuer-layout-1.sqlite")
    db.prepare("DELETE FROM meta WHERE name = 'layout'").run()
    db.close()
    expect(failureOf(store.loadBacked(issuer.identity)).detail).toBe("store layout 1, expected 2: written by an older version")
    expect(failureOf(store.load(issuer.identity)).detail).toBe("store layout 1, expected 2: written by an older version")
    store.close()
  })
})

describe("StoredNetwork", () => {
  /** The rows the standard parties of `net` hold in memory, and all their rows. */
  const rows = (net: InMemoryNetwork.InMemoryNetwork): { readonly inMemory: number; readonly all: number } => {
    const tables = Topology.standardNodes(keys).flatMap((n): ReadonlyArray<Table<unknown>> => {
      const kind = n.machine.kind as State.PartyKind
      return Object.values(State.split(kind, net.state(n.id)).tables as Record<string, Table<unknown>>)
    })
    return { inMemory: tables.reduce((sum, table) => sum + table.inMemory, 0), all: tables.reduce((sum, table) => sum + table.size, 0) }
  }

  /** The standard parties and `browsers` browsers, one per checkout. */
  const nodesWith = (browsers: number): ReadonlyArray<InMemoryNetwork.Node> => [
    ...Topology.standardNodes(keys),
    ...Array.from({ length: browsers }, (_, i) => {
      const id = `browser-shopper-${i}` as Ids.PartyId
      return { id, machine: Browser.Browser, state: Browser.initial(id, Topology.ids.merchant, `session-${i}` as Ids.SessionId) }
    })
  ]

  /** An approved checkout on each extra browser, then the clock past every retention window. */
  const run = (net: InMemoryNetwork.InMemoryNetwork, browsers: number): void => {
    for (let i = 0; i < browsers; i++) {
      Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice }, `browser-shopper-${i}` as Ids.PartyId)
      Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
      Shopper.wait(net, 2_000)
    }
    BackOffice.endOfDay(net, 40 * 24 * 3_600_000)
  }

  it("should send what the in-memory network sends, and hold in memory as many rows after four checkouts as after one, once retention has passed", () => {
    const held: Array<{ readonly inMemory: number; readonly all: number }> = []
    for (const checkouts of [1, 4]) {
      const memory = new InMemoryNetwork.InMemoryNetwork(crypto, nodesWith(checkouts), Topology.START_ms)
      const stored = new StoredNetwork(crypto, nodesWith(checkouts), Topology.START_ms, mkdtempSync(join(folder, "net-")))
      run(memory, checkouts)
      run(stored, checkouts)
      expect(stored.trace).toEqual(memory.trace)
      held.push(rows(stored))
      stored.close()
    }
    const [one, four] = held
    expect(four?.all).toBeGreaterThan(one?.all ?? 0)
    expect(four?.inMemory).toBe(one?.inMemory)
  })
})

/** What the issuer is started from its file with, at `path`. */
const issuerOptions = (path: string) => ({ path, kind: "Issuer" as const, machine: Issuer.Issuer, identity: issuerInitial().identity, initial: issuerInitial, crypto })

/** A network that runs every party but the issuer in memory and hands the issuer's packets to its stored copy, `party()` (which a test may reopen). */
const networkAround = (party: () => { step: (input: Issuer.IssuerInput) => ReadonlyArray<Machine.Output> }): InMemoryNetwork.InMemoryNetwork =>
  new (class extends InMemoryNetwork.InMemoryNetwork {
    protected override receive(packet: Machine.Packet): void {
      if (packet.to !== Topology.ids.issuer) return super.receive(packet)
      for (const output of party().step({ _tag: "Receive", now_ms: this.now_ms, packet })) if (output._tag === "Send") this.inFlight.push(output.packet)
    }
  })(crypto, Topology.standardNodes(keys).filter((n) => n.id !== Topology.ids.issuer), Topology.START_ms)

describe("StoredParty", () => {
  it("open, step, reopen - should run the issuer from its file through a checkout, restarted halfway, to the same end as in memory", () => {
    const path = join(folder, "issuer-run.sqlite")
    const options = issuerOptions(path)
    let party = Effect.runSync(StoredParty.open(options))
    const net = networkAround(() => party)
    Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
    expect(party.state.challenges.keys()).toHaveLength(1)
    // The issuer's process stops and starts again: its state comes back from the file.
    party.close()
    party = Effect.runSync(StoredParty.open(options))
    expect(party.state.challenges.keys()).toHaveLength(1)
    Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
    Shopper.wait(net, 2_000)
    expect(net.state<Browser.BrowserState>(Topology.ids.browser).screen).toBe("Approved")
    const stored = SqliteStore.open(path, "Issuer")
    expect(comparable(Effect.runSync(stored.load(party.state.identity)))).toEqual(comparable(party.state))
    stored.close()
    party.close()
  })

  it("step - should delete the pruned records from the file at the end of their retention, in the tick's commit", () => {
    const path = join(folder, "issuer-retention.sqlite")
    const party = Effect.runSync(StoredParty.open(issuerOptions(path)))
    const net = networkAround(() => party)
    Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
    Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
    const rows = (table: string): number => {
      const db = new DatabaseSync(path, { readOnly: true })
      const count = (db.prepare(`SELECT count(*) AS n FROM "rows_${table}"`).get() as { readonly n: number }).n
      db.close()
      return count
    }
    const [record] = party.state.records.values()
    const end = record?.retainUntil_ms ?? 0
    expect([rows("records"), rows("authorizations"), rows("challenges")]).toEqual([1, 1, 1])
    party.step({ _tag: "Tick", now_ms: (end - 1) as Ids.Timestamp_ms })
    expect(rows("records")).toBe(1)
    party.step({ _tag: "Tick", now_ms: end as Ids.Timestamp_ms })
    expect([rows("records"), rows("authorizations"), rows("challenges")]).toEqual([0, 1, 1])
    party.close()
  })
})
