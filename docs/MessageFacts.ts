/**
 * What the message reference cannot read from a Schema: who receives each message, what it is
 * for, what answers it, and the rejections its receiver can give it, in the order the receiver
 * checks them. Everything else on the reference page (hop, sender, signer role, domain tag,
 * fields, types and bounds) is read from the code by `docs/MessageReference.ts`.
 *
 * The tables are data with types tied to the code: a message type without an entry, or a
 * rejection that is not a `Rejection` tag, does not compile. `test/docs.test.ts` also holds them
 * to the source: each receiver must accept the message in its `codecOf(...)`, every rejection
 * listed for a receiver must be constructed in that party's source, and every rejection a party's
 * source constructs must be listed here (or in {@link ACTION_ONLY_REJECTIONS}). The conditions
 * restate `spec/05-rejections.md`.
 */
import type { OpenRejection } from "../src/crypto/Envelope.js"
import type { Rejection } from "../src/domain/Rejection.js"
import type { BrowserRequest, MerchantResponse } from "../src/messages/BrowserMerchant.js"
import type { SignedTag } from "../src/messages/Signed.js"

/** The kinds of party that run a machine. */
export type PartyKind = "Browser" | "Merchant" | "Gateway" | "Issuer" | "Phone"

/** Every message type of v1: the signed ones and the session ones. */
export type MessageTag = SignedTag | BrowserRequest["_tag"] | MerchantResponse["_tag"]

/** One way a receiver can refuse a message. */
export interface RejectionCase {
  /** The rejection's `_tag`. */
  readonly rejection: Rejection["_tag"]
  /** The `field` of a `Mismatch` or the `kind` of an `UnknownReference` this case names; several when the field is computed. */
  readonly qualifiers?: ReadonlyArray<string>
  /** When it happens. */
  readonly when: string
}

/** What the reference says about one message beyond its Schema. */
export interface MessageFacts {
  /** The party that receives it. */
  readonly receiver: PartyKind
  /** What it is for, in one sentence. */
  readonly purpose: string
  /** The message that answers it, for a request. */
  readonly answer?: string
  /** The receiver's own checks after the envelope's, in order: the first that fails wins. */
  readonly rejections: ReadonlyArray<RejectionCase>
  /** A remark, such as the refusals that are declines rather than rejections. */
  readonly note?: string
}

/**
 * The checks of opening a signed envelope (`Envelope.open`), in order, for every signed message.
 * Typed by `OpenRejection`, so a rejection `open` gains or loses fails to compile here.
 */
export const ENVELOPE_REJECTIONS: { readonly [T in OpenRejection["_tag"]]: string } = {
  DecodeError:
    "not on the signed channel; the envelope is not exactly `{ body, signer, signature }`; the signature is not canonical unpadded base64url; the body is not a message this receiver accepts, lacks a field, has an excess field at any depth, or a value out of bounds",
  UnknownKey: "`signer` is not in the receiver's key registry",
  RevokedKey: "the key is registered but revoked",
  WrongSigner: "the key's role is not the signer role of this message type, or its owner is not the body's `from`",
  BadSignature: "the signature fails the strict policy or does not verify over the domain tag and the canonical body",
  WrongRecipient: "an authentic message whose `to` is another party"
}

/** The merchant's refusal of a session payload that is not a browser request; it is not answered. */
const notABrowserRequest: RejectionCase = {
  rejection: "DecodeError",
  when: "the payload is not a browser request this merchant understands (not answered: there is no request id to answer)"
}

const unknownOrder: RejectionCase = {
  rejection: "UnknownReference",
  qualifiers: ["order"],
  when: "the order does not exist, or belongs to another session"
}

const refusedNote = "Every rejection but `DecodeError` is answered with a `RequestRefused` naming the request, and changes nothing."

const challengeAnswer = (decision: "approves" | "declines"): MessageFacts => ({
  receiver: "Issuer",
  purpose: `The shopper ${decision} the challenge on the phone: signed with the enrolled device key over every field of the payment (dynamic linking); the decision is the message type, bound by the domain tag.`,
  answer: "ChallengeReceipt",
  rejections: [
    { rejection: "UnknownReference", qualifiers: ["challenge"], when: "`id` is not a challenge this issuer issued" },
    { rejection: "DeviceNotEnrolled", when: "`from` is not in the challenged account's `devices`" },
    { rejection: "Mismatch", qualifiers: ["device"], when: "`from` is enrolled but is not the device the challenge was sent to" },
    {
      rejection: "OutOfOrder",
      when: "the challenge was already closed by an answer with another fingerprint (other fields, or the other decision); an exact repeat gets the recorded receipt, and any answer to an expired challenge gets the expiry receipt again"
    },
    { rejection: "Expired", when: "the challenge is still pending but `now_ms >= expiresAt_ms`" },
    {
      rejection: "Mismatch",
      qualifiers: ["account", "paymentId", "amount", "payee", "expiresAt_ms"],
      when: "the answer does not name exactly what was challenged (the first differing field, in that order); the challenge stays pending"
    },
    { rejection: "UnknownReference", qualifiers: ["authorization"], when: "the challenge's authorization is missing (cannot happen in a consistent state)" }
  ]
})

/** Every message's facts, by `_tag`. */
export const MESSAGE_FACTS: { readonly [T in MessageTag]: MessageFacts } = {
  CreateOrder: {
    receiver: "Merchant",
    purpose: "Confirm the cart as a new order.",
    answer: "OrderView or RequestRefused",
    rejections: [
      notABrowserRequest,
      { rejection: "IdempotencyConflict", when: "this session already used this `requestId` for a `CreateOrder` with another body" },
      { rejection: "InvalidRequest", when: "a line's SKU is not in the catalog" },
      { rejection: "InvalidRequest", when: "the order's total, with the most expensive delivery option, could exceed `MAX_AMOUNT_MINOR`" }
    ],
    note: refusedNote
  },
  SelectDelivery: {
    receiver: "Merchant",
    purpose: "Choose the delivery option of an order.",
    answer: "OrderView or RequestRefused",
    rejections: [notABrowserRequest, unknownOrder, { rejection: "OutOfOrder", when: "the order is `Paying` or `Paid`" }],
    note: refusedNote
  },
  SetShippingAddress: {
    receiver: "Merchant",
    purpose: "Set the shipping address of an order.",
    answer: "OrderView or RequestRefused",
    rejections: [notABrowserRequest, unknownOrder, { rejection: "OutOfOrder", when: "the order is `Paying` or `Paid`" }],
    note: refusedNote
  },
  PayNow: {
    receiver: "Merchant",
    purpose: "\"Pay now\": pay the order's total, as the shopper saw it, from the named account.",
    answer: "OrderView or RequestRefused",
    rejections: [
      notABrowserRequest,
      unknownOrder,
      { rejection: "OutOfOrder", when: "the order is `Open` (delivery or address missing)" },
      { rejection: "Mismatch", qualifiers: ["total"], when: "the request's `total` is not the order's total" },
      { rejection: "InvalidRequest", when: "the order's total is zero: there is nothing to pay" },
      { rejection: "InvalidRequest", when: "the outbox is full (too many payments in flight)" }
    ],
    note: `A \`PayNow\` for an order that is already \`Paying\` or \`Paid\` is answered with the current \`OrderView\` and starts no second payment. ${refusedNote}`
  },
  GetOrder: {
    receiver: "Merchant",
    purpose: "Ask for the order as it stands (polling, and finding the order again after a refresh).",
    answer: "OrderView or RequestRefused",
    rejections: [notABrowserRequest, unknownOrder],
    note: refusedNote
  },
  OrderView: {
    receiver: "Browser",
    purpose: "The merchant's answer to every request it accepts: the order as it now stands.",
    rejections: [
      { rejection: "DecodeError", when: "the payload is not an `OrderView` or a `RequestRefused`" },
      { rejection: "UnknownReference", qualifiers: ["request"], when: "not from the browser's merchant, nothing is in flight, or its `requestId` is not the one in flight (a late or duplicate answer)" }
    ]
  },
  RequestRefused: {
    receiver: "Browser",
    purpose: "The merchant refused a request; `reason` says why in words the shop can show.",
    rejections: [
      { rejection: "DecodeError", when: "the payload is not an `OrderView` or a `RequestRefused`" },
      { rejection: "UnknownReference", qualifiers: ["request"], when: "not from the browser's merchant, nothing is in flight, or its `requestId` is not the one in flight" }
    ]
  },
  AuthorizePayment: {
    receiver: "Gateway",
    purpose: "The merchant asks its gateway to authorize `amount` from `payer` to `payee`.",
    answer: "AuthorizationResult",
    rejections: [
      { rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" },
      { rejection: "Mismatch", qualifiers: ["payee"], when: "`payee.merchant` is not `from`" }
    ],
    note: "An expired request, or one whose issuer has no active key at the gateway (no route), is not rejected: it is declined with a signed `AuthorizationResult` (`request_expired`, `unknown_account`). A repeat gets the recorded result."
  },
  AuthorizationResult: {
    receiver: "Merchant",
    purpose: "The gateway's answer to `AuthorizePayment` `id`: approved (funds held until `holdExpiresAt_ms`) or declined with a reason. The merchant marks an order paid on nothing else.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["payment"], when: "`id` is not a payment of this merchant" },
      { rejection: "Mismatch", qualifiers: ["gateway"], when: "`from` is not the merchant's configured gateway" },
      { rejection: "Mismatch", qualifiers: ["holdExpiresAt_ms"], when: "`approved` without a hold expiry, or a decline with one" },
      { rejection: "Mismatch", qualifiers: ["orderId"], when: "`orderId` differs from the payment's" },
      { rejection: "Mismatch", qualifiers: ["amount"], when: "`amount` differs from the payment's" },
      { rejection: "OutOfOrder", when: "the payment is no longer `Authorizing` (a duplicate result)" },
      { rejection: "UnknownReference", qualifiers: ["order"], when: "the payment's order is missing (cannot happen in a consistent state)" }
    ]
  },
  AuthorizationRequest: {
    receiver: "Issuer",
    purpose: "The gateway asks the payer's issuer to authorize the payment, vouching for the merchant.",
    answer: "AuthorizationResponse",
    rejections: [{ rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" }],
    note: "Refusals on the merits (request expired, unknown account, currency, no enrolled device, insufficient funds) are declines: a signed `AuthorizationResponse` with that status. A repeat gets the recorded response."
  },
  AuthorizationResponse: {
    receiver: "Gateway",
    purpose: "The issuer's answer to `AuthorizationRequest` `id`, once the authorization is decided.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["authorization"], when: "`id` is not an authorization id this gateway issued" },
      { rejection: "Mismatch", qualifiers: ["issuer"], when: "`from` is not the payment's `payer.issuer`" },
      { rejection: "Mismatch", qualifiers: ["paymentId"], when: "`paymentId` is not the merchant's payment id" },
      { rejection: "Mismatch", qualifiers: ["amount"], when: "`amount` is not the merchant's amount" },
      { rejection: "Mismatch", qualifiers: ["holdExpiresAt_ms"], when: "`approved` without a hold expiry, or a decline with one" },
      { rejection: "OutOfOrder", when: "the payment is no longer `Forwarding` and this response differs from the one that decided it (an exact copy is a silent repeat)" }
    ]
  },
  Challenge: {
    receiver: "Phone",
    purpose: "The issuer asks the phone enrolled for `account` to approve a payment: the exact amount, payee and deadline the shopper sees.",
    answer: "ChallengeApproval or ChallengeDecline",
    rejections: [
      { rejection: "IdempotencyConflict", when: "a challenge with this id is known with a different body (an identical copy changes nothing)" },
      { rejection: "Expired", when: "a new challenge arrives at or after its `expiresAt_ms`" }
    ]
  },
  ChallengeApproval: challengeAnswer("approves"),
  ChallengeDecline: challengeAnswer("declines"),
  ChallengeReceipt: {
    receiver: "Phone",
    purpose: "The issuer's confirmation of how challenge `id` ended, so the app can tell the shopper.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["challenge"], when: "the receipt's challenge is unknown" },
      { rejection: "OutOfOrder", when: "the challenge is `Closed` or `Expired` and the receipt's status differs from its outcome (a receipt repeating the outcome is a silent repeat)" }
    ]
  }
}

/**
 * Rejections a party's source constructs for a person's action rather than for a message: they
 * are listed in `spec/05-rejections.md`, not on the message reference.
 */
export const ACTION_ONLY_REJECTIONS: { readonly [P in PartyKind]: ReadonlyArray<RejectionCase> } = {
  Browser: [{ rejection: "OutOfOrder", when: "a shopper's action the screen does not allow, a full cart, or an empty cart" }],
  Merchant: [],
  Gateway: [],
  Issuer: [],
  Phone: [
    { rejection: "UnknownReference", qualifiers: ["challenge"], when: "the shopper answered a challenge the phone does not have" },
    { rejection: "OutOfOrder", when: "the shopper answered a challenge that is not pending" },
    { rejection: "Expired", when: "the shopper answered after the challenge's expiry" }
  ]
}
