/**
 * End-to-end rates over the in-memory network, each run on a fresh network so the figure does not
 * drift as state grows: authorizations per second (a full checkout: create order, delivery,
 * address, pay now, the phone approves, the browser's next poll shows "Approved"), and settled
 * payments per second (the same checkout, then captured, partly refunded, cleared and settled
 * between the banks, the merchant paid).
 */
import { Layer } from "effect"
import { Ed25519, type Ed25519Backend } from "../src/crypto/Ed25519.js"
import { BackOffice, InMemoryNetwork, Ledger, Shopper, Topology } from "../src/index.js"
import type { BrowserState } from "../src/parties/Browser.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import { serviceOf } from "./crypto.js"
import { measure, type Rate } from "./measure.js"

/** Signatures made and checked by all parties together during one authorization. */
export interface CryptoCounts {
  readonly signed: number
  readonly verified: number
}

/** Runs one approved checkout on a fresh network; throws unless the browser ends on "Approved". */
export const authorizeOnce = (layer: Layer.Layer<Ed25519>, keys: Topology.Keys): InMemoryNetwork.InMemoryNetwork => {
  const net = new InMemoryNetwork.InMemoryNetwork(layer, Topology.standardNodes(keys), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  const screen = net.state<BrowserState>(Topology.ids.browser).screen
  if (screen !== "Approved") throw new Error(`bench: the checkout ended on "${screen}", not "Approved"`)
  return net
}

/** Runs one approved checkout, captures 10.00, refunds 1.00, and settles; throws unless the merchant was paid. */
export const settleOnce = (layer: Layer.Layer<Ed25519>, keys: Topology.Keys): void => {
  const net = authorizeOnce(layer, keys)
  const payment = BackOffice.lastPayment(net)
  BackOffice.capture(net, payment, 1_000)
  BackOffice.refund(net, payment, 100)
  BackOffice.endOfDay(net)
  const paid = Ledger.balance(net.state<GatewayState>(Topology.ids.gateway).ledger, `merchant:${Topology.ids.merchant}:EUR`)
  if (paid <= 0) throw new Error(`bench: the merchant was paid ${paid}, expected a payout`)
}

/** The service of `layer`, counting every `sign` and `verify` call into `counts`. */
const counting = (ed: Ed25519Backend, counts: { signed: number; verified: number }): Layer.Layer<Ed25519> =>
  Layer.succeed(Ed25519, {
    ...ed,
    sign: (seed, message) => {
      counts.signed++
      return ed.sign(seed, message)
    },
    verify: (publicKey, message, signature) => {
      counts.verified++
      return ed.verify(publicKey, message, signature)
    }
  })

/** Authorizations and settled payments per second with `layer`, and the signatures one authorization makes and verifies. */
export const benchEndToEnd = (
  layer: Layer.Layer<Ed25519>,
  minDuration_s: number
): { readonly authorize: Rate; readonly settle: Rate; readonly perAuthorization: CryptoCounts } => {
  const keys = Topology.makeKeys(layer, "bench")
  const counts = { signed: 0, verified: 0 }
  authorizeOnce(counting(serviceOf(layer), counts), keys)
  const authorize = measure(() => authorizeOnce(layer, keys), minDuration_s)
  const settle = measure(() => settleOnce(layer, keys), minDuration_s)
  return { authorize, settle, perAuthorization: counts }
}
