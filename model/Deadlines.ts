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

/** The expiry a transition taken on a tick says has passed, as the party's state after it records it; `undefined` for other transitions. */
const expiryOf = (kind: string, state: unknown, t: Transitioned): number | undefined => {
  if (!t.on.startsWith("Tick (") || !t.on.includes("expired")) return undefined
  if (kind === "Phone") return (state as PhoneState).challenges.get(t.id)?.challenge.expiresAt_ms
  if (kind !== "Issuer") return undefined
  const issuer = state as IssuerState
  if (t.entity === "challenge") return issuer.challenges.get(t.id)?.challenge.expiresAt_ms
  if (t.on.includes("hold expired")) return issuer.ledger.holds.get(`hold:${t.id}`)?.expiresAt_ms
  const challengeId = issuer.authorizations.get(t.id)?.challengeId
  return challengeId === null || challengeId === undefined ? undefined : issuer.challenges.get(challengeId)?.challenge.expiresAt_ms
}

/** The challenges a party of machine `kind` holds, by id: an issuer's or a phone's. */
const challengesOf = (kind: string, state: unknown): ReadonlyMap<string, { readonly state: string; readonly challenge: { readonly expiresAt_ms: number } }> =>
  kind === "Phone" ? new Map((state as PhoneState).challenges.entries()) : kind === "Issuer" ? new Map((state as IssuerState).challenges.entries()) : new Map()

/** The challenges pending `before` a tick at `now_ms` and due by then that the tick made vanish (or closed) instead of showing them expired; one still pending is `overdue`'s. */
const vanished = (kind: string, before: unknown, after: unknown, now_ms: number): ReadonlyArray<string> => {
  const kept = challengesOf(kind, after)
  return [...challengesOf(kind, before)]
    .filter(([id, c]) => c.state === "Pending" && c.challenge.expiresAt_ms <= now_ms && !["Expired", "Pending"].includes(kept.get(id)?.state ?? "gone"))
    .map(([id, c]) => `challenge ${id}, due at ${c.challenge.expiresAt_ms}, is ${kept.get(id)?.state ?? "gone"} instead of expired`)
}

/** What a tick at `now_ms` should have expired and did not. */
const overdue = (kind: string, state: unknown, now_ms: number): ReadonlyArray<string> => {
  const pending = (challenges: ReadonlyArray<{ readonly state: string; readonly challenge: { readonly id: string; readonly expiresAt_ms: number } }>) =>
    challenges.filter((c) => c.state === "Pending" && c.challenge.expiresAt_ms <= now_ms).map((c) => `challenge ${c.challenge.id} still pending, expired at ${c.challenge.expiresAt_ms}`)
  if (kind === "Phone") return pending((state as PhoneState).challenges.values())
  if (kind !== "Issuer") return []
  const issuer = state as IssuerState
  return [...pending(issuer.challenges.values()), ...overdueHolds(issuer.ledger, now_ms).map((h) => `${h.id} still reserved, expired at ${h.expiresAt_ms}`)]
}

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
    const expiresAt_ms = expiryOf(kind, state, t)
    return expiresAt_ms !== undefined && now_ms < expiresAt_ms ? [`${t.entity} ${t.id} ${t.from} -> ${t.to} on ${t.on} at ${now_ms}, before its expiry at ${expiresAt_ms}`] : []
  })
  const late = ticked ? [...overdue(kind, state, now_ms), ...vanished(kind, before, state, now_ms)] : []
  return [...early, ...late.map((f) => `after a tick at ${now_ms}: ${f}`)]
}
