/**
 * The explorer's scopes: what a world may do, small enough to enumerate every reachable state.
 * A scope fixes the topology (the harness's standard one: one merchant, gateway and issuer, two
 * customers with a phone each, and the clearing house; the insider scopes add a second merchant
 * or acquirer and hand one party's key to the attacker), how many payments the shopper makes,
 * which back-office operations the merchant's staff may ask for, whether the clearing house
 * closes cycles, the fault budget (at most `k` drops, duplicates, replays, forgeries, crashes,
 * messages signed by the insider and garbled requests from the shopper in a whole path) and how many times a path may move the clock to
 * a deadline or to the end of a request's retention. Time must be bounded: every tick schedules the next retry or poll,
 * so a clock free to move would make the states endless. Liveness still lets time pass freely,
 * from every quiet state (`Explorer.ts`).
 *
 * The table grows one knob at a time, as the README's table of figures does.
 *
 * @since 0.5.0
 */
import { STANDARD, type Limits, type Scope } from "../harness/Scope.js"

/** The faults a path may contain, each counted over the whole path. @category explorer @since 0.5.0 */
export interface FaultBudget {
  readonly drops: number
  readonly duplicates: number
  /** Replays of a packet the attacker recorded on the wire, to its addressee or to any other party. */
  readonly replays: number
  /** Forgeries by an attacker with no key, made from a recorded signed packet and sent to its addressee. */
  readonly forgeries: number
  readonly crashes: number
  /** Messages the insider (the scope's compromised party) signs with its real key, as its own, from recorded ones (`src/harness/Insider.ts`). */
  readonly impersonations: number
  /**
   * Messages of the insider's own, recorded on the wire, each with one field changed to a
   * plausible other value and signed again with its key, sent to their recipient: what the
   * harness's sweep lets an insider do (`src/harness/Sweep.ts`), such as an acquirer saying one
   * operation's verdict under another's id.
   */
  readonly insiderTampers: number
  /** Requests a shopper's page would never write, sent by the shopper on their own session: a request the page sent so far, garbled (`Forgery.everyGarbling`). */
  readonly garbles: number
  /** Clock moves to a deadline (a millisecond before, at or after it). */
  readonly clockMoves: number
  /** Clock moves to the end of retention of a request on the wire, 30 days after its expiry (a millisecond before, at or after it; spec 4.9), once the people are done and nothing is in flight. */
  readonly retentionMoves: number
}

/**
 * A back-office operation a scope's staff may ask for, as many times per path as the scope lists
 * it; `shipPart` is part of the order shipped and the rest cancelled: a capture of one minor unit
 * and a void, both asked for at once; `refundCaptured` is a refund of all that was captured,
 * whatever was refunded already: a misclick, which the merchant must refuse itself once any of
 * it was refunded; `captureSecond` is a capture of the second of the merchants' live payments
 * (in the order of the merchants), where a scope has two (the first when it has one).
 *
 * @category explorer
 * @since 0.5.0
 */
export type StaffOperation = "capture" | "void" | "refund" | "shipPart" | "refundCaptured" | "captureSecond"

/** One scope of exploration. @category explorer @since 0.5.0 */
export interface ExploreScope {
  readonly name: string
  /** One line for `--help` and the docs. */
  readonly description: string
  /** The parties, as the harness builds them (`STANDARD` but for the insider scopes), and the insider if any. The shopper is always the first customer. */
  readonly topology: Scope
  /** Who shops: indexes into the topology's customers (each browser is one), the first alone when not given. */
  readonly shoppers?: ReadonlyArray<number>
  /** Whether each shopper clicks "pay now" only once the shoppers before them have spent their clicks and their pages show the result: checkouts one after another, the rest of the world (captures, settlement) still interleaved with them. */
  readonly shoppersInTurn?: boolean
  /** How many times each shopper clicks "pay now" (a fresh order each time the page shows approved). */
  readonly payments: number
  /** The operations the merchant's staff ask for, in any order, each as many times as it is listed (a refund is of all that is left, as the merchant counts it). */
  readonly staff: ReadonlyArray<StaffOperation>
  /** Whether the clock moves to a deadline only when nothing is in flight (time passing while the network is idle), not in any state. */
  readonly clockWhenQuiet?: boolean
  /**
   * Whether the clock moves only once the insider has signed all it may (its impersonation budget
   * spent), only while the insider's packets are all that is in flight, and only to the expiry of
   * one of them, a millisecond before, at or after it: time passing on the insider's own message,
   * the honest parties' deadlines being the other clock scopes' concern.
   */
  readonly clockOnInsider?: boolean
  /** Whether the clearing house closes a cycle once it holds items. */
  readonly settle: boolean
  readonly faults: FaultBudget
}

const NO_FAULTS: FaultBudget = { drops: 0, duplicates: 0, replays: 0, forgeries: 0, crashes: 0, impersonations: 0, insiderTampers: 0, garbles: 0, clockMoves: 0, retentionMoves: 0 }
const ONE_CLOCK_MOVE: FaultBudget = { ...NO_FAULTS, clockMoves: 1 }
const ONE_REPLAY: FaultBudget = { ...NO_FAULTS, replays: 1 }
const ONE_FORGERY: FaultBudget = { ...NO_FAULTS, forgeries: 1 }
const ONE_IMPERSONATION: FaultBudget = { ...NO_FAULTS, impersonations: 1 }
const ONE_INSIDER_TAMPER: FaultBudget = { ...NO_FAULTS, insiderTampers: 1 }
const ONE_EACH: FaultBudget = { ...NO_FAULTS, drops: 1, duplicates: 1, crashes: 1 }

/** A scope of one payment in the standard topology, a capture and a refund, the cycle settled, with `faults`, which `what` says. */
const refundSettled = (name: string, what: string, faults: FaultBudget): ExploreScope => ({
  name,
  topology: STANDARD,
  description: `one payment, a capture and a refund, the cycle settled, ${what}`,
  payments: 1,
  staff: ["capture", "refund"],
  settle: true,
  faults
})

/**
 * `refundSettled` with a bank taking at most one item in a currency in a cycle and a gateway
 * submitting one item at a time, the refund's item so clearing in a second cycle; with `faults`
 * and any other bound `limits` lowers, which `what` says.
 */
const cycleOfOne = (name: string, what: string, faults: FaultBudget, limits: Limits = {}): ExploreScope => ({
  ...refundSettled(
    name,
    `with a bank taking at most one item in a currency in a cycle and a gateway submitting one item at a time: the refund's submission is refused while the capture is in the open cycle, and clears in the next, ${what}`,
    faults
  ),
  topology: { ...STANDARD, limits: { ...limits, cycleItems: 1 } }
})

/**
 * `pay-two-browsers` with the merchant keeping at most one request in flight, with `faults`,
 * which `what` says: the second browser's payment is refused until the first's is answered.
 */
const twoBrowsersOneInFlight = (name: string, what: string, faults: FaultBudget): ExploreScope => ({
  name,
  topology: { ...ONE_IN_FLIGHT, twoBrowsers: true },
  shoppers: [1, 2],
  description: `pay-two-browsers with the merchant keeping at most one request in flight: the second browser's payment is refused until the first's is answered, and its page asks again, ${what}`,
  payments: 1,
  staff: [],
  settle: false,
  faults
})

/**
 * {@link cycleOfOne} with the clearing house keeping at most two instructions unconfirmed, with
 * `faults`, which `what` says.
 */
const clearingOutboxOfTwo = (name: string, what: string, faults: FaultBudget): ExploreScope =>
  cycleOfOne(
    name,
    `and the clearing house keeping at most two instructions unconfirmed, one per settlement account: the refund's cycle is not closed while an instruction of the capture's is unconfirmed (outbox full), ${what}`,
    faults,
    { clearingOutbox: 2 }
  )

/** One fault of each kind a bound is explored with, besides none: a scope's name suffix, what it allows, its budget. */
const ONE_FAULT = [
  ["-drop", "at most one drop of any packet", { ...NO_FAULTS, drops: 1 }],
  ["-dup", "at most one duplicate of any packet", { ...NO_FAULTS, duplicates: 1 }],
  ["-crash", "at most one crash and restart of any party", { ...NO_FAULTS, crashes: 1 }]
] as const

/** Two faults of different kinds at once, explored at the two smaller bounds: a scope's name suffix, what it allows, its budget. */
const TWO_FAULTS = [
  ["-drop-dup", "at most one drop and one duplicate of any packet", { ...NO_FAULTS, drops: 1, duplicates: 1 }],
  ["-drop-crash", "at most one drop of any packet and one crash and restart of any party", { ...NO_FAULTS, drops: 1, crashes: 1 }]
] as const

/** The standard topology with each merchant keeping at most one request to its gateway in flight. */
const ONE_IN_FLIGHT: Scope = { ...STANDARD, limits: { merchantOutbox: 1 } }

/** The standard topology with the other customer's phone the attacker's. */
const OTHER_PHONE_INSIDER: Scope = { ...STANDARD, insider: { kind: "phone", index: 1 } }
/** Two merchants at one acquirer, the second the attacker's: the shopper pays at the first. */
const TWO_MERCHANTS_INSIDER: Scope = { ...STANDARD, merchants: 2, insider: { kind: "merchant", index: 1 } }
/** Two merchants, each at its own acquirer, the second acquirer the attacker's: the shopper pays at the first merchant. */
const TWO_ACQUIRERS_INSIDER: Scope = { ...STANDARD, merchants: 2, gateways: 2, insider: { kind: "gateway", index: 1 } }

/** Two merchants at one acquirer, the first pricing in euros and the second in dollars; the first customer's account is in euros and the second's in dollars, so each shops at the merchant of their currency. */
const TWO_CURRENCIES: Scope = { ...STANDARD, merchants: 2, currencies: 2 }

/** The standard topology with the shopper's own merchant the attacker's. */
const OWN_MERCHANT_INSIDER: Scope = { ...STANDARD, insider: { kind: "merchant", index: 0 } }
/** The standard topology with the shopper's merchant's acquirer the attacker's. */
const OWN_ACQUIRER_INSIDER: Scope = { ...STANDARD, insider: { kind: "gateway", index: 0 } }

/**
 * The scopes, smallest first; each adds one knob to one before it. Every scope checks liveness
 * from each quiet state, with time passing freely there; `clockMoves` counts only the moves a
 * path makes before it.
 *
 * @category explorer
 * @since 0.5.0
 */
export const SCOPES: ReadonlyArray<ExploreScope> = [
  { name: "pay", topology: STANDARD, description: "one payment, approved or declined, no faults", payments: 1, staff: [], settle: false, faults: NO_FAULTS },
  { name: "pay-k1", topology: STANDARD, description: "one payment, at most one drop, one duplicate and one crash", payments: 1, staff: [], settle: false, faults: ONE_EACH },
  { name: "pay-clock", topology: STANDARD, description: "one payment, the clock moved once to a pending expiry (a millisecond before, at or after it) or retry", payments: 1, staff: [], settle: false, faults: ONE_CLOCK_MOVE },
  { name: "pay-drop-late", topology: STANDARD, clockWhenQuiet: true, description: "one payment, at most one drop, and one clock move to a pending expiry (a millisecond before, at or after it) or retry while nothing is in flight", payments: 1, staff: [], settle: false, faults: { ...NO_FAULTS, drops: 1, clockMoves: 1 } },
  { name: "pay-replay", topology: STANDARD, description: "one payment, at most one replay of any packet sent so far to any party", payments: 1, staff: [], settle: false, faults: ONE_REPLAY },
  { name: "pay-forge", topology: STANDARD, description: "one payment, at most one forgery without a key: any field of a signed packet sent so far changed, or its type swapped", payments: 1, staff: [], settle: false, faults: ONE_FORGERY },
  { name: "pay-garble", topology: STANDARD, description: "one payment; the shopper sends the merchant, on their own session, one request the page would never write: a request it sent so far with a field dropped, a field turned into a number, a field too many or an unknown type", payments: 1, staff: [], settle: false, faults: { ...NO_FAULTS, garbles: 1 } },
  { name: "pay2", topology: STANDARD, description: "two payments, one after the other, no faults", payments: 2, staff: [], settle: false, faults: NO_FAULTS },
  { name: "pay2-k1", topology: STANDARD, description: "two payments, at most one drop, one duplicate and one crash", payments: 2, staff: [], settle: false, faults: ONE_EACH },
  { name: "pay2-replay", topology: STANDARD, description: "two payments, one after the other, at most one replay of any packet sent so far to any party", payments: 2, staff: [], settle: false, faults: ONE_REPLAY },
  { name: "pay-two-browsers", topology: { ...STANDARD, twoBrowsers: true }, shoppers: [1, 2], description: "the customer with EUR 61.90 pays in two browsers at once, an order of EUR 61.90 in each: one may be held with all the funds, the other must not be held (no overdraft), no faults", payments: 1, staff: [], settle: false, faults: NO_FAULTS },
  { name: "capture-refund", topology: STANDARD, description: "one payment, then a capture and a refund, no faults", payments: 1, staff: ["capture", "refund"], settle: false, faults: NO_FAULTS },
  { name: "capture-refund-replay", topology: STANDARD, description: "one payment, a capture and a refund, at most one replay of any packet sent so far to any party", payments: 1, staff: ["capture", "refund"], settle: false, faults: ONE_REPLAY },
  { name: "capture-refund-forge", topology: STANDARD, description: "one payment, a capture and a refund, at most one forgery without a key", payments: 1, staff: ["capture", "refund"], settle: false, faults: ONE_FORGERY },
  { name: "capture-refund2", topology: STANDARD, description: "one payment, a capture and two refunds of all that is left, the second possibly asked for before the first is answered, no faults", payments: 1, staff: ["capture", "refund", "refund"], settle: false, faults: NO_FAULTS },
  { name: "capture-refund-misclick", topology: STANDARD, description: "one payment, a capture, a refund of all that is left, and a refund of all that was captured, whatever was refunded (a misclick the merchant must refuse itself once the first is done), in any order, no faults", payments: 1, staff: ["capture", "refund", "refundCaptured"], settle: false, faults: NO_FAULTS },
  { name: "void-retention", topology: STANDARD, description: "one payment and a void; once they are done and nothing is in flight, one clock move to the end of retention of a request sent so far (a millisecond before, at or after it); one replay of any packet sent so far", payments: 1, staff: ["void"], settle: false, faults: { ...ONE_REPLAY, retentionMoves: 1 } },
  { name: "capture-void", topology: STANDARD, description: "one payment, then a capture and a void in any order, no faults", payments: 1, staff: ["capture", "void"], settle: false, faults: NO_FAULTS },
  { name: "ship-part", topology: STANDARD, description: "one payment, then part of the order shipped and the rest cancelled: a capture of one minor unit and a void asked for at once, delivered in any order, no faults", payments: 1, staff: ["shipPart"], settle: false, faults: NO_FAULTS },
  { name: "settle", topology: STANDARD, description: "one payment, a capture, and the clearing cycle closed and settled, no faults", payments: 1, staff: ["capture"], settle: true, faults: NO_FAULTS },
  { name: "settle-replay", topology: STANDARD, description: "one payment, a capture, the cycle closed and settled, at most one replay of any packet sent so far to any party", payments: 1, staff: ["capture"], settle: true, faults: ONE_REPLAY },
  { name: "settle-forge", topology: STANDARD, description: "one payment, a capture, the cycle closed and settled, at most one forgery without a key", payments: 1, staff: ["capture"], settle: true, faults: ONE_FORGERY },
  { name: "pay-phone-insider", topology: OTHER_PHONE_INSIDER, description: "one payment; the attacker holds the other customer's phone and signs one message as it, from any it saw on the wire (an approval of the shopper's challenge)", payments: 1, staff: [], settle: false, faults: ONE_IMPERSONATION },
  { name: "pay-merchant-insider", topology: TWO_MERCHANTS_INSIDER, description: "one payment at the first of two merchants of one acquirer; the attacker holds the second merchant's key and signs one message as it, from any it saw, to any party of the recipient's role", payments: 1, staff: [], settle: false, faults: ONE_IMPERSONATION },
  { name: "pay-gateway-insider", topology: TWO_ACQUIRERS_INSIDER, description: "one payment at a merchant of the first of two acquirers; the attacker holds the second acquirer's key and signs one message as it, from any it saw, to any party of the recipient's role", payments: 1, staff: [], settle: false, faults: ONE_IMPERSONATION },
  { name: "settle-gateway-insider", topology: TWO_ACQUIRERS_INSIDER, description: "one payment at a merchant of the first of two acquirers, a capture, the cycle closed and settled; the attacker holds the second acquirer's key and signs one message as it (its oldest fraud: another acquirer's clearing items submitted as its own)", payments: 1, staff: ["capture"], settle: true, faults: ONE_IMPERSONATION },
  { name: "craft-merchant", topology: OWN_MERCHANT_INSIDER, description: "one payment; the attacker holds the shopper's merchant's key and sends its acquirer one operation of its own devising on it: a capture, void or refund, as is, of twice the amount, in another currency, on a payment it never asked for, under an operation id it used, or expiring after the hold", payments: 1, staff: [], settle: false, faults: ONE_IMPERSONATION },
  { name: "craft-gateway", topology: OWN_ACQUIRER_INSIDER, description: "one payment; the attacker holds the acquirer's key and sends the issuer one operation of its own devising on it (the twists of craft-merchant)", payments: 1, staff: [], settle: false, faults: ONE_IMPERSONATION },
  { name: "craft-gateway-clock", topology: OWN_ACQUIRER_INSIDER, clockOnInsider: true, description: "craft-gateway, and, once the acquirer has sent its operation, one clock move, while its messages are all that is in flight, to the expiry of one of them (a millisecond before, at or after it): an operation delivered at its own deadline", payments: 1, staff: [], settle: false, faults: { ...ONE_IMPERSONATION, clockMoves: 1 } },
  { name: "void2-gateway-tamper", topology: OWN_ACQUIRER_INSIDER, description: "one payment and two voids asked for in any order; the attacker holds the acquirer's key and sends one message of the acquirer's own, recorded on the wire, with one field changed and signed again (a verdict said for another operation, for instance)", payments: 1, staff: ["void", "void"], settle: false, faults: ONE_INSIDER_TAMPER },
  { name: "pay2-phone-tamper", topology: OTHER_PHONE_INSIDER, shoppers: [1, 0], shoppersInTurn: true, description: "two customers pay one after the other, the second customer first; the attacker holds the second customer's phone and sends one message of the phone's own, recorded on the wire, with one field changed and signed again (its approval of its own challenge sent with the id of the shopper's, for instance, which the issuer refuses: the answer still names the phone's own account, payment and expiry)", payments: 1, staff: [], settle: false, faults: ONE_INSIDER_TAMPER },
  { name: "capture2-merchant-tamper", topology: TWO_MERCHANTS_INSIDER, shoppers: [0, 1], shoppersInTurn: true, description: "two customers pay one after the other, each at one of two merchants of one acquirer, and one capture: of the second merchant's payment once both are live (of the first's before); the attacker holds the second merchant's key and sends one message of the merchant's own, recorded on the wire, with one field changed and signed again (its capture said of the first merchant's payment, or in its name, for instance)", payments: 1, staff: ["captureSecond"], settle: false, faults: ONE_INSIDER_TAMPER },
  { name: "capture-retention-merchant", topology: OWN_MERCHANT_INSIDER, description: "one payment and a capture; once they are done and nothing is in flight, one clock move to the end of retention of a request sent so far (a millisecond before, at or after it); the attacker holds the shopper's merchant's key and sends one operation of its own devising (the twists of craft-merchant), before or after", payments: 1, staff: ["capture"], settle: false, faults: { ...ONE_IMPERSONATION, retentionMoves: 1 } },
  { name: "capture-refund-k1", topology: STANDARD, description: "one payment, a capture and a refund, at most one drop, one duplicate and one crash", payments: 1, staff: ["capture", "refund"], settle: false, faults: ONE_EACH },
  { name: "capture-settle-k1", topology: STANDARD, description: "one payment, a capture, the cycle closed and settled, at most one drop, one duplicate and one crash", payments: 1, staff: ["capture"], settle: true, faults: ONE_EACH },
  { name: "settle-two-currencies", topology: TWO_CURRENCIES, shoppers: [0, 1], shoppersInTurn: true, description: "two customers pay one after the other, one in euros at the first merchant and one in dollars at the second; each payment captured, and the cycle closed and settled (the clearing house nets each currency on its own), no faults", payments: 1, staff: ["capture", "captureSecond"], settle: true, faults: NO_FAULTS },
  refundSettled("capture-refund-settle", "no faults", NO_FAULTS),
  refundSettled("settle-drop", "at most one drop of any packet", { ...NO_FAULTS, drops: 1 }),
  refundSettled("settle-duplicate", "at most one duplicate of any packet", { ...NO_FAULTS, duplicates: 1 }),
  refundSettled("settle-crash", "at most one crash and restart of any party", { ...NO_FAULTS, crashes: 1 }),
  refundSettled("settle-drop-duplicate", "at most one drop and one duplicate of any packet", { ...NO_FAULTS, drops: 1, duplicates: 1 }),
  refundSettled("settle-drop-crash", "at most one drop of any packet and one crash and restart of any party", { ...NO_FAULTS, drops: 1, crashes: 1 }),
  refundSettled("settle-k1", "at most one drop, one duplicate and one crash", ONE_EACH),
  { name: "capture-void-outbox1", topology: ONE_IN_FLIGHT, description: "capture-void with the merchant keeping at most one request in flight: an operation asked for while the other is unanswered is refused (too many requests in flight), no faults", payments: 1, staff: ["capture", "void"], settle: false, faults: NO_FAULTS },
  { name: "capture-void-outbox1-k1", topology: ONE_IN_FLIGHT, description: "capture-void-outbox1 with at most one drop, one duplicate and one crash: the request in flight lost, repeated or outliving its merchant's restart while the other waits", payments: 1, staff: ["capture", "void"], settle: false, faults: ONE_EACH },
  ...[["", "no faults", NO_FAULTS] as const, ...ONE_FAULT].flatMap(([suffix, what, faults]) => [
    twoBrowsersOneInFlight(`pay-two-browsers-outbox1${suffix}`, what, faults),
    cycleOfOne(`settle-cycle1${suffix}`, what, faults),
    clearingOutboxOfTwo(`settle-cycle1-outbox2${suffix}`, what, faults)
  ]),
  ...TWO_FAULTS.flatMap(([suffix, what, faults]) => [
    twoBrowsersOneInFlight(`pay-two-browsers-outbox1${suffix}`, what, faults),
    clearingOutboxOfTwo(`settle-cycle1-outbox2${suffix}`, what, faults)
  ]),
  twoBrowsersOneInFlight("pay-two-browsers-outbox1-k1", "at most one drop, one duplicate and one crash", ONE_EACH)
]

/** The customers who shop in `scope`, by their index in its topology's customers. @category explorer @since 0.5.0 */
export const shoppersOf = (scope: ExploreScope): ReadonlyArray<number> => scope.shoppers ?? [0]

/** The names of the scopes, for `--scope`. @category explorer @since 0.5.0 */
export const SCOPE_NAMES: ReadonlyArray<string> = SCOPES.map((s) => s.name)

/** The scope named `name`, if there is one. @category explorer @since 0.5.0 */
export const scopeNamed = (name: string): ExploreScope | undefined => SCOPES.find((s) => s.name === name)
