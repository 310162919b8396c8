/**
 * Retention: how long a party keeps what answers a request, and the rule that makes forgetting it
 * safe.
 *
 * Every request that a gateway or an issuer records for idempotency carries its own expiry
 * (`expiresAt_ms`), and so does every challenge a phone shows. Such a record is kept until the
 * request's expiry plus {@link RETENTION_ms}, then pruned on a tick. A copy of the request that
 * arrives at or after that time is refused as {@link Stale} **before** the idempotency lookup, so
 * it gets the same treatment whether its record is still there or already gone: pruning never
 * changes what a party does or sends, and a replay after pruning is never taken for a new request.
 *
 * The window only bounds how late a sender may retry and still get its recorded answer: the
 * protocol assumes every request is answered within {@link RETENTION_ms} of its expiry (a network
 * that holds a request back longer leaves its payment unfinished, never executed twice).
 *
 * @since 0.4.0
 */
import { Effect } from "effect"
import type { Timestamp_ms } from "../domain/Ids.js"
import { Stale } from "../domain/Rejection.js"

/** How long after a request's expiry its idempotency record is kept: 30 days. @since 0.4.0 */
export const RETENTION_ms = 30 * 24 * 3_600_000

/** When the record of a request that expires at `expiresAt_ms` may be pruned, and copies of it are stale. @since 0.4.0 */
export const retainedUntil = (expiresAt_ms: number): number => expiresAt_ms + RETENTION_ms

/**
 * Fails with `Stale` when a request expired more than {@link RETENTION_ms} before `now_ms`: its
 * record may be gone, so it is refused without looking it up.
 *
 * @since 0.4.0
 */
export const requireRetained = (
  request: { readonly id: string; readonly expiresAt_ms: Timestamp_ms },
  now_ms: Timestamp_ms
): Effect.Effect<void, Stale> =>
  now_ms < retainedUntil(request.expiresAt_ms)
    ? Effect.void
    : Effect.fail(new Stale({ id: request.id, expiresAt_ms: request.expiresAt_ms, now_ms }))
