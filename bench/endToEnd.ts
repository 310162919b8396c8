/**
 * End-to-end authorizations per second over the in-memory network: each authorization is a full
 * checkout on a fresh network (create order, delivery, address, pay now, the phone approves, the
 * browser's next poll shows "Approved"), so the figure does not drift as state grows.
 */
import { Layer } from "effect"
import { Ed25519, type Ed25519Backend } from "../src/crypto/Ed25519.js"
import { InMemoryNetwork, Shopper, Topology } from "../src/index.js"
import type { BrowserState } from "../src/parties/Browser.js"
import { serviceOf } from "./crypto.js"
import { measure, type Rate } from "./measure.js"

/** Signatures made and checked by all parties together during one authorization. */
export interface CryptoCounts {
  readonly signed: number
  readonly verified: number
}

/** Runs one approved checkout on a fresh network; throws unless the browser ends on "Approved". */
export const authorizeOnce = (layer: Layer.Layer<Ed25519>, keys: Topology.Keys): void => {
  const net = new InMemoryNetwork.InMemoryNetwork(layer, Topology.standardNodes(keys), Topology.START_ms)
  Shopper.checkoutAndPay(net, { issuer: Topology.ids.issuer, account: Topology.accounts.alice })
  Shopper.answerOnPhone(net, Topology.ids.alicePhone, "approve")
  Shopper.wait(net, 2_000)
  const screen = net.state<BrowserState>(Topology.ids.browser).screen
  if (screen !== "Approved") throw new Error(`bench: the checkout ended on "${screen}", not "Approved"`)
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

/** Authorizations per second with `layer`, and the signatures one authorization makes and verifies. */
export const benchEndToEnd = (
  layer: Layer.Layer<Ed25519>,
  minDuration_s: number
): { readonly authorize: Rate; readonly perAuthorization: CryptoCounts } => {
  const keys = Topology.makeKeys(layer, "bench")
  const counts = { signed: 0, verified: 0 }
  authorizeOnce(counting(serviceOf(layer), counts), keys)
  const authorize = measure(() => authorizeOnce(layer, keys), minDuration_s)
  return { authorize, perAuthorization: counts }
}
