/**
 * Where an authorization's time goes: `npm run bench:profile [-- --seconds 5]` runs approved
 * checkouts on fresh in-memory networks (as the authorization rate of `npm run bench` does) under
 * V8's sampling profiler, and sorts the self time of every sample into the layer it was spent in:
 * Ed25519 (OpenSSL's signing and verifying through `node:crypto`), the canonical encoding,
 * Effect's runtime, Schema's decoding and encoding, the sorted tables, garbage collection, the
 * protocol's own code, and the rest. The table answers "why is the core at this fraction of the
 * crypto bound", which the bench's rate alone cannot.
 */
import { Session, type Profiler } from "node:inspector"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { NodeEd25519 } from "../src/crypto/Backends.js"
import { Topology } from "../src/index.js"
import { authorizeOnce } from "./endToEnd.js"

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" } } })
const seconds = Number(values.seconds)
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`bench:profile: --seconds must be a positive number, got ${values.seconds}`)
  process.exit(2)
}

/** The layers of the stack, first match wins, each by what its frames' URL or function name contain. */
const LAYERS: ReadonlyArray<readonly [string, (url: string, name: string) => boolean]> = [
  ["garbage collection", (_url, name) => name === "(garbage collector)"],
  ["Ed25519 (node:crypto sign and verify)", (url) => /\/src\/crypto\/(NodeEd25519|VerifyPolicy|Ed25519)\.ts$/.test(url) || url.startsWith("node:internal/crypto")],
  ["canonical JSON", (url) => url.endsWith("Canonical.ts")],
  ["Schema (decode, encode, checks)", (url) => /effect\/dist\/(Schema|SchemaAST|SchemaParser|SchemaGetter|SchemaTransformation|SchemaCheck|SchemaIssue|SchemaToParser|internal\/schema)/.test(url)],
  ["Effect runtime (fibers, generators, pipes)", (url) => url.includes("/node_modules/effect/")],
  ["sorted tables (sorted-btree)", (url) => url.includes("/node_modules/sorted-btree/") || url.endsWith("machine/Table.ts")],
  ["the protocol's parties, messages and ledger", (url) => /\/src\/(parties|messages|ledger|settlement|machine|domain|crypto)\//.test(url)],
  ["drivers and the bench (network, shopper)", (url) => /\/(src\/drivers|bench)\//.test(url)],
  ["idle and program", (_url, name) => name === "(idle)" || name === "(program)" || name === "(root)"]
]

/** Each profile node's parent, so that a native frame (no URL, such as OpenSSL's `SignJob::run`) counts where it was called from. */
const parents = new Map<number, Profiler.ProfileNode>()

const layerOf = (node: Profiler.ProfileNode): string => {
  const { url, functionName } = node.callFrame
  const parent = parents.get(node.id)
  if (url === "" && !functionName.startsWith("(") && parent !== undefined) return layerOf(parent)
  return LAYERS.find(([, matches]) => matches(url, functionName))?.[0] ?? "other (Node internals, tsx)"
}

const keys = Topology.makeKeys(NodeEd25519, "bench-profile")
for (let i = 0; i < 50; i++) authorizeOnce(NodeEd25519, keys)

const session = new Session()
session.connect()
const post = <T>(method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error === null ? resolve(result as T) : reject(error))))

await post("Profiler.enable")
await post("Profiler.setSamplingInterval", { interval: 100 })
await post("Profiler.start")
const start = performance.now()
let authorizations = 0
while (performance.now() - start < seconds * 1_000) {
  authorizeOnce(NodeEd25519, keys)
  authorizations++
}
const elapsed_s = (performance.now() - start) / 1_000
const { profile } = await post<{ readonly profile: Profiler.Profile }>("Profiler.stop")
session.disconnect()

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
for (const node of profile.nodes) for (const child of node.children ?? []) {
  const found = byId.get(child)
  if (found !== undefined) parents.set(found.id, node)
}
const counts = new Map<string, number>()
for (const id of profile.samples ?? []) {
  const node = byId.get(id)
  if (node !== undefined) counts.set(layerOf(node), (counts.get(layerOf(node)) ?? 0) + 1)
}
const total = [...counts.values()].reduce((sum, n) => sum + n, 0)
console.log(`${authorizations} authorizations in ${elapsed_s.toFixed(1)} s: ${(authorizations / elapsed_s).toFixed(0)}/s under the profiler (Node ${process.version}).\n`)
console.log("| where the time goes (self time) | share |")
console.log("| --- | ---: |")
for (const [layer, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`| ${layer} | ${((100 * n) / total).toFixed(1)} % |`)
