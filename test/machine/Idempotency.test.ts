/**
 * Idempotency records: a request id seen for the first time is New, the same id with the same
 * canonical body is a Repeat carrying the recorded answer, and the same id with another body is a
 * Conflict.
 */
import { describe, expect, it } from "vitest"
import { canonicalJson } from "../../src/crypto/Canonical.js"
import { PartyId } from "../../src/domain/Ids.js"
import * as Idempotency from "../../src/machine/Idempotency.js"
import type { Packet } from "../../src/machine/Machine.js"

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
      const records = Idempotency.record(Idempotency.empty, "k", body, null)
      expect(Idempotency.classify(records, "k", body)).toEqual({ _tag: "Repeat", answer: null })
    })

    it("classify - should call the same id and body a Repeat carrying the recorded answer", () => {
      const records = Idempotency.answer(Idempotency.record(Idempotency.empty, "k", body, null), "k", answer)
      const seen = Idempotency.classify(records, "k", body)
      expect(seen).toEqual({ _tag: "Repeat", answer })
      expect(seen._tag === "Repeat" && seen.answer).toBe(answer)
    })

    it("classify - should call the same body with its keys in another order a Repeat", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, answer)
      expect(Idempotency.classify(records, "k", reordered)).toEqual({ _tag: "Repeat", answer })
    })

    it("classify - should recognise a recorded id named __proto__", () => {
      const records = Idempotency.record(Idempotency.empty, "__proto__", body, answer)
      expect(Idempotency.classify(records, "__proto__", body)).toEqual({ _tag: "Repeat", answer })
      expect(Idempotency.classify(records, "__proto__", changed)).toEqual({ _tag: "Conflict" })
    })

    it("classify - should call the same id with another body a Conflict", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, answer)
      expect(Idempotency.classify(records, "k", changed)).toEqual({ _tag: "Conflict" })
      expect(Idempotency.classify(records, "other", changed)).toEqual({ _tag: "New" })
    })
  })

  describe("record", () => {
    it("record - should store the fingerprint and answer without touching the input records", () => {
      const empty: Idempotency.IdempotencyRecords = Idempotency.empty
      const records = Idempotency.record(empty, "k", body, answer)
      expect(records.get("k")).toEqual({ fingerprint: canonicalJson(body), answer })
      expect(empty.entries()).toEqual([])
    })
  })

  describe("answer", () => {
    it("answer - should fill in the answer of a recorded id and keep its fingerprint", () => {
      const records = Idempotency.answer(Idempotency.record(Idempotency.empty, "k", body, null), "k", answer)
      expect(records.get("k")).toEqual({ fingerprint: canonicalJson(body), answer })
    })

    it("answer - should leave the records unchanged for an id never recorded", () => {
      const records = Idempotency.record(Idempotency.empty, "k", body, null)
      expect(Idempotency.answer(records, "other", answer)).toBe(records)
      expect(Idempotency.answer(records, "toString", answer)).toBe(records)
    })
  })
})
