/**
 * The money invariants of DESIGN.md section 5, items 5 and 6: conservation and settlement exactly
 * once, and the settlement part of liveness. Like the other checkers they read the real parties'
 * states: the issuer's and the acquirer's ledgers, the clearing house's cycles and its settlement
 * bank's ledger, and the model of what the merchant's staff asked for.
 */
import { getOwn } from "../src/domain/Records.js"
import type * as Ledger from "../src/ledger/Ledger.js"
import type { IdempotencyRecords } from "../src/machine/Idempotency.js"
import { MAX_CLEARING_ITEMS, type ClearingItem } from "../src/messages/Clearing.js"
import type { GatewayState } from "../src/parties/Gateway.js"
import { acquirerFee, holdOf, journalFindings, merchantAccountId, postedBalance, spendable, trialBalance } from "./Books.js"
import type { Checker, SystemView } from "./Invariants.js"
import { chains, gatewayById, gatewayOfKey, issuerById, outOfScope } from "./Links.js"

/** Whether a ledger account is a bank's own funds or the settlement bank's central funding. */
const isOwnFunds = (account: string): boolean => account.startsWith("reserves:") || account.startsWith("central:")

/**
 * A ledger's own findings (see {@link judgeLedger}), judged once per ledger: a ledger is an
 * immutable value, and a step that does not move money keeps its bank's ledger object, so every
 * check after it would judge the same ledger again.
 */
const ledgerFindings = (bank: string, ledger: Ledger.Ledger): ReadonlyArray<string> => {
  const known = judged.get(ledger)
  if (known?.bank === bank) return known.findings
  const findings = judgeLedger(bank, ledger)
  judged.set(ledger, { bank, findings })
  return findings
}

/** Each ledger judged, with its bank's id (in its findings) and what was found. */
const judged = new WeakMap<Ledger.Ledger, { readonly bank: string; readonly findings: ReadonlyArray<string> }>()

/** A ledger's own findings: it balances, its counters are whole and non-negative, its posted counters are what its journal sums to, its pending counters are exactly what its pending holds reserve, and each hold is closed exactly when captured in full. */
const judgeLedger = (bank: string, ledger: Ledger.Ledger): ReadonlyArray<string> => {
  const findings: Array<string> = [...journalFindings(bank, ledger)]
  for (const [currency, t] of trialBalance(ledger)) {
    if (t.posted !== 0 || t.pending !== 0) findings.push(`${bank} ledger is off balance in ${currency}: posted ${t.posted}, pending ${t.pending}`)
  }
  const reserved = new Map<string, { debits: number; credits: number }>()
  for (const h of ledger.holds.values()) {
    if (h.status !== "pending") continue
    const remaining = h.amount_minor - h.captured_minor
    const d = reserved.get(h.debit) ?? { debits: 0, credits: 0 }
    reserved.set(h.debit, { ...d, debits: d.debits + remaining })
    const c = reserved.get(h.credit) ?? { debits: 0, credits: 0 }
    reserved.set(h.credit, { ...c, credits: c.credits + remaining })
  }
  for (const a of ledger.accounts.values()) {
    const counters = [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]
    if (!counters.every((n) => Number.isSafeInteger(n) && n >= 0)) findings.push(`${bank} account ${a.id} has counters ${counters.join("/")}`)
    const r = reserved.get(a.id) ?? { debits: 0, credits: 0 }
    if (a.debitsPending !== r.debits || a.creditsPending !== r.credits) {
      findings.push(`${bank} account ${a.id} has ${a.debitsPending}/${a.creditsPending} pending, its pending holds reserve ${r.debits}/${r.credits}`)
    }
  }
  for (const e of ledger.journal.values()) {
    if ((isOwnFunds(e.debit) || isOwnFunds(e.credit)) && !e.id.startsWith("opening:")) findings.push(`${bank} moved its own funds after opening: ${e.id}`)
  }
  for (const h of ledger.holds.values()) {
    // A hold is closed exactly when it is captured in full, and never captures more than it reserved.
    const known = HOLD_STATUSES.includes(h.status)
    if (!known || (h.status === "closed") !== (h.captured_minor === h.amount_minor) || h.captured_minor > h.amount_minor) {
      findings.push(`${bank} hold ${h.id} is ${known ? h.status : JSON.stringify(h.status)} with ${h.captured_minor} of ${h.amount_minor} captured`)
    }
  }
  return findings
}

/** The statuses a hold may have. */
const HOLD_STATUSES: ReadonlyArray<string> = ["pending", "voided", "expired", "closed"]

/** An acquirer keeps at most one clearing submission waiting for its receipt, and none of more than its `submissionItems` items (`MAX_CLEARING_ITEMS` unless configured lower). */
const submissionFindings = (gateway: GatewayState): ReadonlyArray<string> => {
  const me = gateway.identity.id
  const most = gateway.config.submissionItems ?? MAX_CLEARING_ITEMS
  const waiting = gateway.submissions.entries().filter(([, s]) => s.cycle === null).map(([id]) => id)
  return [
    ...(waiting.length > 1 ? [`${me} has ${waiting.length} submissions waiting for a receipt: ${waiting.join(", ")}`] : []),
    ...gateway.submissions.entries()
      .filter(([, s]) => s.items.length > most)
      .map(([id, s]) => `${me} submission ${id} has ${s.items.length} items, more than ${most}`)
  ]
}

/** The amount of an opening entry, or 0. */
const opening = (ledger: Ledger.Ledger, id: string): number => ledger.journal.get(id)?.amount_minor ?? 0

/** The instructions the clearing house sent to `bank` that the bank posted (its settlement records). */
const postedBy = (view: SystemView, settlements: IdempotencyRecords) =>
  settlements.keys().map((key) => ({ key, instruction: view.clearing.instructions.get(key.slice(key.indexOf("/") + 1)) }))

/** Each bank's own record of its settlement account opened with what the settlement bank opened its account with, and moved by exactly what it posted; the settlement bank's moved by exactly what was netted. */
const mirrorFindings = (view: SystemView): ReadonlyArray<string> => {
  const findings: Array<string> = []
  const banks = [...view.issuers, ...view.gateways].map((b) => ({ id: b.identity.id, ledger: b.ledger, settlements: b.settlements }))
  for (const bank of banks) {
    // Both sides of a settlement account open with the same funds: the bank's own record and the settlement bank's.
    for (const { id, currency } of bank.ledger.accounts.values()) {
      if (id !== `settlement:${currency}`) continue
      const own = opening(bank.ledger, `opening:settlement:${currency}`)
      const mirrored = opening(view.clearing.ledger, `opening:${bank.id}:${currency}`)
      if (own !== mirrored) findings.push(`${bank.id} opened its settlement account with ${own} ${currency}, the settlement bank opened settlement:${bank.id}:${currency} with ${mirrored}`)
    }
    const received = new Map<string, number>()
    for (const { key, instruction } of postedBy(view, bank.settlements)) {
      if (instruction === undefined || instruction.bank !== bank.id) {
        findings.push(`${bank.id} posted ${key}, which the clearing house never sent it`)
        continue
      }
      received.set(instruction.currency, (received.get(instruction.currency) ?? 0) + instruction.position)
    }
    const netted = new Map<string, number>()
    for (const i of view.clearing.instructions.values()) if (i.bank === bank.id) netted.set(i.currency, (netted.get(i.currency) ?? 0) + i.position)
    for (const currency of new Set([...received.keys(), ...netted.keys()])) {
      const own = -postedBalance(bank.ledger, `settlement:${currency}`) - opening(bank.ledger, `opening:settlement:${currency}`)
      if (own !== (received.get(currency) ?? 0)) findings.push(`${bank.id} settlement account moved ${own} ${currency}, its posted instructions say ${received.get(currency) ?? 0}`)
      const account = `settlement:${bank.id}:${currency}`
      const atSettlementBank = postedBalance(view.clearing.ledger, account) - opening(view.clearing.ledger, `opening:${bank.id}:${currency}`)
      if (atSettlementBank !== (netted.get(currency) ?? 0)) findings.push(`${account} moved ${atSettlementBank}, the netted positions say ${netted.get(currency) ?? 0}`)
    }
  }
  return findings
}

/**
 * Conservation: every bank's ledger balances and reserves exactly what its pending holds reserve;
 * no bank moves its own funds after opening (so no money is minted or burnt); every cycle's
 * positions are what its items net to per bank and currency (see {@link nettingFindings}), they
 * sum to zero per currency, and the settlement bank's suspense account is back at zero;
 * and each bank's record of its settlement account moves by exactly the positions it posted,
 * while the settlement bank's moves by exactly the positions netted.
 */
export const conservation: Checker = (view) => {
  const findings = [
    ...[...view.issuers, ...view.gateways, view.clearing].flatMap((bank) => ledgerFindings(bank.identity.id, bank.ledger)),
    ...mirrorFindings(view),
    ...nettingFindings(view)
  ]
  for (const cycle of view.clearing.cycles.values()) {
    const sums = new Map<string, number>()
    for (const [key, position] of Object.entries(cycle.positions ?? {})) {
      const currency = key.slice(key.lastIndexOf(":") + 1)
      sums.set(currency, (sums.get(currency) ?? 0) + position)
    }
    for (const [currency, sum] of sums) if (sum !== 0) findings.push(`cycle ${cycle.number} positions sum to ${sum} ${currency}`)
  }
  for (const a of view.clearing.ledger.accounts.values()) {
    if (a.id.startsWith("clearing:") && postedBalance(view.clearing.ledger, a.id) !== 0) findings.push(`suspense ${a.id} holds ${postedBalance(view.clearing.ledger, a.id)}`)
  }
  return findings
}

/** What a cycle's items net to per `bank:CUR`, recomputed here: a capture of X is -X for its issuer and +X for its acquirer, a refund the other way round. */
const nettedFromItems = (items: ReadonlyArray<ClearingItem>): ReadonlyMap<string, number> => {
  const net = new Map<string, number>()
  for (const item of items) {
    const toAcquirer = item.kind === "capture" ? item.amount.amount_minor : -item.amount.amount_minor
    for (const [bank, amount] of [[item.issuer, -toAcquirer], [item.acquirer, toAcquirer]] as const) {
      const key = `${bank}:${item.amount.currency}`
      net.set(key, (net.get(key) ?? 0) + amount)
    }
  }
  return net
}

/**
 * Netting, per currency: every closed cycle's positions are exactly what its items net to, bank
 * by bank and currency by currency (no item counted in another currency or on another bank's
 * side), and every instruction sent for the cycle carries its bank's position.
 */
export const nettingFindings = (view: SystemView): ReadonlyArray<string> => {
  const findings: Array<string> = []
  for (const cycle of view.clearing.cycles.values()) {
    if (cycle.positions === null) continue
    const expected = nettedFromItems(cycle.items)
    for (const key of new Set([...expected.keys(), ...Object.keys(cycle.positions)])) {
      const position = getOwn(cycle.positions, key) ?? 0
      if (position !== (expected.get(key) ?? 0)) findings.push(`cycle ${cycle.number} nets ${key} to ${position}, its items to ${expected.get(key) ?? 0}`)
    }
  }
  for (const [id, instruction] of view.clearing.instructions.entries()) {
    const cycle = view.clearing.cycles.get(String(instruction.cycle))
    const position = cycle?.positions === null || cycle === undefined ? undefined : getOwn(cycle.positions, `${instruction.bank}:${instruction.currency}`)
    if (position !== instruction.position) findings.push(`instruction ${id} tells ${instruction.bank} ${instruction.position} ${instruction.currency}, its cycle's position is ${position ?? "none"}`)
  }
  return findings
}

/**
 * No overdraft: every account opened with debits-must-not-exceed-credits (a customer's deposit
 * account) keeps its posted credits minus posted debits minus pending debits at zero or above, in
 * every bank, at every step.
 */
export const noOverdraft: Checker = (view) =>
  [...view.issuers, ...view.gateways, view.clearing].flatMap((bank) =>
    bank.ledger.accounts.values()
      .filter((a) => a.debitsMustNotExceedCredits && spendable(bank.ledger, a.id) < 0)
      .map((a) => `${bank.identity.id} account ${a.id} is overdrawn: ${spendable(bank.ledger, a.id)} available`)
  )

/** Every item the clearing house holds, with its cycle. */
const clearedItems = (view: SystemView): ReadonlyArray<{ readonly item: ClearingItem; readonly cycle: number }> =>
  view.clearing.cycles.values().flatMap((c) => c.items.map((item) => ({ item, cycle: c.number })))

/** The merchant whose operation an acquirer's item came from. */
const merchantOf = (gateway: GatewayState, itemId: string): string | undefined => {
  const key = gateway.byOperation.get(itemId)
  return key === undefined ? undefined : gateway.operations.get(key)?.request.from
}

/** An acquirer's submitted items by key. */
const submittedItems = (gateway: GatewayState): ReadonlyMap<string, ClearingItem> =>
  new Map(gateway.submissions.values().flatMap((s) => s.items.map((item) => [`${item.acquirer}/${item.id}`, item] as const)))

/** Each merchant's payout at one acquirer, as its settled captures less refunds and fees say it should be. */
const payoutFindings = (gateway: GatewayState): ReadonlyArray<string> => {
  const findings: Array<string> = []
  const submitted = submittedItems(gateway)
  const owed = new Map<string, number>()
  for (const key of gateway.settledItems.keys()) {
    const item = submitted.get(key)
    const merchant = item === undefined ? undefined : merchantOf(gateway, item.id)
    if (item === undefined || merchant === undefined) {
      findings.push(`${gateway.identity.id} settled ${key}, which it never submitted`)
      continue
    }
    const amount = item.amount.amount_minor
    const account = merchantAccountId(merchant, item.amount.currency)
    const net = item.kind === "capture" ? amount - acquirerFee(amount, gateway.config.feeBps) : -amount
    owed.set(account, (owed.get(account) ?? 0) + net)
  }
  for (const a of gateway.ledger.accounts.values()) {
    if (!a.id.startsWith("merchant:")) continue
    const paid = postedBalance(gateway.ledger, a.id)
    if (paid !== (owed.get(a.id) ?? 0)) findings.push(`${gateway.identity.id} ${a.id} was paid ${paid}, its settled captures less refunds and fees are ${owed.get(a.id) ?? 0}`)
  }
  return findings
}

/**
 * The settlement bank's records of its instructions, judged by what the banks did rather than by
 * those records: an instruction is confirmed only once its (honest) bank posted it, and a cycle is
 * settled only once every one of its instructions was confirmed and posted.
 */
const instructionRecordFindings = (view: SystemView): ReadonlyArray<string> => {
  const findings: Array<string> = []
  const clearing = view.clearing.identity.id
  for (const [id, instruction] of view.clearing.instructions.entries()) {
    if (instruction.bank === view.compromised) continue
    const bank = issuerById(view, instruction.bank) ?? gatewayById(view, instruction.bank)
    const posted = bank?.settlements.has(`${clearing}/${id}`) === true
    const settled = view.clearing.cycles.get(String(instruction.cycle))?.state === "Settled"
    if (instruction.confirmed && !posted) findings.push(`instruction ${id} is recorded confirmed, ${instruction.bank} never posted it`)
    if (settled && !(instruction.confirmed && posted)) findings.push(`cycle ${instruction.cycle} is settled, its instruction ${id} is ${instruction.confirmed ? "confirmed" : "unconfirmed"} and ${posted ? "posted" : "not posted"} by ${instruction.bank}`)
  }
  return findings
}

/**
 * Settlement exactly once: each capture and refund is cleared in at most one cycle, and only if
 * its acquirer and its issuer both booked it for that amount; refunds never exceed captures, at
 * any issuer or acquirer (but for a compromised acquirer's own payments, whose refunds it pays);
 * each merchant's account at its acquirer holds exactly its settled
 * captures, less its settled refunds, less the acquirer's fee on each settled capture; and each
 * honest acquirer has at most one submission waiting for its receipt, of at most its
 * `submissionItems` items (`MAX_CLEARING_ITEMS` unless configured lower); and the settlement bank confirms an instruction, and settles a
 * cycle, only once the banks posted them.
 */
export const settlementExactlyOnce: Checker = (view) => {
  const findings: Array<string> = [...instructionRecordFindings(view)]
  const seen = new Map<string, number>()
  for (const { item, cycle } of clearedItems(view)) {
    const key = `${item.acquirer}/${item.id}`
    if (seen.has(key)) findings.push(`item ${key} cleared in cycles ${seen.get(key)} and ${cycle}`)
    seen.set(key, cycle)
    const gateway = gatewayById(view, item.acquirer)
    const gatewayOp = gateway === undefined ? undefined : gateway.byOperation.get(item.id)
    const op = gateway === undefined || gatewayOp === undefined ? undefined : gateway.operations.get(gatewayOp)
    if (op?.state !== "Accepted") findings.push(`item ${key} cleared without an accepted operation at the acquirer`)
    const entry = issuerById(view, item.issuer)?.ledger.journal.get(`${item.kind}:${key}`)
    if (entry?.amount_minor !== item.amount.amount_minor) findings.push(`item ${key} cleared for ${item.amount.amount_minor}, ${item.issuer} booked ${entry?.amount_minor ?? "nothing"}`)
  }
  for (const issuer of view.issuers) {
    for (const [key, auth] of issuer.authorizations.entries()) {
      // The acquirer pays for refunds: a compromised one refunding its own payments beyond their
      // captures gives its own money to the customer, and the settlement bank debits it (section 8).
      if (gatewayOfKey(key) === view.compromised) continue
      const captured = holdOf(issuer.ledger, `hold:${key}`)?.captured_minor ?? 0
      if (auth.refunded_minor > captured) findings.push(`${issuer.identity.id} authorization ${key}: refunded ${auth.refunded_minor} of ${captured} captured`)
    }
  }
  for (const gateway of view.gateways) {
    for (const [key, p] of gateway.payments.entries()) {
      if (gateway.identity.id !== view.compromised && p.refunded_minor > p.captured_minor) findings.push(`${gateway.identity.id} payment ${key}: refunded ${p.refunded_minor} of ${p.captured_minor} captured`)
    }
    findings.push(...payoutFindings(gateway))
    if (gateway.identity.id !== view.compromised) findings.push(...submissionFindings(gateway))
  }
  return findings
}

/**
 * Settlement liveness, once the world is quiet: every hold was captured, voided or expired; every
 * operation is final and every party agrees on what was captured and refunded; nothing waits to be
 * submitted or cleared; every cycle with items is settled; and every accepted capture and refund
 * was settled by both the acquirer and the issuer. What a compromised acquirer does to its own
 * settlement is out of scope: a cycle waiting only on its confirmation counts as settled for the
 * honest banks, and its own items need not be settled on its side.
 */
export const settlementLiveness: Checker = (view) => {
  const findings: Array<string> = []
  for (const issuer of view.issuers) for (const h of issuer.ledger.holds.values()) if (h.status === "pending") findings.push(`${issuer.identity.id} hold ${h.id} still pending`)
  for (const merchant of view.merchants) {
    if (outOfScope(view, { merchant })) continue
    for (const [id, op] of merchant.operations.entries()) if (op.state === "Pending") findings.push(`${merchant.identity.id} operation ${id} still pending`)
  }
  for (const gateway of view.gateways) {
    const me = gateway.identity.id
    if (me === view.compromised) continue
    for (const [key, op] of gateway.operations.entries()) if (op.state === "Forwarding") findings.push(`${me} operation ${key} still forwarding`)
    if (gateway.unsubmitted.length > 0) findings.push(`${me}: ${gateway.unsubmitted.length} items never submitted`)
    for (const [id, s] of gateway.submissions.entries()) if (s.cycle === null) findings.push(`${me} submission ${id} never receipted`)
  }
  for (const chain of chains(view)) {
    const { merchant, payment, atGateway, auth, hold } = chain
    if (outOfScope(view, chain)) continue
    const captured = [payment.captured_minor, atGateway?.captured_minor ?? 0, hold?.captured_minor ?? 0]
    const refunded = [payment.refunded_minor, atGateway?.refunded_minor ?? 0, auth?.refunded_minor ?? 0]
    if (new Set(captured).size > 1 || new Set(refunded).size > 1) {
      findings.push(`payment ${merchant.identity.id}/${payment.request.id}: captured ${captured.join("/")}, refunded ${refunded.join("/")} at merchant/gateway/issuer`)
    }
  }
  for (const cycle of view.clearing.cycles.values()) {
    // A cycle that waits only on a compromised bank's confirmation has settled for every honest one (section 8).
    const waitsOnInsiderOnly =
      view.compromised !== null &&
      cycle.state === "Settling" &&
      cycle.unconfirmed.length > 0 &&
      cycle.unconfirmed.every((id) => view.clearing.instructions.get(id)?.bank === view.compromised)
    if (cycle.items.length > 0 && cycle.state !== "Settled" && !waitsOnInsiderOnly) findings.push(`cycle ${cycle.number} is ${cycle.state}`)
  }
  for (const { item } of clearedItems(view)) {
    const key = `${item.acquirer}/${item.id}`
    if (item.acquirer !== view.compromised && gatewayById(view, item.acquirer)?.settledItems.get(key) === undefined) findings.push(`${item.acquirer} never settled ${key}`)
    if (issuerById(view, item.issuer)?.settledItems.get(key) === undefined) findings.push(`${item.issuer} never settled ${key}`)
  }
  return findings
}
