/**
 * Signed envelopes: `{ body, signer, signature }`, sealed and opened.
 *
 * The signature covers the **signing bytes** of a body:
 *
 * ```text
 * "checkout-protocol/v1/" || body._tag || 0x00 || canonicalJson(Schema-encoded body without _tag)
 * ```
 *
 * The domain tag names the protocol, its version and the message type, and it is the only place
 * the signature binds the type: the canonical body carries the fields alone. So a signature made
 * for one message can never be presented as a signature on another (an approval and a decline
 * carry the same fields, and only the tag tells them apart), nor on any other protocol's bytes. Opening an envelope runs, in this order and stopping at the first failure:
 *
 * 1. decode the envelope and its body with Schema, refusing unknown fields and any signature
 *    encoding but canonical unpadded base64url (`DecodeError`);
 * 2. look the signer up in the recipient's registry (`UnknownKey`, `RevokedKey`);
 * 3. check that the key's role may sign this message type and that the key belongs to the party
 *    the body names as `from` (`WrongSigner`);
 * 4. verify the signature with the strict policy (`BadSignature`);
 * 5. check the body is addressed to this party (`WrongRecipient`).
 *
 * Expiry is checked by the machines with {@link requireUnexpired}, after their idempotency
 * lookup: a retry of a request that was accepted before its expiry must still get its recorded
 * answer.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import { KeyId, type PartyId, type Timestamp_ms } from "../domain/Ids.js"
import { BadSignature, DecodeError, Expired, RevokedKey, UnknownKey, WrongRecipient, WrongSigner } from "../domain/Rejection.js"
import { canonicalJson } from "./Canonical.js"
import { Ed25519, SIGNATURE_BYTES, type Ed25519Backend } from "./Ed25519.js"
import { lookup, type KeyRegistry, type Role } from "./KeyRegistry.js"

/** The protocol name and version every domain tag starts with. @since 0.1.0 */
export const PROTOCOL_VERSION = "checkout-protocol/v1"

/** What every signed body has: a type tag, its sender and its recipient. @category models @since 0.1.0 */
export interface SignedBody {
  /** The message type; part of the domain tag. */
  readonly _tag: string
  /** The sending party; must own the signing key. */
  readonly from: PartyId
  /** The receiving party; anyone else rejects the message. */
  readonly to: PartyId
}

/**
 * The signed messages a party can seal or open: their Schema and the role allowed to sign each.
 *
 * @category models
 * @since 0.1.0
 */
export interface MessageCodec<B extends SignedBody> {
  /** The Schema of the bodies, usually a `Schema.Union` of tagged classes. */
  readonly schema: Schema.Codec<B, unknown>
  /** The roles whose keys may sign a message with this tag. */
  readonly signerRoles: (tag: B["_tag"]) => ReadonlyArray<Role>
}

/** An envelope as it travels: JSON-ready, the signature in unpadded base64url. @category models @since 0.1.0 */
export interface WireEnvelope {
  readonly body: unknown
  readonly signer: string
  readonly signature: string
}

/** The key a party signs with: its registered id and its 32-byte Ed25519 seed. @category models @since 0.1.0 */
export interface SigningIdentity {
  readonly keyId: KeyId
  readonly seed: Uint8Array
}

/** An opened envelope: the decoded body, the key id that signed it, and its verified signature. @category models @since 0.1.0 */
export interface Opened<B> {
  readonly body: B
  readonly signer: KeyId
  /**
   * The verified signature, in canonical unpadded base64url: with `signer`, the sender's evidence
   * that it signed this very body, which a receiver can keep and show a third party (the gateway
   * puts an issuer's on the clearing item of an accepted operation).
   */
  readonly signature: string
}

const EnvelopeShape = Schema.Struct({
  body: Schema.Unknown,
  signer: KeyId,
  signature: Schema.Uint8ArrayFromBase64Url
})

const strict = { onExcessProperty: "error" } as const
const decodeEnvelope = Schema.decodeUnknownExit(EnvelopeShape, strict)
const utf8 = new TextEncoder()

const domainTagText = (tag: string): string => `${PROTOCOL_VERSION}/${tag}\u0000`

/** The domain tag of a message type: `checkout-protocol/v1/<tag>` followed by a zero byte. @since 0.1.0 */
export const domainTag = (tag: string): Uint8Array => utf8.encode(domainTagText(tag))

/**
 * The bytes a signature covers: the domain tag, then the canonical JSON of the encoded body's
 * fields (its `_tag` is bound by the domain tag, not repeated).
 *
 * @since 0.1.0
 */
export const signingBytes = (tag: string, encodedBody: unknown): Uint8Array => {
  const head = domainTagText(tag)
  const tail = canonicalJson(fieldsOf(encodedBody))
  // One encoding of the whole text: the UTF-8 of a concatenation is the concatenation of the UTF-8s.
  return utf8.encode(head + tail)
}

/** An encoded body without its `_tag`. */
const fieldsOf = (encodedBody: unknown): unknown => {
  if (typeof encodedBody !== "object" || encodedBody === null || !Object.hasOwn(encodedBody, "_tag")) return encodedBody
  const { _tag: _type, ...fields } = encodedBody as Record<string, unknown>
  return fields
}

const base64url = (bytes: Uint8Array): string => Base64Url.encode(bytes)

/**
 * Signs a body and wraps it into a {@link WireEnvelope}: the Schema-encoded body, the signer's
 * key id, and the Ed25519 signature over the body's {@link signingBytes}, in unpadded base64url.
 * Sealing never fails; it needs the `Ed25519` service.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Ed25519, Ed25519Backends, Envelope, Ids, IssuerPhone, KeyRegistry, Signed } from "checkout-protocol"
 *
 * const issuer = Ids.PartyId.make("issuer-1")
 * const phone = Ids.PartyId.make("phone-alice")
 * const signing = { keyId: Ids.KeyId.make("issuer-1.k1"), seed: new Uint8Array(32).fill(7) } // a real seed comes from a CSPRNG
 * const receipt = new IssuerPhone.ChallengeReceipt({ id: Ids.ChallengeId.make("ch-1"), from: issuer, to: phone, status: "approved" })
 *
 * const program = Effect.gen(function* () {
 *   const wire = yield* Envelope.seal(Signed.AnySigned, receipt, signing)
 *   // The phone has the issuer's public key pinned in its registry.
 *   const ed = yield* Ed25519.Ed25519
 *   const registry = KeyRegistry.makeRegistry([
 *     { keyId: signing.keyId, owner: issuer, role: "issuer", publicKey: ed.publicKeyFromSeed(signing.seed), status: "active" }
 *   ])
 *   const opened = yield* Envelope.open(Signed.AnySigned, JSON.parse(JSON.stringify(wire)), { me: phone, registry })
 *   return { wire, opened }
 * })
 * const { wire, opened } = Effect.runSync(Effect.provide(program, Ed25519Backends.NodeEd25519))
 * wire.signer // "issuer-1.k1"
 * wire.signature.length // 86
 * opened.body._tag // "ChallengeReceipt"
 * ```
 *
 * @since 0.1.0
 */
export const seal = <B extends SignedBody>(
  codec: MessageCodec<B>,
  body: B,
  identity: SigningIdentity
): Effect.Effect<WireEnvelope, never, Ed25519> =>
  Ed25519.useSync((ed) => {
    const encoded = Schema.encodeSync(codec.schema)(body)
    const signature = ed.sign(identity.seed, signingBytes(body._tag, encoded))
    return { body: encoded, signer: identity.keyId, signature: base64url(signature) }
  })

/** Everything {@link open} needs to know about the recipient. @category models @since 0.1.0 */
export interface OpenContext {
  /** The recipient's own party id. */
  readonly me: PartyId
  /** The recipient's key registry. */
  readonly registry: KeyRegistry
}

/** Every rejection {@link open} can return. @category models @since 0.1.0 */
export type OpenRejection = DecodeError | UnknownKey | RevokedKey | WrongSigner | BadSignature | WrongRecipient

/**
 * Decodes and verifies an envelope from the network; see the module summary for the checks. It
 * fails with the first rejection (an {@link OpenRejection}) and succeeds with the decoded body and
 * its signer only if every check passes.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Ed25519, Ed25519Backends, Envelope, Ids, IssuerPhone, KeyRegistry, Signed } from "checkout-protocol"
 *
 * const issuer = Ids.PartyId.make("issuer-1")
 * const phone = Ids.PartyId.make("phone-alice")
 * const signing = { keyId: Ids.KeyId.make("issuer-1.k1"), seed: new Uint8Array(32).fill(7) }
 * const declined = new IssuerPhone.ChallengeReceipt({ id: Ids.ChallengeId.make("ch-1"), from: issuer, to: phone, status: "declined_by_shopper" })
 *
 * const attempt = Effect.gen(function* () {
 *   const ed = yield* Ed25519.Ed25519
 *   const registry = KeyRegistry.makeRegistry([
 *     { keyId: signing.keyId, owner: issuer, role: "issuer", publicKey: ed.publicKeyFromSeed(signing.seed), status: "active" }
 *   ])
 *   const wire = yield* Envelope.seal(Signed.AnySigned, declined, signing)
 *   // An attacker on the path turns the decline into an approval.
 *   const tampered = { ...wire, body: { ...(wire.body as object), status: "approved" } }
 *   return yield* Envelope.open(Signed.AnySigned, tampered, { me: phone, registry })
 * })
 * const rejection = Effect.runSync(Effect.flip(Effect.provide(attempt, Ed25519Backends.NodeEd25519)))
 * rejection._tag // "BadSignature"
 * ```
 *
 * @since 0.1.0
 */
export const open = <B extends SignedBody>(
  codec: MessageCodec<B>,
  wire: unknown,
  context: OpenContext
): Effect.Effect<Opened<B>, OpenRejection, Ed25519> => Ed25519.use((ed) => openWith(ed, codec, wire, context))

/** {@link open} with the Ed25519 service in hand: the checks in order, the first failure returned. */
const openWith = <B extends SignedBody>(
  ed: Ed25519Backend,
  codec: MessageCodec<B>,
  wire: unknown,
  context: OpenContext
): Effect.Effect<Opened<B>, OpenRejection> => {
  const envelope = decodeEnvelope(wire)
  if (Exit.isFailure(envelope)) return Effect.fail(new DecodeError({ detail: firstLine(envelope.cause) }))
  const { body: rawBody, signer, signature } = envelope.value
  const signatureText = base64url(signature)
  // The decoder also accepts padding and non-zero trailing bits; only the one form `seal` writes is valid.
  if (signatureText !== (wire as { readonly signature: string }).signature) {
    return Effect.fail(new DecodeError({ detail: "signature is not in canonical unpadded base64url" }))
  }
  const decoded = Schema.decodeUnknownExit(codec.schema, strict)(rawBody)
  if (Exit.isFailure(decoded)) return Effect.fail(new DecodeError({ detail: firstLine(decoded.cause) }))
  const body = decoded.value
  const key = lookup(context.registry, signer)
  if (key === undefined) return Effect.fail(new UnknownKey({ keyId: signer }))
  if (key.status !== "active") return Effect.fail(new RevokedKey({ keyId: signer }))
  const roles = codec.signerRoles(body._tag)
  if (!roles.includes(key.role)) {
    return Effect.fail(new WrongSigner({ keyId: signer, tag: body._tag, detail: `needs a ${roles.join(" or ")} key, got a ${key.role} key` }))
  }
  if (key.owner !== body.from) {
    return Effect.fail(new WrongSigner({ keyId: signer, tag: body._tag, detail: `key of ${key.owner} cannot speak for ${body.from}` }))
  }
  const bytes = signingBytes(body._tag, Schema.encodeSync(codec.schema)(body))
  if (signature.length !== SIGNATURE_BYTES || !ed.verify(key.publicKey, bytes, signature)) {
    return Effect.fail(new BadSignature({ keyId: signer, tag: body._tag }))
  }
  if (body.to !== context.me) return Effect.fail(new WrongRecipient({ expected: context.me, got: body.to }))
  return Effect.succeed({ body, signer, signature: signatureText })
}

/**
 * Fails with `Expired` when a request's `expiresAt_ms` is not after `now_ms`.
 *
 * @since 0.1.0
 */
export const requireUnexpired = (
  request: { readonly id: string; readonly expiresAt_ms: Timestamp_ms },
  now_ms: Timestamp_ms
): Effect.Effect<void, Expired> =>
  now_ms < request.expiresAt_ms
    ? Effect.void
    : Effect.fail(new Expired({ id: request.id, expiresAt_ms: request.expiresAt_ms, now_ms }))

const firstLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text = error instanceof Error ? error.message : String(error)
  return text.replace(/\s+/g, " ").slice(0, 300)
}
