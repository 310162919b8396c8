/**
 * Readable traces of a run: numbered lines for a terminal, and a Mermaid `sequenceDiagram` that
 * pastes into any Markdown page.
 *
 * @since 0.1.0
 */
import { explain } from "../domain/Rejection.js"
import type { Packet } from "../machine/Machine.js"
import type { TraceEntry } from "./InMemoryNetwork.js"

/** What a trace shows of one packet: its message tag and, if signed, the key id and a short signature. @category models @since 0.1.0 */
export interface PacketSummary {
  readonly tag: string
  readonly signer: string | null
  readonly signature: string | null
}

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined

/** Summarizes a packet without trusting it: anything missing shows as `?`. @since 0.1.0 */
export const summarize = (packet: Packet): PacketSummary => {
  if (packet.channel === "session") return { tag: String(field(packet.payload, "_tag") ?? "?"), signer: null, signature: null }
  const signature = field(packet.payload, "signature")
  return {
    tag: String(field(field(packet.payload, "body"), "_tag") ?? "?"),
    signer: String(field(packet.payload, "signer") ?? "?"),
    signature: typeof signature === "string" ? `${signature.slice(0, 6)}…${signature.slice(-4)}` : "?"
  }
}

const seconds = (at_ms: number, start_ms: number): string => `+${((at_ms - start_ms) / 1000).toFixed(3)}s`

/** The trace as numbered lines: one per packet sent and, with `events`, one per transition or rejection. @since 0.1.0 */
export const lines = (trace: ReadonlyArray<TraceEntry>, options: { readonly events?: boolean; readonly start_ms?: number } = {}): ReadonlyArray<string> => {
  const start_ms = options.start_ms ?? trace[0]?.at_ms ?? 0
  const out: Array<string> = []
  for (const entry of trace) {
    const at = seconds(entry.at_ms, start_ms).padStart(10)
    if (entry._tag === "Sent") {
      const s = summarize(entry.packet)
      const signed = s.signer === null ? "(session, unsigned)" : `key=${s.signer} sig=${s.signature}`
      out.push(`${at}  ${entry.packet.from.padEnd(12)} -> ${entry.packet.to.padEnd(12)} ${s.tag.padEnd(22)} ${signed}`)
    } else if (options.events === true) {
      const o = entry.output
      out.push(
        o._tag === "Transitioned"
          ? `${at}  ${o.party.padEnd(12)}    ${o.entity} ${o.id}: ${o.from} -> ${o.to} on ${o.on}`
          : `${at}  ${o.party.padEnd(12)}    REJECTED ${o.input}: ${o.rejection._tag} (${explain(o.rejection)})`
      )
    }
  }
  return out.map((line, i) => `${String(i + 1).padStart(3)}. ${line}`)
}

const alias = (party: string): string => party.replace(/[^A-Za-z0-9]/g, "_")

/**
 * The characters Mermaid reads as syntax inside a sequence diagram's text, each with the entity
 * code that shows it instead: `#` starts a comment (and an entity code), `;` ends a statement, `<`
 * and `>` make HTML tags, `&` an HTML entity, and `%%{` a directive. A colon needs none: a note's
 * or an arrow's text is everything after its first `: `.
 */
const MERMAID_ENTITY: Readonly<Record<string, string>> = { "#": "#35;", ";": "#59;", "<": "#60;", ">": "#62;", "&": "#38;", "%": "#37;" }

/** `text` as Mermaid shows it verbatim in a label: every syntax character as its entity code, every line break as `<br/>`. */
const escapeText = (text: string): string => text.replace(/\r\n|[\r\n#;<>&%]/g, (c) => MERMAID_ENTITY[c] ?? "<br/>")

/**
 * A remark a diagram shows at a point of the trace: what the network or a person did there,
 * which the trace itself does not record (a lost packet, a crash).
 *
 * @category models
 * @since 0.1.0
 */
export interface DiagramNote {
  /** The note goes before the trace entry with this index (`trace.length` puts it at the end). */
  readonly before: number
  /** The party the note stands over. */
  readonly over: string
  readonly text: string
}

/**
 * The trace as a Mermaid `sequenceDiagram`: one arrow per packet (annotated with the key id when
 * signed), a note for every rejection, and the given `notes`. Participant names, arrow labels and
 * notes are escaped, so any text (a forged packet's tag, a note with `;` or `#`) shows as written
 * and cannot break the diagram.
 *
 * @since 0.1.0
 */
export const mermaid = (trace: ReadonlyArray<TraceEntry>, participants: ReadonlyArray<string>, notes: ReadonlyArray<DiagramNote> = []): string => {
  const out = ["sequenceDiagram"]
  for (const p of participants) out.push(`  participant ${alias(p)} as ${escapeText(p)}`)
  const note = (over: string, text: string): string => `  Note over ${alias(over)}: ${escapeText(text)}`
  const noteLines = (index: number) => notes.filter((n) => n.before === index).map((n) => note(n.over, n.text))
  trace.forEach((entry, index) => {
    out.push(...noteLines(index))
    if (entry._tag === "Sent") {
      const s = summarize(entry.packet)
      const label = s.signer === null ? s.tag : `${s.tag} [signed ${s.signer}]`
      out.push(`  ${alias(entry.packet.from)}->>${alias(entry.packet.to)}: ${escapeText(label)}`)
    } else if (entry.output._tag === "Rejected") {
      out.push(note(entry.output.party, `rejected ${entry.output.rejection._tag}`))
    }
  })
  out.push(...noteLines(trace.length))
  return out.join("\n")
}
