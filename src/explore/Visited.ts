/**
 * What the explorer keeps of every state it has seen, in flat typed arrays: its fingerprint and
 * spare budgets, in a set, and how it was reached (its parent's number and the action taken
 * there), for its path. A large scope sees tens of millions of states; as JavaScript strings and
 * objects these cost about 130 bytes a state and a `Set` stops at 2^24 entries; as typed arrays,
 * 28 bytes and the tables' slack (48 to 96 in all).
 *
 * @since 0.5.0
 */

/** The words of an entry: the fingerprint's kept words, then its spare budgets. */
const ENTRY_WORDS = 5

/** The words of a fingerprint the set keeps: the first 128 bits of its SHA-256 (one of them forced to 1), so that two of a billion states collide with a chance below 10^-20. */
const KEPT_WORDS = 4

/**
 * The states seen, each as its fingerprint (a base64 SHA-256 digest, kept as 127 of its first 128
 * bits) and its spare budgets (up to four counts of 0 to 255, a byte each, packed in a word: what
 * the path has left of faults that only enable actions, such as drops), in an open-addressing
 * table twice as large as it is full.
 *
 * A state is new unless one seen before has the same fingerprint and at least as much of every
 * spare budget: everything reachable from it is reachable from that one, in as many steps or
 * fewer, since a budget only enables actions. The entries of one fingerprint all lie in the probe
 * run from its home slot, so the check walks that run.
 *
 * @category explorer
 * @since 0.5.0
 */
export class StateSet {
  #words = new Uint32Array(ENTRY_WORDS * 1024)
  #size = 0
  #worlds = 0

  /** How many states the set holds. */
  get size(): number {
    return this.#size
  }

  /** How many distinct fingerprints the set holds: worlds, each counted once whatever the spare budgets it was seen with. */
  get worlds(): number {
    return this.#worlds
  }

  /** Adds the state of `fingerprint` with `spare` budgets (packed by {@link packBudgets}); true when no state held covers it. */
  add(fingerprint: string, spare: number): boolean {
    const put = this.#insert(this.#words, keptWords(fingerprint), spare)
    if (put === "covered") return false
    this.#size++
    if (put === "new world") this.#worlds++
    if (this.#size * 2 > this.#words.length / ENTRY_WORDS) this.#grow()
    return true
  }

  /** Puts the entry in the first free slot from its home, unless an entry of its fingerprint has as much of every budget; says whether it was put, and whether its fingerprint was new. */
  #insert(words: Uint32Array, kept: Uint32Array, spare: number): "covered" | "new world" | "more budget" {
    const slots = words.length / ENTRY_WORDS
    let known = false
    for (let slot = (kept[0] as number) % slots; ; slot = (slot + 1) % slots) {
      const at = slot * ENTRY_WORDS
      if (words[at + 1] === 0) {
        words.set(kept, at)
        words[at + KEPT_WORDS] = spare
        return known ? "more budget" : "new world"
      }
      if (holds(words, at, kept)) {
        if (covers(words[at + KEPT_WORDS] as number, spare)) return "covered"
        known = true
      }
    }
  }

  #grow(): void {
    const old = this.#words
    this.#words = new Uint32Array(old.length * 2)
    for (let at = 0; at < old.length; at += ENTRY_WORDS) {
      if (old[at + 1] === 0) continue
      const slots = this.#words.length / ENTRY_WORDS
      for (let slot = (old[at] as number) % slots; ; slot = (slot + 1) % slots) {
        if (this.#words[slot * ENTRY_WORDS + 1] !== 0) continue
        this.#words.set(old.subarray(at, at + ENTRY_WORDS), slot * ENTRY_WORDS)
        break
      }
    }
  }
}

/** Up to four budgets, each 0 to 255, a byte each in one word, the first lowest. @category explorer @since 0.5.0 */
export const packBudgets = (budgets: ReadonlyArray<number>): number => {
  if (budgets.length > 4 || budgets.some((budget) => !Number.isInteger(budget) || budget < 0 || budget > 255)) throw new RangeError(`at most four budgets of 0 to 255 pack in a word, not ${budgets.join(", ")}`)
  return budgets.reduce((word, budget, i) => word + budget * 2 ** (8 * i), 0)
}

/** Whether `held` has at least as much of every budget as `spare`. */
const covers = (held: number, spare: number): boolean => {
  for (let shift = 0; shift < 32; shift += 8) if (((held >>> shift) & 255) < ((spare >>> shift) & 255)) return false
  return true
}

/** The first 128 bits of a base64 digest, as words, the lowest bit of the second set: a slot whose second word is zero is empty. */
const keptWords = (fingerprint: string): Uint32Array => {
  const bytes = Buffer.from(fingerprint, "base64")
  if (bytes.length < KEPT_WORDS * 4) throw new RangeError(`a fingerprint has at least ${KEPT_WORDS * 4} bytes, this one ${bytes.length}`)
  const kept = new Uint32Array(KEPT_WORDS)
  for (let i = 0; i < KEPT_WORDS; i++) kept[i] = bytes.readUInt32LE(i * 4)
  kept[1] = (kept[1] as number) | 1
  return kept
}

/** Whether the entry at word `at` is of the fingerprint kept as `kept`. */
const holds = (words: Uint32Array, at: number, kept: Uint32Array): boolean => {
  for (let i = 0; i < KEPT_WORDS; i++) if (words[at + i] !== kept[i]) return false
  return true
}

/**
 * How each state seen was reached, by its number (states are numbered in the order they are
 * seen, the first 0): its parent's number and the index of the action taken there, in two growing
 * `Int32Array`s.
 *
 * @category explorer
 * @since 0.5.0
 */
export class Links {
  #parents = new Int32Array(1024)
  #actions = new Int32Array(1024)
  #length = 0

  /** How many states have a link. */
  get length(): number {
    return this.#length
  }

  /** Records how the next state was reached; returns its number. */
  push(parent: number, action: number): number {
    if (this.#length === this.#parents.length) {
      this.#parents = grown(this.#parents)
      this.#actions = grown(this.#actions)
    }
    this.#parents[this.#length] = parent
    this.#actions[this.#length] = action
    return this.#length++
  }

  /** The path of action indexes from the first state to state `state`. */
  pathTo(state: number): ReadonlyArray<number> {
    const path: Array<number> = []
    for (let at = state; at > 0; at = this.#parents[at] as number) path.push(this.#actions[at] as number)
    return path.reverse()
  }
}

const grown = (array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
  const larger = new Int32Array(array.length * 2)
  larger.set(array)
  return larger
}
