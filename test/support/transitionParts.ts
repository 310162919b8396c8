/**
 * Which test file covers which part of a machine's declared transitions, for the machines whose
 * unit tests span several files (the payment flow in `<Party>.test.ts`, the captures, voids,
 * refunds and settlement in `<Party>Operations.test.ts` and `GatewaySettlement.test.ts`).
 *
 * Vitest runs every test file in its own module context, so coverage cannot be pooled across
 * files. Instead each machine's table is split here, once, into named parts plus `rest` (every
 * transition no part names), and each file checks that it exercised exactly its part. The parts
 * are disjoint and `rest` is their complement, so when every file's coverage test passes, the
 * whole table is covered; a part naming a transition the machine does not declare fails at import.
 */
import type { Transition } from "../../src/machine/Machine.js"
import * as Gateway from "../../src/parties/Gateway.js"
import { clearingTransitions } from "../../src/parties/GatewayClearing.js"
import * as GatewayOperations from "../../src/parties/GatewayOperations.js"
import * as Issuer from "../../src/parties/Issuer.js"
import * as IssuerOperations from "../../src/parties/IssuerOperations.js"
import * as Merchant from "../../src/parties/Merchant.js"
import * as MerchantOperations from "../../src/parties/MerchantOperations.js"
import { instructionTransition } from "../../src/settlement/Instruction.js"
import { transitionKey } from "./fixtures.js"

const same = (a: Transition, b: Transition): boolean => transitionKey(a) === transitionKey(b)

/**
 * `declared` split into the named `parts` and `rest`, the declared transitions no part names.
 * Throws if a part names an undeclared transition or two parts name the same one.
 */
export const split = <K extends string>(
  declared: ReadonlyArray<Transition>,
  parts: { readonly [P in K]: ReadonlyArray<Transition> }
): { readonly [P in K | "rest"]: ReadonlyArray<Transition> } => {
  const named: Array<Transition> = []
  for (const part of Object.values<ReadonlyArray<Transition>>(parts)) {
    for (const t of part) {
      if (!declared.some((d) => same(d, t))) throw new Error(`transitionParts: ${transitionKey(t)} is not declared`)
      if (named.some((n) => same(n, t))) throw new Error(`transitionParts: ${transitionKey(t)} is in two parts`)
      named.push(t)
    }
  }
  return { ...parts, rest: declared.filter((d) => !named.some((n) => same(n, d))) } as { readonly [P in K | "rest"]: ReadonlyArray<Transition> }
}

/** The merchant's table: `operations` in MerchantOperations.test.ts, `rest` in Merchant.test.ts. */
export const merchantParts = split(Merchant.transitions, { operations: MerchantOperations.operationTransitions })

/**
 * The gateway's table: `operations` in GatewayOperations.test.ts, `settlement` (clearing
 * submissions and instructions) in GatewaySettlement.test.ts, `rest` in Gateway.test.ts.
 */
export const gatewayParts = split(Gateway.transitions, {
  operations: GatewayOperations.operationTransitions,
  settlement: [...clearingTransitions, instructionTransition]
})

/**
 * The issuer's table: `operations` (captures, voids, refunds, the expiry of a partly captured
 * hold, and instructions) in IssuerOperations.test.ts, `rest` in Issuer.test.ts.
 */
export const issuerParts = split(Issuer.transitions, {
  operations: [
    ...IssuerOperations.operationTransitions,
    { entity: "authorization", from: "Held", on: "Tick (hold expired after captures)", to: "Captured" },
    instructionTransition
  ]
})
