/**
 * The phone machine, one input at a time: challenges arriving (and forged ones refused), the
 * shopper's answer signed over every field of the payment, expiry, the issuer's receipt, and the
 * answer's retries. Every transition of `Phone.transitions` is asserted, and the last test checks
 * that the file covered the whole table.
 */
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { open } from "../../src/crypto/Envelope.js"
import { accounts, ids } from "../../src/drivers/Topology.js"
import { ChallengeId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import * as Money from "../../src/domain/Money.js"
import { RETRY_BASE_ms } from "../../src/machine/Outbox.js"
import type { Packet, Step } from "../../src/machine/Machine.js"
import { Challenge, ChallengeAnswer, ChallengeReceipt, type Decision } from "../../src/messages/IssuerPhone.js"
import { codecOf } from "../../src/messages/Signed.js"
import * as Phone from "../../src/parties/Phone.js"
import type { PhoneInput, PhoneState } from "../../src/parties/Phone.js"
import type { AuthorizationStatus } from "../../src/messages/Common.js"
import {
  at,
  Coverage,
  envelopeOf,
  expectRejected,
  expectSent,
  expectUnchanged,
  identity,
  impostorOf,
  mutateBody,
  parties,
  receive as receiveAt,
  run,
  seal,
  sent,
  sentOne,
  standardState,
  swapSignature,
  tick,
  transitionsIn
} from "../support/fixtures.js"
import { answerTo, PAYEE } from "../support/messages.js"
import { comparable } from "../support/tables.js"

const coverage = new Coverage(ids.alicePhone, Phone.transitions)
const step = (state: PhoneState, input: PhoneInput): Step<PhoneState> => coverage.observe(run(Phone.step(state, input)))

const issuer = identity(parties.issuer, [parties.gateway, parties.alicePhone, parties.bobPhone])
const CH = ChallengeId.make("ch-1")
const EXPIRES_ms = at(120_000)

const challengeBody = (fields: Partial<ConstructorParameters<typeof Challenge>[0]> = {}): Challenge =>
  new Challenge({
    id: CH,
    from: ids.issuer,
    to: ids.alicePhone,
    account: accounts.alice,
    paymentId: PaymentId.make("ord-1.p1"),
    amount: Money.money(2_999, "EUR"),
    payee: PAYEE,
    expiresAt_ms: EXPIRES_ms,
    ...fields
  })

const receiptBody = (status: AuthorizationStatus = "approved", id = CH): ChallengeReceipt =>
  new ChallengeReceipt({ id, from: ids.issuer, to: ids.alicePhone, status })

/** The Receive of `packet`, at +1 s unless a test says otherwise. */
const receive = (packet: Packet, now_ms: number = at(1_000)): PhoneInput => receiveAt(packet, now_ms)
const answer = (decision: Decision, now_ms: Timestamp_ms = at(5_000), challengeId = CH): PhoneInput => ({ _tag: "Answer", now_ms, challengeId, decision })

const fresh = (): PhoneState => standardState<PhoneState>(ids.alicePhone)
const challengePacket = seal(issuer, challengeBody())
/** A phone showing challenge ch-1, Pending. */
const pending = (): PhoneState => step(fresh(), receive(challengePacket)).state
/** A phone that answered ch-1 at +5 s. */
const answered = (decision: Decision = "approve"): { readonly state: PhoneState; readonly packet: Packet } => {
  const result = step(pending(), answer(decision))
  const packet = sentOne(result)
  return { state: result.state, packet }
}

const openAnswer = (packet: Packet) => run(open(codecOf(ChallengeAnswer), packet.payload, { me: ids.issuer, registry: issuer.registry }))

describe("Phone", () => {
  describe("Challenge", () => {
    it("step - should show a new challenge as Pending", () => {
      const result = step(fresh(), receive(challengePacket))
      coverage.expect(result, { entity: "challenge", id: CH, from: "None", on: "Challenge", to: "Pending" })
      expect(result.state.challenges.get(CH)).toEqual({ challenge: challengeBody(), state: "Pending", decision: null, outcome: null })
      expect(sent(result)).toEqual([])
    })

    it("step - should change nothing on a duplicate of the same challenge", () => {
      const before = pending()
      const result = step(before, receive(challengePacket, at(2_000)))
      expectUnchanged(result, before)
    })

    it("step - should refuse the same challenge id with another body with IdempotencyConflict", () => {
      const before = pending()
      const other = seal(issuer, challengeBody({ amount: Money.money(9_999, "EUR") }))
      const rejected = expectRejected(step(before, receive(other)), before, "IdempotencyConflict")
      expect(rejected.rejection).toMatchObject({ requestId: CH })
      expect(before.challenges.get(CH)?.challenge.amount.amount_minor).toBe(2_999)
    })

    it("step - should refuse a challenge that arrives at or after its expiry with Expired", () => {
      const before = fresh()
      for (const now_ms of [EXPIRES_ms, at(500_000)]) {
        const rejected = expectRejected(step(before, receive(challengePacket, now_ms)), before, "Expired")
        expect(rejected.rejection).toMatchObject({ id: CH, expiresAt_ms: EXPIRES_ms, now_ms })
      }
    })

    it("step - should refuse a challenge signed with an unregistered key with UnknownKey", () => {
      const before = fresh()
      const forged = seal(impostorOf(ids.issuer, "issuer-1.k2"), challengeBody())
      expectRejected(step(before, receive(forged)), before, "UnknownKey")
    })

    it("step - should refuse a challenge signed by another key under the issuer's key id with BadSignature", () => {
      const before = fresh()
      const forged = seal(impostorOf(ids.issuer), challengeBody())
      expectRejected(step(before, receive(forged)), before, "BadSignature")
    })

    it("step - should refuse a challenge whose amount was changed after signing with BadSignature", () => {
      const before = fresh()
      const forged = mutateBody(challengePacket, (body) => {
        body.amount.amount_minor = 1
      })
      expectRejected(step(before, receive(forged)), before, "BadSignature")
    })

    it("step - should refuse a challenge carrying another message's signature with BadSignature", () => {
      const before = fresh()
      const donor = seal(issuer, challengeBody({ id: ChallengeId.make("ch-2") }))
      expectRejected(step(before, receive(swapSignature(challengePacket, donor))), before, "BadSignature")
    })

    it("step - should refuse a challenge signed by a device key with WrongSigner", () => {
      // A phone that also knows the other phone's device key (e.g. a second device on the account).
      const before = Phone.initial(identity(parties.alicePhone, [parties.issuer, parties.bobPhone]))
      const bob = identity(parties.bobPhone, [parties.issuer])
      const forged = seal(bob, challengeBody({ from: ids.bobPhone }))
      const rejected = expectRejected(step(before, receive(forged)), before, "WrongSigner")
      expect(rejected.rejection).toMatchObject({ keyId: "phone-bob.k1", tag: "Challenge" })
    })

    it("step - should refuse a challenge from a device key the phone does not know with UnknownKey", () => {
      const before = fresh()
      const forged = seal(identity(parties.bobPhone, [parties.issuer]), challengeBody({ from: ids.bobPhone }))
      expectRejected(step(before, receive(forged)), before, "UnknownKey")
    })

    it("step - should refuse a challenge signed by the issuer's key but naming another sender with WrongSigner", () => {
      const before = fresh()
      const forged = seal(issuer, challengeBody({ from: ids.gateway }))
      expectRejected(step(before, receive(forged)), before, "WrongSigner")
    })

    it("step - should refuse a challenge addressed to another phone with WrongRecipient", () => {
      const before = fresh()
      const forged = seal(issuer, challengeBody({ to: ids.bobPhone }))
      const rejected = expectRejected(step(before, receive(forged)), before, "WrongRecipient")
      expect(rejected.rejection).toMatchObject({ expected: ids.alicePhone, got: ids.bobPhone })
    })

    it("step - should refuse garbage, a session packet and a message type it does not accept with DecodeError", () => {
      const before = fresh()
      const answerFromBob = seal(
        identity(parties.bobPhone, [parties.issuer]),
        answerTo(challengeBody(), "approve", { from: ids.bobPhone, to: ids.alicePhone })
      )
      const inputs: ReadonlyArray<Packet> = [
        { ...challengePacket, payload: "garbage" },
        { ...challengePacket, payload: { ...envelopeOf(challengePacket), extra: 1 } },
        { ...challengePacket, channel: "session" },
        answerFromBob
      ]
      for (const packet of inputs) expectRejected(step(before, receive(packet)), before, "DecodeError")
    })
  })

  describe("Answer", () => {
    for (const decision of ["approve", "decline"] as const) {
      it(`step - should sign a ${decision === "approve" ? "ChallengeApproval" : "ChallengeDecline"} bound to the account, payment, amount, payee and expiry`, () => {
        const before = pending()
        const result = step(before, answer(decision))
        coverage.expect(result, { entity: "challenge", id: CH, from: "Pending", on: "Answer", to: "Answered" })
        expect(result.state.challenges.get(CH)).toMatchObject({ state: "Answered", decision, outcome: null })
        const packet = sentOne(result)
        expect(packet).toMatchObject({ from: ids.alicePhone, to: ids.issuer, channel: "signed" })
        const opened = openAnswer(packet)
        expect(opened.signer).toBe("phone-alice.k1")
        expect(opened.body).toEqual(answerTo(challengeBody(), decision))
        expect(result.state.outbox.keys()).toEqual([CH])
      })
    }

    it("step - should make the answer's signature fail for any other amount, payee or decision", () => {
      const { packet } = answered("approve")
      const changes: ReadonlyArray<(body: Record<string, any>) => void> = [
        (b) => void (b.amount.amount_minor = 2_998),
        (b) => void (b.amount.currency = "USD"),
        (b) => void (b.payee.merchant = "merchant-2"),
        (b) => void (b.paymentId = "ord-1.p2"),
        (b) => void (b.account = "acct-bob"),
        (b) => void (b._tag = "ChallengeDecline")
      ]
      for (const change of changes) {
        const opened = run(Effect.result(open(codecOf(ChallengeAnswer), mutateBody(packet, change).payload, { me: ids.issuer, registry: issuer.registry })))
        expect(Result.isFailure(opened) ? opened.failure._tag : "opened").toBe("BadSignature")
      }
    })

    it("step - should refuse a second answer to the same challenge with OutOfOrder", () => {
      const { state: before } = answered("approve")
      const rejected = expectRejected(step(before, answer("decline", at(6_000))), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ state: "Answered", input: "Answer" })
      expect(rejected.input).toBe("Answer")
    })

    it("step - should refuse an answer to an unknown challenge with UnknownReference", () => {
      const before = pending()
      const rejected = expectRejected(step(before, answer("approve", at(5_000), ChallengeId.make("ch-404"))), before, "UnknownReference")
      expect(rejected.rejection).toMatchObject({ kind: "challenge", id: "ch-404" })
    })

    it("step - should refuse to sign an answer at or after the challenge's expiry with Expired", () => {
      const before = pending()
      for (const now_ms of [EXPIRES_ms, at(130_000)]) {
        const rejected = expectRejected(step(before, answer("approve", now_ms)), before, "Expired")
        expect(rejected.rejection).toMatchObject({ id: CH, expiresAt_ms: EXPIRES_ms, now_ms })
      }
    })

    it("step - should refuse an answer to a challenge that already expired or closed with OutOfOrder", () => {
      const expired = step(pending(), tick(EXPIRES_ms)).state
      expect(expectRejected(step(expired, answer("approve", EXPIRES_ms)), expired, "OutOfOrder").rejection).toMatchObject({ state: "Expired" })
      const closed = step(pending(), receive(seal(issuer, receiptBody("challenge_expired")))).state
      expect(expectRejected(step(closed, answer("approve")), closed, "OutOfOrder").rejection).toMatchObject({ state: "Closed" })
    })
  })

  describe("Tick", () => {
    it("step - should expire a Pending challenge once its expiry has come", () => {
      const before = pending()
      const result = step(before, tick(EXPIRES_ms))
      coverage.expect(result, { entity: "challenge", id: CH, from: "Pending", on: "Tick (expired)", to: "Expired" })
      expect(transitionsIn(result)).toHaveLength(1)
      expect(result.state.challenges.get(CH)).toMatchObject({ state: "Expired", outcome: "challenge_expired", decision: null })
      expect(sent(result)).toEqual([])
    })

    it("step - should leave a Pending challenge alone before its expiry", () => {
      const before = pending()
      const result = step(before, tick((EXPIRES_ms - 1) as Timestamp_ms))
      expect(result.outputs).toEqual([])
      expect(comparable(result.state)).toEqual(comparable(before))
    })

    it("step - should not expire an answered challenge", () => {
      const { state: before } = answered()
      const result = step(before, tick(at(500_000)))
      expect(transitionsIn(result)).toEqual([])
      expect(result.state.challenges.get(CH)?.state).toBe("Answered")
    })

    it("step - should resend the answer byte for byte until the receipt arrives", () => {
      const { state: afterAnswer, packet } = answered()
      const early = step(afterAnswer, tick(at(5_000 + RETRY_BASE_ms - 1)))
      expect(sent(early)).toEqual([])
      const first = step(early.state, tick(at(5_000 + RETRY_BASE_ms)))
      expectSent(first, [packet])
      const second = step(first.state, tick(at(60_000)))
      expect(sent(second)).toEqual([packet])
      const receipt = step(second.state, receive(seal(issuer, receiptBody("approved")), at(61_000)))
      expect(receipt.state.outbox.entries()).toEqual([])
      const later = step(receipt.state, tick(at(200_000)))
      expect(sent(later)).toEqual([])
    })
  })

  describe("ChallengeReceipt", () => {
    it("step - should close a Pending challenge on the issuer's receipt", () => {
      const before = pending()
      const result = step(before, receive(seal(issuer, receiptBody("challenge_expired"))))
      coverage.expect(result, { entity: "challenge", id: CH, from: "Pending", on: "ChallengeReceipt", to: "Closed" })
      expect(result.state.challenges.get(CH)).toMatchObject({ state: "Closed", outcome: "challenge_expired", decision: null })
    })

    it("step - should close an Answered challenge and stop resending its answer", () => {
      const { state: before } = answered("decline")
      const result = step(before, receive(seal(issuer, receiptBody("declined_by_shopper")), at(6_000)))
      coverage.expect(result, { entity: "challenge", id: CH, from: "Answered", on: "ChallengeReceipt", to: "Closed" })
      expect(result.state.challenges.get(CH)).toMatchObject({ state: "Closed", outcome: "declined_by_shopper", decision: "decline" })
      expect(result.state.outbox.entries()).toEqual([])
    })

    it("step - should refuse a receipt for an unknown challenge with UnknownReference", () => {
      const before = pending()
      const rejected = expectRejected(step(before, receive(seal(issuer, receiptBody("approved", ChallengeId.make("ch-404"))))), before, "UnknownReference")
      expect(rejected.rejection).toMatchObject({ kind: "challenge", id: "ch-404" })
    })

    it("step - should take a repeat of the receipt that closed the challenge as a repeat: no output, the same state", () => {
      const { state: answeredState } = answered()
      const receipt = seal(issuer, receiptBody("approved"))
      const before = step(answeredState, receive(receipt, at(6_000))).state
      const repeat = step(before, receive(receipt, at(7_000)))
      expectUnchanged(repeat, before)
    })

    it("step - should refuse a receipt for a closed challenge that contradicts its outcome with OutOfOrder", () => {
      const { state: answeredState } = answered()
      const before = step(answeredState, receive(seal(issuer, receiptBody("approved")), at(6_000))).state
      const rejected = expectRejected(step(before, receive(seal(issuer, receiptBody("declined_by_shopper")), at(7_000))), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ state: "Closed", input: "ChallengeReceipt" })
    })

    it("step - should take the issuer's expiry receipt for a challenge the app already expired as a repeat", () => {
      const before = step(pending(), tick(EXPIRES_ms)).state
      const repeat = step(before, receive(seal(issuer, receiptBody("challenge_expired")), EXPIRES_ms))
      expectUnchanged(repeat, before)
    })

    it("step - should refuse a receipt for an expired challenge that says anything else with OutOfOrder", () => {
      const before = step(pending(), tick(EXPIRES_ms)).state
      const rejected = expectRejected(step(before, receive(seal(issuer, receiptBody("approved")), EXPIRES_ms)), before, "OutOfOrder")
      expect(rejected.rejection).toMatchObject({ state: "Expired" })
    })

    it("step - should refuse a receipt whose status was changed after signing with BadSignature", () => {
      const { state: before } = answered("decline")
      const forged = mutateBody(seal(issuer, receiptBody("declined_by_shopper")), (body) => {
        body.status = "approved"
      })
      expectRejected(step(before, receive(forged, at(6_000))), before, "BadSignature")
    })
  })

  describe("restart", () => {
    it("restart - should keep every challenge and make every unconfirmed answer due at once", () => {
      const { state: before, packet } = answered()
      const restarted = Phone.restart(before)
      expect(restarted.challenges).toBe(before.challenges)
      const result = step(restarted, tick(at(5_001)))
      expect(sent(result)).toEqual([packet])
    })
  })

  describe("transitions", () => {
    it("transitions - should all have been exercised by the tests above", () => {
      expect(coverage.unasserted()).toEqual([])
    })
  })
})
