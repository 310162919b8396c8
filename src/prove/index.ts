/**
 * checkout-protocol/prove: the symbolic proof of the signed hops. The message part of the ProVerif
 * models is generated from the Schemas; the runner finds ProVerif, runs every model and weakened
 * variant of `spec/proverif/`, and reports each query's verdict.
 *
 * @packageDocumentation
 * @module checkout-protocol/prove
 * @since 0.3.0
 */
export * as Prove from "./Prove.js"
export * as ProVerif from "./ProVerif.js"
export * as ProofModels from "./Models.js"
export * as ProofVariants from "./Variants.js"
