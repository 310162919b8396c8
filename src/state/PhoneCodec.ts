/**
 * The phone's stored state: no header, and its challenges and outbox as tables.
 *
 * | table | key | row |
 * | --- | --- | --- |
 * | `challenges` | challenge id | {@link PhoneChallengeRow} |
 * | `outbox` | request id | {@link OutboxEntryRow} |
 *
 * @since 0.3.0
 */
import * as Outbox from "../machine/Outbox.js"
import { Schema } from "effect"
import { AuthorizationStatus } from "../messages/Common.js"
import { Challenge, Decision } from "../messages/IssuerPhone.js"
import type { PartyIdentity } from "../machine/Party.js"
import { challengeDueAt, type PhoneChallenge, type PhoneState } from "../parties/Phone.js"
import { exactly, OutboxEntryRow } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/** The phone's header: empty, all it keeps is in its tables. @since 0.3.0 */
export const PhoneHeader = Schema.Struct({})

/** One challenge as the app shows it. @since 0.3.0 */
export const PhoneChallengeRow = exactly<PhoneChallenge>()(
  Schema.Struct({
    challenge: Challenge,
    state: Schema.Literals(["Pending", "Answered", "Closed", "Expired"]),
    decision: Schema.NullOr(Decision),
    outcome: Schema.NullOr(AuthorizationStatus)
  })
)

/** The phone's tables and their rows. @since 0.3.0 */
export const phoneTables = { challenges: PhoneChallengeRow, outbox: OutboxEntryRow }

/** The phone's codec. @since 0.3.0 */
export const codec: PartyCodec<
  PhoneState,
  PartyIdentity,
  typeof PhoneHeader.Type,
  { readonly [N in keyof typeof phoneTables]: (typeof phoneTables)[N]["Type"] }
> = {
  kind: "Phone",
  header: PhoneHeader,
  tables: phoneTables,
  indexes: { challenges: challengeDueAt, outbox: Outbox.dueAt },
  split: ({ identity, ...tables }) => ({ party: identity.id, header: {}, tables }),
  join: ({ tables }, identity) => ({ identity, ...tables })
}
