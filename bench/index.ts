/**
 * `npm run bench [-- --seconds 1] [-- --held 1000,10000,100000] [-- --sqlite-up-to 10000] [-- --json]`:
 * Ed25519 sign and verify rates, end-to-end authorizations per second and settled payments per
 * second for both crypto layers, the authorization rate as a fraction of the crypto-only bound;
 * then what a checkout costs with 1k, 10k and 100k payments already held, in memory and on SQLite,
 * and the heap one held payment takes. Markdown tables, or one JSON object.
 */
import * as os from "node:os"
import { parseArgs } from "node:util"
import type { Layer } from "effect"
import type { Ed25519 } from "../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../src/crypto/TweetnaclEd25519.js"
import { benchCrypto, MESSAGE_BYTES } from "./crypto.js"
import { benchEndToEnd } from "./endToEnd.js"
import { benchHistory, heapPerPayment } from "./history.js"
import { sig3, WARMUP_FACTOR } from "./measure.js"

const BACKENDS: ReadonlyArray<readonly [string, Layer.Layer<Ed25519>]> = [
  ["NodeEd25519 (node:crypto)", NodeEd25519],
  ["TweetnaclEd25519 (tweetnacl)", TweetnaclEd25519]
]

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "1" },
    held: { type: "string", default: "1000,10000,100000" },
    "sqlite-up-to": { type: "string", default: "10000" },
    json: { type: "boolean", default: false }
  }
})
const seconds = Number(values.seconds)
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`bench: --seconds expects a positive number of seconds per row, got "${values.seconds}"`)
  process.exit(2)
}

const held = values.held.split(",").map(Number)
if (held.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`bench: --held expects payment counts separated by commas, such as 1000,10000, got "${values.held}"`)
  process.exit(2)
}
const sqliteUpTo = Number(values["sqlite-up-to"])
if (!Number.isInteger(sqliteUpTo) || sqliteUpTo < 0) {
  console.error(`bench: --sqlite-up-to expects a payment count, got "${values["sqlite-up-to"]}"`)
  process.exit(2)
}

const machine = {
  node: process.version,
  cpu: os.cpus()[0]?.model.trim() ?? "unknown",
  cores: os.cpus().length,
  platform: `${os.platform()} ${os.arch()}`
}

const rows = BACKENDS.map(([backend, layer]) => {
  const { sign, verify } = benchCrypto(layer, seconds)
  const { authorize, settle, perAuthorization } = benchEndToEnd(layer, seconds)
  // The most authorizations per second the crypto alone allows: one core doing nothing but the signatures and verifications an authorization needs.
  const cryptoBound = 1 / (perAuthorization.signed / sign.perSecond + perAuthorization.verified / verify.perSecond)
  return {
    backend,
    sign_per_s: sig3(sign.perSecond),
    verify_per_s: sig3(verify.perSecond),
    authorizations_per_s: sig3(authorize.perSecond),
    settled_payments_per_s: sig3(settle.perSecond),
    crypto_bound_authorizations_per_s: sig3(cryptoBound),
    fraction_of_crypto_bound: Number((authorize.perSecond / cryptoBound).toFixed(2)),
    signatures_made_per_authorization: perAuthorization.signed,
    signatures_verified_per_authorization: perAuthorization.verified
  }
})

const CHECKOUTS_PER_SIZE = 15
const history = benchHistory(NodeEd25519, held, { checkouts: CHECKOUTS_PER_SIZE, sqliteUpTo })
const heldForHeap = Math.min(...held)
const heap_bytes_per_payment = heapPerPayment(NodeEd25519, heldForHeap, { aged: false, sqlite: false })
const heap_bytes_per_payment_after_retention = heapPerPayment(NodeEd25519, heldForHeap, { aged: true, sqlite: false })
/** On SQLite, the most payments held that were run on SQLite: a stored party's few bytes per payment need many payments to stand above the heap's noise. */
const heldOnSqlite = Math.max(heldForHeap, ...held.filter((count) => count <= sqliteUpTo))
const heap_bytes_per_payment_on_sqlite = heapPerPayment(NodeEd25519, heldOnSqlite, { aged: false, sqlite: true })
const heap_bytes_per_payment_on_sqlite_after_retention = heapPerPayment(NodeEd25519, heldOnSqlite, { aged: true, sqlite: true })

if (values.json === true) {
  const settings = { seconds_per_row: seconds, warmup_seconds_per_row: WARMUP_FACTOR * seconds, message_bytes: MESSAGE_BYTES }
  const heap = { heap_held: heldForHeap, heap_bytes_per_payment, heap_bytes_per_payment_after_retention, heap_held_on_sqlite: heldOnSqlite, heap_bytes_per_payment_on_sqlite, heap_bytes_per_payment_on_sqlite_after_retention }
  console.log(JSON.stringify({ ...machine, ...settings, rows, history, ...heap }, null, 2))
} else {
  const n = (value: number): string => value.toLocaleString("en-US")
  console.log(`Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform}); at least ${seconds} s per figure after ${WARMUP_FACTOR * seconds} s of warm-up.`)
  console.log(
    `Sign and verify over a ${MESSAGE_BYTES}-byte message through the strict Ed25519 service; an authorization is a full checkout on a fresh in-memory network, ` +
      "a settled payment the same checkout then captured, partly refunded, cleared and settled.\n"
  )
  console.log("| backend | sign ops/s | verify ops/s | authorizations/s | crypto bound/s | fraction | settled payments/s | signed per auth | verified per auth |")
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${n(r.sign_per_s)} | ${n(r.verify_per_s)} | ${n(r.authorizations_per_s)} | ${n(r.crypto_bound_authorizations_per_s)} | ` +
        `${r.fraction_of_crypto_bound} | ${n(r.settled_payments_per_s)} | ${r.signatures_made_per_authorization} | ${r.signatures_verified_per_authorization} |`
    )
  }
  const first = history[0]
  const ms = (value: number | null): string => (value === null ? "not run" : value.toFixed(1))
  const ratio = (value: number | null, base: number | null | undefined): string =>
    value === null || base === null || base === undefined ? "" : `${(value / base).toFixed(1)}x`
  console.log(
    `\nOne checkout (NodeEd25519) on a network whose parties already hold that many finished payments, ${CHECKOUTS_PER_SIZE} after 2 unmeasured: ` +
      "the median, and in memory the mean too (which carries the major garbage collections of a larger heap); " +
      "on SQLite every party commits each step to its own file (WAL, synchronous FULL).\n"
  )
  console.log("| payments held | in memory ms (median) | vs first | in memory ms (mean) | vs first | on SQLite ms (median) | vs first |")
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for (const h of history) {
    console.log(
      `| ${n(h.held)} | ${ms(h.inMemory_ms)} | ${ratio(h.inMemory_ms, first?.inMemory_ms)} | ${ms(h.inMemoryMean_ms)} | ${ratio(h.inMemoryMean_ms, first?.inMemoryMean_ms)} | ${ms(h.sqlite_ms)} | ${ratio(h.sqlite_ms, first?.sqlite_ms)} |`
    )
  }
  if (first !== undefined && first.sqlite_ms !== null) {
    const rate = (ms_per_checkout: number): number => sig3(1000 / ms_per_checkout)
    console.log(
      `\nAuthorizations per second, one after another, with ${n(first.held)} held: in memory ${n(rate(first.inMemory_ms))}, ` +
        `on SQLite ${n(rate(first.sqlite_ms))} (${(first.inMemory_ms / first.sqlite_ms).toFixed(2)} of the in-memory rate).`
    )
  }
  console.log(
    heap_bytes_per_payment === null
      ? "\nHeap per payment held: run with node --expose-gc (npm run bench does) and a smallest --held of 2 or more."
      : `\nHeap per finished payment held (what ${n(heldForHeap)} take over one, per payment), all parties together: in memory ${n(Math.round(heap_bytes_per_payment))} bytes, ` +
          `${n(Math.round(heap_bytes_per_payment_after_retention ?? 0))} bytes once its retention window has passed and its idempotency records and the phone's challenge are pruned ` +
          "(the books, the issuer's challenge and the clearing records are kept for good: spec 4.9); " +
          `on SQLite (what ${n(heldOnSqlite)} take over one), where a party holds no row in memory, only its deadline indexes, ${n(Math.round(heap_bytes_per_payment_on_sqlite ?? 0))} bytes, ` +
          `and ${n(Math.round(heap_bytes_per_payment_on_sqlite_after_retention ?? 0))} bytes once its retention window has passed.`
  )
}
