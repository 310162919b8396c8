/**
 * The gateway machine, one input at a time: every declared transition, every rejection (with the
 * state left as the very same object), idempotent repeats, retries and restart.
 */
import { describe, expect, it } from "vitest"
import { domainTag } from "../../src/crypto/Envelope.js"
import { revoke } from "../../src/crypto/KeyRegistry.js"
import * as Topology from "../../src/drivers/Topology.js"
import { AccountId, AuthorizationId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import { type AuthorizationStatus, Payee, Payer } from "../../src/messages/Common.js"
import { AuthorizationRequest } from "../../src/messages/GatewayIssuer.js"
import { Challenge } from "../../src/messages/IssuerPhone.js"
import { AuthorizationResult } from "../../src/messages/MerchantGateway.js"
import * as Gateway from "../../src/parties/Gateway.js"
import {
  bodyOf,
  Coverage,
  encode,
  expectRejected,
  expectSent,
  expectUnchanged,
  impostorOf,
  makeParty,
  mutateBody,
  parties,
  receive,
  run,
  seal,
  sealBytes,
  sealWith,
  sent,
  sentOne,
  swapSignature,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import { authorizeBody, freshGateway, issuer2, merchant2, PAYMENT_1, PAYMENT_EXPIRES_ms } from "../support/gatewayScenarios.js"
import { APPROVED_HOLD_EXPIRES_ms, AUTH_1, authorizationResponse, PAY_1, T0 } from "../support/messages.js"
import { gatewayParts } from "../support/transitionParts.js"

const { merchant, gateway, issuer } = parties
/** A merchant key nobody has registered. */
const rogue = makeParty("merchant-rogue", "merchant")

/** This file covers the authorization flow; GatewayOperations.test.ts and GatewaySettlement.test.ts the rest. */
const coverage = new Coverage(gateway.id, Gateway.transitions, gatewayParts.rest)

const stepGateway = (state: Gateway.GatewayState, input: Gateway.GatewayInput): Step<Gateway.GatewayState> =>
  coverage.observe(run(Gateway.step(state, input)))

const deliver = (state: Gateway.GatewayState, packet: Packet, now_ms: number = T0): Step<Gateway.GatewayState> =>
  stepGateway(state, receive(packet, now_ms))

/** The gateway after accepting `pay-1` and forwarding it, and the forwarded packet. */
const forwarding = (): { readonly state: Gateway.GatewayState; readonly forward: Packet } => {
  const step = deliver(freshGateway(), seal(merchant, authorizeBody()))
  const forward = sentOne(step)
  return { state: step.state, forward }
}

/** The gateway after `pay-1` was decided with `status`, and the result it sent. */
const decided = (status: AuthorizationStatus): { readonly state: Gateway.GatewayState; readonly result: Packet } => {
  const step = deliver(forwarding().state, seal(issuer, authorizationResponse(status)), T0 + 1_000)
  const result = sentOne(step)
  return { state: step.state, result }
}

describe("Gateway", () => {
  describe("transitions", () => {
    it("step - should forward a new AuthorizePayment to the payer's issuer (None -> Forwarding)", () => {
      const step = deliver(freshGateway(), seal(merchant, authorizeBody()))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", id: `${merchant.id}/${PAY_1}`, from: "None", on: "AuthorizePayment", to: "Forwarding" })
      ])
      const packet = sentOne(step)
      expect(packet.to).toBe(issuer.id)
      const body = bodyOf(packet)
      expect(body).toBeInstanceOf(AuthorizationRequest)
      expect(body).toMatchObject({
        id: AUTH_1,
        from: gateway.id,
        to: issuer.id,
        paymentId: PAY_1,
        account: Topology.accounts.alice,
        amount: { amount_minor: 1_250, currency: "EUR" },
        payee: { merchant: merchant.id, name: "Teapot & Co" },
        expiresAt_ms: PAYMENT_EXPIRES_ms
      })
      expect(step.state.payments.get(`${merchant.id}/${PAY_1}`)?.state).toBe("Forwarding")
      expect(step.state.byAuthorization.get(AUTH_1)).toBe(`${merchant.id}/${PAY_1}`)
      expect(step.state.outbox.keys()).toEqual([AUTH_1])
    })

    it("step - should decline an AuthorizePayment that arrives at its expiry (None -> Declined, request_expired)", () => {
      const step = deliver(freshGateway(), seal(merchant, authorizeBody()), PAYMENT_EXPIRES_ms)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "None", on: "AuthorizePayment (expired)", to: "Declined" })
      ])
      const packet = sentOne(step)
      expect(packet.to).toBe(merchant.id)
      expect(bodyOf(packet)).toMatchObject({ _tag: "AuthorizationResult", id: PAY_1, status: "request_expired", holdExpiresAt_ms: null })
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should not route to an issuer whose key it has revoked (None -> Declined, unknown_account)", () => {
      const base = freshGateway()
      const issuerKey = Object.values(base.identity.registry).find((k) => k.owner === issuer.id)
      if (issuerKey === undefined) throw new Error("the gateway has no key for the issuer")
      const before: Gateway.GatewayState = { ...base, identity: { ...base.identity, registry: revoke(base.identity.registry, issuerKey.keyId) } }
      const step = deliver(before, seal(merchant, authorizeBody()))
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ on: "AuthorizePayment (no route to issuer)", to: "Declined" })])
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ _tag: "AuthorizationResult", status: "unknown_account" })
    })

    it("step - should decline an AuthorizePayment for an issuer it has no key for (None -> Declined, unknown_account)", () => {
      const payer = new Payer({ issuer: makeParty("issuer-nowhere", "issuer").id, account: AccountId.make("acct-x") })
      const step = deliver(freshGateway(), seal(merchant, authorizeBody(PAYMENT_1, { payer })))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "None", on: "AuthorizePayment (no route to issuer)", to: "Declined" })
      ])
      const packet = sentOne(step)
      expect(bodyOf(packet)).toMatchObject({ _tag: "AuthorizationResult", to: merchant.id, status: "unknown_account" })
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should relay an approved AuthorizationResponse to the merchant (Forwarding -> Approved)", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(issuer, authorizationResponse("approved")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "Forwarding", on: "AuthorizationResponse (approved)", to: "Approved" })
      ])
      const packet = sentOne(step)
      const body = bodyOf(packet)
      expect(body).toBeInstanceOf(AuthorizationResult)
      expect(body).toMatchObject({
        id: PAY_1,
        from: gateway.id,
        to: merchant.id,
        orderId: `order-${PAY_1}`,
        amount: { amount_minor: 1_250, currency: "EUR" },
        status: "approved",
        holdExpiresAt_ms: APPROVED_HOLD_EXPIRES_ms
      })
      expect(step.state.payments.get(`${merchant.id}/${PAY_1}`)?.state).toBe("Approved")
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should relay a declined AuthorizationResponse to the merchant (Forwarding -> Declined)", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(issuer, authorizationResponse("declined_by_shopper")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "payment", from: "Forwarding", on: "AuthorizationResponse (declined)", to: "Declined" })
      ])
      const packet = sentOne(step)
      expect(bodyOf(packet)).toMatchObject({ _tag: "AuthorizationResult", status: "declined_by_shopper", holdExpiresAt_ms: null })
      expect(step.state.payments.get(`${merchant.id}/${PAY_1}`)?.state).toBe("Declined")
      expect(step.state.outbox.entries()).toEqual([])
    })
  })

  describe("envelope rejections", () => {
    it("step - should reject a garbage payload with DecodeError", () => {
      const before = freshGateway()
      const garbage: Packet = { from: merchant.id, to: gateway.id, channel: "signed", payload: "not an envelope" }
      expectRejected(deliver(before, garbage), before, "DecodeError")
    })

    it("step - should reject a payment of zero with DecodeError before anything else", () => {
      const before = freshGateway()
      const zero = mutateBody(seal(merchant, authorizeBody()), (body) => void (body.amount.amount_minor = 0))
      const { rejection } = expectRejected(deliver(before, zero), before, "DecodeError")
      expect(rejection.detail).toContain("at least one minor unit")
    })

    it("step - should reject a signed body with an unknown field with DecodeError", () => {
      const before = freshGateway()
      const packet = sealBytes(merchant.signing, { ...encode(authorizeBody()), note: "extra" })
      expectRejected(deliver(before, packet), before, "DecodeError")
    })

    it("step - should reject an envelope with an unknown field with DecodeError", () => {
      const before = freshGateway()
      const packet = seal(merchant, authorizeBody())
      const extra: Packet = { ...packet, payload: { ...(packet.payload as object), comment: "hi" } }
      expectRejected(deliver(before, extra), before, "DecodeError")
    })

    it("step - should reject a session packet with DecodeError", () => {
      const before = freshGateway()
      const packet = seal(merchant, authorizeBody())
      expectRejected(deliver(before, { ...packet, channel: "session" }), before, "DecodeError")
    })

    it("step - should reject a signed message type it does not accept with DecodeError", () => {
      const before = freshGateway()
      const challenge = new Challenge({
        id: "ch-1" as Challenge["id"],
        from: issuer.id,
        to: gateway.id,
        account: Topology.accounts.alice,
        paymentId: PAY_1,
        amount: Money.money(1_250, "EUR"),
        payee: new Payee({ merchant: merchant.id, name: "Teapot & Co" }),
        expiresAt_ms: PAYMENT_EXPIRES_ms
      })
      expectRejected(deliver(before, seal(issuer, challenge)), before, "DecodeError")
    })

    it("step - should reject a request signed with an unregistered key with UnknownKey", () => {
      const before = freshGateway()
      const { rejection } = expectRejected(deliver(before, sealWith(rogue.signing, authorizeBody())), before, "UnknownKey")
      expect(rejection.keyId).toBe(rogue.signing.keyId)
    })

    it("step - should reject a request signed with a revoked key with RevokedKey", () => {
      const base = freshGateway()
      const before: Gateway.GatewayState = {
        ...base,
        identity: { ...base.identity, registry: revoke(base.identity.registry, merchant.signing.keyId) }
      }
      expectRejected(deliver(before, seal(merchant, authorizeBody())), before, "RevokedKey")
    })

    it("step - should reject an AuthorizePayment signed by the issuer's key with WrongSigner", () => {
      const before = freshGateway()
      const { rejection } = expectRejected(deliver(before, sealWith(issuer.signing, authorizeBody())), before, "WrongSigner")
      expect(rejection.detail).toContain("needs a merchant key")
    })

    it("step - should reject an AuthorizePayment from one merchant signed by another merchant's key with WrongSigner", () => {
      const before = freshGateway()
      const { rejection } = expectRejected(deliver(before, sealWith(merchant2.signing, authorizeBody())), before, "WrongSigner")
      expect(rejection.detail).toContain(`cannot speak for ${merchant.id}`)
    })

    it("step - should reject an AuthorizationResponse signed by a merchant's key with WrongSigner", () => {
      const { state } = forwarding()
      expectRejected(deliver(state, sealWith(merchant.signing, authorizationResponse("approved"))), state, "WrongSigner")
    })

    it("step - should reject a signed request whose amount was changed in transit with BadSignature", () => {
      const before = freshGateway()
      const forged = mutateBody(seal(merchant, authorizeBody()), (body) => void (body.amount.amount_minor = 1))
      expectRejected(deliver(before, forged), before, "BadSignature")
    })

    it("step - should reject a response whose status was changed in transit with BadSignature", () => {
      const { state } = forwarding()
      const forged = mutateBody(seal(issuer, authorizationResponse("declined_by_shopper")), (body) => {
        body.status = "approved"
        body.holdExpiresAt_ms = APPROVED_HOLD_EXPIRES_ms
      })
      expectRejected(deliver(state, forged, T0 + 1_000), state, "BadSignature")
    })

    it("step - should reject a request carrying the signature of another message with BadSignature", () => {
      const before = freshGateway()
      const donor = seal(merchant, authorizeBody(PAYMENT_1, { id: PaymentId.make("pay-2") }))
      expectRejected(deliver(before, swapSignature(seal(merchant, authorizeBody()), donor)), before, "BadSignature")
    })

    it("step - should reject a signature over the body without a domain tag with BadSignature", () => {
      const before = freshGateway()
      const packet = sealBytes(merchant.signing, encode(authorizeBody()), new Uint8Array())
      expectRejected(deliver(before, packet), before, "BadSignature")
    })

    it("step - should reject a signature made under another message type's domain tag with BadSignature", () => {
      const before = freshGateway()
      const packet = sealBytes(merchant.signing, encode(authorizeBody()), domainTag("AuthorizationResult"))
      expectRejected(deliver(before, packet), before, "BadSignature")
    })

    it("step - should reject a signature by a key posing under the merchant's key id with BadSignature", () => {
      const before = freshGateway()
      expectRejected(deliver(before, seal(impostorOf(merchant.id), authorizeBody())), before, "BadSignature")
    })

    it("sealBytes - should build a packet the gateway accepts when given the correct domain tag", () => {
      // Control for the two forgeries above: the same builder with the right tag is accepted.
      const step = deliver(freshGateway(), sealBytes(merchant.signing, encode(authorizeBody()), domainTag("AuthorizePayment")))
      expect(transitionsIn(step).map((t) => t.to)).toEqual(["Forwarding"])
    })

    it("step - should reject a request addressed to another party with WrongRecipient", () => {
      const before = freshGateway()
      const { rejection } = expectRejected(deliver(before, seal(merchant, authorizeBody(PAYMENT_1, { to: issuer.id }))), before, "WrongRecipient")
      expect(rejection).toMatchObject({ expected: gateway.id, got: issuer.id })
    })
  })

  describe("AuthorizePayment", () => {
    it("step - should reject a reused payment id with another amount with IdempotencyConflict", () => {
      const { state } = forwarding()
      const other = seal(merchant, authorizeBody(PAYMENT_1, { amount: Money.money(9_999, "EUR") }))
      const { rejection } = expectRejected(deliver(state, other, T0 + 500), state, "IdempotencyConflict")
      expect(rejection.requestId).toBe(PAY_1)
    })

    it("step - should reject a reused payment id with another amount after the result with IdempotencyConflict", () => {
      const { state } = decided("approved")
      const other = seal(merchant, authorizeBody(PAYMENT_1, { amount: Money.money(9_999, "EUR") }))
      expectRejected(deliver(state, other, T0 + 2_000), state, "IdempotencyConflict")
    })

    it("step - should keep payment ids of different merchants apart", () => {
      const { state } = forwarding()
      const body = authorizeBody(PAYMENT_1, { from: merchant2.id, payee: new Payee({ merchant: merchant2.id, name: "Other" }) })
      const step = deliver(state, seal(merchant2, body), T0 + 500)
      expect(transitionsIn(step)).toEqual([expect.objectContaining({ id: `${merchant2.id}/${PAY_1}`, to: "Forwarding" })])
      expect(bodyOf(sent(step)[0]!)).toMatchObject({ id: "auth-2", paymentId: PAY_1 })
    })

    it("step - should reject a payee other than the signing merchant with Mismatch", () => {
      const before = freshGateway()
      const body = authorizeBody(PAYMENT_1, { payee: new Payee({ merchant: merchant2.id, name: "Teapot & Co" }) })
      const { rejection } = expectRejected(deliver(before, seal(merchant, body)), before, "Mismatch")
      expect(rejection.field).toBe("payee")
    })

    it("step - should send nothing and change nothing on a repeat while forwarding", () => {
      const { state } = forwarding()
      const step = deliver(state, seal(merchant, authorizeBody()), T0 + 500)
      expectUnchanged(step, state)
    })

    it("step - should replay the byte-identical recorded result on a repeat after the decision", () => {
      const { state, result } = decided("approved")
      const step = deliver(state, seal(merchant, authorizeBody()), T0 + 2_000)
      expect(step.state).toBe(state)
      expect(transitionsIn(step)).toEqual([])
      expectSent(step, [result])
    })

    it("step - should replay the recorded result of an expired request even long after", () => {
      const first = deliver(freshGateway(), seal(merchant, authorizeBody()), PAYMENT_EXPIRES_ms)
      const result = sent(first)[0]!
      const step = deliver(first.state, seal(merchant, authorizeBody()), PAYMENT_EXPIRES_ms + 3_600_000)
      expectUnchanged(step, first.state, [result])
    })
  })

  describe("AuthorizationResponse", () => {
    it("step - should reject a response to an unknown authorization with UnknownReference", () => {
      const { state } = forwarding()
      const packet = seal(issuer, authorizationResponse("approved", { id: AuthorizationId.make("auth-99") }))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 1_000), state, "UnknownReference")
      expect(rejection).toMatchObject({ kind: "authorization", id: "auth-99" })
    })

    it("step - should reject a response with another amount with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, authorizationResponse("approved", { amount: Money.money(1_249, "EUR") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").rejection.field).toBe("amount")
    })

    it("step - should reject a response with another currency with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, authorizationResponse("approved", { amount: Money.money(1_250, "USD") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").rejection.field).toBe("amount")
    })

    it("step - should reject a response naming another payment with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer, authorizationResponse("approved", { paymentId: PaymentId.make("pay-2") }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").rejection.field).toBe("paymentId")
    })

    it("step - should reject an approval without a hold expiry, or a decline with one, with Mismatch", () => {
      const { state } = forwarding()
      const noHold = seal(issuer, authorizationResponse("approved", { holdExpiresAt_ms: null }))
      expect(expectRejected(deliver(state, noHold, T0 + 1_000), state, "Mismatch").rejection.field).toBe("holdExpiresAt_ms")
      const declinedWithHold = seal(issuer, authorizationResponse("insufficient_funds", { holdExpiresAt_ms: (T0 + 5_000) as Timestamp_ms }))
      expect(expectRejected(deliver(state, declinedWithHold, T0 + 1_000), state, "Mismatch").rejection.field).toBe("holdExpiresAt_ms")
    })

    it("step - should reject a response from another issuer than the payer's with Mismatch", () => {
      const { state } = forwarding()
      const packet = seal(issuer2, authorizationResponse("approved", { from: issuer2.id }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").rejection.field).toBe("issuer")
    })

    it("step - should reject a second response after the payment is decided with OutOfOrder", () => {
      const { state } = decided("approved")
      const packet = seal(issuer, authorizationResponse("declined_by_shopper"))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 2_000), state, "OutOfOrder")
      expect(rejection).toMatchObject({ state: "Approved", input: "AuthorizationResponse" })
    })

    it("step - should take a copy of the deciding response as a repeat: no output, the same state", () => {
      const { state } = decided("declined_by_shopper")
      const copy = deliver(state, seal(issuer, authorizationResponse("declined_by_shopper")), T0 + 2_000)
      expectUnchanged(copy, state)
    })
  })

  describe("Tick", () => {
    it("step - should send nothing and keep the state before the first retry is due", () => {
      const { state } = forwarding()
      const step = stepGateway(state, tick(T0 + RETRY_BASE_ms - 1))
      expectUnchanged(step, state)
    })

    it("step - should resend the forwarded request with the same bytes after RETRY_BASE_ms", () => {
      const { state, forward } = forwarding()
      const step = stepGateway(state, tick(T0 + RETRY_BASE_ms))
      expect(transitionsIn(step)).toEqual([])
      expectSent(step, [forward])
      expect(step.state.outbox.get(AUTH_1)?.attempts).toBe(2)
      expect(step.state.outbox.get(AUTH_1)?.nextAttempt_ms).toBeGreaterThan(T0 + RETRY_BASE_ms)
      expect(step.state.payments).toBe(state.payments)
    })

    it("step - should resend nothing once the issuer has answered", () => {
      const { state } = decided("approved")
      const step = stepGateway(state, tick(T0 + 10 * RETRY_BASE_ms))
      expectUnchanged(step, state)
    })
  })

  describe("restart", () => {
    it("restart - should keep the payments and make the outbox due at once", () => {
      const { state, forward } = forwarding()
      const restarted = Gateway.restart(state)
      expect(restarted.payments).toBe(state.payments)
      expect(restarted.records).toBe(state.records)
      const step = stepGateway(restarted, tick(T0))
      expectSent(step, [forward])
    })

    it("restart - should leave an answered payment with nothing to resend", () => {
      const { state } = decided("declined_by_shopper")
      const step = stepGateway(Gateway.restart(state), tick(T0))
      expect(step.outputs).toEqual([])
    })
  })

  describe("transitions table", () => {
    it("transitions - should all have been exercised by this file, but for those GatewayOperations.test.ts and GatewaySettlement.test.ts cover", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
