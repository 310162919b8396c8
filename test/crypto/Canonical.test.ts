/**
 * Canonical JSON: key order by UTF-16 code units, no white space, `JSON.stringify` escaping, the
 * subset's TypeErrors naming the offending path, RFC 8785 examples that fall in the subset, and
 * properties over random values (idempotent through `JSON.parse`, blind to input key order).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { canonicalBytes, canonicalJson } from "../../src/crypto/Canonical.js"

/** A JSON value in the subset the protocol signs: plain objects, arrays, well-formed strings, safe integers, booleans, null. */
type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const keyArbitrary = fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("a", "b", "A", "10", "9", "é", "\uFFFF", "\u{1F600}"))

const { json } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.array(tie("json"), { maxLength: 5 }),
    fc.dictionary(keyArbitrary, tie("json"), { maxKeys: 6, noNullPrototype: true })
  )
}))

/** A copy of `value` with every object's keys inserted in an order drawn from `seed` (a tiny LCG, deterministic). */
const shuffleKeys = (value: Json, seed: number): Json => {
  let state = seed >>> 0
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state
  }
  const go = (v: Json): Json => {
    if (v === null || typeof v !== "object") return v
    if (Array.isArray(v)) return v.map(go)
    const keys = Object.keys(v)
    for (let i = keys.length - 1; i > 0; i--) {
      const j = next() % (i + 1)
      const a = keys[i] as string
      keys[i] = keys[j] as string
      keys[j] = a
    }
    const out: Record<string, Json> = {}
    for (const key of keys) out[key] = go((v as Record<string, Json>)[key] as Json)
    return out
  }
  return go(value)
}

const typeError = (value: unknown): TypeError => {
  try {
    canonicalJson(value)
  } catch (error) {
    if (error instanceof TypeError) return error
    throw error
  }
  throw new Error("canonicalJson did not throw")
}

describe("Canonical", () => {
  describe("canonicalJson", () => {
    describe("key order", () => {
      it("canonicalJson - should sort ASCII keys by code unit, upper case before lower case", () => {
        expect(canonicalJson({ b: 1, a: 2, B: 3, "": 4, aa: 5 })).toBe('{"":4,"B":3,"a":2,"aa":5,"b":1}')
      })

      it("canonicalJson - should sort integer-like keys as strings, not in the engine's numeric order", () => {
        // Object.keys yields "9" before "10"; as strings "10" < "9".
        expect(canonicalJson({ a: 0, 9: 1, 10: 2 })).toBe('{"10":2,"9":1,"a":0}')
      })

      it("canonicalJson - should sort non-ASCII keys by UTF-16 code unit", () => {
        // z = 0x007a, é = 0x00e9, € = 0x20ac, 日 = 0x65e5
        expect(canonicalJson({ "日本": 1, "€": 2, z: 3, "é": 4 })).toBe('{"z":3,"é":4,"€":2,"日本":1}')
      })

      it("canonicalJson - should order by UTF-16 code units where they differ from code points", () => {
        // U+1F600 is the pair D83D DE00, which sorts before U+FFFF by code unit but after it by code point.
        expect(canonicalJson({ "\uFFFF": 2, "\u{1F600}": 1 })).toBe('{"\u{1F600}":1,"\uFFFF":2}')
        expect(canonicalJson({ "\u{1F600}": 1, "\uFFFF": 2 })).toBe('{"\u{1F600}":1,"\uFFFF":2}')
      })
    })

    describe("form", () => {
      it("canonicalJson - should write no white space outside strings", () => {
        const pretty = '{\n  "b" : [ 1 , 2 ],\n\t"a" : { "c d" : "e f" }\r\n}'
        expect(canonicalJson(JSON.parse(pretty))).toBe('{"a":{"c d":"e f"},"b":[1,2]}')
      })

      it("canonicalJson - should write nested arrays and objects, sorting every level and keeping array order", () => {
        const value = { z: [{ b: [3, [2, {}], []], a: null }, "x"], a: { y: true, x: false } }
        expect(canonicalJson(value)).toBe('{"a":{"x":false,"y":true},"z":[{"a":null,"b":[3,[2,{}],[]]},"x"]}')
      })

      it("canonicalJson - should write the literals and empty containers", () => {
        expect(canonicalJson(null)).toBe("null")
        expect(canonicalJson(true)).toBe("true")
        expect(canonicalJson(false)).toBe("false")
        expect(canonicalJson([])).toBe("[]")
        expect(canonicalJson({})).toBe("{}")
      })

      it("canonicalJson - should escape every BMP code unit exactly as JSON.stringify does", () => {
        const mismatches: Array<number> = []
        for (let unit = 0; unit <= 0xffff; unit++) {
          if (unit >= 0xd800 && unit <= 0xdfff) continue
          const s = `a${String.fromCharCode(unit)}b`
          if (canonicalJson(s) !== JSON.stringify(s) || canonicalJson({ [s]: 0 }) !== `{${JSON.stringify(s)}:0}`) mismatches.push(unit)
        }
        expect(mismatches).toEqual([])
      })

      it("canonicalJson - should escape the short forms and other control characters like JSON.stringify", () => {
        expect(canonicalJson('"\\/\b\f\n\r\t\u0000\u001f\u007f\u2028')).toBe('"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\u2028"')
      })

      it("canonicalBytes - should be the UTF-8 encoding of canonicalJson", () => {
        expect(Array.from(canonicalBytes({ "é": "\u{1F600}", a: 1 }))).toEqual([
          0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x2c, // {"a":1,
          0x22, 0xc3, 0xa9, 0x22, 0x3a, // "é":
          0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22, 0x7d // "😀"}
        ])
      })
    })

    describe("RFC 8785 examples in the subset", () => {
      it("canonicalJson - should sort the RFC 8785 section 3.2.3 keys as the RFC does", () => {
        const input = JSON.parse(
          '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
            '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}'
        )
        // Read the order off the text: Object.values would list the integer-like key "1" first.
        const values = [...canonicalJson(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1])
        expect(values).toEqual([
          "Carriage Return",
          "One",
          "Control",
          "Latin Small Letter O With Diaeresis",
          "Euro Sign",
          "Emoji: Grinning Face",
          "Hebrew Letter Dalet With Dagesh"
        ])
        expect(canonicalJson(input)).toBe(
          '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
            '"€":"Euro Sign","\u{1F600}":"Emoji: Grinning Face","\uFB33":"Hebrew Letter Dalet With Dagesh"}'
        )
      })

      it("canonicalJson - should write the RFC 8785 section 3.2.2 literals and string as the RFC does", () => {
        // The RFC's example without its "numbers" member, which holds floats outside the subset.
        const input = JSON.parse(
          '{\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}'
        )
        expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
      })

      it("canonicalJson - should write integers as RFC 8785 does, with -0 as 0", () => {
        const input = JSON.parse("[0, -0, 1, -1, 1E2, 9007199254740991, -9007199254740991, 10.0]")
        expect(canonicalJson(input)).toBe("[0,0,1,-1,100,9007199254740991,-9007199254740991,10]")
      })

      it("canonicalJson - should refuse the RFC 8785 section 3.2.2 numbers, which are outside the subset", () => {
        const numbers = JSON.parse("[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]") as Array<number>
        numbers.forEach((n, i) => {
          const prefix: Array<number> = Array.from({ length: i }, () => 0)
          expect(() => canonicalJson({ numbers: [...prefix, n] })).toThrow(`$.numbers[${i}] expected a safe integer`)
        })
      })
    })

    describe("refusals", () => {
      it("canonicalJson - should throw a TypeError naming the path of a float", () => {
        const error = typeError({ a: [1, 1.5] })
        expect(error.message).toContain("$.a[1]")
        expect(error.message).toContain("safe integer")
      })

      it("canonicalJson - should throw a TypeError naming the path of NaN, infinities and unsafe integers", () => {
        expect(typeError({ x: { y: NaN } }).message).toContain("$.x.y")
        expect(typeError([Infinity]).message).toContain("$[0]")
        expect(typeError({ n: -Infinity }).message).toContain("$.n")
        expect(typeError({ big: 2 ** 53 }).message).toContain("$.big")
      })

      it("canonicalJson - should throw a TypeError naming the path of a lone surrogate in a value", () => {
        expect(typeError({ s: ["ok", "\uD800"] }).message).toMatch(/\$\.s\[1\].*lone UTF-16 surrogate/)
        expect(typeError("x\uDC00").message).toContain("$ ")
      })

      it("canonicalJson - should throw a TypeError naming the path of an object whose key holds a lone surrogate", () => {
        expect(typeError({ a: { "\uDFFF": 1 } }).message).toMatch(/\$\.a .*key.*lone UTF-16 surrogate/)
      })

      it("canonicalJson - should throw a TypeError naming the path and class of a class instance", () => {
        class Point {
          constructor(readonly x: number) {}
        }
        expect(typeError({ p: new Point(1) }).message).toMatch(/\$\.p expected a plain object, got Point/)
        expect(typeError([new Map()]).message).toMatch(/\$\[0\] expected a plain object, got Map/)
        expect(typeError({ o: Object.create(null) }).message).toContain("$.o")
      })

      it("canonicalJson - should throw a TypeError naming the path of undefined, where JSON.stringify would drop it", () => {
        expect(typeError({ a: 1, b: undefined }).message).toMatch(/\$\.b has unsupported type undefined/)
        expect(typeError(undefined).message).toMatch(/\$ has unsupported type undefined/)
        expect(typeError([1, undefined]).message).toContain("$[1]")
      })

      it("canonicalJson - should throw a TypeError for a sparse array rather than write invalid JSON", () => {
        // eslint-disable-next-line no-sparse-arrays
        expect(typeError([1, , 3]).message).toContain("$[1]")
      })

      it("canonicalJson - should throw a TypeError for bigints, functions and symbols", () => {
        expect(typeError({ n: 1n }).message).toContain("$.n has unsupported type bigint")
        expect(typeError({ f: () => 1 }).message).toContain("$.f has unsupported type function")
        expect(typeError({ s: Symbol("s") }).message).toContain("$.s has unsupported type symbol")
      })
    })

    describe("properties", () => {
      it("canonicalJson - should be a fixed point through JSON.parse", () => {
        fc.assert(
          fc.property(json, (value) => {
            const text = canonicalJson(value)
            expect(canonicalJson(JSON.parse(text))).toBe(text)
          }),
          { numRuns: 500 }
        )
      })

      it("canonicalJson - should not depend on the order in which keys were inserted", () => {
        fc.assert(
          fc.property(json, fc.integer(), (value, seed) => {
            expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value))
          }),
          { numRuns: 500 }
        )
      })

      it("canonicalJson - should write any well-formed string as JSON.stringify does", () => {
        fc.assert(
          fc.property(fc.string({ unit: "binary" }), (s) => {
            expect(canonicalJson(s)).toBe(JSON.stringify(s))
          })
        )
      })
    })
  })
})
