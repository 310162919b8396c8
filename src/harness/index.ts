/**
 * checkout-protocol/harness: the adversarial proof that ships with the protocol. A model-based
 * fast-check harness drives every party over a hostile network (drops, duplicates, reorders,
 * delays, replays, forgeries, crashes, clock jumps) and checks the invariants after every command:
 * no double charge, no unapproved debit, authenticity, agreement, conservation, settlement exactly
 * once, the declared transitions, and liveness once the faults stop; and the explorer walks every
 * reachable state of a small scope, breadth-first, for the shortest counterexample. Run it against the reference
 * parties, against your own build of any of them, or against a seeded bug of the catalog to see it
 * fail.
 *
 * **Example**
 *
 * ```ts
 * import { Ed25519Backends, Issuer } from "checkout-protocol"
 * import { Campaign } from "checkout-protocol/harness"
 * import * as Reference from "checkout-protocol"
 *
 * // The reference parties: 20 generated adversarial runs of up to 100 commands each.
 * const reference = Campaign.campaign({ core: Reference, crypto: Ed25519Backends.NodeEd25519, maxCommands: 100 }, { numRuns: 20, seed: 1 })
 * reference.violations // 0
 *
 * // Your own build of one party, matched by its kind: here the reference issuer, wrapped to count its steps.
 * let issuerSteps = 0
 * const myIssuer: typeof Issuer.Issuer = {
 *   ...Issuer.Issuer,
 *   step: (state, input) => {
 *     issuerSteps++
 *     return Issuer.Issuer.step(state, input)
 *   }
 * }
 * const mine = Campaign.campaign({ core: Reference, crypto: Ed25519Backends.NodeEd25519, maxCommands: 100, machines: [myIssuer] }, { numRuns: 20, seed: 1 })
 * mine.violations // 0
 * issuerSteps > 0 // true
 * ```
 *
 * @packageDocumentation
 * @module checkout-protocol/harness
 * @since 0.3.0
 */
export * as Campaign from "./Campaign.js"
export * as Run from "./Run.js"
export * as World from "./World.js"
export * as Scope from "./Scope.js"
export * as Insider from "./Insider.js"
export * as Commands from "./Commands.js"
export * as Forgery from "./Forgery.js"
export * as Tamper from "./Tamper.js"
export * as Sweep from "./Sweep.js"
export * as CraftedOperations from "./CraftedOperations.js"
export * as Checks from "./Invariants.js"
export * as Minimize from "./Minimize.js"
export * as Report from "./Report.js"
export * as Blocks from "./Blocks.js"
export * as Job from "./Job.js"
export * as Parallel from "./Parallel.js"
export * as Summary from "./Summary.js"
export * as Signing from "./Signing.js"
export * as Coverage from "./Coverage.js"
export * as Explorer from "../explore/Explorer.js"
export * as ExploreScopes from "../explore/Scopes.js"
export * as ExploreActions from "../explore/Actions.js"
export * as ExploreReport from "../explore/Report.js"
export * as ExploreGoals from "../explore/Goals.js"
export * as ExploreFingerprint from "../explore/Fingerprint.js"
export * as ExploreFrontier from "../explore/Frontier.js"
export * as ExploreParallel from "../explore/Parallel.js"
export * as ExploreVisited from "../explore/Visited.js"
export * as ExploreStepMemo from "../explore/StepMemo.js"
export * as ExploreCheckpoint from "../explore/Checkpoint.js"
export * as Model from "../../model/Model.js"
export * as Invariants from "../../model/Invariants.js"
export * as Isolation from "../../model/Isolation.js"
export * as Links from "../../model/Links.js"
export * as MoneyInvariants from "../../model/MoneyInvariants.js"
export * as View from "../../model/View.js"
export * as BugCatalog from "../bugs/Catalog.js"
export * as Mutant from "../bugs/Mutant.js"
export * as BugProof from "../bugs/Proof.js"
export type { Core } from "./Core.js"
