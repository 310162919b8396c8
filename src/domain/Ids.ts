/**
 * Branded identifiers used across every hop.
 *
 * Every identifier is a bounded ASCII string (1 to 64 characters, letters, digits and `._:-`),
 * branded so that a payment id can never be passed where an order id is expected. Identifiers
 * are never drawn at random inside the core: they arrive as inputs or are derived from other
 * identifiers, so a run is a pure function of its inputs.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** The character set and length bound shared by every identifier. @since 0.1.0 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/

const IdString = Schema.String.pipe(
  Schema.check(Schema.isPattern(ID_PATTERN, { expected: "an id of 1 to 64 characters from A-Z a-z 0-9 . _ : -" }))
)

/** Identifies a party on the network (a merchant, gateway, issuer, phone or clearing house). @since 0.1.0 */
export const PartyId = IdString.pipe(Schema.brand("PartyId"))
/** @since 0.1.0 */
export type PartyId = typeof PartyId.Type

/** Identifies a signing key in a key registry. @since 0.1.0 */
export const KeyId = IdString.pipe(Schema.brand("KeyId"))
/** @since 0.1.0 */
export type KeyId = typeof KeyId.Type

/** Identifies a shopper's browser session with the merchant. @since 0.1.0 */
export const SessionId = IdString.pipe(Schema.brand("SessionId"))
/** @since 0.1.0 */
export type SessionId = typeof SessionId.Type

/** Identifies one request for idempotency: a repeat with the same id gets the recorded answer. @since 0.1.0 */
export const RequestId = IdString.pipe(Schema.brand("RequestId"))
/** @since 0.1.0 */
export type RequestId = typeof RequestId.Type

/** Identifies an order at the merchant. @since 0.1.0 */
export const OrderId = IdString.pipe(Schema.brand("OrderId"))
/** @since 0.1.0 */
export type OrderId = typeof OrderId.Type

/** Identifies one payment attempt for an order; it is also the merchant's request id to the gateway. @since 0.1.0 */
export const PaymentId = IdString.pipe(Schema.brand("PaymentId"))
/** @since 0.1.0 */
export type PaymentId = typeof PaymentId.Type

/** Identifies the gateway's authorization request to an issuer. @since 0.1.0 */
export const AuthorizationId = IdString.pipe(Schema.brand("AuthorizationId"))
/** @since 0.1.0 */
export type AuthorizationId = typeof AuthorizationId.Type

/** Identifies a challenge the issuer pushes to a phone. @since 0.1.0 */
export const ChallengeId = IdString.pipe(Schema.brand("ChallengeId"))
/** @since 0.1.0 */
export type ChallengeId = typeof ChallengeId.Type

/**
 * Identifies one operation on an authorized payment (a capture, a void or a refund): the
 * merchant's request id to the gateway, and the gateway's request id to the issuer. A retry reuses
 * it; the clearing items that settle a capture or a refund carry the gateway's.
 *
 * @since 0.2.0
 */
export const OperationId = IdString.pipe(Schema.brand("OperationId"))
/** @since 0.2.0 */
export type OperationId = typeof OperationId.Type

/** Identifies an acquirer's clearing submission to the clearing house. @since 0.2.0 */
export const SubmissionId = IdString.pipe(Schema.brand("SubmissionId"))
/** @since 0.2.0 */
export type SubmissionId = typeof SubmissionId.Type

/** Identifies the clearing house's settlement instruction to one bank for one cycle and currency. @since 0.2.0 */
export const InstructionId = IdString.pipe(Schema.brand("InstructionId"))
/** @since 0.2.0 */
export type InstructionId = typeof InstructionId.Type

/** Numbers a clearing cycle: 1 for the first, one more for each cycle closed. @since 0.2.0 */
export const CycleNumber = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 1_000_000_000 })), Schema.brand("CycleNumber"))
/** @since 0.2.0 */
export type CycleNumber = typeof CycleNumber.Type

/** Identifies an account in a bank's ledger. @since 0.1.0 */
export const AccountId = IdString.pipe(Schema.brand("AccountId"))
/** @since 0.1.0 */
export type AccountId = typeof AccountId.Type

/** Identifies a product in the merchant's catalog. @since 0.1.0 */
export const Sku = IdString.pipe(Schema.brand("Sku"))
/** @since 0.1.0 */
export type Sku = typeof Sku.Type

/**
 * A point in time, in integer milliseconds since the Unix epoch. The core never reads a clock:
 * every input carries its own `now_ms`.
 *
 * @since 0.1.0
 */
export const Timestamp_ms = Schema.Int.pipe(
  Schema.check(Schema.isBetween({ minimum: 0, maximum: 8_640_000_000_000_000 })),
  Schema.brand("Timestamp_ms")
)
/** @since 0.1.0 */
export type Timestamp_ms = typeof Timestamp_ms.Type
