/**
 * The merchant's part of the `operations` check (`model/MerchantOperations.ts`): it predicts the
 * back office's refusals in the spec's order from the merchant's confirmed figures, passes the
 * reference core's steps, and finds, on seeded steps, a request sent that should be refused, one
 * refused that should be sent, the wrong reason, and a request sent with the wrong fields.
 */
import { describe, expect, it } from "vitest"
import { expectedBackOffice, judgeBackOffice, judgeMerchant } from "../../model/MerchantOperations.js"
import { PartyId, PaymentId, type Timestamp_ms } from "../../src/domain/Ids.js"
import { InvalidRequest, UnknownReference } from "../../src/domain/Rejection.js"
import { syncRunner } from "../../src/drivers/Runner.js"
import { Answer, Flush, Shop } from "../../src/harness/Commands.js"
import { World } from "../../src/harness/World.js"
import type { Output, Packet } from "../../src/machine/Machine.js"
import { OUTBOX_LIMIT } from "../../src/machine/Outbox.js"
import type { MerchantPayment, MerchantState } from "../../src/parties/Merchant.js"
import type { BackOffice } from "../../src/parties/MerchantOperations.js"
import { CALM, reference } from "../support/harness.js"

const merchant = PartyId.make("merchant-1")

/** A world whose merchant has one payment, approved and authorized, and nothing in flight. */
const authorizedWorld = (): World => {
  const world = new World(reference.core, reference.crypto, syncRunner(reference.crypto), CALM)
  for (const command of [new Shop(0, false), new Flush([0]), new Answer(0, "approve"), new Flush([0])]) command.run({ world }, world)
  return world
}

/** The merchant's only payment. */
const onlyPayment = (state: MerchantState): MerchantPayment => {
  const [payment] = state.payments.values()
  if (payment?.state !== "Authorized" || payment.holdExpiresAt_ms === null) throw new Error("the merchant has no authorized payment")
  return payment
}

/** The staff's `tag` on `paymentId` for `amount_minor` at `now_ms`. */
const ask = (tag: BackOffice["_tag"], paymentId: PaymentId, now_ms: number, amount_minor = 100): BackOffice =>
  tag === "Void" ? { _tag: tag, now_ms: now_ms as Timestamp_ms, paymentId } : { _tag: tag, now_ms: now_ms as Timestamp_ms, paymentId, amount_minor }

/** The merchant's refusal of a back-office action with `detail`, as a step's output. */
const refusedWith = (detail: string): Output => ({ _tag: "Rejected", party: merchant, input: "Capture", rejection: new InvalidRequest({ detail }) })

describe("operations at the merchant", () => {
  it("should predict the back office's refusals in the spec's order, from the figures the gateway confirmed", () => {
    const world = authorizedWorld()
    const state = world.net.state<MerchantState>(merchant)
    const payment = onlyPayment(state)
    const id = payment.request.id
    const now_ms = world.net.now_ms
    const total = payment.request.amount.amount_minor
    const hold = payment.holdExpiresAt_ms ?? 0
    const withPayment = (change: Partial<MerchantPayment>): MerchantState => ({ ...state, payments: state.payments.set(id, { ...payment, ...change }) })
    const refused = (reason: string) => ({ refused: `InvalidRequest: ${reason}` })
    expect(expectedBackOffice(state, ask("Capture", id, now_ms, total))).toEqual({ payment })
    expect(expectedBackOffice(state, ask("Capture", id, now_ms, total + 1))).toEqual(refused("capture refused: more than the hold has left"))
    expect(expectedBackOffice(state, ask("Capture", id, hold - 1))).toEqual({ payment })
    expect(expectedBackOffice(state, ask("Capture", id, hold))).toEqual(refused("capture refused: the hold has expired"))
    expect(expectedBackOffice(state, ask("Capture", id, now_ms, 0))).toEqual(refused("capture refused: the amount must be a positive integer in minor units"))
    expect(expectedBackOffice(state, ask("Refund", id, now_ms, 1))).toEqual(refused("refund refused: more than was captured and not refunded"))
    expect(expectedBackOffice(withPayment({ state: "Captured", captured_minor: 40, refunded_minor: 10 }), ask("Refund", id, now_ms, 30))).toEqual({ payment: { ...payment, state: "Captured", captured_minor: 40, refunded_minor: 10 } })
    expect(expectedBackOffice(withPayment({ state: "Captured", captured_minor: 40, refunded_minor: 10 }), ask("Refund", id, now_ms, 31))).toEqual(refused("refund refused: more than was captured and not refunded"))
    // A void after a partial capture leaves the payment Captured: a second void and any capture are refused, a refund is not.
    const partlyVoided = withPayment({ state: "Captured", captured_minor: 40, voided: true })
    expect(expectedBackOffice(partlyVoided, ask("Void", id, now_ms))).toEqual(refused("void refused: payment is already voided"))
    expect(expectedBackOffice(partlyVoided, ask("Capture", id, now_ms, 1))).toEqual(refused("capture refused: payment is voided"))
    // The payment's own state comes first: a capture of nothing on a voided payment is refused for the payment, not the amount.
    expect(expectedBackOffice(withPayment({ state: "Voided", voided: true }), ask("Capture", id, now_ms, 0))).toEqual(refused("capture refused: payment is voided"))
    expect(expectedBackOffice(withPayment({ state: "Authorizing" }), ask("Void", id, now_ms))).toEqual(refused("void refused: payment is authorizing"))
    expect(expectedBackOffice(state, ask("Void", PaymentId.make("ord-9.p1"), now_ms))).toEqual({ refused: "UnknownReference (payment)" })
    const full = { ...state, outbox: { size: OUTBOX_LIMIT } as unknown as MerchantState["outbox"] }
    expect(expectedBackOffice(full, ask("Void", id, now_ms))).toEqual(refused("too many requests in flight, try again later"))
  })

  it("should pass the reference core's steps, and find a request sent that the spec refuses, one refused that it sends, the wrong reason and the wrong fields", () => {
    const world = authorizedWorld()
    const before = world.net.state<MerchantState>(merchant)
    const payment = onlyPayment(before)
    const id = payment.request.id
    const capture = ask("Capture", id, world.net.now_ms, 100)
    const outputs = world.input("the staff capture 100", merchant, capture)
    const after = world.net.state<MerchantState>(merchant)
    expect(judgeBackOffice(before, after, capture, outputs)).toEqual({ judged: "Capture: sent", findings: [] })
    expect(judgeMerchant(before, after, { _tag: "Tick" }, outputs)).toEqual({ judged: null, findings: [] })

    const refusal = refusedWith("capture refused: the hold has expired")
    expect(judgeBackOffice(before, before, capture, [refusal]).findings).toEqual([
      `Capture of ${id} should be sent once to gateway-1, it was sent 0 times (refused: InvalidRequest: capture refused: the hold has expired)`
    ])
    const beyond = ask("Capture", id, capture.now_ms, payment.request.amount.amount_minor + 1)
    expect(judgeBackOffice(before, after, beyond, outputs).findings).toEqual([
      `Capture of ${id} at ${capture.now_ms} was not refused; the spec says InvalidRequest: capture refused: more than the hold has left`,
      `Capture of ${id} should be refused by the merchant itself, yet it sent or recorded an operation`
    ])
    expect(judgeBackOffice(before, before, beyond, [refusal]).findings).toEqual([
      `Capture of ${id} at ${capture.now_ms} was refused InvalidRequest: capture refused: the hold has expired; the spec says InvalidRequest: capture refused: more than the hold has left`
    ])
    expect(judgeBackOffice(before, before, beyond, [refusedWith("capture refused: more than the hold has left")])).toEqual({
      judged: "Capture: refused (InvalidRequest: capture refused: more than the hold has left)",
      findings: []
    })

    const unknown = ask("Void", PaymentId.make("ord-9.p1"), capture.now_ms)
    const unknownRefused: Output = { _tag: "Rejected", party: merchant, input: "Void", rejection: new UnknownReference({ kind: "operation", id: "ord-9.p1" }) }
    expect(judgeBackOffice(before, before, unknown, [unknownRefused]).findings).toEqual([
      `Void of ord-9.p1 at ${capture.now_ms} was refused UnknownReference (operation); the spec says UnknownReference (payment)`
    ])

    const sent = outputs.find((o): o is Extract<Output, { _tag: "Send" }> => o._tag === "Send")
    if (sent === undefined) throw new Error("the capture was not sent")
    const withBody = (change: object): Output => {
      const payload = sent.packet.payload as { readonly body: object }
      return { _tag: "Send", packet: { ...sent.packet, payload: { ...payload, body: { ...payload.body, ...change } } } as Packet }
    }
    expect(judgeBackOffice(before, after, capture, [withBody({ amount: { amount_minor: 99, currency: payment.request.amount.currency } })]).findings[0]).toMatch(
      new RegExp(`^Capture of ${id.replace(".", "\\.")} was sent to gateway-1 as .*\\{"amount_minor":99.*, not .*\\{"amount_minor":100`)
    )
    expect(judgeBackOffice(before, after, capture, [withBody({ expiresAt_ms: capture.now_ms })]).findings[0]).toMatch(/was sent to gateway-1 as .*, not /)
    expect(judgeBackOffice(before, after, capture, [sent, sent]).findings).toEqual([`Capture of ${id} should be sent once to gateway-1, it was sent 2 times`])
    expect(judgeBackOffice(before, before, capture, [sent]).findings).toEqual([`Capture of ${id}: operation ${id}.o1 is not recorded, and not listed on the payment; it should be Pending`])
  })
})
