/**
 * The merchant's `Voided -> Voided on OperationResult (void accepted)` edge: only a compromised
 * acquirer takes it (saying a second void of a voided payment was taken too), the 100,000-run
 * campaign of seed 20261207 found it undeclared at run 40,911, and both the harness's regression
 * test and the explorer's test plant a core without its declaration.
 */
import type { Bug } from "../../src/bugs/Mutant.js"

/** The transition as the harness's coverage counts it. */
export const SECOND_VOID_EDGE = "transition:Merchant: payment: Voided -> Voided on OperationResult (void accepted)"

/** A core whose merchant does not declare {@link SECOND_VOID_EDGE}: the core before `d291c77`. */
export const secondVoidUndeclared = (name: string): Bug => ({
  name,
  description: "The merchant's declared transitions leave out a payment staying voided on a second void said accepted.",
  edits: [{ file: "parties/MerchantOperations.ts", find: '  { entity: "payment", from: "Voided", on: "OperationResult (void accepted)", to: "Voided" },\n', replace: "" }]
})
