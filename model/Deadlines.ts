/**
 * Deadlines kept to the millisecond (spec 4.10: a deadline takes effect at the first tick at or
 * after it, never before). Judged on one honest issuer or phone right after one of its steps, from
 * its state and the step's time alone, without the party's deadline indexes:
 *
 * - **never early**: a step that expires a challenge or a hold does so at or after its expiry;
 * - **never late**: after a tick at `now_ms`, no challenge is still pending and no hold still
 *   reserved whose expiry is at or before `now_ms`, and a challenge that was pending and due
 *   shows `Expired`: it is not forgotten before its end of retention (spec 4.9).
 *
 * Liveness only asks that everything expire in the end; these find a challenge shown as expired
 * while its shopper still has time, or one still open a tick after its deadline.
 */
import type { Transitioned } from "../src/machine/Machine.js"
import type { IssuerState } from "../src/parties/Issuer.js"
import type { PhoneState } from "../src/parties/Phone.js"
import { overdueHolds } from "./Books.js"

/** A challenge as an issuer or a phone keeps it: its state, and the challenge with its expiry. */
interface KeptChallenge {
  readonly state: string
  readonly challenge: { readonly expiresAt_ms: number }
}

/** The challenges a party of machine `kind` keeps, by id (an issuer's or a phone's table, read as it is); none for other kinds. */
const challengesOf = (kind: string, state: unknown): { get(id: string): KeptChallenge | undefined; entries(): ReadonlyArray<readonly [string, KeptChallenge]> } | undefined =>
  kind === "Phone" ? (state as PhoneState).challenges : kind === "Issuer" ? (state as IssuerState).challenges : undefined

/** Whether `c` is pending and its expiry at or before `now_ms`: due to expire at a tick then. */
const due = (c: KeptChallenge, now_ms: number): boolean => c.state === "Pending" && c.challenge.expiresAt_ms <= now_ms

/** The expiry a transition taken on a tick says has passed, as the party's state after it records it; `undefined` for other transitions. */
const passedExpiryOf = (kind: string, state: unknown, t: Transitioned): number | undefined => {
  if (!t.on.startsWith("Tick (") || !t.on.includes("expired")) return undefined
  if (t.entity === "challenge") return challengesOf(kind, state)?.get(t.id)?.challenge.expiresAt_ms
  if (kind !== "Issuer") return undefined
  const issuer = state as IssuerState
  if (t.on.includes("hold expired")) return issuer.ledger.holds.get(`hold:${t.id}`)?.expiresAt_ms
  const challengeId = issuer.authorizations.get(t.id)?.challengeId
  return challengeId === null || challengeId === undefined ? undefined : issuer.challenges.get(challengeId)?.challenge.expiresAt_ms
}

/** The challenges due `before` a tick at `now_ms` that the tick made vanish (or closed) instead of showing them expired; one still pending is `overdue`'s. */
const vanished = (kind: string, before: unknown, after: unknown, now_ms: number): ReadonlyArray<string> => {
  const kept = challengesOf(kind, after)
  return (challengesOf(kind, before)?.entries() ?? [])
    .filter(([id, c]) => due(c, now_ms) && !["Expired", "Pending"].includes(kept?.get(id)?.state ?? "gone"))
    .map(([id, c]) => `challenge ${id}, due at ${c.challenge.expiresAt_ms}, is ${kept?.get(id)?.state ?? "gone"} instead of expired`)
}

/** What a tick at `now_ms` should have expired and did not: challenges still pending, and an issuer's holds still reserved. */
const overdue = (kind: string, state: unknown, now_ms: number): ReadonlyArray<string> => [
  ...(challengesOf(kind, state)?.entries() ?? []).filter(([, c]) => due(c, now_ms)).map(([id, c]) => `challenge ${id} still pending, expired at ${c.challenge.expiresAt_ms}`),
  ...(kind === "Issuer" ? overdueHolds((state as IssuerState).ledger, now_ms).map((h) => `${h.id} still reserved, expired at ${h.expiresAt_ms}`) : [])
]

/**
 * The findings on a party of machine `kind` after a step at `now_ms` (a tick when `ticked`) that
 * took it from `before` to `state` with `transitions`: everything it expired early and, after a
 * tick, everything it left open past its expiry, or made vanish where it should show it expired.
 */
export const deadlineFindings = (
  kind: string,
  before: unknown,
  state: unknown,
  now_ms: number,
  ticked: boolean,
  transitions: ReadonlyArray<Transitioned>
): ReadonlyArray<string> => {
  const early = transitions.flatMap((t) => {
    const expiresAt_ms = passedExpiryOf(kind, state, t)
    return expiresAt_ms !== undefined && now_ms < expiresAt_ms ? [`${t.entity} ${t.id} ${t.from} -> ${t.to} on ${t.on} at ${now_ms}, before its expiry at ${expiresAt_ms}`] : []
  })
  const late = ticked ? [...overdue(kind, state, now_ms), ...vanished(kind, before, state, now_ms)] : []
  return [...early, ...late.map((f) => `after a tick at ${now_ms}: ${f}`)]
}
