/**
 * What a checkout costs as history grows, in memory and on SQLite: one network keeps serving
 * checkouts (a fresh browser session each) while every party already holds `held` finished
 * payments, and every step of every party is committed to its own SQLite file in the durable
 * variant. Also the heap each held payment takes.
 *
 * The held payments are copies of one real finished checkout (approved and fully captured): each
 * row of every per-payment table (orders, payments, records, challenges, holds, journal entries,
 * ...) copied under new keys, so each party's tables hold `held` times what one checkout leaves.
 * Accounts, customers and outboxes are not copied. For the timings the copies share their row
 * objects (what a step costs depends on how many rows a table has, not on what is in them); for
 * the memory figure every copy is a real one, decoded from its own encoding.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Effect, type Layer } from "effect"
import type { Ed25519 } from "../src/crypto/Ed25519.js"
import type { Node } from "../src/drivers/InMemoryNetwork.js"
import { StoredNetwork } from "../src/drivers/StoredNetwork.js"
import { BackOffice, Browser, InMemoryNetwork, Merchant, Retention, Shopper, State, Table, Topology, type Ids } from "../src/index.js"

/** Tables whose rows are not per payment, and so are not copied. */
const NOT_PER_PAYMENT: ReadonlySet<string> = new Set(["outbox", "accounts", "customers"])

/** Alice's balance: enough for every checkout of the benchmark. */
const RICH_minor = 100_000_000_000

/** One row of the history table. */
export interface HistoryRow {
  readonly held: number
  /** The median checkout in memory: what one costs when no major garbage collection lands in it. */
  readonly inMemory_ms: number
  /** The mean checkout in memory, the major garbage collections of a larger heap included. */
  readonly inMemoryMean_ms: number
  /** The median checkout on SQLite, or `null` when not run. */
  readonly sqlite_ms: number | null
}

/** The median and the mean of some timings. */
const summarize = (times: ReadonlyArray<number>): { readonly median: number; readonly mean: number } => {
  const sorted = [...times].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
  return { median, mean: times.reduce((sum, t) => sum + t, 0) / Math.max(1, times.length) }
}

/**
 * The parties after one real checkout, approved and fully captured; `aged`, also after the clock
 * moved past the retention window of every request, so that every party pruned what it may.
 */
const finishedCheckout = (layer: Layer.Layer<Ed25519>, keys: Topology.Keys, aged = false): ReadonlyArray<Node> => {
  const nodes = Topology.standardNodes(keys, { aliceBalance_minor: RICH_minor })
  const net = new InMemoryNetwork.InMemoryNetwork(layer, nodes, Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  const payment = BackOffice.lastPayment(net)
  const total = net.state<Browser.BrowserState>(Topology.ids.browser).order?.total.amount_minor ?? 0
  BackOffice.capture(net, payment, total)
  Shopper.wait(net, 20_000)
  if (aged) net.advanceTo(Retention.retainedUntil(net.now_ms + Merchant.AUTHORIZATION_TTL_ms) as Ids.Timestamp_ms)
  return nodes.map((n) => ({ ...n, state: net.state(n.id) }))
}

/** `state` with every per-payment row copied `held - 1` more times, each copy made by `copy`. */
const withHistory = (kind: State.PartyKind, state: unknown, held: number, copy: (table: string, row: unknown) => unknown): unknown => {
  const codec = State.codecOf(kind)
  const parts = codec.split(state)
  const tables = Object.fromEntries(
    Object.entries(parts.tables).map(([table, rows]) => {
      if (NOT_PER_PAYMENT.has(table)) return [table, rows]
      const entries: Array<readonly [string, unknown]> = []
      for (const [key, row] of rows) {
        entries.push([key, row])
        for (let i = 1; i < held; i++) entries.push([`${key}#${i}`, copy(table, row)])
      }
      return [table, Table.from(entries, codec.indexes[table])]
    })
  )
  return codec.join({ ...parts, tables }, State.identityOf(kind, state as never))
}

/** The template's parties, each holding `held` payments, rows shared. */
const nodesHolding = (template: ReadonlyArray<Node>, held: number): ReadonlyArray<Node> =>
  template.map((n) => ({ ...n, state: withHistory(n.machine.kind as State.PartyKind, n.state, held, (_table, row) => row) }))

/** Runs `count` approved checkouts, each from a fresh browser session; returns the milliseconds of each. */
const checkouts = (net: InMemoryNetwork.InMemoryNetwork, browser: Node, count: number, first: number): ReadonlyArray<number> => {
  const times: Array<number> = []
  for (let n = first; n < first + count; n++) {
    const start_ms = performance.now()
    browser.state = Browser.initial(Topology.ids.browser, Topology.ids.merchant, `bench-${n}` as Ids.SessionId)
    Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
    Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
    Shopper.wait(net, 2_000)
    const screen = net.state<Browser.BrowserState>(Topology.ids.browser).screen
    if (screen !== "Approved") throw new Error(`bench: checkout ${n} ended on "${screen}"`)
    times.push(performance.now() - start_ms)
  }
  return times
}

/** The median and mean milliseconds per checkout on a network of `nodes`, after `warmup` unmeasured checkouts. */
const perCheckout = (net: InMemoryNetwork.InMemoryNetwork, nodes: ReadonlyArray<Node>, warmup: number, count: number): { readonly median: number; readonly mean: number } => {
  const browser = nodes.find((n) => n.id === Topology.ids.browser)
  if (browser === undefined) throw new Error("bench: no browser")
  checkouts(net, browser, warmup, 1)
  return summarize(checkouts(net, browser, count, 1 + warmup))
}

/**
 * Per-checkout time with each number of payments held, in memory and (up to `sqliteUpTo` held)
 * with every party on its own SQLite file (`synchronous = FULL`, in a temporary folder).
 */
export const benchHistory = (
  layer: Layer.Layer<Ed25519>,
  sizes: ReadonlyArray<number>,
  options: { readonly checkouts: number; readonly sqliteUpTo: number }
): ReadonlyArray<HistoryRow> => {
  const keys = Topology.makeKeys(layer, "bench-history")
  const template = finishedCheckout(layer, keys)
  return sizes.map((held) => {
    const memoryNodes = nodesHolding(template, held)
    const inMemory = perCheckout(new InMemoryNetwork.InMemoryNetwork(layer, memoryNodes, Topology.START_ms), memoryNodes, 2, options.checkouts)
    const row = { held, inMemory_ms: inMemory.median, inMemoryMean_ms: inMemory.mean }
    if (held > options.sqliteUpTo) return { ...row, sqlite_ms: null }
    const folder = mkdtempSync(join(tmpdir(), "checkout-bench-"))
    try {
      const storedNodes = nodesHolding(template, held)
      const net = new StoredNetwork(layer, storedNodes, Topology.START_ms, folder)
      const sqlite_ms = perCheckout(net, storedNodes, 2, options.checkouts).median
      net.close()
      return { ...row, sqlite_ms }
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
}

/**
 * Heap bytes per finished payment held: what holding `held` payments takes over holding one,
 * divided by the `held - 1` more (so the parties' fixed cost does not count); `aged`, once every
 * party pruned what retention lets it. In memory, every copy is a real one, decoded from its own
 * encoding; on SQLite, the parties are loaded back from their files as a stored network holds
 * them. Measured after one unmeasured run, so that the code compiled on the way is not counted.
 * Needs `--expose-gc` and `held` of 2 or more, else `null`.
 */
export const heapPerPayment = (layer: Layer.Layer<Ed25519>, held: number, options: { readonly aged: boolean; readonly sqlite: boolean }): number | null => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined || held < 2) return null
  const template = finishedCheckout(layer, Topology.makeKeys(layer, "bench-memory"), options.aged)
  const heapHolding = (count: number): number => {
    const folder = mkdtempSync(join(tmpdir(), "checkout-bench-"))
    try {
      gc()
      const before = process.memoryUsage().heapUsed
      const holding = options.sqlite
        ? new StoredNetwork(layer, nodesHolding(template, count), Topology.START_ms, folder, "NORMAL")
        : template.map((n) => {
            const kind = n.machine.kind as State.PartyKind
            return withHistory(kind, n.state, count, (table, row) =>
              Effect.runSync(State.decodeRow(kind, table as never, "copy", State.encodeRow(kind, table as never, row as never)))
            )
          })
      gc()
      const bytes = process.memoryUsage().heapUsed - before
      if (holding instanceof StoredNetwork) holding.close()
      return bytes
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }
  heapHolding(held) // warm-up: the code it compiles is on the heap too
  const one = heapHolding(1)
  return (heapHolding(held) - one) / (held - 1)
}
