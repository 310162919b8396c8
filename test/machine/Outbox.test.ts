/**
 * The outbox: entries added with their first retry one base interval away, retries that back off
 * by doubling up to the cap, acknowledgements, the restart rule and the size limit.
 */
import { describe, expect, it } from "vitest"
import { PartyId } from "../../src/domain/Ids.js"
import type { Packet } from "../../src/machine/Machine.js"
import * as Outbox from "../../src/machine/Outbox.js"

const { due } = Outbox

const packet = (n: number): Packet => ({
  from: PartyId.make("merchant-1"),
  to: PartyId.make("gateway-1"),
  channel: "signed",
  payload: { body: { _tag: "AuthorizePayment", id: `p${n}` }, signer: "merchant-1.k1", signature: `sig${n}` }
})

const entry = (outbox: Outbox.Outbox, key: string): Outbox.OutboxEntry => {
  const e = outbox.get(key)
  if (e === undefined) throw new Error(`no outbox entry ${key}`)
  return e
}

describe("Outbox", () => {
  describe("constants", () => {
    it("RETRY_MAX_ms - should be above the base interval, so that backoff has room to double", () => {
      expect(Outbox.RETRY_BASE_ms).toBe(3_000)
      expect(Outbox.RETRY_MAX_ms).toBe(16_000)
      expect(Outbox.RETRY_MAX_ms).toBeGreaterThan(Outbox.RETRY_BASE_ms)
      expect(Outbox.OUTBOX_LIMIT).toBe(10_000)
    })
  })

  describe("add", () => {
    it("add - should record the packet with one attempt and its first retry one base interval later", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 1_000)
      expect(entry(o, "p1")).toEqual({ packet: packet(1), attempts: 1, nextAttempt_ms: 1_000 + Outbox.RETRY_BASE_ms })
      expect(Outbox.isPending(o, "p1")).toBe(true)
      expect(Outbox.isPending(o, "p2")).toBe(false)
      expect(Outbox.empty.entries()).toEqual([])
    })

    it("add - should keep a key named __proto__ as an ordinary entry", () => {
      const o = Outbox.add(Outbox.empty, "__proto__", packet(1), 0)
      expect(Outbox.isPending(o, "__proto__")).toBe(true)
      expect(Outbox.isPending(due(o, 0).outbox, "__proto__")).toBe(true)
      const retried = due(o, Outbox.RETRY_BASE_ms)
      expect(retried.packets).toEqual([packet(1)])
      expect(Outbox.isPending(retried.outbox, "__proto__")).toBe(true)
      expect(Outbox.isPending(Outbox.afterRestart(retried.outbox), "__proto__")).toBe(true)
      expect(Outbox.isPending(Outbox.acknowledge(o, "__proto__"), "__proto__")).toBe(false)
    })

    it("add - should leave the input outbox untouched", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      const o2 = Outbox.add(o, "p2", packet(2), 0)
      expect(o.keys()).toEqual(["p1"])
      expect(o2.keys()).toEqual(["p1", "p2"])
    })
  })

  describe("acknowledge", () => {
    it("acknowledge - should remove the entry and keep the others", () => {
      const o = Outbox.add(Outbox.add(Outbox.empty, "p1", packet(1), 0), "p2", packet(2), 0)
      const acked = Outbox.acknowledge(o, "p1")
      expect(Outbox.isPending(acked, "p1")).toBe(false)
      expect(Outbox.isPending(acked, "p2")).toBe(true)
      expect(Outbox.isPending(o, "p1")).toBe(true)
    })

    it("acknowledge - should return the same outbox for an unknown key, including an Object.prototype name", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      expect(Outbox.acknowledge(o, "p9")).toBe(o)
      expect(Outbox.acknowledge(o, "toString")).toBe(o)
      expect(Outbox.isPending(o, "toString")).toBe(false)
    })
  })

  describe("due", () => {
    it("due - should send nothing before the retry time and leave the entry as it was", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      const result = due(o, Outbox.RETRY_BASE_ms - 1)
      expect(result.packets).toEqual([])
      expect(entry(result.outbox, "p1")).toEqual(entry(o, "p1"))
    })

    it("due - should resend the same packet exactly at the retry time and count the attempt", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      const result = due(o, Outbox.RETRY_BASE_ms)
      expect(result.packets).toEqual([packet(1)])
      expect(result.packets[0]).toBe(entry(o, "p1").packet)
      expect(entry(result.outbox, "p1").attempts).toBe(2)
      expect(entry(o, "p1").attempts).toBe(1)
    })

    it("due - should double the interval after each retry until it reaches RETRY_MAX_ms, then stay there", () => {
      let o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      const intervals: Array<number> = [entry(o, "p1").nextAttempt_ms]
      for (let i = 0; i < 7; i++) {
        const now_ms = entry(o, "p1").nextAttempt_ms
        const result = due(o, now_ms)
        expect(result.packets).toHaveLength(1)
        o = result.outbox
        intervals.push(entry(o, "p1").nextAttempt_ms - now_ms)
      }
      expect(intervals).toEqual([3_000, 6_000, 12_000, 16_000, 16_000, 16_000, 16_000, 16_000])
      expect(entry(o, "p1").attempts).toBe(8)
    })

    it("due - should keep the interval at RETRY_MAX_ms after very many attempts", () => {
      const o: Outbox.Outbox = Outbox.from([["p1", { packet: packet(1), attempts: 5_000, nextAttempt_ms: 0 }]])
      const result = due(o, 100)
      expect(entry(result.outbox, "p1")).toEqual({ packet: packet(1), attempts: 5_001, nextAttempt_ms: 100 + Outbox.RETRY_MAX_ms })
    })

    it("due - should count the backoff from when the retry was sent, not from when it was due", () => {
      const o = Outbox.add(Outbox.empty, "p1", packet(1), 0)
      expect(entry(due(o, 10_000).outbox, "p1").nextAttempt_ms).toBe(10_000 + 2 * Outbox.RETRY_BASE_ms)
    })

    it("due - should send only the entries whose time has come", () => {
      const o = Outbox.add(Outbox.add(Outbox.empty, "p1", packet(1), 0), "p2", packet(2), 5_000)
      const result = due(o, Outbox.RETRY_BASE_ms)
      expect(result.packets).toEqual([packet(1)])
      expect(entry(result.outbox, "p2")).toEqual(entry(o, "p2"))
    })
  })

  describe("afterRestart", () => {
    it("afterRestart - should make every entry due at once, keeping packets and attempts", () => {
      let o = Outbox.add(Outbox.add(Outbox.empty, "p1", packet(1), 50_000), "p2", packet(2), 60_000)
      o = due(o, 53_000).outbox
      const restarted = Outbox.afterRestart(o)
      expect(entry(restarted, "p1").attempts).toBe(2)
      expect(entry(restarted, "p2").attempts).toBe(1)
      const result = due(restarted, 53_001)
      expect(result.packets).toEqual([packet(1), packet(2)])
      expect(due(o, 53_001).packets).toEqual([])
    })

    it("afterRestart - should keep an empty outbox empty", () => {
      expect(Outbox.afterRestart(Outbox.empty).entries()).toEqual([])
    })
  })

  describe("hasRoom", () => {
    const filled = (n: number): Outbox.Outbox =>
      Outbox.from(Array.from({ length: n }, (_, i) => [`p${i}`, { packet: packet(i), attempts: 1, nextAttempt_ms: 0 }] as const))

    it("hasRoom - should have room below OUTBOX_LIMIT entries", () => {
      expect(Outbox.hasRoom(Outbox.empty)).toBe(true)
      expect(Outbox.hasRoom(filled(Outbox.OUTBOX_LIMIT - 1))).toBe(true)
    })

    it("hasRoom - should have no room at OUTBOX_LIMIT entries", () => {
      expect(Outbox.hasRoom(filled(Outbox.OUTBOX_LIMIT))).toBe(false)
      expect(Outbox.hasRoom(Outbox.add(filled(Outbox.OUTBOX_LIMIT - 1), "last", packet(0), 0))).toBe(false)
    })
  })
})
