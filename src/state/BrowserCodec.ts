/**
 * The browser's stored state: a header only.
 *
 * The browser signs nothing, so it has no identity to load: its party id is the document's
 * `party`, and everything else (the merchant it shops at, its session, its page-load and request
 * counters, the screen, the cart, the order on screen and the one request in flight) is its
 * header. It has no tables: a refresh keeps only the session and the load counter anyway.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import { PartyId, RequestId, SessionId } from "../domain/Ids.js"
import { MAX_ORDER_LINES, OrderLine, OrderView } from "../messages/BrowserMerchant.js"
import type { BrowserState, InFlight } from "../parties/Browser.js"
import { exactly, Int, PacketRow } from "./Rows.js"
import type { PartyCodec } from "./Codec.js"

/** The browser's one request in flight. @since 0.3.0 */
export const InFlightRow = exactly<InFlight>()(Schema.Struct({ requestId: RequestId, packet: PacketRow, nextAttempt_ms: Int }))

/** Every screen a browser can show. @since 0.3.0 */
export const Screen = Schema.Literals(["Shopping", "Confirming", "Loading", "Checkout", "ReadyToPay", "Paying", "Approved", "Declined"])

/** The browser's header: all of its state but its own party id. @since 0.3.0 */
export const BrowserHeader = exactly<Omit<BrowserState, "me">>()(
  Schema.Struct({
    merchant: PartyId,
    sessionId: SessionId,
    loads: Int,
    sent: Int,
    screen: Screen,
    cart: Schema.Array(OrderLine).pipe(Schema.check(Schema.isMaxLength(MAX_ORDER_LINES))),
    order: Schema.NullOr(OrderView),
    inFlight: Schema.NullOr(InFlightRow),
    nextPoll_ms: Int,
    notice: Schema.NullOr(Schema.String)
  })
)

/** The browser's codec: a header and no tables. @since 0.3.0 */
export const codec: PartyCodec<BrowserState, null, Omit<BrowserState, "me">, {}> = {
  kind: "Browser",
  header: BrowserHeader,
  tables: {},
  indexes: {},
  split: ({ me, ...header }) => ({ party: me, header, tables: {} }),
  join: ({ party, header }) => ({ me: party, ...header })
}
