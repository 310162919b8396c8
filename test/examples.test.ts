/**
 * Every example of the documentation is code that runs. The `**Example**` blocks of the doc
 * comments in `src/` and the TypeScript blocks of `docs/guides/*.md` are copied here line for
 * line (imports aside: here they come from `../src/index.js`), each inside a test that checks, with
 * `expect` lines between the example's own, what the example's comments promise. The first tests hold the copies to their sources, so an example
 * edited without its test, or added without one, fails.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as EffectModule from "effect"
import { Effect, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Core from "../src/index.js"
import {
  AsyncNetwork,
  Browser,
  BrowserMerchant,
  Canonical,
  Common,
  Ed25519,
  Ed25519Backends,
  Envelope,
  Gateway,
  Ids,
  InMemoryNetwork,
  Issuer,
  IssuerPhone,
  KeyRegistry,
  Ledger,
  Machine,
  Money,
  Phone,
  Shopper,
  Signed,
  State,
  Topology
} from "../src/index.js"

import * as HarnessEntry from "../src/harness/index.js"
import { comparable } from "./support/tables.js"
import * as SqliteEntry from "../src/drivers/sqlite.js"
import { SqliteStore, StoredParty } from "../src/drivers/sqlite.js"
import { Campaign, Tamper } from "../src/harness/index.js"
import * as Reference from "../src/index.js"

const root = fileURLToPath(new URL("..", import.meta.url))

/** One example: where it is and its code. */
interface Example {
  readonly where: string
  readonly code: string
}

const filesUnder = (dir: string, ext: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : []
  )

/** The `**Example**` code blocks of the doc comments of a TypeScript source. */
const docCommentExamples = (where: string, source: string): ReadonlyArray<Example> =>
  [...source.matchAll(/\/\*\*[\s\S]*?\*\//g)].flatMap(([comment]) => {
    const text = comment
      .split("\n")
      .map((line) => line.replace(/^\s*\*( |$)/, ""))
      .join("\n")
    const at = text.indexOf("**Example**")
    if (at < 0) return []
    return [...text.slice(at).matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => ({ where, code: code ?? "" }))
  })

/** The TypeScript code blocks of a Markdown page. */
const markdownExamples = (where: string, text: string): ReadonlyArray<Example> =>
  [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => ({ where, code: code ?? "" }))

const EXAMPLES: ReadonlyArray<Example> = [
  ...filesUnder(join(root, "src"), ".ts").flatMap((file) => docCommentExamples(file.slice(root.length), readFileSync(file, "utf8"))),
  ...filesUnder(join(root, "docs/guides"), ".md").flatMap((file) => markdownExamples(file.slice(root.length), readFileSync(file, "utf8")))
]

const codeLines = (code: string): ReadonlyArray<string> =>
  code
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("import "))

/** Whether `needle` occurs in `haystack` as consecutive lines. */
const containsLines = (haystack: ReadonlyArray<string>, needle: ReadonlyArray<string>): boolean =>
  needle.length > 0 && haystack.some((_, i) => needle.every((line, j) => haystack[i + j] === line))

/** This file's code, without its `expect` lines: a test may check an example's values between its lines. */
const thisFile = codeLines(readFileSync(fileURLToPath(import.meta.url), "utf8")).filter((line) => !line.startsWith("expect("))

const imported = (code: string): ReadonlyArray<{ readonly names: ReadonlyArray<string>; readonly from: string }> =>
  [...code.matchAll(/^import \{([^}]*)\} from "([^"]+)"/gm)].map(([, names, from]) => ({
    names: (names ?? "").split(",").map((n) => n.trim()).filter((n) => n !== ""),
    from: from ?? ""
  }))

describe("documentation examples", () => {
  it("EXAMPLES - should find the examples of the entry points and the guides", () => {
    const where = new Set(EXAMPLES.map((e) => e.where))
    for (const file of ["src/crypto/Envelope.ts", "src/ledger/Ledger.ts", "src/machine/Machine.ts", "docs/guides/embedding.md"]) expect(where).toContain(file)
  })

  it("every example - should be copied line for line into a test of this file", () => {
    const missing = EXAMPLES.filter((e) => !containsLines(thisFile, codeLines(e.code))).map((e) => `${e.where}:\n${e.code}`)
    expect(missing).toEqual([])
  })

  it("every example - should import only what the package and effect export", () => {
    const wrong = EXAMPLES.flatMap((e) =>
      imported(e.code).flatMap(({ names, from }) => {
        const module: object | undefined =
          from === "checkout-protocol"
            ? Core
            : from === "checkout-protocol/harness"
              ? HarnessEntry
              : from === "checkout-protocol/sqlite"
                ? SqliteEntry
                : from === "effect"
                  ? EffectModule
                  : undefined
        return names.filter((name) => module === undefined || !Object.hasOwn(module, name)).map((name) => `${e.where}: ${name} from ${from}`)
      })
    )
    expect(wrong).toEqual([])
  })

  it("containsLines - should find consecutive lines and nothing else", () => {
    expect(containsLines(["a", "b", "c"], ["b", "c"])).toBe(true)
    expect(containsLines(["a", "b", "c"], ["a", "c"])).toBe(false)
    expect(containsLines(["a"], [])).toBe(false)
  })

  it("docCommentExamples - should read the code of an Example block out of a doc comment", () => {
    const source = "/**\n * Adds.\n *\n * **Example**\n *\n * ```ts\n * add(1, 2) // 3\n * ```\n */\nexport const add = 0\n/** ```ts\n * notAnExample()\n * ``` */"
    expect(docCommentExamples("x.ts", source)).toEqual([{ where: "x.ts", code: "add(1, 2) // 3\n" }])
  })
})

describe("src examples", () => {
  it("harness - should run a campaign against the reference parties and against an own build of one party", () => {
    // The reference parties: 20 generated adversarial runs of up to 100 commands each.
    const reference = Campaign.campaign({ core: Reference, crypto: Ed25519Backends.NodeEd25519, maxCommands: 100 }, { numRuns: 20, seed: 1 })
    reference.violations // 0
    expect(reference.violations).toBe(0)
    // Your own build of one party, matched by its kind: here the reference issuer, wrapped to count its steps.
    let issuerSteps = 0
    const myIssuer: typeof Issuer.Issuer = {
      ...Issuer.Issuer,
      step: (state, input) => {
        issuerSteps++
        return Issuer.Issuer.step(state, input)
      }
    }
    const mine = Campaign.campaign({ core: Reference, crypto: Ed25519Backends.NodeEd25519, maxCommands: 100, machines: [myIssuer] }, { numRuns: 20, seed: 1 })
    mine.violations // 0
    issuerSteps > 0 // true
    expect(mine.violations).toBe(0)
    expect(issuerSteps).toBeGreaterThan(0)
    expect(mine.steps).toBe(reference.steps)
  })

  it("Tamper - should change each field of a signed body to a plausible value that still decodes", () => {
    const { Ids, Clearing } = Core
    const receipt = new Clearing.SubmissionReceipt({ id: Ids.SubmissionId.make("sub-1"), from: Ids.PartyId.make("clearing-1"), to: Ids.PartyId.make("gateway-1"), cycle: Ids.CycleNumber.make(3) })
    const body = Schema.encodeSync(Core.Signed.SignedMessage)(receipt)
    const names = Tamper.tamperings(Core.Signed.SignedMessage, body, Tamper.plausibleFrom([body])).map((t) => t.name)
    names.includes("SubmissionReceipt.cycle: +1") // true
    expect(names.includes("SubmissionReceipt.cycle: +1")).toBe(true)
    names.includes("SubmissionReceipt.cycle: -1") // true
    expect(names.includes("SubmissionReceipt.cycle: -1")).toBe(true)
    names.includes('SubmissionReceipt.id: -> "sub-2"') // true
    expect(names.includes('SubmissionReceipt.id: -> "sub-2"')).toBe(true)
  })

  it("Money - should format an amount in minor units", () => {
    const price = Money.money(1999, "EUR")
    Money.format(price) // "EUR 19.99"
    expect(Money.format(price)).toBe("EUR 19.99")
  })

  it("Canonical.canonicalJson - should sort keys and write no white space", () => {
    Canonical.canonicalJson({ b: 1, a: ["x", null] }) // '{"a":["x",null],"b":1}'
    expect(Canonical.canonicalJson({ b: 1, a: ["x", null] })).toBe('{"a":["x",null],"b":1}')
  })

  it("Ledger - should transfer, hold, capture and void with the trial balance at zero", () => {
    let l = Ledger.empty
    l = Result.getOrThrow(Ledger.openAccount(l, { id: "cash", currency: "EUR", debitsMustNotExceedCredits: false }))
    l = Result.getOrThrow(Ledger.openAccount(l, { id: "alice", currency: "EUR", debitsMustNotExceedCredits: true }))
    l = Result.getOrThrow(Ledger.transfer(l, { id: "t1", debit: "cash", credit: "alice", amount: Money.money(5000, "EUR") }))
    Ledger.available(l, "alice") // 5000
    expect(Ledger.available(l, "alice")).toBe(5000)

    // A two-phase transfer: hold 1200, then capture 1000 of it; the rest is released on void or expiry.
    l = Result.getOrThrow(Ledger.openAccount(l, { id: "shop", currency: "EUR", debitsMustNotExceedCredits: false }))
    l = Result.getOrThrow(Ledger.placeHold(l, { id: "h1", debit: "alice", credit: "shop", amount: Money.money(1200, "EUR"), expiresAt_ms: 60_000 }))
    Ledger.available(l, "alice") // 3800
    Ledger.balance(l, "alice") // 5000: nothing is posted yet
    expect([Ledger.available(l, "alice"), Ledger.balance(l, "alice")]).toEqual([3800, 5000])
    l = Result.getOrThrow(Ledger.capture(l, "h1", "c1", 1000, 30_000))
    l = Result.getOrThrow(Ledger.voidHold(l, "h1"))
    Ledger.balance(l, "alice") // 4000
    Ledger.trialBalance(l) // { EUR: { posted: 0, pending: 0 } }
    expect([Ledger.balance(l, "alice"), Ledger.available(l, "alice")]).toEqual([4000, 4000])
    expect(Ledger.trialBalance(l)).toEqual({ EUR: { posted: 0, pending: 0 } })
  })

  it("Envelope.seal - should sign a body that its recipient opens", () => {
    const issuer = Ids.PartyId.make("issuer-1")
    const phone = Ids.PartyId.make("phone-alice")
    const signing = { keyId: Ids.KeyId.make("issuer-1.k1"), seed: new Uint8Array(32).fill(7) } // a real seed comes from a CSPRNG
    const receipt = new IssuerPhone.ChallengeReceipt({ id: Ids.ChallengeId.make("ch-1"), from: issuer, to: phone, status: "approved" })

    const program = Effect.gen(function* () {
      const wire = yield* Envelope.seal(Signed.AnySigned, receipt, signing)
      // The phone has the issuer's public key pinned in its registry.
      const ed = yield* Ed25519.Ed25519
      const registry = KeyRegistry.makeRegistry([
        { keyId: signing.keyId, owner: issuer, role: "issuer", publicKey: ed.publicKeyFromSeed(signing.seed), status: "active" }
      ])
      const opened = yield* Envelope.open(Signed.AnySigned, JSON.parse(JSON.stringify(wire)), { me: phone, registry })
      return { wire, opened }
    })
    const { wire, opened } = Effect.runSync(Effect.provide(program, Ed25519Backends.NodeEd25519))
    wire.signer // "issuer-1.k1"
    wire.signature.length // 86
    opened.body._tag // "ChallengeReceipt"
    expect([wire.signer, wire.signature.length, opened.body._tag, opened.signer]).toEqual(["issuer-1.k1", 86, "ChallengeReceipt", "issuer-1.k1"])
    expect(opened.body).toEqual(receipt)
  })

  it("Envelope.open - should reject a decline turned into an approval with BadSignature", () => {
    const issuer = Ids.PartyId.make("issuer-1")
    const phone = Ids.PartyId.make("phone-alice")
    const signing = { keyId: Ids.KeyId.make("issuer-1.k1"), seed: new Uint8Array(32).fill(7) }
    const declined = new IssuerPhone.ChallengeReceipt({ id: Ids.ChallengeId.make("ch-1"), from: issuer, to: phone, status: "declined_by_shopper" })

    const attempt = Effect.gen(function* () {
      const ed = yield* Ed25519.Ed25519
      const registry = KeyRegistry.makeRegistry([
        { keyId: signing.keyId, owner: issuer, role: "issuer", publicKey: ed.publicKeyFromSeed(signing.seed), status: "active" }
      ])
      const wire = yield* Envelope.seal(Signed.AnySigned, declined, signing)
      // An attacker on the path turns the decline into an approval.
      const tampered = { ...wire, body: { ...(wire.body as object), status: "approved" } }
      return yield* Envelope.open(Signed.AnySigned, tampered, { me: phone, registry })
    })
    const rejection = Effect.runSync(Effect.flip(Effect.provide(attempt, Ed25519Backends.NodeEd25519)))
    rejection._tag // "BadSignature"
    expect(rejection._tag).toBe("BadSignature")
  })

  it("KeyRegistry.revoke - should mark the key revoked in a new registry and keep the entry", () => {
    const keyId = Ids.KeyId.make("merchant-1.k1")
    const registry = KeyRegistry.makeRegistry([
      { keyId, owner: Ids.PartyId.make("merchant-1"), role: "merchant", publicKey: new Uint8Array(32), status: "active" }
    ])
    const revoked = KeyRegistry.revoke(registry, keyId)
    KeyRegistry.lookup(revoked, keyId)?.status // "revoked"
    KeyRegistry.lookup(registry, keyId)?.status // "active": registries are values, never changed in place
    expect([KeyRegistry.lookup(revoked, keyId)?.status, KeyRegistry.lookup(registry, keyId)?.status]).toEqual(["revoked", "active"])
  })

  it("Machine - should refuse a packet that is not an envelope and return the very same state", () => {
    const gateway = Gateway.initial({
      id: Topology.ids.gateway,
      signing: { keyId: Ids.KeyId.make("gateway-1.k1"), seed: Topology.seedFor("example", "gateway-1") },
      registry: KeyRegistry.makeRegistry([])
    })
    // A packet whose payload is not an envelope: refused, and the state is the very same object.
    const packet = { from: Topology.ids.merchant, to: Topology.ids.gateway, channel: "signed" as const, payload: "garbage" }
    const { state, outputs } = Effect.runSync(
      Effect.provide(Gateway.Gateway.step(gateway, { _tag: "Receive", now_ms: Topology.START_ms, packet }), Ed25519Backends.NodeEd25519)
    )
    state === gateway // true
    outputs.map((o) => o._tag) // ["Rejected"]
    expect(state).toBe(gateway)
    expect(outputs.map((o) => o._tag)).toEqual(["Rejected"])
  })

  it("InMemoryNetwork - should run an approved checkout to the browser's Approved screen", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const net = new InMemoryNetwork.InMemoryNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
    Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
    Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
    Shopper.wait(net, 2_000) // the browser polls and sees the result
    net.state<Browser.BrowserState>(Topology.ids.browser).screen // "Approved"
    expect(net.state<Browser.BrowserState>(Topology.ids.browser).screen).toBe("Approved")
  })

  it("AsyncNetwork - should deliver through an asynchronous transport and settle on idle", async () => {
    // A transport that delivers each packet a millisecond after it was sent, as a socket would.
    const later: AsyncNetwork.Transport = (_packet, deliver) => new Promise((resolve) => setTimeout(() => resolve(deliver()), 1))
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const net = new AsyncNetwork.AsyncNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms, later)
    net.input(Topology.ids.browser, { _tag: "AddToCart", now_ms: net.now_ms, line: new BrowserMerchant.OrderLine({ sku: Topology.skus.mug, quantity: 1 }) })
    net.input(Topology.ids.browser, { _tag: "ConfirmOrder", now_ms: net.now_ms })
    await net.idle() // the CreateOrder and its OrderView have arrived
    net.state<Browser.BrowserState>(Topology.ids.browser).screen // "Checkout"
    expect(net.state<Browser.BrowserState>(Topology.ids.browser).screen).toBe("Checkout")
    expect(net.travelling).toBe(0)
  })

  it("State - should encode an issuer's state without its identity, decode it back, and refuse a foreign row", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const net = new InMemoryNetwork.InMemoryNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
    const issuer = net.state<Issuer.IssuerState>(Topology.ids.issuer)
    const text = JSON.stringify(State.encodeState("Issuer", issuer)) // no seed, no registry in it
    expect(text).not.toMatch(/seed|registry/)
    const restored = Effect.runSync(State.stateFromJson("Issuer", text, issuer.identity))
    restored.ledger.accounts.get("acct-alice")?.creditsPosted // 50000
    expect(restored.ledger.accounts.get("acct-alice")?.creditsPosted).toBe(50000)
    expect(comparable(restored)).toEqual(comparable(issuer))
    // A row of the gateway's payments table is refused in the issuer's authorizations table.
    const refused = Effect.runSync(Effect.flip(State.decodeRow("Issuer", "authorizations", "gw/a-1", { of: "Gateway.payments", row: {} })))
    refused.message // 'Issuer authorizations["gw/a-1"]: a foreign row: it belongs to Gateway.payments, not Issuer.authorizations'
    expect(refused.message).toBe('Issuer authorizations["gw/a-1"]: a foreign row: it belongs to Gateway.payments, not Issuer.authorizations')
  })
})

describe("sqlite entry examples", () => {
  it("SqliteStore - should create an issuer's state in a store and load it back with its identity", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const issuer = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.issuer)!.state as Issuer.IssuerState
    const store = SqliteStore.SqliteStore.open(":memory:", "Issuer")
    store.create(issuer)
    const loaded = Effect.runSync(store.load(issuer.identity))
    loaded.ledger.accounts.get("acct-alice")?.creditsPosted // 50000
    expect(loaded.ledger.accounts.get("acct-alice")?.creditsPosted).toBe(50000)
    expect(comparable(loaded)).toEqual(comparable(issuer))
    store.close()
  })
})

describe("guide examples", () => {
  it("embedding.md - should run the issuer from its SQLite store and commit a step before returning its outputs", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const configured = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.issuer)!.state as Issuer.IssuerState
    const options = {
      path: ":memory:", // a file path in a service, such as /var/lib/issuer/state.sqlite
      kind: "Issuer" as const,
      machine: Issuer.Issuer,
      identity: configured.identity, // from your configuration and key store, never from the file
      initial: () => configured, // the state of a new file
      crypto: Ed25519Backends.NodeEd25519
    }
    const issuer = Effect.runSync(StoredParty.StoredParty.open(options))
    const outputs = issuer.step({ _tag: "Tick", now_ms: Topology.START_ms }) // committed before it returns
    outputs.length // 0: nothing was due
    expect(outputs.length).toBe(0)
    expect(comparable(issuer.state)).toEqual(comparable(configured))
    issuer.close()
  })

  it("machines.md - should step a machine with runSync and change nothing on an idle Tick", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const gateway = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.gateway)?.state as Gateway.GatewayState
    const next = Effect.runSync(
      Effect.provide(Gateway.step(gateway, { _tag: "Tick", now_ms: Topology.START_ms }), Ed25519Backends.NodeEd25519)
    )
    next.state === gateway // true: nothing was due, so nothing changed
    expect(next.state).toBe(gateway)
    expect(next.outputs).toEqual([])
  })

  it("embedding.md - should save an issuer's state, load it with its identity from configuration, and refuse a foreign row", () => {
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const net = new InMemoryNetwork.InMemoryNetwork(Ed25519Backends.NodeEd25519, Topology.standardNodes(keys), Topology.START_ms)
    const issuer = net.state<Issuer.IssuerState>(Topology.ids.issuer)
    const identity = issuer.identity // in a service: from your configuration and key store
    const saved = JSON.stringify(State.encodeState("Issuer", issuer))
    const loaded = State.stateFromJson("Issuer", saved, identity).pipe(
      Effect.map(Issuer.Issuer.restart), // after a crash, as a driver must
      Effect.catchTag("StateDecodeError", (error) => Effect.die(`cannot load: ${error.message}`))
    )
    Effect.runSync(loaded).issued // 0
    expect(Effect.runSync(loaded).issued).toBe(0)
    expect(Effect.runSync(loaded)).toEqual(Issuer.Issuer.restart(issuer))
    // A row from another party kind's store is refused, whatever its fields.
    const foreign = State.rowFromJson("Gateway", "outbox", "auth-1", '{"of":"Issuer.outbox","row":{}}')
    Effect.runSync(Effect.flip(foreign)).detail // "a foreign row: it belongs to Issuer.outbox, not Gateway.outbox"
    expect(Effect.runSync(Effect.flip(foreign)).detail).toBe("a foreign row: it belongs to Issuer.outbox, not Gateway.outbox")
  })

  it("embedding.md - should run a gateway step with runSync", () => {
    const runGateway = (state: Gateway.GatewayState, packet: Machine.Packet, now_ms: Ids.Timestamp_ms) =>
      Effect.runSync(Effect.provide(Gateway.step(state, { _tag: "Receive", now_ms, packet }), Ed25519Backends.NodeEd25519))
    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "example")
    const gateway = Topology.standardNodes(keys).find((n) => n.id === Topology.ids.gateway)?.state as Gateway.GatewayState
    const result = runGateway(gateway, { from: Topology.ids.merchant, to: Topology.ids.gateway, channel: "session", payload: {} }, Topology.START_ms)
    expect(result.state).toBe(gateway)
    expect(result.outputs.map((o) => o._tag)).toEqual(["Rejected"])
  })

  it("embedding.md - should run a whole checkout through a hand-written driver", () => {
    /** A party the driver hosts: its machine and its stored state (a database row in a real service). */
    interface Hosted {
      readonly machine: Machine.Machine<unknown, Machine.Input>
      state: unknown
    }

    const keys = Topology.makeKeys(Ed25519Backends.NodeEd25519, "embed")
    const parties = new Map<string, Hosted>(Topology.standardNodes(keys).map((n) => [n.id, { machine: n.machine, state: n.state }]))
    const wire: Array<Machine.Packet> = [] // stands for the transport
    let now_ms = Topology.START_ms

    /** One input: step the machine, persist the new state, then send what it produced. */
    const feed = <I extends Machine.Input>(party: string, input: I): void => {
      const hosted = parties.get(party)
      if (hosted === undefined) return // not hosted here: forward it to whoever hosts it
      const step = Effect.runSync(Effect.provide(hosted.machine.step(hosted.state, input), Ed25519Backends.NodeEd25519))
      hosted.state = step.state // persist state, outbox and records in one transaction, before sending
      for (const output of step.outputs) if (output._tag === "Send") wire.push(output.packet)
    }

    /** Routing: each packet goes to the party its `to` names, stamped with the receiver's clock. */
    const deliverAll = (): void => {
      for (let packet = wire.shift(); packet !== undefined; packet = wire.shift()) feed(packet.to, { _tag: "Receive", now_ms, packet })
    }

    /** The timer: time passes and every party ticks, so retries go out and deadlines pass. */
    const tick = (delta_ms: number): void => {
      now_ms = (now_ms + delta_ms) as typeof now_ms
      for (const party of parties.keys()) feed(party, { _tag: "Tick", now_ms })
      deliverAll()
    }

    /** A person's action on their browser or phone, and everything it sets off. */
    const act = <I extends Machine.Input>(party: string, input: I): void => {
      feed(party, input)
      deliverAll()
    }

    const { browser, alicePhone, issuer } = Topology.ids
    act(browser, { _tag: "AddToCart", now_ms, line: new BrowserMerchant.OrderLine({ sku: Topology.skus.kettle, quantity: 1 }) })
    act(browser, { _tag: "ConfirmOrder", now_ms })
    act(browser, { _tag: "ChooseDelivery", now_ms, option: "standard" })
    act(browser, { _tag: "EnterAddress", now_ms, address: Shopper.address })
    act(browser, { _tag: "ClickPayNow", now_ms, payer: new Common.Payer({ issuer, account: Topology.accounts.alice }) })
    const challenges = (parties.get(alicePhone)?.state as Phone.PhoneState).challenges.values()
    for (const { challenge } of challenges) act(alicePhone, { _tag: "Answer", now_ms, challengeId: challenge.id, decision: "approve" })
    tick(2_000) // the browser polls the merchant
    ;(parties.get(browser)?.state as { screen: string }).screen // "Approved"
    expect(challenges).toHaveLength(1)
    expect((parties.get(browser)?.state as { screen: string }).screen).toBe("Approved")
    expect(wire).toEqual([])
  })
})
