/**
 * The gateway machine, one input at a time: every declared transition, every rejection (with the
 * state left as the very same object), idempotent repeats, retries and restart.
 */
import { describe, expect, it } from "vitest"
import { domainTag } from "../../src/crypto/Envelope.js"
import { revoke } from "../../src/crypto/KeyRegistry.js"
import * as Topology from "../../src/drivers/Topology.js"
import { AccountId, AuthorizationId, OrderId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import { type AuthorizationStatus, Payee, Payer } from "../../src/messages/Common.js"
import { AuthorizationRequest, AuthorizationResponse } from "../../src/messages/GatewayIssuer.js"
import { Challenge } from "../../src/messages/IssuerPhone.js"
import { AuthorizationResult, AuthorizePayment } from "../../src/messages/MerchantGateway.js"
import * as Gateway from "../../src/parties/Gateway.js"
import {
  bodyOf,
  encode,
  expectRejected,
  identity,
  makeParty,
  mutateBody,
  parties,
  receive,
  run,
  seal,
  sealBytes,
  sealWith,
  sent,
  swapSignature,
  tick,
  TransitionCoverage,
  transitionsIn,
  wireBytes
} from "../support/fixtures.js"
import { gatewayParts } from "../support/transitionParts.js"

const { merchant, gateway, issuer } = parties
/** A second merchant the gateway has registered. */
const merchant2 = makeParty("merchant-2", "merchant")
/** A second issuer the gateway has registered. */
const issuer2 = makeParty("issuer-2", "issuer")
/** A merchant key nobody has registered. */
const rogue = makeParty("merchant-rogue", "merchant")

const T0 = Topology.START_ms
const EXPIRES_ms = (T0 + 60_000) as Timestamp_ms
const PAY_1 = PaymentId.make("pay-1")
const AUTH_1 = AuthorizationId.make("auth-1")

/** This file covers the authorization flow; GatewayOperations.test.ts and GatewaySettlement.test.ts the rest. */
const coverage = new TransitionCoverage(Gateway.transitions, gatewayParts.rest)

const fresh = (): Gateway.GatewayState => Gateway.initial(identity(gateway, [merchant, merchant2, issuer, issuer2]))

const authorize = (over: Partial<ConstructorParameters<typeof AuthorizePayment>[0]> = {}): AuthorizePayment =>
  new AuthorizePayment({
    id: PAY_1,
    from: merchant.id,
    to: gateway.id,
    orderId: OrderId.make("order-1"),
    amount: Money.money(1_250, "EUR"),
    payer: new Payer({ issuer: issuer.id, account: Topology.accounts.alice }),
    payee: new Payee({ merchant: merchant.id, name: "Teapot & Co" }),
    expiresAt_ms: EXPIRES_ms,
    ...over
  })

const respond = (
  status: AuthorizationStatus,
  over: Partial<ConstructorParameters<typeof AuthorizationResponse>[0]> = {}
): AuthorizationResponse =>
  new AuthorizationResponse({
    id: AUTH_1,
    from: issuer.id,
    to: gateway.id,
    paymentId: PAY_1,
    amount: Money.money(1_250, "EUR"),
    status,
    holdExpiresAt_ms: status === "approved" ? ((T0 + 1_000_000) as Timestamp_ms) : null,
    ...over
  })

const stepGateway = (state: Gateway.GatewayState, input: Gateway.GatewayInput): Step<Gateway.GatewayState> =>
  coverage.record(run(Gateway.step(state, input)))

const deliver = (state: Gateway.GatewayState, packet: Packet, now_ms: number = T0): Step<Gateway.GatewayState> =>
  stepGateway(state, receive(packet, now_ms))

/** The gateway after accepting `pay-1` and forwarding it, and the forwarded packet. */
const forwarding = (): { readonly state: Gateway.GatewayState; readonly forward: Packet } => {
  const step = deliver(fresh(), seal(merchant, authorize()))
  const forward = sent(step)[0]
  if (forward === undefined) throw new Error("the gateway forwarded nothing")
  return { state: step.state, forward }
}

/** The gateway after `pay-1` was decided with `status`, and the result it sent. */
const decided = (status: AuthorizationStatus): { readonly state: Gateway.GatewayState; readonly result: Packet } => {
  const step = deliver(forwarding().state, seal(issuer, respond(status)), T0 + 1_000)
  const result = sent(step)[0]
  if (result === undefined) throw new Error("the gateway sent no result")
  return { state: step.state, result }
}

describe("Gateway", () => {
  describe("transitions", () => {
    it("step - should forward a new AuthorizePayment to the payer's issuer (None -> Forwarding)", () => {
      const step = deliver(fresh(), seal(merchant, authorize()))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", id: `${merchant.id}/${PAY_1}`, from: "None", on: "AuthorizePayment", to: "Forwarding" })
      ])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(packets[0]?.to).toBe(issuer.id)
      const body = bodyOf(packets[0]!)
      expect(body).toBeInstanceOf(AuthorizationRequest)
      expect(body).toMatchObject({
        id: AUTH_1,
        from: gateway.id,
        to: issuer.id,
        paymentId: PAY_1,
        account: Topology.accounts.alice,
        amount: { amount_minor: 1_250, currency: "EUR" },
        payee: { merchant: merchant.id, name: "Teapot & Co" },
        expiresAt_ms: EXPIRES_ms
      })
      expect(step.state.payments[`${merchant.id}/${PAY_1}`]?.state).toBe("Forwarding")
      expect(step.state.byAuthorization[AUTH_1]).toBe(`${merchant.id}/${PAY_1}`)
      expect(Object.keys(step.state.outbox)).toEqual([AUTH_1])
    })

    it("step - should decline an AuthorizePayment that arrives at its expiry (None -> Declined, request_expired)", () => {
      const step = deliver(fresh(), seal(merchant, authorize()), EXPIRES_ms)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "None", on: "AuthorizePayment (expired)", to: "Declined" })
      ])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(packets[0]?.to).toBe(merchant.id)
      expect(bodyOf(packets[0]!)).toMatchObject({ _tag: "AuthorizationResult", id: PAY_1, status: "request_expired", holdExpiresAt_ms: null })
      expect(step.state.outbox).toEqual({})
    })

    it("step - should not route to an issuer whose key it has revoked (None -> Declined, unknown_account)", () => {
      const base = fresh()
      const issuerKey = Object.values(base.identity.registry).find((k) => k.owner === issuer.id)
      if (issuerKey === undefined) throw new Error("the gateway has no key for the issuer")
      const before: Gateway.GatewayState = { ...base, identity: { ...base.identity, registry: revoke(base.identity.registry, issuerKey.keyId) } }
      const step = deliver(before, seal(merchant, authorize()))
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ on: "AuthorizePayment (no route to issuer)", to: "Declined" })])
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ _tag: "AuthorizationResult", status: "unknown_account" })
    })

    it("step - should decline an AuthorizePayment for an issuer it has no key for (None -> Declined, unknown_account)", () => {
      const payer = new Payer({ issuer: makeParty("issuer-nowhere", "issuer").id, account: AccountId.make("acct-x") })
      const step = deliver(fresh(), seal(merchant, authorize({ payer })))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "None", on: "AuthorizePayment (no route to issuer)", to: "Declined" })
      ])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(bodyOf(packets[0]!)).toMatchObject({ _tag: "AuthorizationResult", to: merchant.id, status: "unknown_account" })
      expect(step.state.outbox).toEqual({})
    })

    it("step - should relay an approved AuthorizationResponse to the merchant (Forwarding -> Approved)", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(issuer, respond("approved")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "Forwarding", on: "AuthorizationResponse (approved)", to: "Approved" })
      ])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      const body = bodyOf(packets[0]!)
      expect(body).toBeInstanceOf(AuthorizationResult)
      expect(body).toMatchObject({
        id: PAY_1,
        from: gateway.id,
        to: merchant.id,
        orderId: "order-1",
        amount: { amount_minor: 1_250, currency: "EUR" },
        status: "approved",
        holdExpiresAt_ms: T0 + 1_000_000
      })
      expect(step.state.payments[`${merchant.id}/${PAY_1}`]?.state).toBe("Approved")
      expect(step.state.outbox).toEqual({})
    })

    it("step - should relay a declined AuthorizationResponse to the merchant (Forwarding -> Declined)", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(issuer, respond("declined_by_shopper")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "Forwarding", on: "AuthorizationResponse (declined)", to: "Declined" })
      ])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(bodyOf(packets[0]!)).toMatchObject({ _tag: "AuthorizationResult", status: "declined_by_shopper", holdExpiresAt_ms: null })
      expect(step.state.payments[`${merchant.id}/${PAY_1}`]?.state).toBe("Declined")
      expect(step.state.outbox).toEqual({})
    })
  })

  describe("envelope rejections", () => {
    it("step - should reject a garbage payload with DecodeError", () => {
      const before = fresh()
      const garbage: Packet = { from: merchant.id, to: gateway.id, channel: "signed", payload: "not an envelope" }
      expectRejected(deliver(before, garbage), before, "DecodeError")
    })

    it("step - should reject a payment of zero with DecodeError before anything else", () => {
      const before = fresh()
      const zero = mutateBody(seal(merchant, authorize()), (body) => ({ ...body, amount: { amount_minor: 0, currency: "EUR" } }))
      const rejection = expectRejected(deliver(before, zero), before, "DecodeError")
      expect(rejection.detail).toContain("at least one minor unit")
    })

    it("step - should reject a signed body with an unknown field with DecodeError", () => {
      const before = fresh()
      const packet = sealBytes(merchant.signing, { ...encode(authorize()), note: "extra" })
      expectRejected(deliver(before, packet), before, "DecodeError")
    })

    it("step - should reject an envelope with an unknown field with DecodeError", () => {
      const before = fresh()
      const packet = seal(merchant, authorize())
      const extra: Packet = { ...packet, payload: { ...(packet.payload as object), comment: "hi" } }
      expectRejected(deliver(before, extra), before, "DecodeError")
    })

    it("step - should reject a session packet with DecodeError", () => {
      const before = fresh()
      const packet = seal(merchant, authorize())
      expectRejected(deliver(before, { ...packet, channel: "session" }), before, "DecodeError")
    })

    it("step - should reject a signed message type it does not accept with DecodeError", () => {
      const before = fresh()
      const challenge = new Challenge({
        id: "ch-1" as Challenge["id"],
        from: issuer.id,
        to: gateway.id,
        account: Topology.accounts.alice,
        paymentId: PAY_1,
        amount: Money.money(1_250, "EUR"),
        payee: new Payee({ merchant: merchant.id, name: "Teapot & Co" }),
        expiresAt_ms: EXPIRES_ms
      })
      expectRejected(deliver(before, seal(issuer, challenge)), before, "DecodeError")
    })

    it("step - should reject a request signed with an unregistered key with UnknownKey", () => {
      const before = fresh()
      const rejection = expectRejected(deliver(before, sealWith(rogue.signing, authorize())), before, "UnknownKey")
      expect(rejection.keyId).toBe(rogue.signing.keyId)
    })

    it("step - should reject a request signed with a revoked key with RevokedKey", () => {
      const base = fresh()
      const before: Gateway.GatewayState = {
        ...base,
        identity: { ...base.identity, registry: revoke(base.identity.registry, merchant.signing.keyId) }
      }
      expectRejected(deliver(before, seal(merchant, authorize())), before, "RevokedKey")
    })

    it("step - should reject an AuthorizePayment signed by the issuer's key with WrongSigner", () => {
      const before = fresh()
      const rejection = expectRejected(deliver(before, sealWith(issuer.signing, authorize())), before, "WrongSigner")
      expect(rejection.detail).toContain("needs a merchant key")
    })

    it("step - should reject an AuthorizePayment from one merchant signed by another merchant's key with WrongSigner", () => {
      const before = fresh()
      const rejection = expectRejected(deliver(before, sealWith(merchant2.signing, authorize())), before, "WrongSigner")
      expect(rejection.detail).toContain(`cannot speak for ${merchant.id}`)
    })

    it("step - should reject an AuthorizationResponse signed by a merchant's key with WrongSigner", () => {
      const { state } = forwarding()
      expectRejected(deliver(state, sealWith(merchant.signing, respond("approved"))), state, "WrongSigner")
    })

    it("step - should reject a signed request whose amount was changed in transit with BadSignature", () => {
      const before = fresh()
      const forged = mutateBody(seal(merchant, authorize()), (body) => ({ ...body, amount: { amount_minor: 1, currency: "EUR" } }))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })

    it("step - should reject a response whose status was changed in transit with BadSignature", () => {
      const { state } = forwarding()
      const forged = mutateBody(seal(issuer, respond("declined_by_shopper")), (body) => ({
        ...body,
        status: "approved",
        holdExpiresAt_ms: T0 + 1_000_000
      }))
      expectRejected(deliver(state, forged, T0 + 1_000), state, "BadSignature")
    })

    it("step - should reject a request carrying the signature of another message with BadSignature", () => {
      const before = fresh()
      const donor = seal(merchant, authorize({ id: PaymentId.make("pay-2") }))
      expectRejected(deliver(before, swapSignature(seal(merchant, authorize()), donor)), before, "BadSignature")
    })

    it("step - should reject a signature over the body without a domain tag with BadSignature", () => {
      const before = fresh()
      const packet = sealBytes(merchant.signing, encode(authorize()), new Uint8Array())
      expectRejected(deliver(before, packet), before, "BadSignature")
    })

    it("step - should reject a signature made under another message type's domain tag with BadSignature", () => {
      const before = fresh()
      const packet = sealBytes(merchant.signing, encode(authorize()), domainTag("AuthorizationResult"))
      expectRejected(deliver(before, packet), before, "BadSignature")
    })

    it("step - should reject a signature by a key posing under the merchant's key id with BadSignature", () => {
      const before = fresh()
      const impostor = { keyId: merchant.signing.keyId, seed: rogue.signing.seed }
      expectRejected(deliver(before, sealWith(impostor, authorize())), before, "BadSignature")
    })

    it("sealBytes - should build a packet the gateway accepts when given the correct domain tag", () => {
      // Control for the two forgeries above: the same builder with the right tag is accepted.
      const step = deliver(fresh(), sealBytes(merchant.signing, encode(authorize()), domainTag("AuthorizePayment")))
      expect(transitionsIn(step).map((t) => t.to)).toEqual(["Forwarding"])
    })

    it("step - should reject a request addressed to another party with WrongRecipient", () => {
      const before = fresh()
      const rejection = expectRejected(deliver(before, seal(merchant, authorize({ to: issuer.id }))), before, "WrongRecipient")
      expect(rejection).toMatchObject({ expected: gateway.id, got: issuer.id })
    })
  })

  describe("AuthorizePayment", () => {
    it("step - should reject a reused payment id with another amount with IdempotencyConflict", () => {
      const { state } = forwarding()
      const other = seal(merchant, authorize({ amount: Money.money(9_999, "EUR") }))
      const rejection = expectRejected(deliver(state, other, T0 + 500), state, "IdempotencyConflict")
      expect(rejection.requestId).toBe(PAY_1)
    })

    it("step - should reject a reused payment id with another amount after the result with IdempotencyConflict", () => {
      const { state } = decided("approved")
      const other = seal(merchant, authorize({ amount: Money.money(9_999, "EUR") }))
      expectRejected(deliver(state, other, T0 + 2_000), state, "IdempotencyConflict")
    })

    it("step - should keep payment ids of different merchants apart", () => {
      const { state } = forwarding()
      const body = authorize({ from: merchant2.id, payee: new Payee({ merchant: merchant2.id, name: "Other" }) })
      const step = deliver(state, seal(merchant2, body), T0 + 500)
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ id: `${merchant2.id}/${PAY_1}`, to: "Forwarding" })])
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ id: "auth-2", paymentId: PAY_1 })
    })

    it("step - should reject a payee other than the signing merchant with Mismatch", () => {
      const before = fresh()
      const body = authorize({ payee: new Payee({ merchant: merchant2.id, name: "Teapot & Co" }) })
      const rejection = expectRejected(deliver(before, seal(merchant, body)), before, "Mismatch")
      expect(rejection.field).toBe("payee")
    })

    it("step - should send nothing and change nothing on a repeat while forwarding", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(merchant, authorize()), T0 + 500)
      expect(step.state).toBe(state)
      expect(step.outputs).toEqual([])
    })

    it("step - should replay the byte-identical recorded result on a repeat after the decision", () => {
      const { state, result } = decided("approved")
      const step = deliver(state, seal(merchant, authorize()), T0 + 2_000)
      expect(step.state).toBe(state)
      expect(transitionsIn(step)).toEqual([])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(packets[0]).toEqual(result)
      expect(wireBytes(packets[0]!)).toBe(wireBytes(result))
    })

    it("step - should replay the recorded result of an expired request even long after", () => {
      const first = deliver(fresh(), seal(merchant, authorize()), EXPIRES_ms)
      const result = sent(first)[0]!
      const step = deliver(first.state, seal(merchant, authorize()), EXPIRES_ms + 3_600_000)
      expect(step.state).toBe(first.state)
      expect(sent(step).map(wireBytes)).toEqual([wireBytes(result)])
    })
  })

  describe("AuthorizationResponse", () => {
    it("step - should reject a response to an unknown authorization with UnknownReference", () => {
      const { state } = forwarding()
      const packet = seal(issuer, respond("approved", { id: AuthorizationId.make("auth-99") }))
      const rejection = expectRejected(deliver(state, packet, T0 + 1_000), state, "UnknownReference")
      expect(rejection).toMatchObject({ kind: "authorization", id: "auth-99" })
    })

    it("step - should reject a response with another amount with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, respond("approved", { amount: Money.money(1_249, "EUR") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").field).toBe("amount")
    })

    it("step - should reject a response with another currency with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, respond("approved", { amount: Money.money(1_250, "USD") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").field).toBe("amount")
    })

    it("step - should reject a response naming another payment with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, respond("approved", { paymentId: PaymentId.make("pay-2") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").field).toBe("paymentId")
    })

    it("step - should reject an approval without a hold expiry, or a decline with one, with Mismatch", () => {
      const { state } = forwarding()
      const noHold = seal(issuer, respond("approved", { holdExpiresAt_ms: null }))
      expect(expectRejected(deliver(state, noHold, T0 + 1_000), state, "Mismatch").field).toBe("holdExpiresAt_ms")
      const declinedWithHold = seal(issuer, respond("insufficient_funds", { holdExpiresAt_ms: (T0 + 5_000) as Timestamp_ms }))
      expect(expectRejected(deliver(state, declinedWithHold, T0 + 1_000), state, "Mismatch").field).toBe("holdExpiresAt_ms")
    })

    it("step - should reject a response from another issuer than the payer's with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer2, respond("approved", { from: issuer2.id }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").field).toBe("issuer")
    })

    it("step - should reject a second response after the payment is decided with OutOfOrder", () => {
      const { state } = decided("approved")
      const packet = seal(issuer, respond("declined_by_shopper"))
      const rejection = expectRejected(deliver(state, packet, T0 + 2_000), state, "OutOfOrder")
      expect(rejection).toMatchObject({ state: "Approved", input: "AuthorizationResponse" })
    })

    it("step - should take a copy of the deciding response as a repeat: no output, the same state", () => {
      const { state } = decided("declined_by_shopper")
      const copy = deliver(state, seal(issuer, respond("declined_by_shopper")), T0 + 2_000)
      expect(copy.state).toBe(state)
      expect(copy.outputs).toEqual([])
    })
  })

  describe("Tick", () => {
    it("step - should send nothing and keep the state before the first retry is due", () => {
      const { state } = forwarding()
      const step = stepGateway(state, tick(T0 + RETRY_BASE_ms - 1))
      expect(step.state).toBe(state)
      expect(step.outputs).toEqual([])
    })

    it("step - should resend the forwarded request with the same bytes after RETRY_BASE_ms", () => {
      const { state, forward } = forwarding()
      const step = stepGateway(state, tick(T0 + RETRY_BASE_ms))
      expect(transitionsIn(step)).toEqual([])
      const packets = sent(step)
      expect(packets).toHaveLength(1)
      expect(wireBytes(packets[0]!)).toBe(wireBytes(forward))
      expect(step.state.outbox[AUTH_1]?.attempts).toBe(2)
      expect(step.state.outbox[AUTH_1]?.nextAttempt_ms).toBeGreaterThan(T0 + RETRY_BASE_ms)
      expect(step.state.payments).toBe(state.payments)
    })

    it("step - should resend nothing once the issuer has answered", () => {
      const { state } = decided("approved")
      const step = stepGateway(state, tick(T0 + 10 * RETRY_BASE_ms))
      expect(step.state).toBe(state)
      expect(step.outputs).toEqual([])
    })
  })

  describe("restart", () => {
    it("restart - should keep the payments and make the outbox due at once", () => {
      const { state, forward } = forwarding()
      const restarted = Gateway.restart(state)
      expect(restarted.payments).toBe(state.payments)
      expect(restarted.records).toBe(state.records)
      const step = stepGateway(restarted, tick(T0))
      expect(sent(step).map(wireBytes)).toEqual([wireBytes(forward)])
    })

    it("restart - should leave an answered payment with nothing to resend", () => {
      const { state } = decided("declined_by_shopper")
      const step = stepGateway(Gateway.restart(state), tick(T0))
      expect(step.outputs).toEqual([])
    })
  })

  describe("transitions table", () => {
    it("transitions - should all have been exercised by this file, but for those GatewayOperations.test.ts and GatewaySettlement.test.ts cover", () => {
      expect(coverage.missing()).toEqual([])
    })
  })
})
