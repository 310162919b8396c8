/**
 * Every signed message of the protocol, and the one role allowed to sign each.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type { MessageCodec } from "../crypto/Envelope.js"
import type { Role } from "../crypto/KeyRegistry.js"
import { ClearingSubmission, SettlementConfirmation, SettlementInstruction, SubmissionReceipt } from "./Clearing.js"
import { AuthorizationRequest, AuthorizationResponse, CaptureRequest, OperationResponse, RefundRequest, VoidRequest } from "./GatewayIssuer.js"
import { Challenge, ChallengeApproval, ChallengeDecline, ChallengeReceipt } from "./IssuerPhone.js"
import { AuthorizationResult, AuthorizePayment, CapturePayment, OperationResult, RefundPayment, VoidPayment } from "./MerchantGateway.js"

/** Every signed message, as one Schema union. @category messages @since 0.1.0 */
export const SignedMessage = Schema.Union([
  AuthorizePayment,
  AuthorizationResult,
  AuthorizationRequest,
  AuthorizationResponse,
  Challenge,
  ChallengeApproval,
  ChallengeDecline,
  ChallengeReceipt,
  CapturePayment,
  VoidPayment,
  RefundPayment,
  OperationResult,
  CaptureRequest,
  VoidRequest,
  RefundRequest,
  OperationResponse,
  ClearingSubmission,
  SubmissionReceipt,
  SettlementInstruction,
  SettlementConfirmation
])
/** @since 0.1.0 */
export type SignedMessage = typeof SignedMessage.Type

/** The tag of a signed message type. @since 0.1.0 */
export type SignedTag = SignedMessage["_tag"]

/**
 * The roles whose keys may sign each message type: one role, except for the settlement
 * confirmation, which every kind of bank sends. An envelope signed by a key of any other role is
 * rejected with `WrongSigner`, even if the signature is valid.
 *
 * @since 0.1.0
 */
export const SIGNER_ROLES: { readonly [T in SignedTag]: ReadonlyArray<Role> } = {
  AuthorizePayment: ["merchant"],
  AuthorizationResult: ["gateway"],
  AuthorizationRequest: ["gateway"],
  AuthorizationResponse: ["issuer"],
  Challenge: ["issuer"],
  ChallengeApproval: ["device"],
  ChallengeDecline: ["device"],
  ChallengeReceipt: ["issuer"],
  CapturePayment: ["merchant"],
  VoidPayment: ["merchant"],
  RefundPayment: ["merchant"],
  OperationResult: ["gateway"],
  CaptureRequest: ["gateway"],
  VoidRequest: ["gateway"],
  RefundRequest: ["gateway"],
  OperationResponse: ["issuer"],
  ClearingSubmission: ["gateway"],
  SubmissionReceipt: ["clearing"],
  SettlementInstruction: ["clearing"],
  SettlementConfirmation: ["issuer", "gateway"]
}

/**
 * A codec for a subset of the signed messages: the ones a given party accepts. Opening anything
 * else fails with `DecodeError`.
 *
 * @since 0.1.0
 */
export const codecOf = <B extends SignedMessage>(schema: Schema.Codec<B, unknown>): MessageCodec<B> => ({
  schema,
  signerRoles: (tag) => SIGNER_ROLES[tag]
})

/** The codec of every signed message, used to seal anything a party sends. @since 0.1.0 */
export const AnySigned: MessageCodec<SignedMessage> = codecOf(SignedMessage)
