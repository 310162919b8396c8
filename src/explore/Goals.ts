/**
 * The explorer's goals: what must be reachable in a scope, so that "no violation" is not vacuous.
 * A core that refuses every capture breaks no invariant (every party agrees nothing was captured),
 * and neither does one that approves nothing; the harness's canary catches those in a run, and
 * the explorer asks that some reachable state of the scope has a payment approved, each of the
 * scope's operations accepted, and, when it settles, a cycle settled; and, in a scope that lowers
 * a bound, that some step reached it (a party refused new work there).
 *
 * @since 0.5.0
 */
import { Schema } from "effect"
import type { ClearingHouseState } from "../parties/ClearingHouse.js"
import type { MerchantState } from "../parties/Merchant.js"
import { REFUSED_AT_BOUND, type World } from "../harness/World.js"
import type { ExploreScope, StaffOperation } from "./Scopes.js"

/** One goal: an approved payment, an accepted operation of a kind, a settled cycle, or a refusal at a lowered bound. @category explorer @since 0.5.0 */
export type Goal = "approved" | "capture" | "void" | "refund" | "settled" | "bound"

/** Every goal, each once: a record, so that a goal added to {@link Goal} and not here does not compile. */
const EVERY_GOAL: Readonly<Record<Goal, true>> = { approved: true, capture: true, void: true, refund: true, settled: true, bound: true }

/** A goal, as a checkpoint reads it back (`Checkpoint.ts`). @category explorer @since 0.5.0 */
export const GoalSchema: Schema.Codec<Goal> = Schema.Literals(Object.keys(EVERY_GOAL) as Array<Goal>)

/** The operations a staff request must see accepted: a part shipped is a capture and a void; a refund of all that was captured is a refund, a capture of the second payment a capture. */
const GOALS_OF_STAFF: Readonly<Record<StaffOperation, ReadonlyArray<Goal>>> = {
  capture: ["capture"],
  void: ["void"],
  refund: ["refund"],
  shipPart: ["capture", "void"],
  refundCaptured: ["refund"],
  captureSecond: ["capture"]
}

/** The goals of `scope`. @category explorer @since 0.5.0 */
export const goalsOf = (scope: ExploreScope): ReadonlyArray<Goal> => [...new Set<Goal>(["approved", ...scope.staff.flatMap((operation) => GOALS_OF_STAFF[operation]), ...(scope.settle ? (["settled"] as const) : []), ...(scope.topology.limits === undefined ? [] : (["bound"] as const))])]

const OPERATION_OF: Readonly<Record<string, Goal>> = { CapturePayment: "capture", VoidPayment: "void", RefundPayment: "refund" }

/**
 * The goals the world's state meets now, as the merchant and the clearing house record them, and
 * `bound` once any step of the exploration so far (on this thread) was refused at a bound.
 *
 * @category explorer
 * @since 0.5.0
 */
export const goalsMet = (world: World): ReadonlyArray<Goal> => {
  const met = new Set<Goal>()
  for (const merchant of world.directory.merchants) {
    const state = world.net.state<MerchantState>(merchant)
    if (state.payments.values().some((p) => p.status === "approved")) met.add("approved")
    for (const op of state.operations.values()) {
      const kind = OPERATION_OF[op.request._tag]
      if (op.state === "Accepted" && kind !== undefined) met.add(kind)
    }
  }
  if (world.net.state<ClearingHouseState>(world.directory.clearing).cycles.values().some((c) => c.state === "Settled")) met.add("settled")
  if ((world.exercised.get(REFUSED_AT_BOUND) ?? 0) > 0) met.add("bound")
  return [...met]
}
