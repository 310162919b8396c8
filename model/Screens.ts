/**
 * What a person is shown on an honest phone, judged against the model and the issuer: a challenge
 * they answered there (in time) shows their answer and never waits for one again, and a challenge
 * the issuer closed shows the issuer's final word on its authorization.
 */
import { getOwn } from "../src/domain/Records.js"
import type { SystemView } from "./Invariants.js"
import { issuerById } from "./Links.js"
import { decisionKeyOf, type Model } from "./Model.js"

/** The findings on every honest phone's challenges. */
export const phoneFindings = (view: SystemView, model: Model): ReadonlyArray<string> => {
  const findings: Array<string> = []
  for (const phone of view.phones) {
    const me = phone.identity.id
    if (me === view.compromised) continue
    for (const shown of phone.challenges.values()) {
      const { challenge } = shown
      const decided = getOwn(model.decisions, decisionKeyOf(challenge.from, challenge.id))
      if (decided?.device === me && decided.decidedAt_ms < decided.expiresAt_ms) {
        if ((shown.state !== "Answered" && shown.state !== "Closed") || shown.decision !== decided.decision) {
          findings.push(`${me} shows challenge ${challenge.id} ${shown.state} with ${shown.decision ?? "no answer"}, its person answered ${decided.decision}`)
        }
      }
      if (shown.state !== "Closed") continue
      const issuer = issuerById(view, challenge.from)
      const authorization = issuer?.challenges.get(challenge.id)?.authorization
      const status = authorization === undefined ? undefined : issuer?.authorizations.get(authorization)?.status
      if (status !== shown.outcome) findings.push(`${me} shows challenge ${challenge.id} closed as ${shown.outcome ?? "nothing"}, ${challenge.from} decided ${status ?? "nothing"}`)
    }
  }
  return findings
}
