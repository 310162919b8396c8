/**
 * How the parties' records of one payment refer to each other, in a world of many merchants,
 * gateways and issuers whose ids collide: a merchant's payment `pay-1` is the gateway's
 * `merchant-1/pay-1`, which the gateway forwarded as authorization `auth-1`, which the payer's
 * issuer keeps as `gateway-1/auth-1` with hold `hold:gateway-1/auth-1`. The checkers follow
 * these links and never compare bare ids across parties.
 */
import type * as Ledger from "../src/ledger/Ledger.js"
import { holdOf } from "./Books.js"
import type { GatewayPayment, GatewayState } from "../src/parties/Gateway.js"
import type { IssuerAuthorization, IssuerState } from "../src/parties/Issuer.js"
import type { MerchantPayment, MerchantState } from "../src/parties/Merchant.js"
import type { SystemView } from "./Invariants.js"

/** A merchant's payment with its records at its gateway and at the payer's issuer, where they exist. */
export interface PaymentChain {
  readonly merchant: MerchantState
  readonly payment: MerchantPayment
  readonly gateway: GatewayState | undefined
  readonly atGateway: GatewayPayment | undefined
  readonly issuer: IssuerState | undefined
  /** The issuer's key of the authorization: `gateway/authorizationId`. */
  readonly authKey: string | undefined
  readonly auth: IssuerAuthorization | undefined
  readonly hold: Ledger.Hold | undefined
}

/** The party's state with id `id` among `states`. */
const byId = <S extends { readonly identity: { readonly id: string } }>(states: ReadonlyArray<S>, id: string): S | undefined => states.find((s) => s.identity.id === id)

/** The merchant with id `id`. */
export const merchantById = (view: SystemView, id: string): MerchantState | undefined => byId(view.merchants, id)

/** The gateway with id `id`. */
export const gatewayById = (view: SystemView, id: string): GatewayState | undefined => byId(view.gateways, id)

/** The issuer with id `id`. */
export const issuerById = (view: SystemView, id: string): IssuerState | undefined => byId(view.issuers, id)

/** Follows one merchant payment through its gateway to the payer's issuer. */
export const chainOf = (view: SystemView, merchant: MerchantState, payment: MerchantPayment): PaymentChain => {
  const gateway = gatewayById(view, merchant.config.gateway)
  const atGateway = gateway === undefined ? undefined : gateway.payments.get(`${merchant.identity.id}/${payment.request.id}`)
  const issuer = issuerById(view, payment.request.payer.issuer)
  const authKey = gateway === undefined || atGateway === undefined ? undefined : `${gateway.identity.id}/${atGateway.authorizationId}`
  const auth = issuer === undefined || authKey === undefined ? undefined : issuer.authorizations.get(authKey)
  const hold = issuer === undefined || authKey === undefined ? undefined : holdOf(issuer.ledger, `hold:${authKey}`)
  return { merchant, payment, gateway, atGateway, issuer, authKey, auth, hold }
}

/** Every merchant payment of the world, followed through. */
export const chains = (view: SystemView): ReadonlyArray<PaymentChain> =>
  view.merchants.flatMap((merchant) => merchant.payments.values().map((payment) => chainOf(view, merchant, payment)))

/** A payment's world-wide key: its payee merchant and its id. */
export const paymentKey = (merchant: string, paymentId: string): string => `${merchant}/${paymentId}`

/** Every hold of every issuer, with its issuer and the authorization it belongs to. */
export const holds = (
  view: SystemView
): ReadonlyArray<{ readonly issuer: IssuerState; readonly hold: Ledger.Hold; readonly auth: IssuerAuthorization | undefined }> =>
  view.issuers.flatMap((issuer) => issuer.ledger.holds.values().map((hold) => ({ issuer, hold, auth: issuer.authorizations.get(hold.id.replace(/^hold:/, "")) })))

/** Whether an issuer holds (or held) the payment `paymentId` of `merchant`: an authorization past its challenge and not declined. */
export const issuerHolds = (issuer: IssuerState | undefined, merchant: string, paymentId: string): boolean =>
  issuer !== undefined &&
  issuer.authorizations.values().some(
    (a) => a.request.payee.merchant === merchant && a.request.paymentId === paymentId && a.state !== "Challenging" && a.state !== "Declined"
  )

/**
 * Whether DESIGN.md section 8 puts a payment out of the guarantees: its merchant is the
 * compromised party, or its merchant's gateway is (what a compromised gateway does to its own
 * merchants is out of scope).
 */
export const outOfScope = (view: SystemView, chain: Pick<PaymentChain, "merchant">): boolean =>
  view.compromised !== null && (chain.merchant.identity.id === view.compromised || chain.merchant.config.gateway === view.compromised)

/** The gateway an issuer's authorization key (`gateway/authorizationId`) or hold id (`hold:gateway/authorizationId`) names. */
export const gatewayOfKey = (key: string): string => key.replace(/^hold:/, "").split("/")[0] ?? ""

/**
 * Whether a hold was asked for by the insider: its payee merchant is the compromised party, or the
 * gateway it came through is. What such a hold does to the insider's own payments is out of scope;
 * the isolation checker keeps it to them.
 */
export const heldForInsider = (view: SystemView, holdId: string, payeeMerchant: string): boolean =>
  view.compromised !== null && (payeeMerchant === view.compromised || gatewayOfKey(holdId) === view.compromised)
