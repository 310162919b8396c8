/**
 * A compromised merchant's lies to its own shoppers' pages: once it starts (see the `Mislead`
 * command), every answer it sends a page is replaced by another status of the order or a refusal,
 * in turn, so every screen a page waits on meets every answer the browser declares it follows.
 */
import { Schema } from "effect"
import type { PartyId, RequestId } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import type { BrowserState } from "../parties/Browser.js"
import type { World } from "./World.js"

/** What a compromised merchant may tell a shopper's page: any status of the order, or a refusal. */
export const MISLEADING_ANSWERS = ["open", "ready", "paying", "paid", "declined", "refused"] as const

/** One of {@link MISLEADING_ANSWERS}. */
export type MisleadingAnswer = (typeof MISLEADING_ANSWERS)[number]

/**
 * Sends page `browser` the lying merchant's next lie as the answer to its request `requestId`,
 * built from what the page shows (its order, else its cart, at zero).
 */
export const tellLie = (world: World, merchant: PartyId, browser: PartyId, requestId: RequestId): void => {
  const { core } = world
  const turn = world.lies ?? 0
  world.lies = turn + 1
  const answer = MISLEADING_ANSWERS[turn % MISLEADING_ANSWERS.length] ?? "refused"
  const page = world.net.state<BrowserState>(browser)
  const currency = world.directory.customers.find((c) => c.browser === browser)?.currency ?? "EUR"
  const nothing = core.Money.money(0, currency)
  const { OrderView, RequestRefused, MerchantResponse } = core.BrowserMerchant
  const body =
    answer === "refused"
      ? new RequestRefused({ requestId, reason: "refused by a lying merchant" })
      : new OrderView({
          requestId,
          orderId: page.order?.orderId ?? core.Ids.OrderId.make("ord-0"),
          lines: page.order?.lines ?? page.cart,
          subtotal: page.order?.subtotal ?? nothing,
          delivery: page.order?.delivery ?? null,
          address: page.order?.address ?? null,
          total: page.order?.total ?? nothing,
          status: answer,
          payment: null
        })
  world.count("insider:merchant:mislead")
  const packet: Packet = { from: merchant, to: browser, channel: "session", payload: Schema.encodeSync(MerchantResponse)(body) }
  world.receive(`insider ${merchant}: tell ${browser} "${answer}"`, browser, packet)
}

/** Whether `packet` is an answer from a merchant that has started lying to its shoppers' pages. */
export const isLyingAnswer = (world: World, packet: Packet): boolean =>
  world.lies !== null && packet.channel === "session" && packet.from === world.directory.compromised?.id && world.directory.compromised.kind === "merchant"
