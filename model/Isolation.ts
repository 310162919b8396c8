/**
 * Isolation (DESIGN.md section 8, guarantee 2): no merchant's payment, capture, void or refund is
 * made, changed or redirected by anyone else, whoever the attacker holds the keys of.
 */
import { postedBalance } from "./Books.js"
import type { Checker } from "./Invariants.js"
import { gatewayOfKey, merchantById } from "./Links.js"

/**
 * Isolation: at every honest gateway, each payment is the payee merchant's own request and every
 * operation on it comes from that merchant; at every issuer, an honest merchant's payments are
 * authorized only through that merchant's own gateway (a gateway cannot claim another acquirer's
 * merchant as payee), and only on requests an honest gateway sent to that issuer (a request for
 * one bank, delivered to another, is not that other bank's to act on: ids and account names
 * collide across banks); and no gateway holds money for a merchant it does not acquire.
 */
export const isolation: Checker = (view) => {
  const violations: Array<string> = []
  /** The payer's bank of each authorization an honest gateway made, by the issuers' key `gateway/authorizationId`. */
  const sentTo = new Map<string, string>()
  for (const gateway of view.gateways) {
    const me = gateway.identity.id
    if (me === view.compromised) continue
    for (const [key, payment] of gateway.payments.entries()) {
      sentTo.set(`${me}/${payment.authorizationId}`, payment.request.payer.issuer)
      const owner = key.slice(0, key.indexOf("/"))
      if (payment.request.from !== owner || payment.request.payee.merchant !== owner) {
        violations.push(`${me} payment ${key} was asked for by ${payment.request.from} for payee ${payment.request.payee.merchant}`)
      }
    }
    for (const [key, operation] of gateway.operations.entries()) {
      const owner = key.slice(0, key.indexOf("/"))
      if (operation.request.from !== owner) violations.push(`${me} operation ${key} was asked for by ${operation.request.from}`)
    }
    for (const account of gateway.ledger.accounts.values()) {
      const merchant = /^merchant(?:-pending)?:(.+):[A-Z]{3}$/.exec(account.id)?.[1]
      if (merchant === undefined) continue
      const served = merchantById(view, merchant)?.config.gateway
      if (served !== undefined && served !== me && postedBalance(gateway.ledger, account.id) !== 0) {
        violations.push(`${me} holds ${postedBalance(gateway.ledger, account.id)} in ${account.id} for a merchant of ${served}`)
      }
    }
  }
  for (const issuer of view.issuers) {
    for (const [key, auth] of issuer.authorizations.entries()) {
      const payerBank = sentTo.get(key)
      if (payerBank !== undefined && payerBank !== issuer.identity.id) {
        violations.push(`${issuer.identity.id} authorization ${key} was sent by ${gatewayOfKey(key)} to ${payerBank}`)
      }
      const payee = merchantById(view, auth.request.payee.merchant)
      if (payee === undefined || payee.identity.id === view.compromised) continue
      const through = gatewayOfKey(key)
      if (payee.config.gateway !== through) {
        violations.push(`${issuer.identity.id} authorization ${key} pays ${payee.identity.id}, whose gateway is ${payee.config.gateway}, through ${through}`)
      }
    }
  }
  return violations
}
