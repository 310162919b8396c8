/**
 * The explorer's scopes: what a world may do, small enough to enumerate every reachable state.
 * A scope fixes the topology (the harness's standard one: one merchant, gateway, issuer, customer
 * and phone, and the clearing house), how many payments the shopper makes, which back-office
 * operations the merchant's staff may ask for, whether the clearing house closes cycles, the fault
 * budget (at most `k` drops, duplicates, replays, forgeries and crashes in a whole path) and how many times a
 * path may move the clock to a deadline. Time must be bounded: every tick schedules the next retry or poll,
 * so a clock free to move would make the states endless. Liveness still lets time pass freely,
 * from every quiet state (`Explorer.ts`).
 *
 * The table grows one knob at a time, as the README's table of figures does.
 *
 * @since 0.5.0
 */

/** The faults a path may contain, each counted over the whole path. @category explorer @since 0.5.0 */
export interface FaultBudget {
  readonly drops: number
  readonly duplicates: number
  /** Replays of a packet the attacker recorded on the wire, to its addressee or to any other party. */
  readonly replays: number
  /** Forgeries by an attacker with no key, made from a recorded signed packet and sent to its addressee. */
  readonly forgeries: number
  readonly crashes: number
  /** Clock moves to a deadline (a millisecond before, at or after it). */
  readonly clockMoves: number
}

/** The back-office operations a scope's staff may ask for, each at most once per path. @category explorer @since 0.5.0 */
export type StaffOperation = "capture" | "void" | "refund"

/** One scope of exploration. @category explorer @since 0.5.0 */
export interface ExploreScope {
  readonly name: string
  /** One line for `--help` and the docs. */
  readonly description: string
  /** How many times the shopper clicks "pay now" (a fresh order each time the page shows approved). */
  readonly payments: number
  /** The operations the merchant's staff ask for, in any order, each once. */
  readonly staff: ReadonlyArray<StaffOperation>
  /** Whether the clearing house closes a cycle once it holds items. */
  readonly settle: boolean
  readonly faults: FaultBudget
}

const NO_FAULTS: FaultBudget = { drops: 0, duplicates: 0, replays: 0, forgeries: 0, crashes: 0, clockMoves: 0 }
const ONE_CLOCK_MOVE: FaultBudget = { ...NO_FAULTS, clockMoves: 1 }
const ONE_REPLAY: FaultBudget = { ...NO_FAULTS, replays: 1 }
const ONE_FORGERY: FaultBudget = { ...NO_FAULTS, forgeries: 1 }
const ONE_EACH: FaultBudget = { ...NO_FAULTS, drops: 1, duplicates: 1, crashes: 1 }

/**
 * The scopes, smallest first; each adds one knob to one before it. Every scope checks liveness
 * from each quiet state, with time passing freely there; `clockMoves` counts only the moves a
 * path makes before it.
 *
 * @category explorer
 * @since 0.5.0
 */
export const SCOPES: ReadonlyArray<ExploreScope> = [
  { name: "pay", description: "one payment, approved or declined, no faults", payments: 1, staff: [], settle: false, faults: NO_FAULTS },
  { name: "pay-k1", description: "one payment, at most one drop, one duplicate and one crash", payments: 1, staff: [], settle: false, faults: ONE_EACH },
  { name: "pay-clock", description: "one payment, the clock moved once to a pending expiry (a millisecond before, at or after it) or retry", payments: 1, staff: [], settle: false, faults: ONE_CLOCK_MOVE },
  { name: "pay-replay", description: "one payment, at most one replay of any packet sent so far to any party", payments: 1, staff: [], settle: false, faults: ONE_REPLAY },
  { name: "pay-forge", description: "one payment, at most one forgery without a key: any field of a signed packet sent so far changed, or its type swapped", payments: 1, staff: [], settle: false, faults: ONE_FORGERY },
  { name: "pay2", description: "two payments, one after the other, no faults", payments: 2, staff: [], settle: false, faults: NO_FAULTS },
  { name: "pay2-k1", description: "two payments, at most one drop, one duplicate and one crash", payments: 2, staff: [], settle: false, faults: ONE_EACH },
  { name: "capture-refund", description: "one payment, then a capture and a refund, no faults", payments: 1, staff: ["capture", "refund"], settle: false, faults: NO_FAULTS },
  { name: "capture-refund-replay", description: "one payment, a capture and a refund, at most one replay of any packet sent so far to any party", payments: 1, staff: ["capture", "refund"], settle: false, faults: ONE_REPLAY },
  { name: "capture-refund-forge", description: "one payment, a capture and a refund, at most one forgery without a key", payments: 1, staff: ["capture", "refund"], settle: false, faults: ONE_FORGERY },
  { name: "capture-void", description: "one payment, then a capture and a void in any order, no faults", payments: 1, staff: ["capture", "void"], settle: false, faults: NO_FAULTS },
  { name: "settle", description: "one payment, a capture, and the clearing cycle closed and settled, no faults", payments: 1, staff: ["capture"], settle: true, faults: NO_FAULTS },
  { name: "settle-replay", description: "one payment, a capture, the cycle closed and settled, at most one replay of any packet sent so far to any party", payments: 1, staff: ["capture"], settle: true, faults: ONE_REPLAY },
  { name: "settle-forge", description: "one payment, a capture, the cycle closed and settled, at most one forgery without a key", payments: 1, staff: ["capture"], settle: true, faults: ONE_FORGERY },
  { name: "settle-k1", description: "one payment, a capture and a refund, the cycle settled, at most one drop, one duplicate and one crash", payments: 1, staff: ["capture", "refund"], settle: true, faults: ONE_EACH }
]

/** The names of the scopes, for `--scope`. @category explorer @since 0.5.0 */
export const SCOPE_NAMES: ReadonlyArray<string> = SCOPES.map((s) => s.name)

/** The scope named `name`, if there is one. @category explorer @since 0.5.0 */
export const scopeNamed = (name: string): ExploreScope | undefined => SCOPES.find((s) => s.name === name)
