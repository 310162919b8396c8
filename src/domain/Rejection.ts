/**
 * Typed rejections: why a party refused an input.
 *
 * A rejection never throws out of a machine's `step` and never changes its state: the step
 * returns the state it was given and emits a `Rejected` event carrying one of these values. Each
 * is a `Schema.TaggedError`, so it can be yielded in an Effect, encoded into a trace, and matched
 * on its `_tag`. {@link explain} turns any of them into a sentence that tells the operator what
 * was wrong.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Text = Schema.String

/** The input's bytes did not decode into any message this party accepts. @category rejections @since 0.1.0 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", { detail: Text }) {}

/** The envelope names a signing key that is not in the recipient's key registry. @category rejections @since 0.1.0 */
export class UnknownKey extends Schema.TaggedError<UnknownKey>()("UnknownKey", { keyId: Text }) {}

/** The signing key is registered but revoked. @category rejections @since 0.1.0 */
export class RevokedKey extends Schema.TaggedError<RevokedKey>()("RevokedKey", { keyId: Text }) {}

/**
 * The signing key is valid but may not sign this message: it belongs to a party of another role,
 * or to another party than the one the body names as its sender.
 *
 * @category rejections
 * @since 0.1.0
 */
export class WrongSigner extends Schema.TaggedError<WrongSigner>()("WrongSigner", {
  keyId: Text,
  tag: Text,
  detail: Text
}) {}

/** The signature does not verify over the domain-tagged canonical body. @category rejections @since 0.1.0 */
export class BadSignature extends Schema.TaggedError<BadSignature>()("BadSignature", { keyId: Text, tag: Text }) {}

/** The message is addressed to another party. @category rejections @since 0.1.0 */
export class WrongRecipient extends Schema.TaggedError<WrongRecipient>()("WrongRecipient", {
  expected: Text,
  got: Text
}) {}

/** A new request arrived after its own expiry. @category rejections @since 0.1.0 */
export class Expired extends Schema.TaggedError<Expired>()("Expired", {
  id: Text,
  expiresAt_ms: Schema.Number,
  now_ms: Schema.Number
}) {}

/**
 * A request that expired more than the retention window ago (`RETENTION_ms`, 30 days): its
 * idempotency record may already be pruned, so it is refused before any lookup.
 *
 * @category rejections
 * @since 0.4.0
 */
export class Stale extends Schema.TaggedError<Stale>()("Stale", {
  id: Text,
  expiresAt_ms: Schema.Number,
  now_ms: Schema.Number
}) {}

/** A request id was reused with a different body. @category rejections @since 0.1.0 */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()("IdempotencyConflict", {
  requestId: Text
}) {}

/** The message refers to an order, payment, authorization or challenge this party does not know. @category rejections @since 0.1.0 */
export class UnknownReference extends Schema.TaggedError<UnknownReference>()("UnknownReference", {
  kind: Text,
  id: Text
}) {}

/** The input is authentic but not acceptable in the entity's current state. @category rejections @since 0.1.0 */
export class OutOfOrder extends Schema.TaggedError<OutOfOrder>()("OutOfOrder", {
  entity: Text,
  state: Text,
  input: Text
}) {}

/**
 * An answer, result or response does not match what it claims to answer: another amount,
 * currency, payee, payment or account than the request it refers to.
 *
 * @category rejections
 * @since 0.1.0
 */
export class Mismatch extends Schema.TaggedError<Mismatch>()("Mismatch", {
  id: Text,
  field: Text
}) {}

/** The device that signed a challenge answer is not enrolled for the challenged account. @category rejections @since 0.1.0 */
export class DeviceNotEnrolled extends Schema.TaggedError<DeviceNotEnrolled>()("DeviceNotEnrolled", {
  device: Text,
  account: Text
}) {}

/** A shopper's request is well formed but cannot be honoured (unknown product, order not ready to pay, ...). @category rejections @since 0.1.0 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", { detail: Text }) {}

/** Every way a party can refuse an input, as a Schema union. @category rejections @since 0.1.0 */
export const Rejection = Schema.Union([
  DecodeError,
  UnknownKey,
  RevokedKey,
  WrongSigner,
  BadSignature,
  WrongRecipient,
  Expired,
  Stale,
  IdempotencyConflict,
  UnknownReference,
  OutOfOrder,
  Mismatch,
  DeviceNotEnrolled,
  InvalidRequest
])
/** @since 0.1.0 */
export type Rejection = typeof Rejection.Type

/** A one-line explanation of a rejection for traces and logs. @since 0.1.0 */
export const explain = (r: Rejection): string => {
  switch (r._tag) {
    case "DecodeError":
      return `could not decode the input: ${r.detail}`
    case "UnknownKey":
      return `key ${r.keyId} is not registered`
    case "RevokedKey":
      return `key ${r.keyId} is revoked`
    case "WrongSigner":
      return `key ${r.keyId} may not sign ${r.tag}: ${r.detail}`
    case "BadSignature":
      return `the signature by ${r.keyId} on ${r.tag} does not verify`
    case "WrongRecipient":
      return `addressed to ${r.got}, this party is ${r.expected}`
    case "Expired":
      return `${r.id} expired at ${r.expiresAt_ms}, now is ${r.now_ms}`
    case "Stale":
      return `${r.id} expired at ${r.expiresAt_ms}, beyond the retention window; now is ${r.now_ms}`
    case "IdempotencyConflict":
      return `request id ${r.requestId} was already used with a different body`
    case "UnknownReference":
      return `unknown ${r.kind} ${r.id}`
    case "OutOfOrder":
      return `${r.input} is not accepted while ${r.entity} is ${r.state}`
    case "Mismatch":
      return `${r.id}: ${r.field} does not match the request it answers`
    case "DeviceNotEnrolled":
      return `device ${r.device} is not enrolled for account ${r.account}`
    case "InvalidRequest":
      return `invalid request: ${r.detail}`
  }
}
