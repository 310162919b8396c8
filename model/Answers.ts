/**
 * What the `operations` check reads off a step: the body a packet carries, the answers the step
 * sent, the verdict an answer carries, and the judgement of a repeat against its record. Shared by
 * the issuer's judge (`Operations.ts`) and the gateway's (`GatewayOperations.ts`).
 */
import type { IdempotencyRecord } from "../src/machine/Idempotency.js"
import type { Output, Packet } from "../src/machine/Machine.js"

/** What a party must answer: a status, and the amount that moved (0 for a refusal). */
export interface Verdict {
  readonly status: string
  readonly amount_minor: number
}

/** The judgement of one step: what it was judged on (a request's expected verdict, `repeat`, or `null` for no request judged) and what was wrong. */
export interface Judgement {
  readonly judged: string | null
  readonly findings: ReadonlyArray<string>
}

/** No request judged, nothing found. */
export const NOTHING_JUDGED: Judgement = { judged: null, findings: [] }

/** A refusal: `status`, and nothing moved. */
export const refused = (status: string): Verdict => ({ status, amount_minor: 0 })

/** The encoded body a signed packet carries, with its tag; `undefined` if it carries none. */
export const bodyOf = (packet: Packet): { readonly _tag?: unknown; readonly id?: unknown } | undefined =>
  (packet.payload as { readonly body?: { readonly _tag?: unknown; readonly id?: unknown } } | null)?.body

/** The packets the step sent to `to` whose body has tag `tag` (and id `id`, if given). */
export const sentTo = (outputs: ReadonlyArray<Output>, to: string, tag: string, id?: string): ReadonlyArray<Packet> =>
  outputs.flatMap((o) => (o._tag === "Send" ? [o.packet] : [])).filter((p) => p.to === to && bodyOf(p)?._tag === tag && (id === undefined || bodyOf(p)?.id === id))

/** The verdict an answer (an `OperationResponse` or `OperationResult`) carries. */
export const verdictOf = (answer: Packet): Verdict => {
  const body = (answer.payload as { readonly body: { readonly status: string; readonly amount: { readonly amount_minor: number } } }).body
  return { status: body.status, amount_minor: body.amount.amount_minor }
}

/** Whether the step refused its input: a forgery, a stale copy or an id used with another body is answered by no one. */
export const refusedInput = (outputs: ReadonlyArray<Output>): boolean => outputs.some((o) => o._tag === "Rejected")

/** A repeat of `request` (a description) answered with `answer` (or nothing): it must be the recorded answer, byte for byte, or nothing while none is recorded. */
export const judgeRepeat = (request: string, record: IdempotencyRecord, answer: Packet | undefined): Judgement => {
  const recorded = record.answer === null ? "nothing" : JSON.stringify(record.answer.payload)
  const sent = answer === undefined ? "nothing" : JSON.stringify(answer.payload)
  return { judged: "repeat", findings: sent === recorded ? [] : [`${request} is a repeat answered with ${sent}, its recorded answer is ${recorded}`] }
}

/** The judgement of `answer` to `request` against the `expected` verdict, judged as `judged`. */
export const judgeVerdict = (request: string, judged: string, expected: Verdict, answer: Packet | undefined, now_ms: number): Judgement => {
  if (answer === undefined) return { judged, findings: [`${request} was not answered; it should be ${expected.status} (${expected.amount_minor})`] }
  const given = verdictOf(answer)
  return given.status === expected.status && given.amount_minor === expected.amount_minor
    ? { judged, findings: [] }
    : { judged, findings: [`${request} at ${now_ms} was answered ${given.status} (${given.amount_minor}), the spec says ${expected.status} (${expected.amount_minor})`] }
}
