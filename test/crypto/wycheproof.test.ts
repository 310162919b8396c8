/**
 * Project Wycheproof's Ed25519 verification vectors (151 cases, vendored under `test/vectors/`),
 * run through the strict service of each backend, and the strict policy rule by rule.
 *
 * Result values: `valid` must verify and `invalid` must not. A case marked `acceptable` (the
 * file at the pinned commit has none) leaves the verdict open, so for it the test only requires
 * that both backends give the same verdict: the service promises one verdict for every backend.
 */
import { readFileSync } from "node:fs"
import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Ed25519, type Ed25519Backend } from "../../src/crypto/Ed25519.js"
import { NodeEd25519 } from "../../src/crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../../src/crypto/TweetnaclEd25519.js"
import { checkStrict, makeStrictEd25519, type VerifyPolicyRule } from "../../src/crypto/VerifyPolicy.js"

interface WycheproofCase {
  readonly tcId: number
  readonly comment: string
  readonly msg: string
  readonly sig: string
  readonly result: "valid" | "invalid" | "acceptable"
}

interface WycheproofFile {
  readonly numberOfTests: number
  readonly testGroups: ReadonlyArray<{
    readonly publicKey: { readonly pk: string }
    readonly tests: ReadonlyArray<WycheproofCase>
  }>
}

const file = JSON.parse(
  readFileSync(new URL("../vectors/wycheproof-ed25519_test.json", import.meta.url), "utf8")
) as WycheproofFile

const cases = file.testGroups.flatMap((group) => group.tests.map((test) => ({ ...test, pk: group.publicKey.pk })))

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"))

const service = (layer: Layer.Layer<Ed25519>): Ed25519Backend =>
  Effect.runSync(Effect.provide(Ed25519.useSync((ed25519) => ed25519), layer))

const tweetnacl = service(TweetnaclEd25519)
const node = service(NodeEd25519)

/** tcIds from `from` to `to`, inclusive. */
const range = (from: number, to: number): Array<number> => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe("Wycheproof ed25519_test.json", () => {
  it("should hold all 151 cases, each with a known result", () => {
    expect(cases).toHaveLength(151)
    expect(file.numberOfTests).toBe(151)
    expect(new Set(cases.map((test) => test.tcId)).size).toBe(151)
    for (const test of cases) expect(["valid", "invalid", "acceptable"]).toContain(test.result)
  })

  for (const [name, ed25519] of [["tweetnacl", tweetnacl], ["node", node]] as const) {
    it(`verify - should give the expected verdict on every case with ${name}`, () => {
      const wrong = cases
        .filter((test) => test.result !== "acceptable")
        .filter((test) => ed25519.verify(fromHex(test.pk), fromHex(test.msg), fromHex(test.sig)) !== (test.result === "valid"))
        .map((test) => `tcId ${test.tcId} (${test.result}): ${test.comment}`)
      expect(wrong).toEqual([])
    })
  }

  it("verify - should give the same verdict with both backends on acceptable cases", () => {
    for (const test of cases.filter((test) => test.result === "acceptable")) {
      const [pk, msg, sig] = [fromHex(test.pk), fromHex(test.msg), fromHex(test.sig)]
      expect(tweetnacl.verify(pk, msg, sig), `tcId ${test.tcId}`).toBe(node.verify(pk, msg, sig))
    }
  })

  it("checkStrict - should decide exactly the cases the VerifyPolicy module doc lists for each rule", () => {
    const decided = new Map<VerifyPolicyRule | "backend", Array<number>>()
    for (const test of cases) {
      const rule = checkStrict(fromHex(test.pk), fromHex(test.sig))?.rule ?? "backend"
      decided.set(rule, [...(decided.get(rule) ?? []), test.tcId])
    }
    expect(Object.fromEntries(decided)).toEqual({
      signatureLength: range(30, 41),
      signatureREncoding: [...range(25, 29), 61, 151],
      signatureRSmallOrder: [...range(10, 19), 60],
      signatureSNotCanonical: [23, 24, ...range(63, 70), 85],
      backend: [...range(1, 9), 20, 21, 22, ...range(42, 59), 62, ...range(71, 84), ...range(86, 150)]
    })
  })
})

// A little edwards25519 arithmetic on BigInt, to derive the torsion points independently of the
// policy's hard-coded list. Affine twisted Edwards coordinates with a = -1 (RFC 8032, Section 5.1).
const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const mod = (n: bigint): bigint => ((n % P) + P) % P
const power = (base: bigint, exponent: bigint): bigint => {
  let result = 1n
  for (let b = mod(base), e = exponent; e > 0n; b = (b * b) % P, e >>= 1n) if (e & 1n) result = (result * b) % P
  return result
}
const inverse = (n: bigint): bigint => power(n, P - 2n)
const D = mod(-121665n * inverse(121666n))
type Point = readonly [x: bigint, y: bigint]
const IDENTITY: Point = [0n, 1n]
const add = ([x1, y1]: Point, [x2, y2]: Point): Point => {
  const t = mod(D * x1 * x2 * y1 * y2)
  return [mod((x1 * y2 + y1 * x2) * inverse(1n + t)), mod((y1 * y2 + x1 * x2) * inverse(1n - t))]
}
const multiply = (k: bigint, point: Point): Point => {
  let result = IDENTITY
  for (let q = point, n = k; n > 0n; q = add(q, q), n >>= 1n) if (n & 1n) result = add(result, q)
  return result
}
/** The point with this y and an even x, if there is one (RFC 8032, Section 5.1.3). */
const fromY = (y: bigint): Point | undefined => {
  const x2 = mod((y * y - 1n) * inverse(D * y * y + 1n))
  let x = power(x2, (P + 3n) / 8n)
  if (mod(x * x - x2) !== 0n) x = mod(x * power(2n, (P - 1n) / 4n))
  if (mod(x * x - x2) !== 0n) return undefined
  return [x & 1n ? P - x : x, y]
}
const encodeNumber = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
const encode = ([x, y]: Point): Uint8Array => encodeNumber(y | ((x & 1n) << 255n))
const isIdentity = ([x, y]: Point): boolean => x === 0n && y === 1n

/** All 8 points of order dividing 8: the multiples of an order-8 point [L]Q found by search. */
const torsionPoints = (): Array<Point> => {
  for (let y = 2n; ; y++) {
    const q = fromY(y)
    if (q === undefined) continue
    const t = multiply(L, q)
    if (!isIdentity(multiply(4n, t))) return Array.from({ length: 8 }, (_, k) => multiply(BigInt(k), t))
  }
}

describe("checkStrict", () => {
  const valid = cases.find((test) => test.tcId === 1)
  const pk = fromHex(valid?.pk ?? "")
  const sig = fromHex(valid?.sig ?? "")
  const withS = (s: bigint): Uint8Array => Uint8Array.from([...sig.subarray(0, 32), ...encodeNumber(s)])

  it("should accept a valid public key and signature", () => {
    expect(checkStrict(pk, sig)).toBeUndefined()
  })

  it("should name the input and both lengths when a length is wrong", () => {
    expect(checkStrict(pk, sig.subarray(0, 63))).toEqual({
      rule: "signatureLength",
      reason: `"signature" expected 64 bytes, got 63`
    })
    expect(checkStrict(pk.subarray(1), sig)?.reason).toBe(`"publicKey" expected 32 bytes, got 31`)
  })

  it("should reject a signature whose S is not below the group order", () => {
    expect(checkStrict(pk, withS(L - 1n))).toBeUndefined()
    for (const s of [L, L + 1n, 2n * L, 2n ** 256n - 1n]) {
      expect(checkStrict(pk, withS(s))?.rule).toBe("signatureSNotCanonical")
    }
  })

  it("should reject every non-canonical encoding of a public key or R", () => {
    const nonCanonical = [
      ...range(0, 18).flatMap((k) => [encodeNumber(P + BigInt(k)), encodeNumber((P + BigInt(k)) | (1n << 255n))]),
      encodeNumber(1n | (1n << 255n)),
      encodeNumber((P - 1n) | (1n << 255n))
    ]
    for (const encoding of nonCanonical) {
      expect(checkStrict(encoding, sig)?.rule).toBe("publicKeyEncoding")
      expect(checkStrict(pk, Uint8Array.from([...encoding, ...sig.subarray(32)]))?.rule).toBe("signatureREncoding")
    }
  })

  it("should reject all 8 small-order points as a public key or as R", () => {
    const points = torsionPoints()
    for (const point of points) expect(isIdentity(multiply(8n, point))).toBe(true)
    const encodings = points.map(encode)
    expect(new Set(encodings.map((bytes) => Buffer.from(bytes).toString("hex"))).size).toBe(8)
    for (const encoding of encodings) {
      expect(checkStrict(encoding, sig)?.rule).toBe("publicKeySmallOrder")
      expect(checkStrict(pk, Uint8Array.from([...encoding, ...sig.subarray(32)]))?.rule).toBe("signatureRSmallOrder")
    }
  })
})

describe("makeStrictEd25519", () => {
  const refusing: Ed25519Backend = {
    name: "refusing",
    publicKeyFromSeed: () => new Uint8Array(32),
    sign: () => new Uint8Array(64),
    verify: () => {
      throw new Error("the backend must not be asked")
    }
  }
  const strict = makeStrictEd25519(refusing)

  it("verify - should return false without calling the backend on a policy violation", () => {
    expect(strict.verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63))).toBe(false)
    expect(strict.verify(new Uint8Array(33), new Uint8Array(0), new Uint8Array(64))).toBe(false)
    expect(strict.verify(encodeNumber(1n), new Uint8Array(0), new Uint8Array(64))).toBe(false)
  })

  it("sign - should throw an Error naming the operation when the seed is not 32 bytes", () => {
    expect(() => strict.sign(new Uint8Array(31), new Uint8Array(0))).toThrow(`Ed25519 sign: "seed" expected 32 bytes, got 31`)
    expect(() => strict.publicKeyFromSeed(new Uint8Array(64))).toThrow(`"seed" expected 32 bytes, got 64`)
  })

  it("should keep the backend's name", () => {
    expect([strict.name, tweetnacl.name, node.name]).toEqual(["refusing", "tweetnacl", "node"])
  })
})
