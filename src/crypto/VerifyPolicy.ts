/**
 * The strict Ed25519 verification policy, checked on the raw bytes in front of every backend.
 *
 * Both backends (tweetnacl and OpenSSL through `node:crypto`) implement the cofactorless RFC 8032
 * equation `[S]B = R + [k]A` and compare the recomputed `R` with the signature's `R` byte for byte.
 * They differ only in what they let through before that equation, and neither enforces all of
 * RFC 8032's decoding rules. {@link checkStrict} closes those gaps, so a signature is accepted by
 * the service only if it passes every rule below, in this order, and then the backend's equation.
 * "Decides" lists the Wycheproof cases (`ed25519_test.json`, 151 cases, see
 * `test/crypto/wycheproof.test.ts`) for which that rule is the first to fail.
 *
 * 1. `publicKeyLength`, `signatureLength`: the public key is exactly 32 bytes and the signature
 *    exactly 64 bytes. Decides tcIds 30-41 (truncated, padded or compressed signatures), on
 *    which tweetnacl throws instead of returning false.
 * 2. `publicKeyEncoding`: the key is a canonical point encoding (RFC 8032, Section 5.1.3): its
 *    y-coordinate (the low 255 bits) is below p = 2^255 - 19, and it does not set the sign bit
 *    when x = 0 (y = 1 or y = p - 1). Both backends silently reduce y mod p and ignore that sign
 *    bit, so without the rule a key with y < 19 or x = 0 has more than one accepted encoding (the
 *    identity has four). Decides no Wycheproof case (every key there is canonical); it makes the
 *    service RFC 8032 compliant.
 * 3. `publicKeySmallOrder`: the key is not one of the 8 points of order 1, 2, 4 or 8 (compared on
 *    y, both signs of x). Under such a "key" signatures are forged without any secret: with the
 *    identity key, `R` = identity and `S` = 0 verifies for every message in both backends. A
 *    party could register one and later deny its signatures. Decides no Wycheproof case; the
 *    same rule as libsodium.
 * 4. `signatureREncoding`: `R` (bytes 0..31) passes the same canonical encoding rule. Both
 *    backends already reject a non-canonical `R`, because the recomputed `R` is always encoded
 *    canonically and the comparison is on bytes; the rule makes that independent of the backend
 *    and names the reason. Decides tcIds 25-29 (`R` = p, a second encoding of y = 0), 61
 *    (y = 2^255 - 1) and 151 (y = 1 with the sign bit set).
 * 5. `signatureRSmallOrder`: `R` is not a small-order point. An honest signer produces one with
 *    probability about 2^-252; libsodium rejects them too. Decides tcIds 10-19 (`R` = 0 or 1,
 *    with `S` = 0, 1, L - 1, L or p) and 60 (`R` = 0).
 * 6. `signatureSNotCanonical`: S (bytes 32..63, little-endian) is below the group order
 *    L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032, Section 5.1.7). tweetnacl
 *    skips this check and accepts `S + L`, a second valid signature for the same message, so
 *    this rule is what rejects tcIds 63-66 (`S` + L, 2L, 4L, 8L) and 85 (`S` just above the
 *    bound) with tweetnacl. It also decides tcIds 23-24 (`S` = L or p) and 67-70 (`S` + 2^253,
 *    2^254, 2^255 or p), which both backends also reject on the equation.
 *
 * Everything else is left to the backend, which decodes the points (rejecting any not on the
 * curve) and checks the equation: tcIds 1-9, 71-84 and 86-150 are valid signatures that pass
 * every rule, and tcIds 20-22 (`R` = L read as a point encoding), 42-59 and 62 (modified `R`)
 * pass the rules and are rejected by both backends. No case has result `acceptable`. The policy needs no curve
 * arithmetic: every rule compares bytes. It does not check that the key lies in the prime-order
 * subgroup (a mixed-order key goes to the equation); both backends are cofactorless, so they
 * agree on those too, which the property tests check.
 *
 * @since 0.1.0
 */
import { type Ed25519Backend, PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES } from "./Ed25519.js"

/**
 * The name of the policy rule a public key or signature broke, one per check of
 * {@link checkStrict}, in the order they are applied.
 *
 * @category models
 * @since 0.1.0
 */
export type VerifyPolicyRule =
  | "publicKeyLength"
  | "signatureLength"
  | "publicKeyEncoding"
  | "publicKeySmallOrder"
  | "signatureREncoding"
  | "signatureRSmallOrder"
  | "signatureSNotCanonical"

/**
 * Why {@link checkStrict} refused a public key and signature before any curve arithmetic: the
 * rule that failed and a sentence saying what was wrong with which input.
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifyPolicyViolation {
  /** The first rule that failed. */
  readonly rule: VerifyPolicyRule
  /** What was wrong, naming the input, such as `"signature" expected 64 bytes, got 63`. */
  readonly reason: string
}

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16))

/** p = 2^255 - 19, little-endian. */
const FIELD_PRIME = fromHex("ed" + "ff".repeat(30) + "7f")
/** L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER = fromHex("edd3f55c1a631258d69cf7a2def9de14" + "00".repeat(15) + "10")
/** y = 1 and y = p - 1: the two points with x = 0 (the identity, and the point of order 2). */
const Y_ONE = fromHex("01" + "00".repeat(31))
const Y_MINUS_ONE = fromHex("ec" + "ff".repeat(30) + "7f")
/**
 * The y-coordinates of the 8 points of order dividing 8: 0 (order 4, both signs of x), 1 (the
 * identity), p - 1 (order 2) and the two of order 8 (both signs of x each).
 */
const SMALL_ORDER_Y: ReadonlyArray<Uint8Array> = [
  fromHex("00".repeat(32)),
  Y_ONE,
  Y_MINUS_ONE,
  fromHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
  fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
]

/** Whether the 32-byte little-endian numbers are equal. */
const equal = (a: Uint8Array, b: Uint8Array): boolean => a.every((byte, i) => byte === b[i])

/** Whether the 32-byte little-endian number `value` is strictly below `bound`. */
const isBelow = (value: Uint8Array, bound: Uint8Array): boolean => {
  for (let i = 31; i >= 0; i--) {
    const v = value[i] ?? 0
    const b = bound[i] ?? 0
    if (v !== b) return v < b
  }
  return false
}

const violation = (rule: VerifyPolicyRule, reason: string): VerifyPolicyViolation => ({ rule, reason })

const checkLength = (
  rule: VerifyPolicyRule,
  name: string,
  bytes: Uint8Array,
  expected: number
): VerifyPolicyViolation | undefined =>
  bytes.length === expected ? undefined : violation(rule, `"${name}" expected ${expected} bytes, got ${bytes.length}`)

/** Rules 2-5 on one 32-byte point encoding: the key, or the signature's `R`. */
const checkPoint = (
  encoding: Uint8Array,
  name: string,
  encodingRule: VerifyPolicyRule,
  smallOrderRule: VerifyPolicyRule
): VerifyPolicyViolation | undefined => {
  const y = encoding.slice(0, 32)
  const signBit = (y[31] ?? 0) >> 7
  y[31] = (y[31] ?? 0) & 0x7f
  if (!isBelow(y, FIELD_PRIME)) {
    return violation(
      encodingRule,
      `${name} is not a canonical point encoding: its y-coordinate is not below 2^255 - 19 (RFC 8032, Section 5.1.3)`
    )
  }
  if (signBit === 1 && (equal(y, Y_ONE) || equal(y, Y_MINUS_ONE))) {
    return violation(
      encodingRule,
      `${name} is not a canonical point encoding: it sets the sign bit of x = 0 (RFC 8032, Section 5.1.3)`
    )
  }
  if (SMALL_ORDER_Y.some((small) => equal(y, small))) {
    return violation(
      smallOrderRule,
      `${name} is a point of small order (1, 2, 4 or 8), under which signatures can be forged without a secret key`
    )
  }
  return undefined
}

/**
 * Applies the strict policy described in this module to a public key and signature, without
 * looking at the message. Returns the first violation, or `undefined` when the inputs may be
 * handed to a backend's verification equation. Pure: only compares bytes.
 *
 * @category policy
 * @since 0.1.0
 */
export const checkStrict = (publicKey: Uint8Array, signature: Uint8Array): VerifyPolicyViolation | undefined =>
  checkLength("publicKeyLength", "publicKey", publicKey, PUBLIC_KEY_BYTES) ??
    checkLength("signatureLength", "signature", signature, SIGNATURE_BYTES) ??
    checkPoint(publicKey, `"publicKey"`, "publicKeyEncoding", "publicKeySmallOrder") ??
    checkPoint(signature.subarray(0, 32), `"signature" R`, "signatureREncoding", "signatureRSmallOrder") ??
    (isBelow(signature.subarray(32, 64), GROUP_ORDER) ? undefined : violation(
      "signatureSNotCanonical",
      `"signature" S is not below the group order L (RFC 8032, Section 5.1.7), so the signature is malleable`
    ))

const requireSeed = (operation: string, seed: Uint8Array): void => {
  if (seed.length !== SEED_BYTES) {
    throw new Error(`Ed25519 ${operation}: "seed" expected ${SEED_BYTES} bytes, got ${seed.length}`)
  }
}

/**
 * Wraps a backend so that it enforces the strict policy. `verify` returns `false`, without
 * calling the backend, whenever {@link checkStrict} reports a violation, so it never throws on
 * malformed input from the network. `sign` and `publicKeyFromSeed` throw an `Error` naming the
 * operation when the seed is not 32 bytes: seeds are keys the application holds, so a wrong length
 * is a programming error, not an input to reject. The wrapped backend keeps its `name`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeStrictEd25519 = (backend: Ed25519Backend): Ed25519Backend => ({
  name: backend.name,
  publicKeyFromSeed: (seed) => {
    requireSeed("publicKeyFromSeed", seed)
    return backend.publicKeyFromSeed(seed)
  },
  sign: (seed, message) => {
    requireSeed("sign", seed)
    return backend.sign(seed, message)
  },
  verify: (publicKey, message, signature) =>
    checkStrict(publicKey, signature) === undefined && backend.verify(publicKey, message, signature)
})
