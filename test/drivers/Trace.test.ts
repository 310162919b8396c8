/**
 * Traces as Mermaid sequence diagrams: whatever a note, a participant or a packet says (a forged
 * tag included), the diagram shows it as written and no character of it can end a statement, open
 * a comment or inject a line.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TraceEntry } from "../../src/drivers/InMemoryNetwork.js"
import { mermaid } from "../../src/drivers/Trace.js"
import { PartyId } from "../../src/domain/Ids.js"
import { OutOfOrder } from "../../src/domain/Rejection.js"

const merchant = PartyId.make("merchant-1")
const gateway = PartyId.make("gateway-1")
const PARTICIPANTS = [merchant, gateway]

const signed = (tag: string, signer: string): TraceEntry => ({
  _tag: "Sent",
  at_ms: 0,
  packet: { from: merchant, to: gateway, channel: "signed", payload: { body: { _tag: tag }, signer, signature: "c2lnbmF0dXJl" } }
})

/** The diagram's last line: the note or arrow under test. */
const lastLine = (diagram: string): string => diagram.split("\n").at(-1) ?? ""

/** A note over the merchant with `text`, as the diagram writes it. */
const noteLine = (text: string): string => lastLine(mermaid([], PARTICIPANTS, [{ before: 0, over: merchant, text }]))

/** What Mermaid shows for escaped text: entity codes decoded, `<br/>` as a line break. */
const shown = (escaped: string): string => escaped.replace(/#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/<br\/>/g, "\n")

describe("Trace", () => {
  describe("mermaid", () => {
    it("mermaid - should write `;` and `#` in a note as the entity codes #59; and #35;", () => {
      expect(noteLine("retry #2; same id")).toBe("  Note over merchant_1: retry #35;2#59; same id")
    })

    it("mermaid - should keep colons in a note, which Mermaid reads as text after the first", () => {
      expect(noteLine("status: approved, at 10:42")).toBe("  Note over merchant_1: status: approved, at 10:42")
    })

    it("mermaid - should escape HTML and directive characters, and turn line breaks into <br/>", () => {
      expect(noteLine("<b>Teapot & Co</b> 100%%{x}\r\nnext\nlast")).toBe(
        "  Note over merchant_1: #60;b#62;Teapot #38; Co#60;/b#62; 100#37;#37;{x}<br/>next<br/>last"
      )
    })

    it("mermaid - should escape a forged packet's tag and signer in its arrow", () => {
      expect(lastLine(mermaid([signed("PayNow;Note over gateway_1: forged", "k#1")], PARTICIPANTS))).toBe(
        "  merchant_1->>gateway_1: PayNow#59;Note over gateway_1: forged [signed k#35;1]"
      )
    })

    it("mermaid - should escape a participant's display name and keep its alias an identifier", () => {
      expect(mermaid([], ["shop;1"]).split("\n")).toEqual(["sequenceDiagram", "  participant shop_1 as shop#59;1"])
    })

    it("mermaid - should note a rejection over the party that refused", () => {
      const rejected: TraceEntry = {
        _tag: "Event",
        at_ms: 0,
        output: { _tag: "Rejected", party: gateway, input: "Receive", rejection: new OutOfOrder({ entity: "payment", state: "Paid", input: "AuthorizationResponse" }) }
      }
      expect(lastLine(mermaid([rejected], PARTICIPANTS))).toBe("  Note over gateway_1: rejected OutOfOrder")
    })

    it("mermaid - should write any note as one line with no syntax character left bare, showing the text as given", () => {
      fc.assert(
        fc.property(fc.string({ unit: "binary" }), (text) => {
          const line = noteLine(text)
          const prefix = "  Note over merchant_1: "
          expect(line.startsWith(prefix)).toBe(true)
          const escaped = line.slice(prefix.length)
          expect(escaped).toMatch(/^(?:[^#;<>&%\r\n]|#\d+;|<br\/>)*$/)
          expect(shown(escaped)).toBe(text.replace(/\r\n|\r/g, "\n"))
        })
      )
    })
  })
})
