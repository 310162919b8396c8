/**
 * Which signed messages each signing party accepts: its exported `Accepts` codec, the very codec
 * its `step` opens packets with. The message reference reads a message's receivers from it, and
 * the ProVerif model's message part names them in its comments.
 *
 * @since 0.3.0
 */
import { tagsOf } from "../messages/Reflection.js"
import * as ClearingHouse from "./ClearingHouse.js"
import * as Gateway from "./Gateway.js"
import * as Issuer from "./Issuer.js"
import * as Merchant from "./Merchant.js"
import * as Phone from "./Phone.js"

/**
 * The kinds of party that open signed envelopes, named as their machines are (`Machine.kind`);
 * the browser speaks only on its unsigned session.
 *
 * @category models
 * @since 0.3.0
 */
export type SigningPartyKind = "Merchant" | "Gateway" | "Issuer" | "Phone" | "ClearingHouse"

/**
 * What is read from a party's codec: the Schema union of the messages it accepts.
 *
 * @category models
 * @since 0.3.0
 */
export interface AcceptedCodec {
  readonly schema: unknown
}

/**
 * The codec each signing party opens packets with, in the order the message reference lists
 * receivers.
 *
 * @category codecs
 * @since 0.3.0
 */
export const ACCEPTS: { readonly [P in SigningPartyKind]: AcceptedCodec } = {
  Merchant: Merchant.Accepts,
  Gateway: Gateway.Accepts,
  Issuer: Issuer.Accepts,
  Phone: Phone.Accepts,
  ClearingHouse: ClearingHouse.Accepts
}

/**
 * The parties that accept a signed message type: every party whose codec lists it, in the order
 * of {@link ACCEPTS}.
 *
 * @category codecs
 * @since 0.3.0
 */
export const acceptedBy = (tag: string): ReadonlyArray<SigningPartyKind> =>
  (Object.entries(ACCEPTS) as ReadonlyArray<[SigningPartyKind, AcceptedCodec]>).filter(([, codec]) => tagsOf(codec).includes(tag)).map(([party]) => party)
