/**
 * Idempotency records: a request id seen for the first time is New, the same id with the same
 * canonical body is a Repeat carrying the recorded answer, and the same id with another body is a
 * Conflict. A request that expires is admitted only within its retention, and its record pruned
 * at the end of it.
 */
import { describe, expect, it } from "vitest"
import { canonicalJson } from "../../src/crypto/Canonical.js"
import { Effect, Result } from "effect"
import { PartyId, type Timestamp_ms } from "../../src/domain/Ids.js"
import { IdempotencyConflict, Stale } from "../../src/domain/Rejection.js"
import * as Idempotency from "../../src/machine/Idempotency.js"
import type { Packet } from "../../src/machine/Machine.js"
import { RETENTION_ms, retainedUntil } from "../../src/machine/Retention.js"

const body = { _tag: "AuthorizePayment", id: "ord-1.p1", amount: { amount_minor: 3889, currency: "EUR" } }
/** The same body, its keys written in another order. */
const reordered = { amount: { currency: "EUR", amount_minor: 3889 }, id: "ord-1.p1", _tag: "AuthorizePayment" }
const changed = { ...body, amount: { amount_minor: 1, currency: "EUR" } }

const answer: Packet = {
  from: PartyId.make("gateway-1"),
  to: PartyId.make("merchant-1"),
  channel: "signed",
  payload: { body: { _tag: "AuthorizationResult", id: "ord-1.p1", status: "approved" }, signer: "gateway-1.k1", signature: "sig" }
}

describe("Idempotency", () => {
  describe("fingerprint", () => {
    it("fingerprint - should be the canonical JSON of the encoded body", () => {
      expect(Idempotency.fingerprint(body)).toBe(canonicalJson(body))
      expect(Idempotency.fingerprint(reordered)).toBe(Idempotency.fingerprint(body))
      expect(Idempotency.fingerprint(changed)).not.toBe(Idempotency.fingerprint(body))
    })
  })

  describe("classify", () => {
    it("classify - should call an unseen id New", () => {
      expect(Idempotency.classify(Idempotency.empty, "merchant-1/ord-1.p1", body)).toEqual({ _tag: "New" })
    })

    it("classify - should call an id named like an Object.prototype member New", () => {
      for (const id of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        expect(Idempotency.classify(Idempotency.empty, id, body)).toEqual({ _tag: "New" })
      }
    })

    it("classify - should call the same id and body a Repeat with no answer while none is recorded", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, null, null)
      expect(Idempotency.classify(records, "k", body)).toEqual({ _tag: "Repeat", answer: null })
    })

    it("classify - should call the same id and body a Repeat carrying the recorded answer", () => {
      const records = Idempotency.answer(Idempotency.record(Idempotency.empty, "k", body, null, null), "k", answer)
      const seen = Idempotency.classify(records, "k", body)
      expect(seen).toEqual({ _tag: "Repeat", answer })
      expect(seen._tag === "Repeat" && seen.answer).toBe(answer)
    })

    it("classify - should call the same body with its keys in another order a Repeat", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, answer, null)
      expect(Idempotency.classify(records, "k", reordered)).toEqual({ _tag: "Repeat", answer })
    })

    it("classify - should recognise a recorded id named __proto__", () => {
      const records = Idempotency.record(Idempotency.empty, "__proto__", body, answer, null)
      expect(Idempotency.classify(records, "__proto__", body)).toEqual({ _tag: "Repeat", answer })
      expect(Idempotency.classify(records, "__proto__", changed)).toEqual({ _tag: "Conflict" })
    })

    it("classify - should call the same id with another body a Conflict", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, answer, null)
      expect(Idempotency.classify(records, "k", changed)).toEqual({ _tag: "Conflict" })
      expect(Idempotency.classify(records, "other", changed)).toEqual({ _tag: "New" })
    })
  })

  describe("record", () => {
    it("record - should store the fingerprint and answer without touching the input records", () => {
      const empty: Idempotency.IdempotencyRecords = Idempotency.empty
      const records = Idempotency.record(empty, "k", body, answer, null)
      expect(records.get("k")).toEqual({ fingerprint: canonicalJson(body), answer, retainUntil_ms: null })
      expect(empty.entries()).toEqual([])
    })
  })

  describe("answer", () => {
    it("answer - should fill in the answer of a recorded id and keep its fingerprint", () => {
      const records = Idempotency.answer(Idempotency.record(Idempotency.empty, "k", body, null, null), "k", answer)
      expect(records.get("k")).toEqual({ fingerprint: canonicalJson(body), answer, retainUntil_ms: null })
    })

    it("answer - should leave the records unchanged for an id never recorded", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, null, null)
      expect(Idempotency.answer(records, "other", answer)).toBe(records)
      expect(Idempotency.answer(records, "toString", answer)).toBe(records)
    })
  })

  describe("admit and prune", () => {
    const request = { id: "ord-1.p1", expiresAt_ms: 1_000 as Timestamp_ms }
    const retained = Idempotency.record(Idempotency.emptyRetained, "k", body, answer, retainedUntil(request.expiresAt_ms))
    const admit = (records: Idempotency.IdempotencyRecords, now_ms: number, encoded: unknown = body, kept = false) =>
      Effect.runSync(Effect.result(Idempotency.admit(records, "k", request, encoded, now_ms as Timestamp_ms, kept)))

    it("admit - should give a repeat its answer until the last millisecond of its retention, expired or not", () => {
      expect(admit(retained, 999)).toEqual(Result.succeed({ _tag: "Repeat", answer }))
      expect(admit(retained, 1_000 + RETENTION_ms - 1)).toEqual(Result.succeed({ _tag: "Repeat", answer }))
      expect(admit(Idempotency.emptyRetained, 1_000 + RETENTION_ms - 1)).toEqual(Result.succeed({ _tag: "New" }))
    })

    it("admit - should refuse a request under an id whose record is gone as a conflict when the party keeps what the id made", () => {
      const conflict = Result.fail(new IdempotencyConflict({ requestId: request.id }))
      expect(admit(Idempotency.emptyRetained, 999, body, true)).toEqual(conflict)
      expect(admit(retained, 999, body, true)).toEqual(Result.succeed({ _tag: "Repeat", answer }))
      expect(admit(retained, 999, { other: true }, true)).toEqual(conflict)
      expect(admit(Idempotency.emptyRetained, 1_000 + RETENTION_ms, body, true)).toEqual(Result.fail(new Stale({ id: request.id, expiresAt_ms: 1_000, now_ms: 1_000 + RETENTION_ms })))
    })

    it("admit - should refuse a copy as Stale from the end of its retention, whether its record is still there or pruned", () => {
      const stale = new Stale({ id: request.id, expiresAt_ms: 1_000, now_ms: 1_000 + RETENTION_ms })
      expect(admit(retained, 1_000 + RETENTION_ms)).toEqual(Result.fail(stale))
      expect(admit(Idempotency.prune(retained, 1_000 + RETENTION_ms), 1_000 + RETENTION_ms)).toEqual(Result.fail(stale))
    })

    it("admit - should refuse the same id with another body as an IdempotencyConflict", () => {
      expect(admit(retained, 2_000, changed)).toEqual(Result.fail(new IdempotencyConflict({ requestId: request.id })))
    })

    it("prune - should drop a record at the end of its retention, not a millisecond before, and never one kept for good", () => {
      const both = Idempotency.record(retained, "kept", body, answer, null)
      expect(Idempotency.prune(both, 1_000 + RETENTION_ms - 1).keys()).toEqual(["k", "kept"])
      expect(Idempotency.prune(both, 1_000 + RETENTION_ms).keys()).toEqual(["kept"])
      expect(Idempotency.prune(both, Number.MAX_SAFE_INTEGER).keys()).toEqual(["kept"])
    })
  })
})
