/**
 * Signed envelopes with both crypto layers: the round trip, byte-identical envelopes from both
 * backends, the exact signing bytes, every rejection `open` can return (in its documented order),
 * and the expiry boundary of `requireUnexpired`.
 */
import { Effect, Result, Schema, type Layer } from "effect"
import { Base64Url } from "effect/encoding"
import { describe, expect, it } from "vitest"
import { canonicalBytes, canonicalJson } from "../../src/crypto/Canonical.js"
import { Ed25519, type Ed25519Backend } from "../../src/crypto/Ed25519.js"
import {
  domainTag,
  open,
  PROTOCOL_VERSION,
  requireUnexpired,
  seal,
  signingBytes,
  type OpenContext,
  type SigningIdentity,
  type WireEnvelope
} from "../../src/crypto/Envelope.js"
import { makeRegistry, revoke, type RegisteredKey, type Role } from "../../src/crypto/KeyRegistry.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../../src/crypto/TweetnaclEd25519.js"
import { AccountId, KeyId, OrderId, PartyId, PaymentId, Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import { BadSignature, DecodeError, Expired, RevokedKey, UnknownKey, WrongRecipient, WrongSigner } from "../../src/domain/Rejection.js"
import { Payee, Payer } from "../../src/messages/Common.js"
import { AuthorizationResult, AuthorizePayment } from "../../src/messages/MerchantGateway.js"
import { AnySigned, codecOf } from "../../src/messages/Signed.js"

const layers = [
  ["NodeEd25519", NodeEd25519],
  ["TweetnaclEd25519", TweetnaclEd25519]
] as const

const service = (layer: Layer.Layer<Ed25519>): Ed25519Backend => Effect.runSync(Effect.provide(Ed25519.useSync((ed) => ed), layer))

const merchant = PartyId.make("merchant-1")
const otherMerchant = PartyId.make("merchant-2")
const gateway = PartyId.make("gateway-1")
const otherGateway = PartyId.make("gateway-2")

const seedOf = (byte: number): Uint8Array => new Uint8Array(32).fill(byte)

const identities = {
  merchant: { keyId: KeyId.make("merchant-1.k1"), seed: seedOf(1) },
  otherMerchant: { keyId: KeyId.make("merchant-2.k1"), seed: seedOf(2) },
  gateway: { keyId: KeyId.make("gateway-1.k1"), seed: seedOf(3) },
  unregistered: { keyId: KeyId.make("stranger.k1"), seed: seedOf(4) }
} as const satisfies Record<string, SigningIdentity>

const registered = (ed: Ed25519Backend, identity: SigningIdentity, owner: PartyId, role: Role): RegisteredKey => ({
  keyId: identity.keyId,
  owner,
  role,
  publicKey: ed.publicKeyFromSeed(identity.seed),
  status: "active"
})

/** What the gateway accepts from the network. */
const GatewayAccepts = codecOf(Schema.Union([AuthorizePayment]))

const request = (overrides: Partial<ConstructorParameters<typeof AuthorizePayment>[0]> = {}): AuthorizePayment =>
  new AuthorizePayment({
    id: PaymentId.make("ord-1.p1"),
    from: merchant,
    to: gateway,
    orderId: OrderId.make("ord-1"),
    amount: Money.money(3889, "EUR"),
    payer: new Payer({ issuer: PartyId.make("issuer-1"), account: AccountId.make("acct-alice") }),
    payee: new Payee({ merchant, name: "Teapot & Co" }),
    expiresAt_ms: Timestamp_ms.make(1_767_225_660_000),
    ...overrides
  })

/** The canonical JSON of `request()`'s encoded body, written out by hand. */
/** The canonical JSON of the encoded request, as it travels. */
const REQUEST_JSON =
  '{"_tag":"AuthorizePayment","amount":{"amount_minor":3889,"currency":"EUR"},"expiresAt_ms":1767225660000,' +
  '"from":"merchant-1","id":"ord-1.p1","orderId":"ord-1","payee":{"merchant":"merchant-1","name":"Teapot & Co"},' +
  '"payer":{"account":"acct-alice","issuer":"issuer-1"},"to":"gateway-1"}'

/** What the signature covers after the domain tag: the same JSON without the `_tag`, which the tag binds. */
const SIGNED_FIELDS_JSON = REQUEST_JSON.replace('"_tag":"AuthorizePayment",', "")

const ascii = (text: string): Array<number> => Array.from(text, (c) => c.charCodeAt(0))

const withBody = (wire: WireEnvelope, patch: Record<string, unknown>): WireEnvelope => ({
  ...wire,
  body: { ...(wire.body as Record<string, unknown>), ...patch }
})

describe("Envelope", () => {
  describe("domainTag", () => {
    it("domainTag - should be the protocol version, a slash, the tag and one zero byte", () => {
      expect(PROTOCOL_VERSION).toBe("checkout-protocol/v1")
      expect(Array.from(domainTag("AuthorizePayment"))).toEqual([...ascii("checkout-protocol/v1/AuthorizePayment"), 0])
      expect(Array.from(domainTag("X"))).toEqual([99, 104, 101, 99, 107, 111, 117, 116, 45, 112, 114, 111, 116, 111, 99, 111, 108, 47, 118, 49, 47, 88, 0])
    })
  })

  describe("signingBytes", () => {
    it("signingBytes - should be the domain tag followed by the canonical JSON of the encoded body's fields, without its _tag", () => {
      const encoded = Schema.encodeSync(AnySigned.schema)(request())
      expect(canonicalJson(encoded)).toBe(REQUEST_JSON)
      expect(Array.from(signingBytes("AuthorizePayment", encoded))).toEqual([
        ...ascii("checkout-protocol/v1/AuthorizePayment"),
        0,
        ...ascii(SIGNED_FIELDS_JSON)
      ])
    })

    it("signingBytes - should differ between message types for the same body", () => {
      const encoded = Schema.encodeSync(AnySigned.schema)(request())
      expect(signingBytes("AuthorizePayment", encoded)).not.toEqual(signingBytes("AuthorizationResult", encoded))
    })
  })

  describe.each(layers)("with %s", (_name, layer) => {
    const ed = service(layer)
    const keys = {
      merchant: registered(ed, identities.merchant, merchant, "merchant"),
      otherMerchant: registered(ed, identities.otherMerchant, otherMerchant, "merchant"),
      gateway: registered(ed, identities.gateway, gateway, "gateway")
    }
    const atGateway: OpenContext = { me: gateway, registry: makeRegistry(Object.values(keys)) }

    const sealed = (body: AuthorizePayment = request(), identity: SigningIdentity = identities.merchant): WireEnvelope =>
      Effect.runSync(Effect.provide(seal(AnySigned, body, identity), layer))

    const opened = (wire: unknown, context: OpenContext = atGateway) =>
      Effect.runSync(Effect.provide(Effect.result(open(GatewayAccepts, wire, context)), layer))

    const rejection = (wire: unknown, context: OpenContext = atGateway): unknown => {
      const result = opened(wire, context)
      if (Result.isSuccess(result)) throw new Error("open accepted the envelope")
      return result.failure
    }

    /** An envelope over `request()` whose signature is `ed.sign(seed, bytes)`. */
    const signedOver = (bytes: Uint8Array, identity: SigningIdentity = identities.merchant): WireEnvelope => ({
      ...sealed(),
      signer: identity.keyId,
      signature: Base64Url.encode(ed.sign(identity.seed, bytes))
    })

    describe("seal", () => {
      it("seal - should write the encoded body, the key id and an unpadded base64url signature over the signing bytes", () => {
        const wire = sealed()
        expect(canonicalJson(wire.body)).toBe(REQUEST_JSON)
        expect(wire.signer).toBe("merchant-1.k1")
        expect(wire.signature).toMatch(/^[A-Za-z0-9_-]{86}$/)
        const signature = Result.getOrThrow(Base64Url.decode(wire.signature))
        const bytes = Uint8Array.from([...ascii("checkout-protocol/v1/AuthorizePayment"), 0, ...ascii(SIGNED_FIELDS_JSON)])
        expect(ed.verify(keys.merchant.publicKey, bytes, signature)).toBe(true)
        expect(ed.verify(keys.merchant.publicKey, canonicalBytes(wire.body), signature)).toBe(false)
      })

      it("seal - should produce byte-identical envelopes with both backends", () => {
        const other = layer === NodeEd25519 ? TweetnaclEd25519 : NodeEd25519
        const here = sealed()
        const there = Effect.runSync(Effect.provide(seal(AnySigned, request(), identities.merchant), other))
        expect(JSON.stringify(here)).toBe(JSON.stringify(there))
      })
    })

    describe("open", () => {
      it("open - should return the sealed body and signer", () => {
        const result = opened(sealed())
        expect(Result.isSuccess(result)).toBe(true)
        if (Result.isSuccess(result)) {
          expect(result.success.body).toEqual(request())
          expect(result.success.body).toBeInstanceOf(AuthorizePayment)
          expect(result.success.signer).toBe("merchant-1.k1")
        }
      })

      it("open - should accept an envelope that went through JSON text", () => {
        const result = opened(JSON.parse(JSON.stringify(sealed())))
        expect(Result.isSuccess(result) && result.success.body.amount.amount_minor).toBe(3889)
      })

      it("open - should accept an envelope sealed by the other backend", () => {
        const other = layer === NodeEd25519 ? TweetnaclEd25519 : NodeEd25519
        const wire = Effect.runSync(Effect.provide(seal(AnySigned, request(), identities.merchant), other))
        expect(Result.isSuccess(opened(wire))).toBe(true)
      })

      describe("DecodeError", () => {
        it("open - should reject a non-object with DecodeError", () => {
          for (const wire of ["envelope", 42, null, undefined, [], true]) {
            expect(rejection(wire)).toBeInstanceOf(DecodeError)
          }
        })

        it("open - should reject an envelope without a signature with DecodeError", () => {
          const { signature: _dropped, ...unsigned } = sealed()
          expect(rejection(unsigned)).toBeInstanceOf(DecodeError)
        })

        it("open - should reject an envelope with an unknown envelope field with DecodeError", () => {
          expect(rejection({ ...sealed(), note: "hi" })).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a signature that is not base64url with DecodeError", () => {
          const wire = sealed()
          expect(rejection({ ...wire, signature: "not base64url!" })).toBeInstanceOf(DecodeError)
          // "+" and "/" belong to standard base64, not to base64url.
          expect(rejection({ ...wire, signature: `+${wire.signature.slice(1)}` })).toBeInstanceOf(DecodeError)
          expect(rejection({ ...wire, signature: `/${wire.signature.slice(1)}` })).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a padded or non-canonical base64url signature with DecodeError", () => {
          const wire = sealed()
          const last = wire.signature.at(-1) ?? "A"
          // 64 bytes end in a character carrying 2 bits; setting one of its 4 unused bits gives another string for the same bytes.
          const index = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(last)
          const sloppy = wire.signature.slice(0, -1) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[index | 1]
          expect(Result.getOrThrow(Base64Url.decode(sloppy))).toEqual(Result.getOrThrow(Base64Url.decode(wire.signature)))
          expect(rejection({ ...wire, signature: sloppy })).toBeInstanceOf(DecodeError)
          expect(rejection({ ...wire, signature: `${wire.signature}==` })).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a signer that is not a key id with DecodeError", () => {
          expect(rejection({ ...sealed(), signer: "" })).toBeInstanceOf(DecodeError)
          expect(rejection({ ...sealed(), signer: 7 })).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a body with an unknown field, at the top or nested, with DecodeError", () => {
          const wire = sealed()
          expect(rejection(withBody(wire, { note: "free money" }))).toBeInstanceOf(DecodeError)
          expect(rejection(withBody(wire, { amount: { amount_minor: 3889, currency: "EUR", fee: 1 } }))).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a body with an unknown tag with DecodeError", () => {
          expect(rejection(withBody(sealed(), { _tag: "Refund" }))).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a known message type this codec does not accept with DecodeError", () => {
          const result = new AuthorizationResult({
            id: PaymentId.make("ord-1.p1"),
            from: gateway,
            to: gateway,
            orderId: OrderId.make("ord-1"),
            amount: Money.money(3889, "EUR"),
            status: "approved",
            holdExpiresAt_ms: null
          })
          const wire = Effect.runSync(Effect.provide(seal(AnySigned, result, identities.gateway), layer))
          expect(rejection(wire)).toBeInstanceOf(DecodeError)
        })

        it("open - should reject a body with an ill-typed field with DecodeError", () => {
          expect(rejection(withBody(sealed(), { amount: { amount_minor: 38.89, currency: "EUR" } }))).toBeInstanceOf(DecodeError)
        })
      })

      it("open - should reject a signer missing from the registry with UnknownKey", () => {
        const error = rejection(sealed(request(), identities.unregistered))
        expect(error).toBeInstanceOf(UnknownKey)
        expect(error).toMatchObject({ keyId: "stranger.k1" })
      })

      it("open - should reject a key id inherited from Object.prototype with UnknownKey", () => {
        expect(rejection({ ...sealed(), signer: "constructor" })).toBeInstanceOf(UnknownKey)
      })

      it("open - should reject a revoked key with RevokedKey", () => {
        const context = { ...atGateway, registry: revoke(atGateway.registry, identities.merchant.keyId) }
        const error = rejection(sealed(), context)
        expect(error).toBeInstanceOf(RevokedKey)
        expect(error).toMatchObject({ keyId: "merchant-1.k1" })
        expect(Result.isSuccess(opened(sealed(), atGateway))).toBe(true)
      })

      it("open - should reject a key of the wrong role with WrongSigner", () => {
        // The gateway's own key, speaking for the gateway, may not sign an AuthorizePayment.
        const error = rejection(sealed(request({ from: gateway }), identities.gateway))
        expect(error).toBeInstanceOf(WrongSigner)
        expect(error).toMatchObject({ keyId: "gateway-1.k1", tag: "AuthorizePayment" })
        expect((error as WrongSigner).detail).toContain("needs a merchant key, got a gateway key")
      })

      it("open - should reject a merchant key speaking for another merchant with WrongSigner", () => {
        const error = rejection(sealed(request(), identities.otherMerchant))
        expect(error).toBeInstanceOf(WrongSigner)
        expect(error).toMatchObject({ keyId: "merchant-2.k1", tag: "AuthorizePayment" })
        expect((error as WrongSigner).detail).toContain("key of merchant-2 cannot speak for merchant-1")
      })

      describe("BadSignature", () => {
        it("open - should reject a body mutated after sealing with BadSignature", () => {
          const wire = sealed()
          const error = rejection(withBody(wire, { amount: { amount_minor: 1, currency: "EUR" } }))
          expect(error).toBeInstanceOf(BadSignature)
          expect(error).toMatchObject({ keyId: "merchant-1.k1", tag: "AuthorizePayment" })
          expect(rejection(withBody(wire, { to: otherGateway }))).toBeInstanceOf(BadSignature)
        })

        it("open - should reject a signature made under another message type's domain tag with BadSignature", () => {
          const encoded = Schema.encodeSync(AnySigned.schema)(request())
          expect(Result.isSuccess(opened(signedOver(signingBytes("AuthorizePayment", encoded))))).toBe(true)
          expect(rejection(signedOver(signingBytes("AuthorizationResult", encoded)))).toBeInstanceOf(BadSignature)
        })

        it("open - should reject a signature over the canonical body without any domain tag with BadSignature", () => {
          const encoded = Schema.encodeSync(AnySigned.schema)(request())
          expect(rejection(signedOver(canonicalBytes(encoded)))).toBeInstanceOf(BadSignature)
        })

        it("open - should reject a signature under another protocol version with BadSignature", () => {
          const encoded = Schema.encodeSync(AnySigned.schema)(request())
          const v2 = Uint8Array.from([...ascii("checkout-protocol/v2/AuthorizePayment"), 0, ...canonicalBytes(encoded)])
          expect(rejection(signedOver(v2))).toBeInstanceOf(BadSignature)
        })

        it("open - should reject a 63-byte or 65-byte signature with BadSignature", () => {
          const wire = sealed()
          const bytes = Result.getOrThrow(Base64Url.decode(wire.signature))
          expect(rejection({ ...wire, signature: Base64Url.encode(bytes.slice(0, 63)) })).toBeInstanceOf(BadSignature)
          expect(rejection({ ...wire, signature: Base64Url.encode(Uint8Array.from([...bytes, 0])) })).toBeInstanceOf(BadSignature)
        })

        it("open - should reject another key's valid signature presented under the signer's id with BadSignature", () => {
          const wire = sealed(request(), identities.otherMerchant)
          expect(rejection({ ...wire, signer: identities.merchant.keyId })).toBeInstanceOf(BadSignature)
        })
      })

      it("open - should reject a body addressed to another party with WrongRecipient", () => {
        const error = rejection(sealed(request({ to: otherGateway })))
        expect(error).toBeInstanceOf(WrongRecipient)
        expect(error).toMatchObject({ expected: "gateway-1", got: "gateway-2" })
      })

      describe("order of checks", () => {
        it("open - should report an unknown key before a bad signature", () => {
          const wire = withBody(sealed(request(), identities.unregistered), { orderId: "ord-2" })
          expect(rejection(wire)).toBeInstanceOf(UnknownKey)
        })

        it("open - should report a revoked key before a wrong signer", () => {
          const context = { ...atGateway, registry: revoke(atGateway.registry, identities.otherMerchant.keyId) }
          expect(rejection(sealed(request(), identities.otherMerchant), context)).toBeInstanceOf(RevokedKey)
        })

        it("open - should report a bad signature before a wrong recipient", () => {
          const wire = withBody(sealed(request({ to: otherGateway })), { orderId: "ord-2" })
          expect(rejection(wire)).toBeInstanceOf(BadSignature)
        })
      })
    })
  })

  describe("requireUnexpired", () => {
    const expiresAt_ms = Timestamp_ms.make(1_000)
    const check = (now_ms: number) =>
      Effect.runSync(Effect.result(requireUnexpired({ id: "req-1", expiresAt_ms }, Timestamp_ms.make(now_ms))))

    it("requireUnexpired - should pass strictly before the expiry", () => {
      expect(Result.isSuccess(check(999))).toBe(true)
      expect(Result.isSuccess(check(0))).toBe(true)
    })

    it("requireUnexpired - should fail with Expired when now equals the expiry", () => {
      const result = check(1_000)
      expect(Result.isFailure(result)).toBe(true)
      if (Result.isFailure(result)) {
        expect(result.failure).toBeInstanceOf(Expired)
        expect(result.failure).toMatchObject({ id: "req-1", expiresAt_ms: 1_000, now_ms: 1_000 })
      }
    })

    it("requireUnexpired - should fail with Expired after the expiry", () => {
      const result = check(1_001)
      expect(Result.isFailure(result) && result.failure).toBeInstanceOf(Expired)
    })
  })
})
