/**
 * The seeded bugs of `src/bugs/Catalog.ts` as the security guide shows them: each bug's name and
 * description come from the catalog; the guarantee it breaks and the invariants that caught it
 * are recorded here. `caughtBy` is what the bug runner reported in its "caught by" column
 * (`npm run bugs -- --seeds 20 --json`, the harness's default budget, seeds 1 to 20): every
 * check that caught the bug on one of those seeds. It is a measurement, too slow
 * to repeat on every test run, so it is data; `test/docs.test.ts` checks
 * that every catalogued bug has an entry and every entry a bug, and that each name in `caughtBy`
 * is a check the harness makes.
 */
import { BUGS } from "../src/bugs/Catalog.js"

/** What the guide says about one seeded bug. */
export interface BugEvidence {
  /** The guarantee the bug breaks, in a few words. */
  readonly breaks: string
  /** The harness checks that caught it in `npm run bugs`, over all seeds. */
  readonly caughtBy: ReadonlyArray<string>
}

/** The checks the harness makes: the invariants of `model/Invariants.ts`, the canary of `src/harness/Canary.ts`, the storable check of `src/harness/Storable.ts`, the retention check of `src/harness/Retention.ts`, and the declared-transitions, totality, deadlines and operations checks of `src/harness/World.ts` (the last two judged by `model/Deadlines.ts` and `model/Operations.ts`). */
export const HARNESS_CHECKS = [
  "noDoubleCharge",
  "noUnapprovedDebit",
  "authenticity",
  "agreement",
  "isolation",
  "noOverdraft",
  "conservation",
  "settlementExactlyOnce",
  "bounded",
  "liveness",
  "canary",
  "storable",
  "retention",
  "declaredTransitions",
  "totality",
  "deadlines",
  "operations"
] as const

/** Recorded from the bug runner: seeds 1 to 20 on 2026-12-03 with drawn worlds (`npm run bugs -- --seeds 20 --json`), the 38 bugs before retention on commit 6e83ff1, and on the tree of the used-id rule (spec 4.9) the three retention bugs and the two whose edits are on `Idempotency.admit` (`no-idempotency-check`, `retried-capture-captured-twice`); the six envelope, session and deadline bugs on 2026-12-04 at commit 7de2b1a (`npm run bugs -- --only NAME --seeds 20 --json`), and `recipient-not-checked` on 2026-12-04 once replays aim at the recipient's peers first (commit after a46e980); the three clearing-flow bugs the canary's lost confirmation and held-up submission catch (`retried-instruction-unanswered`, `confirmation-only-on-retry`, `submission-before-receipt`) on 2026-12-05 (`npm run bugs -- --only NAME --seeds 20 --json`), and the two wrong verdicts only the operations check catches (`void-reports-captured-as-released`, `expired-hold-reported-closed`) on 2026-12-05 likewise, with the bugs that check now catches first (`capture-after-void-or-expiry`, once by declaredTransitions; `hold-expiry-in-seconds` and `refund-after-capture-refused`, once by the canary, whose own finding comes after) on the same day, at commit eb7dd0c; and, once it judges the gateway too, `issuer-refusals-relayed-as-unknown` and the gateway's bugs it now catches first (`full-refund-refused`, once by the canary; `retried-capture-captured-twice` and `concurrent-refunds-exceed-capture`) on the same day, on the commit that added the gateway's judge, with `capture-posted-twice`, which only noDoubleCharge catches; the two that an insider's own operations reach (`capture-in-any-currency`, `gateway-forwards-any-currency`) on 2026-12-06, on the tree of commit a8a743f (which added `CraftOperation`) with the two added (`npm run bugs -- --only NAME --seeds 20 --json`); and the checks that first caught a bug in the whole catalog's run on 20 seeds on a8a743f, once insiders craft their own operations, where a set above lacked them (`hold-before-approval` by operations, `crash-loses-idempotency-records` by authenticity, `retried-capture-captured-twice` by settlementExactlyOnce); and `operation-honoured-at-expiry` on 2026-12-06 on the tree of commit e8710c3 (scripts drawn for their world) with it added (`npm run bugs -- --only NAME --seeds 20`), and the checks that first caught a bug in the whole catalog's run on 20 seeds on e8710c3 where a set above lacked them (`retried-capture-captured-twice` by liveness, `recipient-not-checked` by agreement); and, once the operations check judges the merchant's back office, `void-refused` (by the canary before) and `refund-ignores-refunds` on 2026-12-06 on the tree of the commit that added that judge (`npm run bugs -- --only NAME --seeds 20`); and `lapsed-hold-reported-closed` on 2026-12-07 on the tree of the commit that added the canary's late capture (`npm run bugs -- --only lapsed-hold-reported-closed --seeds 20`); and the two bugs at a bound (`outbox-limit-ignored`, `cycle-limit-ignored`) on 2026-12-07 on the tree of commit 0c4f3f4 (the harness's lowered bounds) with them added (`npm run bugs -- --only NAME --seeds 20`); and `operation-honoured-at-expiry` again on 2026-12-07 on commit 9c298cc, whose canary holds a capture until its own expiry (`npm run bugs -- --only operation-honoured-at-expiry --seeds 20`); and `clearing-outbox-ignored` on 2026-12-07 on commit c81ceca (the campaign draws the clearing house's bound), and the checks that first caught a bug in the whole catalog's run on seeds 1 to 10 on that commit where a set above lacked them (`approval-reusable` by operations); and `operation-finds-payment-by-id` on 2026-12-08 on the tree of the commit that added it (`npm run bugs -- --only operation-finds-payment-by-id --seeds 20`: caught on 20 of 20, median 2 runs, shrunk to at most 6 commands). Every check that caught each bug on one of those seeds. */
export const BUG_EVIDENCE: Readonly<Record<string, BugEvidence>> = {
  "no-idempotency-check": { breaks: "idempotency: a retry is a new authorization", caughtBy: ["liveness"] },
  "retry-with-fresh-payment-id": { breaks: "retries reuse their ids", caughtBy: ["declaredTransitions"] },
  "device-signature-not-verified": { breaks: "authenticity of the shopper's answer", caughtBy: ["authenticity", "noUnapprovedDebit"] },
  "approval-not-bound-to-amount": { breaks: "dynamic linking: the amount", caughtBy: ["authenticity"] },
  "approval-not-bound-to-payee": { breaks: "dynamic linking: the payee", caughtBy: ["authenticity"] },
  "approval-reusable": { breaks: "an approval is used once", caughtBy: ["agreement", "liveness", "operations"] },
  "challenge-expiry-ignored": { breaks: "an approval counts only before its deadline", caughtBy: ["noUnapprovedDebit"] },
  "domain-tag-missing": { breaks: "domain separation: a decline passes for an approval", caughtBy: ["authenticity", "noUnapprovedDebit"] },
  "merchant-trusts-unverified-result": { breaks: "the merchant trusts only a gateway-signed result", caughtBy: ["authenticity"] },
  "hold-before-approval": { breaks: "no hold without the shopper's approval", caughtBy: ["noUnapprovedDebit", "operations"] },
  "two-live-payments": { breaks: "an order has at most one live payment", caughtBy: ["declaredTransitions"] },
  "crash-loses-outbox": { breaks: "the outbox is durable", caughtBy: ["liveness"] },
  "crash-loses-idempotency-records": { breaks: "idempotency records and what they made are durable", caughtBy: ["liveness", "retention", "authenticity"] },
  "capture-after-void-or-expiry": { breaks: "a closed or expired hold captures nothing", caughtBy: ["operations"] },
  "retried-capture-captured-twice": { breaks: "a retried capture is captured once", caughtBy: ["operations", "retention", "settlementExactlyOnce", "liveness"] },
  "concurrent-refunds-exceed-capture": { breaks: "refunds never exceed captures, refunds in flight included", caughtBy: ["operations"] },
  "submission-counted-twice": { breaks: "each item is cleared in one cycle", caughtBy: ["settlementExactlyOnce"] },
  "netting-wrong-side": { breaks: "the positions of a cycle sum to zero", caughtBy: ["canary", "conservation"] },
  "instruction-applied-twice": { breaks: "a bank posts each instruction once", caughtBy: ["conservation"] },
  "challenge-deadline-inclusive": { breaks: "a deadline is exclusive: nothing counts at its instant", caughtBy: ["noUnapprovedDebit"] },
  "approval-from-any-enrolled-device": { breaks: "only the challenged account's device approves (insider phone)", caughtBy: ["noUnapprovedDebit"] },
  "gateway-trusts-merchant-payee": { breaks: "a merchant is paid only for its own payments (insider merchant)", caughtBy: ["isolation"] },
  "operation-finds-payment-by-id": { breaks: "a merchant's operation touches only its own payments (ids collide across merchants)", caughtBy: ["operations"] },
  "issuer-trusts-gateway-payee": { breaks: "a gateway speaks only for the merchants it acquires (insider gateway)", caughtBy: ["isolation"] },
  "operation-expiry-not-signed": { breaks: "a signature binds every field: a request's expiry", caughtBy: ["authenticity"] },
  "approval-not-bound-to-account": { breaks: "dynamic linking: the account", caughtBy: ["authenticity"] },
  "clearing-items-not-signed": { breaks: "a signature binds every field: what each cleared item says", caughtBy: ["authenticity", "settlementExactlyOnce"] },
  "instruction-cycle-not-signed": { breaks: "a signature binds every field: an instruction's cycle", caughtBy: ["authenticity"] },
  "pending-debits-ignored": { breaks: "no overdraft: the held debits count against the balance", caughtBy: ["noOverdraft"] },
  "browser-takes-any-order-view": { breaks: "the browser shows only the answer to its own request", caughtBy: ["agreement"] },
  "hold-expiry-in-seconds": { breaks: "a checkout on a calm network succeeds: approved, captured, settled", caughtBy: ["operations"] },
  "exact-funds-refused": { breaks: "a payment of exactly the funds available is held", caughtBy: ["canary"] },
  "refund-after-capture-refused": { breaks: "a refund of a captured payment is accepted and paid back", caughtBy: ["operations"] },
  "full-refund-refused": { breaks: "a refund of all that is still refundable is accepted and paid back", caughtBy: ["operations"] },
  "void-refused": { breaks: "a void releases the hold and moves no money", caughtBy: ["operations"] },
  "refund-ignores-refunds": { breaks: "the merchant refuses itself what its confirmed figures rule out", caughtBy: ["operations"] },
  "void-reports-captured-as-released": { breaks: "an operation's answer says what moved: a void after captures, what the hold still reserved", caughtBy: ["operations"] },
  "expired-hold-reported-closed": { breaks: "a refusal gives the spec's reason: a lapsed hold is `hold_expired`", caughtBy: ["operations"] },
  "lapsed-hold-reported-closed": { breaks: "a refusal gives the spec's reason: a pending hold past its expiry is `hold_expired`", caughtBy: ["operations"] },
  "capture-in-any-currency": { breaks: "a capture is taken in the hold's currency only (insider gateway)", caughtBy: ["operations"] },
  "operation-honoured-at-expiry": { breaks: "an operation counts only before its deadline", caughtBy: ["operations"] },
  "gateway-forwards-any-currency": { breaks: "the acquirer refuses an operation in another currency itself (insider merchant)", caughtBy: ["operations"] },
  "capture-posted-twice": { breaks: "a capture is posted once: never more captured than the merchant's staff asked", caughtBy: ["noDoubleCharge"] },
  "issuer-refusals-relayed-as-unknown": { breaks: "the gateway relays the issuer's answer unchanged", caughtBy: ["operations"] },
  "retried-instruction-unanswered": { breaks: "a bank confirms a retried instruction it posted, so a lost confirmation is made good", caughtBy: ["canary"] },
  "confirmation-only-on-retry": { breaks: "a bank confirms an instruction in the step that posts it", caughtBy: ["canary"] },
  "submission-before-receipt": { breaks: "an acquirer keeps one clearing submission in flight", caughtBy: ["settlementExactlyOnce"] },
  "stale-copy-taken-as-new": { breaks: "a replay after pruning is refused, never taken for a new request", caughtBy: ["retention"] },
  "records-pruned-at-expiry": { breaks: "an idempotency record outlives its request by the retention window", caughtBy: ["liveness"] },
  "used-id-taken-after-pruning": { breaks: "a used id stays used after its record is pruned (insider merchant)", caughtBy: ["retention"] },
  "operation-state-unstorable": { breaks: "every state a party reaches is one its store can hold", caughtBy: ["storable"] },
  "netting-ignores-currency": { breaks: "netting per currency", caughtBy: ["conservation"] },
  "payment-currency-not-signed": { breaks: "a signature binds every field: a payment's currency", caughtBy: ["authenticity"] },
  "order-id-not-signed": { breaks: "a signature binds every field: the order a payment is for", caughtBy: ["authenticity"] },
  "clearing-trusts-acquirer-items": { breaks: "an item clears only with its issuer's signature on its acceptance (insider gateway)", caughtBy: ["settlementExactlyOnce"] },
  "challenge-expired-early": { breaks: "a deadline takes effect at its instant, never before", caughtBy: ["deadlines"] },
  "hold-released-late": { breaks: "a tick at a deadline expires what is due", caughtBy: ["deadlines"] },
  "revoked-key-trusted": { breaks: "a revoked key speaks for nobody", caughtBy: ["authenticity"] },
  "recipient-not-checked": { breaks: "a message acts only where it is addressed", caughtBy: ["isolation", "liveness", "agreement", "noUnapprovedDebit"] },
  "signature-encoding-malleable": { breaks: "one signed message has one wire form", caughtBy: ["authenticity"] },
  "malformed-body-not-refused": { breaks: "bad input gets a typed rejection and changes nothing", caughtBy: ["totality"] },
  "garbled-request-not-refused": { breaks: "a shopper's malformed request gets a typed rejection and changes nothing", caughtBy: ["totality"] },
  "outbox-limit-ignored": { breaks: "a party refuses new work beyond the bound its configuration sets: a merchant's requests in flight", caughtBy: ["bounded", "operations"] },
  "cycle-limit-ignored": { breaks: "a party refuses new work beyond the bound its configuration sets: a cycle's items of a bank", caughtBy: ["bounded"] },
  "clearing-outbox-ignored": { breaks: "a party refuses new work beyond the bound its configuration sets: the clearing house's instructions unconfirmed", caughtBy: ["bounded"] }
}

const cell = (text: string): string => text.replace(/\|/g, "\\|")

/** The table of seeded bugs: name, what it changes, what it breaks, and what caught it. */
export const bugTable = (): string => {
  const rows = BUGS.map((bug) => {
    const evidence = BUG_EVIDENCE[bug.name]
    if (evidence === undefined) throw new Error(`generated block: no evidence for the seeded bug ${bug.name} in docs/Bugs.ts`)
    return `| \`${bug.name}\` | ${cell(bug.description)} | ${cell(evidence.breaks)} | ${evidence.caughtBy.map((c) => `\`${c}\``).join(", ")} |`
  })
  return ["| seeded bug | what it changes | what it breaks | caught by |", "| --- | --- | --- | --- |", ...rows].join("\n")
}

/** For each harness check, the seeded bugs it caught: the evidence that the check can fail. */
export const bugsByCheck = (): string => {
  const rows = HARNESS_CHECKS.map((check) => {
    const bugs = BUGS.filter((bug) => BUG_EVIDENCE[bug.name]?.caughtBy.includes(check) === true).map((bug) => `\`${bug.name}\``)
    return `| \`${check}\` | ${bugs.length === 0 ? "none yet in the catalog" : bugs.join(", ")} |`
  })
  return ["| check | seeded bugs it caught |", "| --- | --- |", ...rows].join("\n")
}
