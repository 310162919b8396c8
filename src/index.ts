/**
 * checkout-protocol: a formally modeled checkout-to-settlement payment protocol, as pure,
 * sans-I/O state machines per party with Schema-typed, Ed25519-signed messages on every hop.
 *
 * @packageDocumentation
 * @since 0.1.0
 */
export * as Ids from "./domain/Ids.js"
export * as Money from "./domain/Money.js"
export * as Text from "./domain/Text.js"
export * as Rejection from "./domain/Rejection.js"
export * as Canonical from "./crypto/Canonical.js"
export * as Ed25519 from "./crypto/Ed25519.js"
export * as VerifyPolicy from "./crypto/VerifyPolicy.js"
export * as Envelope from "./crypto/Envelope.js"
export * as KeyRegistry from "./crypto/KeyRegistry.js"
export * as Ed25519Backends from "./crypto/Backends.js"
export * as Ledger from "./ledger/Ledger.js"
export * as Common from "./messages/Common.js"
export * as BrowserMerchant from "./messages/BrowserMerchant.js"
export * as MerchantGateway from "./messages/MerchantGateway.js"
export * as GatewayIssuer from "./messages/GatewayIssuer.js"
export * as IssuerPhone from "./messages/IssuerPhone.js"
export * as Signed from "./messages/Signed.js"
export * as Machine from "./machine/Machine.js"
export * as Diagram from "./machine/Diagram.js"
export * as Outbox from "./machine/Outbox.js"
export * as Idempotency from "./machine/Idempotency.js"
export * as Party from "./machine/Party.js"
export * as Browser from "./parties/Browser.js"
export * as Merchant from "./parties/Merchant.js"
export * as Gateway from "./parties/Gateway.js"
export * as Issuer from "./parties/Issuer.js"
export * as Phone from "./parties/Phone.js"
export * as InMemoryNetwork from "./drivers/InMemoryNetwork.js"
export * as AsyncNetwork from "./drivers/AsyncNetwork.js"
export * as Topology from "./drivers/Topology.js"
export * as Shopper from "./drivers/Shopper.js"
export * as Trace from "./drivers/Trace.js"
