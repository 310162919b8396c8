import { Effect, Exit, Schema } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import * as Core from "../../src/index.js"
import { SIGNED_TAGS } from "../../src/harness/Commands.js"
import { bodyOf } from "../../src/harness/Command.js"
import { runOnce, harnessInputs } from "../../src/harness/Run.js"
import * as Tamper from "../../src/harness/Tamper.js"
import type { Packet } from "../../src/machine/Machine.js"
import type { PartyIdentity } from "../../src/machine/Party.js"
import type { World } from "../../src/harness/World.js"

const Signed = Core.Signed.SignedMessage
const settings = { core: Core, crypto: Core.Ed25519Backends.NodeEd25519, maxCommands: 300 }
/** The most generated runs it may take to see every signed message type. */
const MAX_RUNS = 40

interface Recorded {
  readonly world: World
  readonly packet: Packet
}

/** The first genuine packet of each signed message type, from generated harness runs, and every body seen. */
let firsts: Map<string, Recorded>
let plausible: Tamper.Plausible


beforeAll(() => {
  firsts = new Map()
  const bodies: Array<unknown> = []
  for (let seed = 1; seed <= MAX_RUNS && firsts.size < SIGNED_TAGS.length; seed++) {
    const sample = fc.sample(harnessInputs(300), { numRuns: 1, seed })[0]
    if (sample === undefined) continue
    const world = runOnce(settings, sample[0], sample[1])
    for (const packet of world.recorded()) {
      if (packet.channel !== "signed") continue
      const body = bodyOf(packet)
      bodies.push(body)
      if (!firsts.has(String(body["_tag"]))) firsts.set(String(body["_tag"]), { world, packet })
    }
  }
  plausible = Tamper.plausibleFrom(bodies)
})

const decodes = (body: unknown): boolean => Exit.isSuccess(Schema.decodeUnknownExit(Signed, { onExcessProperty: "error" })(body))

const openAt = (world: World, packet: Packet) => {
  const { identity } = world.net.state<{ identity: PartyIdentity }>(packet.to)
  return Effect.runSync(Effect.exit(Effect.provide(Core.Envelope.open(Core.Signed.AnySigned, JSON.parse(JSON.stringify(packet.payload)), { me: identity.id, registry: identity.registry }), Core.Ed25519Backends.NodeEd25519)))
}

describe("Tamper", () => {
  it("runs - should record every signed message type to tamper with", () => {
    expect([...firsts.keys()].sort()).toEqual([...SIGNED_TAGS])
  })

  describe("tamperings", () => {
    it("tamperings - should change every leaf field of every signed message type", () => {
      for (const [tag, { packet }] of firsts) {
        const fields = new Set(Tamper.tamperings(Signed, bodyOf(packet), plausible).map((t) => t.field))
        const leaves = Tamper.leafFields(Signed, tag)
        expect(leaves.length, tag).toBeGreaterThanOrEqual(3)
        expect(leaves.filter((field) => !fields.has(field)), tag).toEqual([])
      }
    })

    it("tamperings - should find the nested and array fields from the Schema", () => {
      expect(Tamper.leafFields(Signed, "AuthorizePayment")).toEqual(["id", "from", "to", "orderId", "amount.amount_minor", "amount.currency", "payer.issuer", "payer.account", "payee.merchant", "payee.name", "expiresAt_ms"])
      expect(Tamper.leafFields(Signed, "SettlementInstruction")).toEqual([
        "id",
        "from",
        "to",
        "cycle",
        "currency",
        "position",
        "items[].id",
        "items[].kind",
        "items[].acquirer",
        "items[].issuer",
        "items[].authorizationId",
        "items[].amount.amount_minor",
        "items[].amount.currency",
        "items[].issuerSignature.keyId",
        "items[].issuerSignature.signature"
      ])
    })

    it("tamperings - should give bodies that still decode and differ from the original", () => {
      for (const { packet } of firsts.values()) {
        const original = Core.Canonical.canonicalJson(bodyOf(packet))
        for (const t of Tamper.tamperings(Signed, bodyOf(packet), plausible)) {
          expect(decodes(t.body), t.name).toBe(true)
          expect(Core.Canonical.canonicalJson(t.body), t.name).not.toBe(original)
        }
      }
    })

    it("tamperings - should name each one Tag.path: change", () => {
      for (const { packet } of firsts.values()) {
        for (const t of Tamper.tamperings(Signed, bodyOf(packet), plausible)) {
          expect(t.name).toBe(`${t.tag}.${Tamper.pathString(t.path)}: ${t.change}`)
          expect(t.name).toMatch(/^[A-Za-z]+\.[A-Za-z_]+(\[\d+\]|\.[A-Za-z_]+)*: (\+1|-1|x2|drop|-> .+)$/)
        }
      }
    })

    it("tamperings - should make the plausible changes of each kind of field", () => {
      const names = new Set([...firsts.values()].flatMap(({ packet }) => Tamper.tamperings(Signed, bodyOf(packet), plausible).map((t) => t.name.replace(/\[\d+\]/g, "[]"))))
      const expected = [
        /^AuthorizationRequest\.expiresAt_ms: \+1$/,
        /^AuthorizationRequest\.expiresAt_ms: -1$/,
        /^AuthorizationRequest\.amount\.amount_minor: \+1$/,
        /^AuthorizationRequest\.amount\.amount_minor: x2$/,
        /^AuthorizationRequest\.amount\.currency: -> "USD"$/,
        /^AuthorizationResponse\.status: -> "(approved|insufficient_funds)"$/,
        /^SettlementInstruction\.cycle: \+1$/,
        /^SettlementInstruction\.position: -1$/,
        /^ClearingSubmission\.items\[\]\.kind: -> "(capture|refund)"$/,
        /^AuthorizationResult\.holdExpiresAt_ms: -> (null|\d+)$/,
        // Another account seen in the run, and another party's id.
        /^Challenge\.account: -> "acct-/,
        /^AuthorizePayment\.payee\.merchant: -> "/
      ]
      for (const pattern of expected) expect([...names].some((name) => pattern.test(name)), String(pattern)).toBe(true)
    })
  })

  describe("pickTampering", () => {
    it("pickTampering - should give the same tampering for the same variant", () => {
      for (const { packet } of firsts.values()) {
        for (const variant of [0, 1, 7, 99, 1000]) {
          expect(Tamper.pickTampering(Signed, bodyOf(packet), plausible, variant)?.name).toBe(Tamper.pickTampering(Signed, bodyOf(packet), plausible, variant)?.name)
        }
      }
    })

    it("pickTampering - should reach every field with the first variants", () => {
      for (const [tag, { packet }] of firsts) {
        const paths = new Set(Tamper.tamperings(Signed, bodyOf(packet), plausible).map((t) => Tamper.pathString(t.path)))
        const reached = new Set(Array.from({ length: paths.size }, (_, v) => Tamper.pickTampering(Signed, bodyOf(packet), plausible, v)).map((t) => (t === undefined ? "" : Tamper.pathString(t.path))))
        expect(reached, tag).toEqual(paths)
      }
    })
  })

  describe("tweakOf and tamperingOf", () => {
    it("tamperingOf - should make the very tampering a tweak names again", () => {
      let made = 0
      for (const { packet } of firsts.values()) {
        for (const tampering of Tamper.tamperings(Signed, bodyOf(packet), plausible)) {
          expect(Tamper.tamperingOf(Signed, bodyOf(packet), Tamper.tweakOf(tampering))?.body, tampering.name).toEqual(tampering.body)
          made++
        }
      }
      expect(made).toBeGreaterThan(SIGNED_TAGS.length)
    })

    it("tamperingOf - should drop an array item, and refuse the drop when the array may not be empty", () => {
      const recorded = firsts.get("ClearingSubmission")
      expect(recorded).toBeDefined()
      const body = bodyOf(recorded?.packet as Packet)
      const items = body["items"] as ReadonlyArray<unknown>
      const dropped = Tamper.tamperingOf(Signed, body, { path: ["items", 0], drop: true })
      if (dropped === undefined) expect(items).toHaveLength(1)
      else expect(dropped.body["items"]).toEqual(items.slice(1))
    })

    it("tamperingOf - should make nothing of a tweak whose result does not decode, or of a body that is not a message", () => {
      const recorded = firsts.get("AuthorizationResult")
      expect(recorded).toBeDefined()
      const body = bodyOf(recorded?.packet as Packet)
      expect(Tamper.tamperingOf(Signed, body, { path: ["id"], set: 42 })).toBeUndefined()
      expect(Tamper.tamperingOf(Signed, { notAMessage: true }, { path: ["id"], set: "x" })).toBeUndefined()
      expect(Tamper.tamperingOf(Signed, body, { path: ["id"], set: "ord-9.p1" })?.body["id"]).toBe("ord-9.p1")
    })
  })

  describe("sweep", () => {
    it("sweep - should give one decoding tampering per field", () => {
      for (const [tag, { packet }] of firsts) {
        const swept = Tamper.sweep(Signed, bodyOf(packet), plausible, 3)
        expect(new Set(swept.map((t) => Tamper.pathString(t.path))).size, tag).toBe(swept.length)
        expect(new Set(swept.map((t) => t.field)), tag).toEqual(new Set(Tamper.tamperings(Signed, bodyOf(packet), plausible).map((t) => t.field)))
        for (const t of swept) expect(decodes(t.body), t.name).toBe(true)
      }
    })
  })

  describe("plausibleFrom", () => {
    it("plausibleFrom - should file ids under one kind when they share a value", () => {
      const p = Tamper.plausibleFrom([
        { _tag: "AuthorizePayment", id: "ord-1.p1", from: "merchant-1", payee: { merchant: "merchant-1" } },
        { _tag: "Challenge", paymentId: "ord-1.p1", from: "issuer-1", account: "acct-alice" },
        { _tag: "Challenge", paymentId: "ord-2.p1", from: "issuer-1", account: "acct-bob" }
      ])
      expect(p.values("AuthorizePayment.id")).toEqual(["ord-1.p1", "ord-2.p1"])
      expect(p.values("merchant")).toEqual(["merchant-1", "issuer-1"])
      expect(p.values("account")).toEqual(["acct-alice", "acct-bob"])
      expect(p.values("nothing")).toEqual([])
    })

    it("sibling - should count on the last number, or append one", () => {
      expect(Tamper.sibling("pay-9")).toBe("pay-10")
      expect(Tamper.sibling("ord-1.p2")).toBe("ord-1.p3")
      expect(Tamper.sibling("Teapot & Co")).toBe("Teapot & Co2")
    })
  })

  describe("tamperPacket", () => {
    const run = <A>(effect: Effect.Effect<A, never, Core.Ed25519.Ed25519>): A => Effect.runSync(Effect.provide(effect, Core.Ed25519Backends.NodeEd25519))
    const attacker: Tamper.AttackerKey = { keyId: "attacker-0.k1", seed: Core.Topology.seedFor("attacker", "0") }

    it("tamperPacket - should be rejected under the original signature (BadSignature) and under the attacker's own key (UnknownKey)", () => {
      for (const { world, packet } of firsts.values()) {
        for (const variant of [0, 1, 2, 3]) {
          const made = run(Tamper.tamperPacket(Core, packet, variant, { plausible, keys: [attacker] }))
          expect(made?.resignedBy).toBe(variant % 2 === 0 ? null : attacker.keyId)
          const opened = openAt(world, made?.packet ?? packet)
          // A body that names another sender fails before the signature is checked: that key cannot speak for it.
          const expected = variant % 2 === 1 ? /UnknownKey/ : made?.tampering.path[0] === "from" ? /WrongSigner/ : /BadSignature/
          expect(Exit.isFailure(opened) && opened.cause.toString(), made?.tampering.name).toMatch(expected)
        }
      }
    })

    it("tamperPacket - should sign under a held key's own key id, so an insider's key opens", () => {
      for (const { world, packet } of firsts.values()) {
        const insider: Tamper.AttackerKey = { keyId: (packet.payload as { signer: string }).signer, seed: Core.Topology.seedFor("harness", packet.from) }
        const made = run(Tamper.tamperPacket(Core, packet, 1, { plausible, keys: [insider] }))
        expect(made?.resignedBy).toBe(insider.keyId)
        const opened = openAt(world, made?.packet ?? packet)
        // The insider signs the tampered body validly; what stops it, if anything, is the recipient's own checks.
        if (made !== undefined && made.tampering.path[0] !== "from" && made.tampering.path[0] !== "to") expect(Exit.isSuccess(opened), made.tampering.name).toBe(true)
      }
    })
  })
})
