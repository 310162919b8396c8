/**
 * `examples/http.ts`, the whole deployment over HTTP on 127.0.0.1: every party behind its own
 * server and SQLite file, the issuer killed while the shopper's approval is on its way and
 * restarted from its file, then three bad requests. It must end as the in-memory demo's settled
 * checkout does, and refuse the bad requests without changing anything.
 */
import { describe, expect, it } from "vitest"
import { runOverHttp } from "../../examples/http.js"

describe("examples/http.ts", () => {
  it("should approve, capture, refund and settle a checkout over real sockets, through a crash of the issuer, and refuse bad requests without a change", async () => {
    const run = await runOverHttp()
    expect(run.screen).toBe("Approved")
    // The phone's answer, sent while the issuer was down, reached no server; its outbox sent it again.
    expect(run.lost).toBeGreaterThanOrEqual(1)
    expect(run.settledCycles).toBe(1)
    // Alice's EUR 500.00, less the order (two mugs at 12.50, tea at 8.99, delivery 4.90: 38.89), plus the refunded mug: the figure the demo's books show.
    expect(run.aliceBalance_minor).toBe(47_361)
    // Not a packet (400), a packet for another party (404), both at the door; a tampered capture reaches the machine, which refuses its signature.
    expect(run.badRequests).toEqual([400, 404, 202])
    expect(run.refusedAtTheDoor).toBe(2)
    expect(run.rejections).toEqual(["BadSignature"])
    expect(run.gatewayUnchanged).toBe(true)
    expect(run.lines.some((line) => line.includes("SettlementConfirmation"))).toBe(true)
  })
})
