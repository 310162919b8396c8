/**
 * `npm run bench [-- --seconds 1] [-- --json]`: Ed25519 sign and verify rates, end-to-end
 * authorizations per second and settled payments per second, for both crypto layers, as one
 * Markdown table (or one JSON object).
 */
import * as os from "node:os"
import { parseArgs } from "node:util"
import type { Layer } from "effect"
import type { Ed25519 } from "../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../src/crypto/TweetnaclEd25519.js"
import { benchCrypto, MESSAGE_BYTES } from "./crypto.js"
import { benchEndToEnd } from "./endToEnd.js"
import { sig3, WARMUP_FACTOR } from "./measure.js"

const BACKENDS: ReadonlyArray<readonly [string, Layer.Layer<Ed25519>]> = [
  ["NodeEd25519 (node:crypto)", NodeEd25519],
  ["TweetnaclEd25519 (tweetnacl)", TweetnaclEd25519]
]

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "1" }, json: { type: "boolean", default: false } }
})
const seconds = Number(values.seconds)
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`bench: --seconds expects a positive number of seconds per row, got "${values.seconds}"`)
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
  return {
    backend,
    sign_per_s: sig3(sign.perSecond),
    verify_per_s: sig3(verify.perSecond),
    authorizations_per_s: sig3(authorize.perSecond),
    settled_payments_per_s: sig3(settle.perSecond),
    signatures_made_per_authorization: perAuthorization.signed,
    signatures_verified_per_authorization: perAuthorization.verified
  }
})

if (values.json === true) {
  const settings = { seconds_per_row: seconds, warmup_seconds_per_row: WARMUP_FACTOR * seconds, message_bytes: MESSAGE_BYTES }
  console.log(JSON.stringify({ ...machine, ...settings, rows }, null, 2))
} else {
  const n = (value: number): string => value.toLocaleString("en-US")
  console.log(`Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform}); at least ${seconds} s per figure after ${WARMUP_FACTOR * seconds} s of warm-up.`)
  console.log(
    `Sign and verify over a ${MESSAGE_BYTES}-byte message through the strict Ed25519 service; an authorization is a full checkout on a fresh in-memory network, ` +
      "a settled payment the same checkout then captured, partly refunded, cleared and settled.\n"
  )
  console.log("| backend | sign ops/s | verify ops/s | authorizations/s | settled payments/s | signed per auth | verified per auth |")
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${n(r.sign_per_s)} | ${n(r.verify_per_s)} | ${n(r.authorizations_per_s)} | ${n(r.settled_payments_per_s)} | ` +
        `${r.signatures_made_per_authorization} | ${r.signatures_verified_per_authorization} |`
    )
  }
}
