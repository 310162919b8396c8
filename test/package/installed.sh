#!/usr/bin/env bash
# The package installs like a package: `npm pack` this checkout, install the tarball into an empty
# project in a temporary folder, and use it there as a user would: the CLI's help, a campaign with
# JSON output, the seeded-bug proof on one seed, two workers against one, shards merged, a bad
# flag, an import of the main and harness entries, and an exploration on two worker threads.
# Needs Node.js >= 22.19 first on PATH (.ci/run puts the project's node_modules/.bin there).
# Usage: bash test/package/installed.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { printf -- '--- %s\n' "$*"; }
fail() { printf 'installed.sh: %s\n' "$*" >&2; exit 1; }

say "node $(node --version)"
say "npm pack"
tarball="$(cd "$here" && npm pack --silent --pack-destination "$work" | tail -n 1)"
say "install $tarball into an empty project"
mkdir "$work/project"
cd "$work/project"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --silent "$work/$tarball"

cli() { npx --no-install checkout-protocol "$@"; }

say "checkout-protocol --help"
cli --help | grep -q "SUBCOMMANDS" || fail "--help shows no subcommands"

say "checkout-protocol check --runs 20 --json"
cli check --runs 20 --json 2>/dev/null >one.json
node -e 'const r = JSON.parse(require("fs").readFileSync("one.json", "utf8")); if (r.summary.runs !== 20 || r.summary.violations !== 0) { console.error(r.summary); process.exit(1) }' ||
  fail "check --runs 20 --json did not report 20 runs without a violation"

say "checkout-protocol check --runs 100 --workers 2 has the totals of one worker"
cli check --runs 100 --seed 5 --json 2>/dev/null >w1.json
cli check --runs 100 --seed 5 --workers 2 --json 2>/dev/null >w2.json
say "checkout-protocol check --shard 1/2 and 2/2, then merge"
cli check --runs 100 --seed 5 --shard 1/2 --json 2>/dev/null >s1.json
cli check --runs 100 --seed 5 --shard 2/2 --json 2>/dev/null >s2.json
cli merge s1.json s2.json --json >merged.json
node -e '
  const read = (f) => JSON.parse(require("fs").readFileSync(f, "utf8")).summary
  const totals = (s) => JSON.stringify([s.runs, s.steps, s.commands, s.maxCommands, s.violations, s.invariants, s.exercised])
  const [one, two, merged] = ["w1.json", "w2.json", "merged.json"].map(read)
  if (totals(one) !== totals(two)) { console.error("workers 2 differs from workers 1"); process.exit(1) }
  if (totals(one) !== totals(merged)) { console.error("merged shards differ from the whole"); process.exit(1) }
' || fail "workers or shards changed the totals"

say "checkout-protocol bugs --seeds 1 --first-seed 2 --only domain-tag-missing"
cli bugs --seeds 1 --first-seed 2 --only domain-tag-missing --json >bugs.json
node -e 'const [row] = JSON.parse(require("fs").readFileSync("bugs.json", "utf8")); if (row.caught !== 1 || row.seeds !== 1 || row.firstSeed !== 2) process.exit(1)' ||
  fail "the seeded bug was not caught on seed 2 from the installed package"

say "a bad flag exits 2 with one line"
set +e
cli check --runs many >out.txt 2>err.txt
code=$?
set -e
[ "$code" -eq 2 ] || fail "a bad flag exited $code, not 2"
[ "$(wc -l <err.txt)" -eq 1 ] || fail "a bad flag printed $(wc -l <err.txt) lines, not 1: $(cat err.txt)"
grep -q -- "--runs" err.txt || fail "the error does not name --runs: $(cat err.txt)"

say "import the main and harness entries"
cat >use.mjs <<'JS'
import { Ed25519Backends, Money } from "checkout-protocol"
import * as Reference from "checkout-protocol"
import { Campaign, Invariants } from "checkout-protocol/harness"
if (Money.format(Money.money(1999, "EUR")) !== "EUR 19.99") throw new Error("main entry")
if (typeof Invariants.noDoubleCharge !== "function") throw new Error("harness entry: no invariants")
const summary = Campaign.campaign({ core: Reference, crypto: Ed25519Backends.NodeEd25519, maxCommands: 60 }, { numRuns: 5, seed: 1 })
if (summary.runs !== 5 || summary.violations !== 0) throw new Error(`harness entry: ${JSON.stringify(summary)}`)
console.log(`imported both entries; ${summary.runs} runs, ${summary.steps} steps, no violation`)
JS
node use.mjs

say "explore a scope on two worker threads from the installed package, as on one"
cat >explore.mjs <<'JS'
import { Ed25519Backends } from "checkout-protocol"
import * as Reference from "checkout-protocol"
import { Explorer, ExploreParallel, ExploreScopes } from "checkout-protocol/harness"
const settings = { core: Reference, crypto: Ed25519Backends.NodeEd25519, scope: ExploreScopes.scopeNamed("pay-replay"), maxStates: 100000 }
const one = Explorer.explore(settings)
const two = await ExploreParallel.exploreInWorkers(settings, { backend: "node" }, { workers: 2, splitPerWorker: 20 })
if (two.threads !== 2 || !two.complete || two.violation !== null || two.worlds !== one.worlds) throw new Error(`explore on workers: ${JSON.stringify(two)}`)
console.log(`explored pay-replay on 2 worker threads: ${two.worlds} worlds, as on one`)
JS
node explore.mjs

say "import the sqlite entry: run the issuer from a file, stop it, start it again"
cat >sqlite.mjs <<'JS'
import { Effect } from "effect"
import { Ed25519Backends, Issuer, Topology } from "checkout-protocol"
import { StoredParty } from "checkout-protocol/sqlite"
const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "installed")
const configured = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.issuer).state
const options = { path: "issuer.sqlite", kind: "Issuer", machine: Issuer.Issuer, identity: configured.identity, initial: () => configured, crypto: Ed25519Backends.NodeEd25519 }
const first = Effect.runSync(StoredParty.StoredParty.open(options))
first.step({ _tag: "Tick", now_ms: Topology.START_ms })
first.close()
const again = Effect.runSync(StoredParty.StoredParty.open(options))
if (again.state.ledger.accounts.get("acct-alice")?.creditsPosted !== 50000) throw new Error("sqlite entry: the state did not come back")
again.close()
console.log("ran the issuer from issuer.sqlite and loaded it back")
JS
node --disable-warning=ExperimentalWarning sqlite.mjs
say "the installed package works"
