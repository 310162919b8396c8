/**
 * The issuer machine, one input at a time: every declared transition, every refusal and every
 * rejection (with the state left as the very same object), the ledger effects of holds, dynamic
 * linking of the challenge answer, idempotent repeats, retries and restart.
 */
import { describe, expect, it } from "vitest"
import { domainTag } from "../../src/crypto/Envelope.js"
import { revoke } from "../../src/crypto/KeyRegistry.js"
import * as Topology from "../../src/drivers/Topology.js"
import { AccountId, AuthorizationId, ChallengeId, PartyId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import * as Ledger from "../../src/ledger/Ledger.js"
import * as Accounts from "../../src/ledger/Accounts.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import { Table } from "../../src/machine/Table.js"
import { type AuthorizationStatus, Payee } from "../../src/messages/Common.js"
import { AuthorizationRequest, AuthorizationResponse } from "../../src/messages/GatewayIssuer.js"
import { Challenge, ChallengeReceipt, type ChallengeAnswerFields, type Decision } from "../../src/messages/IssuerPhone.js"
import * as Issuer from "../../src/parties/Issuer.js"
import { NO_SETTLEMENT } from "../../src/settlement/Instruction.js"
import {
  bodyOf,
  Coverage,
  encode,
  expectBalanced,
  expectRejected,
  expectSent,
  expectUnchanged,
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
  sentOne,
  swapSignature,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import { answerTo, AUTH_1, authorizationRequest, PAY_1, REQUEST_EXPIRES_ms, T0 } from "../support/messages.js"
import { issuerParts } from "../support/transitionParts.js"

const { merchant, gateway, issuer, alicePhone, bobPhone } = parties
/** A second device enrolled for Alice's account; challenges go to her first device. */
const aliceTablet = makeParty("tablet-alice", "device")
/** A device the issuer has registered but enrolled for no account. */
const carolPhone = makeParty("phone-carol", "device")
/** A gateway key nobody has registered. */
const rogue = makeParty("gateway-rogue", "gateway")

const alice = Topology.accounts.alice
const bob = Topology.accounts.bob
const dave = AccountId.make("acct-dave")

const CHALLENGE_EXPIRES_ms = T0 + Issuer.CHALLENGE_TTL_ms
const AUTH_KEY = `${gateway.id}/${AUTH_1}`
const CH_1 = ChallengeId.make("ch-1")

/** This file covers the authorization flow; IssuerOperations.test.ts the rest. */
const coverage = new Coverage(issuer.id, Issuer.transitions, issuerParts.rest)

const fresh = (): Issuer.IssuerState =>
  Issuer.initial(identity(issuer, [gateway, alicePhone, bobPhone, aliceTablet, carolPhone]), [
    { account: alice, opening: Money.money(50_000, "EUR"), devices: [alicePhone.id, aliceTablet.id] },
    { account: bob, opening: Money.money(2_000, "EUR"), devices: [bobPhone.id] },
    { account: dave, opening: Money.money(10_000, "EUR"), devices: [] }
  ])

const stepIssuer = (state: Issuer.IssuerState, input: Issuer.IssuerInput): Step<Issuer.IssuerState> =>
  coverage.observe(run(Issuer.step(state, input)))

const deliver = (state: Issuer.IssuerState, packet: Packet, now_ms: number = T0): Step<Issuer.IssuerState> =>
  stepIssuer(state, receive(packet, now_ms))

/** The issuer after challenging Alice's phone for `auth-1`, the pushed packet and its body. */
const challenging = (): { readonly state: Issuer.IssuerState; readonly push: Packet; readonly challenge: Challenge } => {
  const step = deliver(fresh(), seal(gateway, authorizationRequest()))
  const push = sentOne(step)
  return { state: step.state, push, challenge: bodyOf(push) as Challenge }
}

/** The issuer after Alice's phone answered `decision` at `T0 + 1s`, and what it sent. */
const answered = (decision: Decision) => {
  const { state, challenge } = challenging()
  const answerPacket = seal(alicePhone, answerTo(challenge, decision))
  const step = deliver(state, answerPacket, T0 + 1_000)
  const [response, receipt] = sent(step)
  if (response === undefined || receipt === undefined) throw new Error("the issuer sent no response and receipt")
  return { before: state, state: step.state, challenge, answerPacket, response, receipt }
}

const available = (state: Issuer.IssuerState, account: string): number => Ledger.available(state.ledger, account)

describe("Issuer", () => {
  describe("initial", () => {
    it("initial - should fund the customers from reserves with a balanced ledger", () => {
      const state = fresh()
      expect(available(state, alice)).toBe(50_000)
      expect(available(state, bob)).toBe(2_000)
      expectBalanced(state)
    })
  })

  describe("AuthorizationRequest", () => {
    it("step - should never let a challenge outlive the request it serves", () => {
      const soon = (T0 + 30_000) as Timestamp_ms
      const step = deliver(fresh(), seal(gateway, authorizationRequest({ expiresAt_ms: soon })))
      const challenge = bodyOf(sent(step)[0]!) as Challenge
      expect(challenge.expiresAt_ms).toBe(soon)
      expect(soon).toBeLessThan(T0 + Issuer.CHALLENGE_TTL_ms)
    })

    it("step - should challenge the account's first enrolled device (None -> Challenging, challenge None -> Pending)", () => {
      const step = deliver(fresh(), seal(gateway, authorizationRequest()))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "authorization", id: AUTH_KEY, from: "None", on: "AuthorizationRequest", to: "Challenging" }),
        expect.objectContaining({ entity: "challenge", id: CH_1, from: "None", on: "AuthorizationRequest", to: "Pending" })
      ])
      const packet = sentOne(step)
      expect(packet.to).toBe(alicePhone.id)
      const body = bodyOf(packet)
      expect(body).toBeInstanceOf(Challenge)
      expect(body).toMatchObject({
        id: CH_1,
        from: issuer.id,
        to: alicePhone.id,
        account: alice,
        paymentId: PAY_1,
        amount: { amount_minor: 1_250, currency: "EUR" },
        payee: { merchant: merchant.id, name: "Teapot & Co" },
        expiresAt_ms: CHALLENGE_EXPIRES_ms
      })
      expect(step.state.authorizations.get(AUTH_KEY)).toMatchObject({ state: "Challenging", challengeId: CH_1, status: null })
      expect(step.state.challenges.get(CH_1)).toMatchObject({ state: "Pending", authorization: AUTH_KEY, answer: null })
      expect(step.state.outbox.keys()).toEqual([CH_1])
      expect(step.state.ledger.holds.entries()).toEqual([])
      expect(available(step.state, alice)).toBe(50_000)
    })

    const refusals: ReadonlyArray<readonly [AuthorizationStatus, Partial<ConstructorParameters<typeof AuthorizationRequest>[0]>, number]> = [
      ["request_expired", {}, REQUEST_EXPIRES_ms],
      ["unknown_account", { account: AccountId.make("acct-nobody") }, T0],
      ["currency_not_supported", { amount: Money.money(1_250, "USD") }, T0],
      ["no_enrolled_device", { account: dave }, T0],
      ["insufficient_funds", { account: bob, amount: Money.money(2_001, "EUR") }, T0]
    ]
    for (const [status, over, now_ms] of refusals) {
      it(`step - should refuse with ${status} before any challenge (None -> Declined)`, () => {
        const before = fresh()
        const step = deliver(before, seal(gateway, authorizationRequest(over)), now_ms)
        expect(transitionsIn(step)).toEqual([
          expect.objectContaining({ entity: "authorization", id: AUTH_KEY, from: "None", on: "AuthorizationRequest (refused)", to: "Declined" })
        ])
        const packet = sentOne(step)
        expect(packet.to).toBe(gateway.id)
        const body = bodyOf(packet)
        expect(body).toBeInstanceOf(AuthorizationResponse)
        expect(body).toMatchObject({ id: AUTH_1, from: issuer.id, to: gateway.id, paymentId: PAY_1, status, holdExpiresAt_ms: null })
        expect(step.state.authorizations.get(AUTH_KEY)).toMatchObject({ state: "Declined", status, challengeId: null })
        expect(step.state.challenges.entries()).toEqual([])
        expect(step.state.outbox.entries()).toEqual([])
        expect(step.state.ledger).toBe(before.ledger)
      })
    }

    it("step - should accept an amount exactly equal to the available balance", () => {
      const step = deliver(fresh(), seal(gateway, authorizationRequest({ account: bob, amount: Money.money(2_000, "EUR") })))
      expect(transitionsIn(step).map((t) => t.to)).toEqual(["Challenging", "Pending"])
      expect(sent(step)[0]?.to).toBe(bobPhone.id)
    })

    it("step - should send nothing and change nothing on a repeat while challenging", () => {
      const { state } = challenging()
      const step = deliver(state, seal(gateway, authorizationRequest()), T0 + 500)
      expectUnchanged(step, state)
    })

    it("step - should replay the byte-identical recorded response on a repeat after the decision", () => {
      const { state, response } = answered("approve")
      const step = deliver(state, seal(gateway, authorizationRequest()), T0 + 2_000)
      expectUnchanged(step, state, [response])
    })

    it("step - should replay the recorded refusal on a repeat, even after the request's expiry", () => {
      const first = deliver(fresh(), seal(gateway, authorizationRequest({ account: dave })))
      const refusal = sent(first)[0]!
      const step = deliver(first.state, seal(gateway, authorizationRequest({ account: dave })), REQUEST_EXPIRES_ms + 1)
      expectUnchanged(step, first.state, [refusal])
    })

    it("step - should reject a gateway naming a payee the scheme's directory gives to another acquirer, or does not list, with Mismatch (payee)", () => {
      const other = makeParty("gateway-2", "gateway")
      const withDirectory = (acquirers: Readonly<Record<string, PartyId>>) =>
        Issuer.initial(identity(issuer, [gateway, other, alicePhone]), [{ account: alice, opening: Money.money(50_000, "EUR"), devices: [alicePhone.id] }], {
          ...NO_SETTLEMENT,
          acquirers
        })
      const request = authorizationRequest()
      // The directory gives merchant-1 to gateway-2: gateway-1 may not speak for it.
      const elsewhere = withDirectory({ [merchant.id]: other.id })
      const { rejection } = expectRejected(deliver(elsewhere, seal(gateway, request)), elsewhere, "Mismatch")
      expect(rejection).toMatchObject({ id: AUTH_1, field: "payee" })
      const unlisted = withDirectory({})
      expectRejected(deliver(unlisted, seal(gateway, request)), unlisted, "Mismatch")
      // Its own acquirer is heard as usual: the shopper's phone is challenged.
      const own = withDirectory({ [merchant.id]: gateway.id })
      expect(bodyOf(sentOne(deliver(own, seal(gateway, request))))._tag).toBe("Challenge")
    })

    it("step - should reject a reused authorization id with another body with IdempotencyConflict", () => {
      const { state } = challenging()
      const packet = seal(gateway, authorizationRequest({ amount: Money.money(9_999, "EUR") }))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 500), state, "IdempotencyConflict")
      expect(rejection.requestId).toBe(AUTH_1)
    })

    it("step - should reject a reused authorization id with another body after the decision with IdempotencyConflict", () => {
      const { state } = answered("decline")
      const packet = seal(gateway, authorizationRequest({ paymentId: PaymentId.make("pay-2") }))
      expectRejected(deliver(state, packet, T0 + 2_000), state, "IdempotencyConflict")
    })
  })

  describe("envelope rejections", () => {
    it("step - should reject a garbage payload with DecodeError", () => {
      const before = fresh()
      expectRejected(deliver(before, { from: gateway.id, to: issuer.id, channel: "signed", payload: { body: 1 } }), before, "DecodeError")
    })

    it("step - should reject a signed body with an unknown field with DecodeError", () => {
      const before = fresh()
      expectRejected(deliver(before, sealBytes(gateway.signing, { ...encode(authorizationRequest()), priority: "high" })), before, "DecodeError")
    })

    it("step - should reject a session packet with DecodeError", () => {
      const before = fresh()
      expectRejected(deliver(before, { ...seal(gateway, authorizationRequest()), channel: "session" }), before, "DecodeError")
    })

    it("step - should reject a signed message type it does not accept with DecodeError", () => {
      const { state, challenge } = challenging()
      const receipt = new ChallengeReceipt({ id: challenge.id, from: alicePhone.id, to: issuer.id, status: "approved" })
      expectRejected(deliver(state, sealWith(alicePhone.signing, receipt)), state, "DecodeError")
    })

    it("step - should reject a request signed with an unregistered key with UnknownKey", () => {
      const before = fresh()
      expectRejected(deliver(before, sealWith(rogue.signing, authorizationRequest())), before, "UnknownKey")
    })

    it("step - should reject a request signed with a revoked key with RevokedKey", () => {
      const base = fresh()
      const before: Issuer.IssuerState = {
        ...base,
        identity: { ...base.identity, registry: revoke(base.identity.registry, gateway.signing.keyId) }
      }
      expectRejected(deliver(before, seal(gateway, authorizationRequest())), before, "RevokedKey")
    })

    it("step - should reject an answer signed by a revoked device key with RevokedKey", () => {
      const { state: base, challenge } = challenging()
      const before: Issuer.IssuerState = {
        ...base,
        identity: { ...base.identity, registry: revoke(base.identity.registry, alicePhone.signing.keyId) }
      }
      expectRejected(deliver(before, seal(alicePhone, answerTo(challenge, "approve")), T0 + 1_000), before, "RevokedKey")
    })

    it("step - should reject an AuthorizationRequest signed by a device key with WrongSigner", () => {
      const before = fresh()
      const { rejection } = expectRejected(deliver(before, sealWith(alicePhone.signing, authorizationRequest())), before, "WrongSigner")
      expect(rejection.detail).toContain("needs a gateway key")
    })

    it("step - should reject a ChallengeAnswer signed by the gateway's key with WrongSigner", () => {
      const { state, challenge } = challenging()
      expectRejected(deliver(state, sealWith(gateway.signing, answerTo(challenge, "approve")), T0 + 1_000), state, "WrongSigner")
    })

    it("step - should reject an answer from one device signed by another device's key with WrongSigner", () => {
      const { state, challenge } = challenging()
      const { rejection } = expectRejected(
        deliver(state, sealWith(carolPhone.signing, answerTo(challenge, "approve")), T0 + 1_000),
        state,
        "WrongSigner"
      )
      expect(rejection.detail).toContain(`cannot speak for ${alicePhone.id}`)
    })

    it("step - should reject a decline retagged as an approval in transit with BadSignature (the domain tag binds the type)", () => {
      const { state, challenge } = challenging()
      const forged = mutateBody(seal(alicePhone, answerTo(challenge, "decline")), (body) => void (body._tag = "ChallengeApproval"))
      expectRejected(deliver(state, forged, T0 + 1_000), state, "BadSignature")
    })

    it("step - should reject a request carrying another request's signature with BadSignature", () => {
      const before = fresh()
      const donor = seal(gateway, authorizationRequest({ id: AuthorizationId.make("auth-2") }))
      expectRejected(deliver(before, swapSignature(seal(gateway, authorizationRequest()), donor)), before, "BadSignature")
    })

    it("step - should reject an answer signed without a domain tag with BadSignature", () => {
      const { state, challenge } = challenging()
      const forged = sealBytes(alicePhone.signing, encode(answerTo(challenge, "approve")), new Uint8Array())
      expectRejected(deliver(state, forged, T0 + 1_000), state, "BadSignature")
    })

    it("step - should reject an answer signed under another message type's domain tag with BadSignature", () => {
      const { state, challenge } = challenging()
      const forged = sealBytes(alicePhone.signing, encode(answerTo(challenge, "approve")), domainTag("Challenge"))
      expectRejected(deliver(state, forged, T0 + 1_000), state, "BadSignature")
    })

    it("step - should reject a request addressed to another party with WrongRecipient", () => {
      const before = fresh()
      const { rejection } = expectRejected(deliver(before, seal(gateway, authorizationRequest({ to: PartyId.make("issuer-2") }))), before, "WrongRecipient")
      expect(rejection).toMatchObject({ expected: issuer.id, got: "issuer-2" })
    })
  })

  describe("ChallengeAnswer", () => {
    it("step - should hold the funds on an approval (Challenging -> Held, challenge Pending -> Approved)", () => {
      const { before, state, response, receipt } = answered("approve")
      const holdExpiresAt_ms = T0 + 1_000 + Issuer.HOLD_TTL_ms
      expect(available(before, alice)).toBe(50_000)
      expect(available(state, alice)).toBe(50_000 - 1_250)
      expect(Ledger.balance(state.ledger, alice)).toBe(50_000)
      expectBalanced(state)
      expect(Ledger.hold(state.ledger, `hold:${AUTH_KEY}`)).toMatchObject({
        debit: alice,
        credit: Accounts.schemePayable("EUR"),
        amount_minor: 1_250,
        captured_minor: 0,
        expiresAt_ms: holdExpiresAt_ms,
        status: "pending"
      })
      expect(response.to).toBe(gateway.id)
      expect(bodyOf(response)).toMatchObject({
        _tag: "AuthorizationResponse",
        id: AUTH_1,
        from: issuer.id,
        paymentId: PAY_1,
        amount: { amount_minor: 1_250, currency: "EUR" },
        status: "approved",
        holdExpiresAt_ms
      })
      expect(receipt.to).toBe(alicePhone.id)
      expect(bodyOf(receipt)).toMatchObject({ _tag: "ChallengeReceipt", id: CH_1, from: issuer.id, to: alicePhone.id, status: "approved" })
      expect(state.authorizations.get(AUTH_KEY)).toMatchObject({ state: "Held", status: "approved" })
      expect(state.challenges.get(CH_1)?.state).toBe("Approved")
      expect(state.outbox.entries()).toEqual([])
    })

    it("step - should emit the challenge and authorization transitions of an approval", () => {
      const { state, challenge } = challenging()
      const step = deliver(state, seal(alicePhone, answerTo(challenge, "approve")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "challenge", id: CH_1, from: "Pending", on: "ChallengeAnswer (approve)", to: "Approved" }),
        expect.objectContaining({ entity: "authorization", id: AUTH_KEY, from: "Challenging", on: "ChallengeAnswer (approve)", to: "Held" })
      ])
    })

    it("step - should decline without touching the ledger (Challenging -> Declined, challenge Pending -> Declined)", () => {
      const { state, challenge } = challenging()
      const step = deliver(state, seal(alicePhone, answerTo(challenge, "decline")), T0 + 1_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "challenge", from: "Pending", on: "ChallengeAnswer (decline)", to: "Declined" }),
        expect.objectContaining({ entity: "authorization", from: "Challenging", on: "ChallengeAnswer (decline)", to: "Declined" })
      ])
      expect(step.state.ledger).toBe(state.ledger)
      const [response, receipt] = sent(step)
      expect(bodyOf(response!)).toMatchObject({ _tag: "AuthorizationResponse", status: "declined_by_shopper", holdExpiresAt_ms: null })
      expect(bodyOf(receipt!)).toMatchObject({ _tag: "ChallengeReceipt", to: alicePhone.id, status: "declined_by_shopper" })
      expect(step.state.outbox.entries()).toEqual([])
    })

    it("step - should decline an approval when another hold took the funds in between (approve, insufficient funds)", () => {
      let state = fresh()
      const first = authorizationRequest({ account: bob, amount: Money.money(1_500, "EUR") })
      const second = authorizationRequest({ id: AuthorizationId.make("auth-2"), paymentId: PaymentId.make("pay-2"), account: bob, amount: Money.money(1_500, "EUR") })
      const s1 = deliver(state, seal(gateway, first))
      const s2 = deliver(s1.state, seal(gateway, second))
      const ch1 = bodyOf(sent(s1)[0]!) as Challenge
      const ch2 = bodyOf(sent(s2)[0]!) as Challenge
      state = deliver(s2.state, seal(bobPhone, answerTo(ch1, "approve")), T0 + 1_000).state
      expect(available(state, bob)).toBe(500)
      const step = deliver(state, seal(bobPhone, answerTo(ch2, "approve")), T0 + 2_000)
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "challenge", id: "ch-2", from: "Pending", on: "ChallengeAnswer (approve)", to: "Approved" }),
        expect.objectContaining({
          entity: "authorization",
          id: `${gateway.id}/auth-2`,
          from: "Challenging",
          on: "ChallengeAnswer (approve, insufficient funds)",
          to: "Declined"
        })
      ])
      expect(step.state.ledger).toBe(state.ledger)
      const [response, receipt] = sent(step)
      expect(bodyOf(response!)).toMatchObject({ id: "auth-2", status: "insufficient_funds", holdExpiresAt_ms: null })
      expect(bodyOf(receipt!)).toMatchObject({ id: "ch-2", status: "insufficient_funds" })
      expect(step.state.authorizations.get(`${gateway.id}/auth-2`)?.state).toBe("Declined")
      expectBalanced(step.state)
    })

    it("step - should reject an answer to an unknown challenge with UnknownReference", () => {
      const { state, challenge } = challenging()
      const packet = seal(alicePhone, answerTo(challenge, "approve", { id: ChallengeId.make("ch-99") }))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 1_000), state, "UnknownReference")
      expect(rejection).toMatchObject({ kind: "challenge", id: "ch-99" })
    })

    it("step - should reject an answer from a registered device not enrolled for the account with DeviceNotEnrolled", () => {
      const { state, challenge } = challenging()
      const packet = seal(carolPhone, answerTo(challenge, "approve", { from: carolPhone.id }))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 1_000), state, "DeviceNotEnrolled")
      expect(rejection).toMatchObject({ device: carolPhone.id, account: alice })
    })

    it("step - should reject an answer from another enrolled device than the challenged one with Mismatch", () => {
      const { state, challenge } = challenging()
      const packet = seal(aliceTablet, answerTo(challenge, "approve", { from: aliceTablet.id }))
      expect(expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch").rejection.field).toBe("device")
    })

    const linked: ReadonlyArray<readonly [string, Partial<ChallengeAnswerFields>, string]> = [
      ["amount", { amount: Money.money(1_249, "EUR") }, "amount"],
      ["currency", { amount: Money.money(1_250, "GBP") }, "amount"],
      ["payee merchant", { payee: new Payee({ merchant: PartyId.make("merchant-2"), name: "Teapot & Co" }) }, "payee"],
      ["payee name", { payee: new Payee({ merchant: merchant.id, name: "Teapot & Sons" }) }, "payee"],
      ["paymentId", { paymentId: PaymentId.make("pay-2") }, "paymentId"],
      ["account", { account: bob }, "account"],
      ["expiry", { expiresAt_ms: (CHALLENGE_EXPIRES_ms + 60_000) as Timestamp_ms }, "expiresAt_ms"]
    ]
    for (const [what, over, field] of linked) {
      it(`step - should reject an approval signed over another ${what} with Mismatch`, () => {
        const { state, challenge } = challenging()
        const packet = seal(alicePhone, answerTo(challenge, "approve", over))
        const { rejection } = expectRejected(deliver(state, packet, T0 + 1_000), state, "Mismatch")
        expect(rejection).toMatchObject({ id: CH_1, field })
      })
    }

    it("step - should reject an answer arriving at the challenge's expiry, before any Tick, with Expired", () => {
      const { state, challenge } = challenging()
      const packet = seal(alicePhone, answerTo(challenge, "approve"))
      const { rejection } = expectRejected(deliver(state, packet, CHALLENGE_EXPIRES_ms), state, "Expired")
      expect(rejection).toMatchObject({ id: CH_1, expiresAt_ms: CHALLENGE_EXPIRES_ms, now_ms: CHALLENGE_EXPIRES_ms })
    })

    it("step - should accept an answer one millisecond before the challenge's expiry", () => {
      const { state, challenge } = challenging()
      const step = deliver(state, seal(alicePhone, answerTo(challenge, "approve")), CHALLENGE_EXPIRES_ms - 1)
      expect(transitionsIn(step).map((t) => t.to)).toEqual(["Approved", "Held"])
    })

    it("step - should reject a different answer after the challenge is decided with OutOfOrder", () => {
      const { state, challenge } = answered("approve")
      const packet = seal(alicePhone, answerTo(challenge, "decline"))
      const { rejection } = expectRejected(deliver(state, packet, T0 + 2_000), state, "OutOfOrder")
      expect(rejection).toMatchObject({ state: "Approved", input: "ChallengeAnswer" })
    })

    it("step - should resend the byte-identical expiry receipt, and hold nothing, for an answer to a challenge that expired on a Tick", () => {
      // The phone retries its answer until it gets a receipt; if the Tick's receipt was lost it
      // must get it again, or it would retry forever (liveness).
      const { state: pending, challenge } = challenging()
      const expired = stepIssuer(pending, tick(CHALLENGE_EXPIRES_ms))
      const tickReceipt = sent(expired).find((p) => p.to === alicePhone.id)!
      for (const decision of ["approve", "decline"] as const) {
        const step = deliver(expired.state, seal(alicePhone, answerTo(challenge, decision)), CHALLENGE_EXPIRES_ms + 1)
        expectUnchanged(step, expired.state, [tickReceipt])
      }
    })

    it("step - should still reject an answer to an expired challenge from another enrolled device with Mismatch", () => {
      const { state: pending, challenge } = challenging()
      const state = stepIssuer(pending, tick(CHALLENGE_EXPIRES_ms)).state
      const packet = seal(aliceTablet, answerTo(challenge, "approve", { from: aliceTablet.id }))
      expect(expectRejected(deliver(state, packet, CHALLENGE_EXPIRES_ms + 1), state, "Mismatch").rejection.field).toBe("device")
    })

    it("step - should reject a different answer after a decline with OutOfOrder", () => {
      const { state, challenge } = answered("decline")
      const { rejection } = expectRejected(deliver(state, seal(alicePhone, answerTo(challenge, "approve")), T0 + 2_000), state, "OutOfOrder")
      expect(rejection.state).toBe("Declined")
    })

    it("step - should replay the byte-identical recorded receipt for a repeat of the accepted answer", () => {
      const { state, answerPacket, receipt } = answered("approve")
      const step = deliver(state, answerPacket, T0 + 5_000)
      expectUnchanged(step, state, [receipt])
    })

    it("step - should replay the recorded receipt for a repeat of the accepted answer even after the challenge's expiry", () => {
      const { state, answerPacket, receipt } = answered("decline")
      const step = deliver(state, answerPacket, CHALLENGE_EXPIRES_ms + 1)
      expectUnchanged(step, state, [receipt])
    })

    it("step - should reject an answer whose authorization record is missing with UnknownReference", () => {
      // Defensive path: a challenge whose authorization was lost (an inconsistent state).
      const { state: consistent, challenge } = challenging()
      const before: Issuer.IssuerState = { ...consistent, authorizations: Table.empty() }
      const { rejection } = expectRejected(deliver(before, seal(alicePhone, answerTo(challenge, "approve")), T0 + 1_000), before, "UnknownReference")
      expect(rejection).toMatchObject({ kind: "authorization", id: AUTH_KEY })
    })
  })

  describe("Tick", () => {
    it("step - should change nothing and send nothing before anything is due", () => {
      const { state } = challenging()
      const step = stepIssuer(state, tick(T0 + RETRY_BASE_ms - 1))
      expect(step.outputs).toEqual([])
      expect(step.state.challenges).toBe(state.challenges)
      expect(step.state.authorizations).toBe(state.authorizations)
      expect(step.state.ledger).toBe(state.ledger)
    })

    it("step - should resend the pending challenge with the same bytes after RETRY_BASE_ms", () => {
      const { state, push } = challenging()
      const step = stepIssuer(state, tick(T0 + RETRY_BASE_ms))
      expect(transitionsIn(step)).toEqual([])
      expectSent(step, [push])
      expect(step.state.outbox.get(CH_1)?.attempts).toBe(2)
    })

    it("step - should expire an unanswered challenge and tell the gateway and the phone (Tick (challenge expired))", () => {
      const { state } = challenging()
      const step = stepIssuer(state, tick(CHALLENGE_EXPIRES_ms))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "challenge", id: CH_1, from: "Pending", on: "Tick (challenge expired)", to: "Expired" }),
        expect.objectContaining({ entity: "authorization", id: AUTH_KEY, from: "Challenging", on: "Tick (challenge expired)", to: "Declined" })
      ])
      const packets = sent(step)
      expect(packets.map((p) => p.to)).toEqual([gateway.id, alicePhone.id])
      expect(bodyOf(packets[0]!)).toMatchObject({ _tag: "AuthorizationResponse", id: AUTH_1, status: "challenge_expired", holdExpiresAt_ms: null })
      expect(bodyOf(packets[1]!)).toMatchObject({ _tag: "ChallengeReceipt", id: CH_1, status: "challenge_expired" })
      expect(step.state.ledger).toBe(state.ledger)
      expect(step.state.outbox.entries()).toEqual([])
      expect(step.state.challenges.get(CH_1)).toMatchObject({ state: "Expired", answer: null })
    })

    it("step - should replay the challenge_expired response to a repeated request after the expiry", () => {
      const { state: pending } = challenging()
      const expired = stepIssuer(pending, tick(CHALLENGE_EXPIRES_ms))
      const step = deliver(expired.state, seal(gateway, authorizationRequest()), CHALLENGE_EXPIRES_ms + 1)
      expectUnchanged(step, expired.state, [sent(expired)[0]!])
    })

    it("step - should release the funds when a hold expires (Held -> HoldExpired)", () => {
      const { state } = answered("approve")
      const holdExpiresAt_ms = T0 + 1_000 + Issuer.HOLD_TTL_ms
      const early = stepIssuer(state, tick(holdExpiresAt_ms - 1))
      expect(transitionsIn(early)).toEqual([])
      expect(available(early.state, alice)).toBe(50_000 - 1_250)
      const step = stepIssuer(state, tick(holdExpiresAt_ms))
      expect(transitionsIn(step)).toEqual([
        expect.objectContaining({ entity: "authorization", id: AUTH_KEY, from: "Held", on: "Tick (hold expired)", to: "HoldExpired" })
      ])
      expect(sent(step)).toEqual([])
      expect(available(step.state, alice)).toBe(50_000)
      expect(Ledger.hold(step.state.ledger, `hold:${AUTH_KEY}`)?.status).toBe("expired")
      expect(step.state.authorizations.get(AUTH_KEY)?.state).toBe("HoldExpired")
      expectBalanced(step.state)
    })

    it("step - should expire a hold only once", () => {
      const { state } = answered("approve")
      const holdExpiresAt_ms = T0 + 1_000 + Issuer.HOLD_TTL_ms
      const once = stepIssuer(state, tick(holdExpiresAt_ms))
      const twice = stepIssuer(once.state, tick(holdExpiresAt_ms + 1))
      expect(twice.outputs).toEqual([])
      expect(twice.state.ledger).toBe(once.state.ledger)
    })
  })

  describe("restart", () => {
    it("restart - should keep the authorizations and the ledger and make the challenge due at once", () => {
      const { state, push } = challenging()
      const restarted = Issuer.restart(state)
      expect(restarted.authorizations).toBe(state.authorizations)
      expect(restarted.ledger).toBe(state.ledger)
      const step = stepIssuer(restarted, tick(T0))
      expectSent(step, [push])
    })
  })

  describe("transitions table", () => {
    it("transitions - should all have been exercised by this file, but for those IssuerOperations.test.ts covers", () => {
      expect(coverage.unobserved()).toEqual([])
    })
  })
})
