/**
 * What the message reference cannot read from a Schema or a party's codec: what each message is
 * for, what answers it, the rejections its receivers can give it, in the order they check them,
 * and, for the unsigned session messages only, who receives them. Everything else on the
 * reference page (hop, sender, signer roles, the receivers of a signed message, domain tag,
 * fields, types and bounds) is read from the code by `docs/MessageReference.ts`.
 *
 * The tables are data with types tied to the code: a message type without an entry, or a
 * rejection that is not a `Rejection` tag, does not compile. `test/docs.test.ts` also holds them
 * to the source: every rejection listed for a receiver must be constructed in that party's
 * source (its module and the modules it imports from `src/parties/` and `src/settlement/`), and
 * every rejection a party's source constructs must be listed here (or in
 * {@link ACTION_ONLY_REJECTIONS}). The conditions restate `spec/05-rejections.md`.
 */
import type { OpenRejection } from "../src/crypto/Envelope.js"
import type { Rejection } from "../src/domain/Rejection.js"
import type { BrowserRequest, MerchantResponse } from "../src/messages/BrowserMerchant.js"
import type { SignedTag } from "../src/messages/Signed.js"

/** The kinds of party that run a machine, named as their machines are (`Machine.kind`). */
export type PartyKind = "Browser" | "Merchant" | "Gateway" | "Issuer" | "Phone" | "ClearingHouse"

/** Each kind of party as the pages name it in running text. */
export const PARTY_NAMES: { readonly [P in PartyKind]: string } = {
  Browser: "browser",
  Merchant: "merchant",
  Gateway: "gateway",
  Issuer: "issuer",
  Phone: "phone",
  ClearingHouse: "clearing house"
}

/** The unsigned messages of the browser's session with the merchant. */
export type SessionTag = BrowserRequest["_tag"] | MerchantResponse["_tag"]

/** Every message type of v1: the signed ones and the session ones. */
export type MessageTag = SignedTag | SessionTag

/** One way a receiver can refuse a message. */
export interface RejectionCase {
  /** The rejection's `_tag`. */
  readonly rejection: Rejection["_tag"]
  /** The `field` of a `Mismatch` or the `kind` of an `UnknownReference` this case names; several when the field is computed. */
  readonly qualifiers?: ReadonlyArray<string>
  /** For a message with several receivers, the one receiver that makes this check; every receiver when absent. */
  readonly at?: PartyKind
  /** When it happens. */
  readonly when: string
}

/** What the reference says about one message beyond its Schema and its receivers' codecs. */
interface Facts {
  /** What it is for, in one sentence. */
  readonly purpose: string
  /** The message that answers it, for a request. */
  readonly answer?: string
  /** The receiver's own checks after the envelope's, in order: the first that fails wins. */
  readonly rejections: ReadonlyArray<RejectionCase>
  /** A remark, such as the refusals that are declines rather than rejections. */
  readonly note?: string
}

/** The facts of a session message, which no codec names a receiver for: the side of the session that receives it. */
export interface SessionFacts extends Facts {
  readonly receiver: "Browser" | "Merchant"
}

/** The facts of a signed message: its receivers are the parties whose exported `Accepts` codec lists it. */
export interface SignedFacts extends Facts {
  readonly receiver?: never
}

/** What the reference says about one message beyond its Schema. */
export type MessageFacts = SessionFacts | SignedFacts

/**
 * The checks of opening a signed envelope (`Envelope.open`), in order, for every signed message.
 * Typed by `OpenRejection`, so a rejection `open` gains or loses fails to compile here.
 */
export const ENVELOPE_REJECTIONS: { readonly [T in OpenRejection["_tag"]]: string } = {
  DecodeError:
    "not on the signed channel; the envelope is not exactly `{ body, signer, signature }`; the signature is not canonical unpadded base64url; the body is not a message this receiver accepts, lacks a field, has an excess field at any depth, or a value out of bounds",
  UnknownKey: "`signer` is not in the receiver's key registry",
  RevokedKey: "the key is registered but revoked",
  WrongSigner: "the key's role is not one of the signer roles of this message type, or its owner is not the body's `from`",
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

const challengeAnswer = (decision: "approves" | "declines"): SignedFacts => ({
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

/** A merchant's capture, void or refund at the gateway: only a conflict is rejected; every other refusal is a signed `OperationResult`. */
const merchantOperation = (purpose: string, decided: string): SignedFacts => ({
  purpose,
  answer: "OperationResult",
  rejections: [{ rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" }],
  note: `A repeat gets the recorded \`OperationResult\` (nothing while it is being forwarded). A payment that is not an approved payment of this merchant (\`unknown_payment\`), an expired request (\`request_expired\`) or an amount in another currency than the payment's (\`exceeds_remaining\`) is refused with a signed \`OperationResult\`, not rejected. ${decided}`
})

/** The gateway's capture, void or refund at the issuer: only a conflict is rejected; every verdict is a signed `OperationResponse`. */
const issuerOperation = (purpose: string, refusals: string): SignedFacts => ({
  purpose,
  answer: "OperationResponse",
  rejections: [{ rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" }],
  note: `A repeat gets the recorded \`OperationResponse\`. Refusals are answers, not rejections: a signed \`OperationResponse\` with status ${refusals}.`
})

/** Every message's facts, by `_tag`. */
export const MESSAGE_FACTS: { readonly [T in SessionTag]: SessionFacts } & { readonly [T in SignedTag]: SignedFacts } = {
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
    purpose: "The merchant asks its gateway to authorize `amount` from `payer` to `payee`.",
    answer: "AuthorizationResult",
    rejections: [
      { rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" },
      { rejection: "Mismatch", qualifiers: ["payee"], when: "`payee.merchant` is not `from`" }
    ],
    note: "An expired request, or one whose issuer has no active key at the gateway (no route), is not rejected: it is declined with a signed `AuthorizationResult` (`request_expired`, `unknown_account`). A repeat gets the recorded result."
  },
  AuthorizationResult: {
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
    purpose: "The gateway asks the payer's issuer to authorize the payment, vouching for the merchant.",
    answer: "AuthorizationResponse",
    rejections: [{ rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" }],
    note: "Refusals on the merits (request expired, unknown account, currency, no enrolled device, insufficient funds) are declines: a signed `AuthorizationResponse` with that status. A repeat gets the recorded response."
  },
  AuthorizationResponse: {
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
    purpose: "The issuer's confirmation of how challenge `id` ended, so the app can tell the shopper.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["challenge"], when: "the receipt's challenge is unknown" },
      { rejection: "OutOfOrder", when: "the challenge is `Closed` or `Expired` and the receipt's status differs from its outcome (a receipt repeating the outcome is a silent repeat)" }
    ]
  },
  CapturePayment: merchantOperation(
    "The merchant captures `amount` of the hold of payment `paymentId` when the goods ship: all of it, or one of several partial captures that together never exceed the hold. `id` is the capture's own idempotency key.",
    "The issuer decides whether the hold covers the capture: the gateway forwards it as a `CaptureRequest` and relays the issuer's verdict."
  ),
  VoidPayment: merchantOperation(
    "The merchant voids payment `paymentId` (the order was cancelled): whatever its hold still reserves is released to the shopper.",
    "The issuer decides whether there is still a hold to void: the gateway forwards it as a `VoidRequest` and relays the issuer's verdict."
  ),
  RefundPayment: merchantOperation(
    "The merchant refunds `amount` of what it captured on payment `paymentId` (goods came back); several partial refunds never exceed the captures. The same fields as `CapturePayment`: only the domain tag tells a refund from a capture.",
    "The gateway, which pays for refunds, is the one that refuses too much: a refund beyond what was captured, less what was refunded and what is being refunded (`exceeds_remaining`). It forwards the rest as a `RefundRequest`."
  ),
  OperationResult: {
    purpose:
      "The gateway's answer to the capture, void or refund `id`: `accepted` with the amount that moved (captured, released or refunded), or why it was refused, with an amount of zero. The merchant's figures move on nothing else.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["operation"], when: "`id` is not a capture, void or refund this merchant asked for" },
      { rejection: "UnknownReference", qualifiers: ["payment"], when: "the operation's payment is missing (cannot happen in a consistent state)" },
      { rejection: "Mismatch", qualifiers: ["gateway"], when: "`from` is not the merchant's configured gateway" },
      { rejection: "Mismatch", qualifiers: ["paymentId"], when: "`paymentId` is not the operation's payment" },
      { rejection: "Mismatch", qualifiers: ["operation"], when: "`operation` is not the kind of operation asked for" },
      {
        rejection: "Mismatch",
        qualifiers: ["amount"],
        when: "`amount` is in another currency than the payment's, or an accepted capture or refund moved another amount than the one asked for"
      },
      { rejection: "OutOfOrder", when: "the operation was already decided and this result's status differs (the same status again is a silent repeat)" }
    ]
  },
  CaptureRequest: issuerOperation(
    "The gateway asks the issuer to capture `amount` of the hold placed for authorization `authorizationId`: posted from the customer's account to `scheme-payable`.",
    "`unknown_payment` (no authorization `from/authorizationId` with this `paymentId` that was approved), `request_expired`, `exceeds_remaining` (another currency than the hold's, or more than the hold still reserves), `hold_closed` (voided or fully captured), `hold_expired` (at or after the hold's expiry)"
  ),
  VoidRequest: issuerOperation(
    "The gateway asks the issuer to void the hold of authorization `authorizationId`, releasing whatever it still reserves.",
    "`unknown_payment`, `request_expired`, `hold_expired` (at or after the hold's expiry), `hold_closed` (voided or fully captured already). A void after partial captures is accepted and releases the remainder"
  ),
  RefundRequest: issuerOperation(
    "The gateway tells the issuer to credit `amount` back to the customer for authorization `authorizationId`: posted from `scheme-payable` to the customer's account. The gateway has already checked it against what was captured.",
    "`unknown_payment`, `request_expired`, `exceeds_remaining` (nothing was captured on the hold). The issuer does not check the amount against the captures: the gateway, which pays for refunds, does"
  ),
  OperationResponse: {
    purpose:
      "The issuer's answer to the capture, void or refund `id`: `accepted` with what moved, or why it was refused, with an amount of zero. The gateway relays it to the merchant as an `OperationResult` and, for an accepted capture or refund, books it and queues it for clearing.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["operation"], when: "`id` is not an operation id this gateway issued" },
      { rejection: "Mismatch", qualifiers: ["issuer"], when: "`from` is not the payment's `payer.issuer`" },
      { rejection: "Mismatch", qualifiers: ["authorizationId"], when: "`authorizationId` is not the payment's authorization" },
      { rejection: "Mismatch", qualifiers: ["operation"], when: "`operation` is not the kind of operation forwarded" },
      {
        rejection: "Mismatch",
        qualifiers: ["amount"],
        when: "`amount` is in another currency than the payment's, or an accepted capture or refund moved another amount than the one forwarded"
      },
      { rejection: "OutOfOrder", when: "the operation is no longer `Forwarding` and this response differs from the one that decided it (an exact copy is a silent repeat)" },
      { rejection: "Mismatch", qualifiers: ["ledger"], when: "the acquirer's ledger refuses to book the capture or refund (cannot happen in a consistent state)" }
    ]
  },
  ClearingSubmission: {
    purpose:
      "The acquirer submits captures and refunds the issuers accepted, for clearing in the cycle that is open when the submission first arrives, each item with its issuer's signature on its acceptance of that operation. Each item is cleared in exactly one cycle.",
    answer: "SubmissionReceipt",
    rejections: [
      { rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" },
      { rejection: "Mismatch", qualifiers: ["acquirer"], when: "an item's `acquirer` is not `from`: an acquirer submits only its own items" },
      { rejection: "IdempotencyConflict", when: "an item was cleared before, in any cycle and under any submission id, or appears twice in the submission" },
      { rejection: "UnknownReference", qualifiers: ["settlement account"], when: "an item's issuer or acquirer holds no settlement account in the item's currency at the settlement bank" },
      {
        rejection: "Mismatch",
        qualifiers: ["issuerSignature"],
        when: "an item's `issuerSignature` is not its issuer's signature on its acceptance of that very operation: opened as an envelope of the `OperationResponse` rebuilt from the item (`Clearing.acceptanceOf`), its key is unknown, revoked, not an `issuer`-role key of the item's `issuer`, or its signature does not verify; the whole submission is refused"
      },
      { rejection: "UnknownReference", qualifiers: ["cycle"], when: "the open cycle is missing (cannot happen in a consistent state)" },
      {
        rejection: "InvalidRequest",
        when: "the cycle is full: with these items a bank would have more than `MAX_CLEARING_ITEMS` items in one currency (the clearing house's `cycleItems`, if fewer), or a net position beyond `MAX_AMOUNT_MINOR` either way; the acquirer's retry clears it in the next cycle"
      }
    ],
    note: "A repeat gets the recorded `SubmissionReceipt`, byte for byte, whatever cycle is open now: a replayed submission is never cleared twice."
  },
  SubmissionReceipt: {
    purpose: "The clearing house accepted submission `id` into cycle `cycle`.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["submission"], when: "`id` is not a submission of this gateway" },
      { rejection: "Mismatch", qualifiers: ["clearingHouse"], when: "`from` is not the gateway's configured clearing house" },
      { rejection: "OutOfOrder", when: "the submission was already receipted into another cycle (a receipt for the same cycle is a silent repeat)" }
    ]
  },
  SettlementInstruction: {
    purpose:
      "The clearing house tells bank `to` its net `position` in `currency` for cycle `cycle`, already moved on its account at the settlement bank, with every item it nets. The bank reconciles every item with its own books, posts the position once, and confirms.",
    answer: "SettlementConfirmation",
    rejections: [
      { rejection: "Mismatch", qualifiers: ["clearingHouse"], when: "`from` is not the clearing house the bank settles through (its `clearingHouse`)" },
      { rejection: "IdempotencyConflict", when: "`from/id` was already received with another body (not answered)" },
      { rejection: "Mismatch", qualifiers: ["acquirer"], at: "Gateway", when: "an item's `acquirer` is not this gateway" },
      { rejection: "Mismatch", qualifiers: ["issuer"], at: "Issuer", when: "an item's `issuer` is not this issuer" },
      { rejection: "Mismatch", qualifiers: ["currency"], when: "an item is in another currency than the instruction's" },
      { rejection: "IdempotencyConflict", when: "an item was settled before by this bank, or appears twice in the instruction" },
      {
        rejection: "UnknownReference",
        qualifiers: ["submitted capture", "submitted refund"],
        at: "Gateway",
        when: "an item is not, field for field, an item of one of the gateway's receipted submissions"
      },
      {
        rejection: "UnknownReference",
        qualifiers: ["cleared capture", "cleared refund"],
        at: "Issuer",
        when: "the issuer posted no capture or refund for that acquirer's operation id, for that amount and currency"
      },
      { rejection: "Mismatch", qualifiers: ["position"], when: "`position` is not what the items net to for this bank" },
      { rejection: "InvalidRequest", when: "the bank's ledger refuses the postings (cannot happen in a consistent state)" }
    ],
    note: "A repeat gets the recorded `SettlementConfirmation` again and posts nothing. An instruction rejected because the bank has not yet seen its receipt or its items is retried by the clearing house until it reconciles."
  },
  SettlementConfirmation: {
    purpose: "Bank `from` has posted settlement instruction `id` of cycle `cycle`; when every bank of the cycle has confirmed, the cycle is settled.",
    rejections: [
      { rejection: "UnknownReference", qualifiers: ["instruction"], when: "`id` is not an instruction this clearing house sent" },
      { rejection: "Mismatch", qualifiers: ["bank"], when: "`from` is not the bank the instruction was sent to" },
      { rejection: "Mismatch", qualifiers: ["cycle"], when: "`cycle` is not the instruction's cycle" },
      { rejection: "UnknownReference", qualifiers: ["cycle"], when: "the instruction's cycle is missing (cannot happen in a consistent state)" }
    ],
    note: "A confirmation of an instruction already confirmed is a silent repeat: the bank confirms every retry of the instruction."
  }
}

/**
 * Rejections a party's source constructs for a person's action rather than for a message: they
 * are listed in `spec/05-rejections.md`, not on the message reference.
 */
export const ACTION_ONLY_REJECTIONS: { readonly [P in PartyKind]: ReadonlyArray<RejectionCase> } = {
  Browser: [{ rejection: "OutOfOrder", when: "a shopper's action the screen does not allow, a full cart, or an empty cart" }],
  Merchant: [
    { rejection: "UnknownReference", qualifiers: ["payment"], when: "the back office named a payment the merchant does not have" },
    {
      rejection: "InvalidRequest",
      when: "the back office's capture, void or refund cannot be right on the figures the gateway confirmed: the payment is not authorized or captured, is voided, its hold has expired (capture), the amount is not a positive integer, or it is more than the hold has left (capture) or than was captured and not refunded (refund); or the outbox is full"
    }
  ],
  Gateway: [],
  Issuer: [],
  ClearingHouse: [
    { rejection: "UnknownReference", qualifiers: ["cycle"], when: "the operator closed a cycle that is missing (cannot happen in a consistent state)" },
    {
      rejection: "InvalidRequest",
      when: "the operator's `CloseCycle` cannot be carried out: the open cycle is the last a cycle number can hold, a bank's items or position would not fit one instruction, the outbox cannot take the instructions, the settlement bank's ledger refuses the postings, or a bank id is too long for an instruction id"
    }
  ],
  Phone: [
    { rejection: "UnknownReference", qualifiers: ["challenge"], when: "the shopper answered a challenge the phone does not have" },
    { rejection: "OutOfOrder", when: "the shopper answered a challenge that is not pending" },
    { rejection: "Expired", when: "the shopper answered after the challenge's expiry" }
  ]
}
