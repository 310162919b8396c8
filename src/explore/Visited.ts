/**
 * What the explorer keeps of every state it has seen, in flat typed arrays: its fingerprint and
 * spare budgets, in a set, and how it was reached (its parent's number and the action taken
 * there), for its path. A large scope sees tens of millions of states; as JavaScript strings and
 * objects these cost about 130 bytes a state and a `Set` stops at 2^24 entries; as typed arrays,
 * 28 bytes and the tables' slack (about 35 to 66 in all: the set is a quarter to three quarters empty, the links up to half). The set can be shared by worker threads.
 *
 * @since 0.5.0
 */

/** The words of an entry: the fingerprint's kept words, then its spare budgets. */
const ENTRY_WORDS = 5

/** The bytes of a slot of a {@link StateSet}'s table, and of its counters: what a saved set's size must be made of (`Checkpoint.ts`). @category explorer @since 0.5.0 */
export const SET_BYTES = { slot: ENTRY_WORDS * 4, counters: 2 * 4 } as const

/** The words of a fingerprint the set keeps: the first 128 bits of its SHA-256 (one of them forced to 1), so that two of a billion states collide with a chance below 10^-20. */
const KEPT_WORDS = 4

/** What {@link StateSet.offer} says of a state: new (now held), covered by one held, or not known because the table is too full to take it before {@link StateSet.makeRoom}. @category explorer @since 0.5.0 */
export type Offered = "new" | "covered" | "full"

/** A {@link StateSet}'s memory, as worker threads share it: its table and its counters. @category explorer @since 0.5.0 */
export interface SharedStates {
  readonly table: SharedArrayBuffer
  readonly counters: SharedArrayBuffer
}

/** The counters' words: states held, distinct fingerprints held. */
const SIZE = 0
const WORLDS = 1

/** A slot's second word while a thread writes its entry: even, so never a kept fingerprint's word. */
const BEING_WRITTEN = 2

/**
 * The states seen, each as its fingerprint (a base64 SHA-256 digest, kept as 127 of its first 128
 * bits) and its spare budgets (up to four counts of 0 to 255, a byte each, packed in a word: what
 * the path has left of faults that only enable actions, such as drops), in an open-addressing
 * table two to two and a half times as large as it is full.
 *
 * A state is new unless one seen before has the same fingerprint and at least as much of every
 * spare budget: everything reachable from it is reachable from that one, in as many steps or
 * fewer, since a budget only enables actions. The entries of one fingerprint all lie in the probe
 * run from its home slot, so the check walks that run.
 *
 * The table and its counters are in `SharedArrayBuffer`s, so worker threads can share one set
 * ({@link StateSet.shared}): each slot is claimed by an atomic compare-and-exchange of its second
 * word, which stays "being written" (an even word, never a fingerprint's) until the rest of the
 * entry is written, and a thread that meets such a slot waits for it. Shared, the set does not
 * grow while threads add to it ({@link StateSet.offer} answers `full` past three quarters);
 * {@link StateSet.makeRoom} grows it between levels.
 *
 * @category explorer
 * @since 0.5.0
 */
export class StateSet {
  #words: Uint32Array<SharedArrayBuffer>
  readonly #counters: Int32Array<SharedArrayBuffer>

  /** A new, empty set; or, given another thread's {@link StateSet.shared} set, that set. */
  constructor(shared?: SharedStates) {
    this.#words = new Uint32Array(shared?.table ?? new SharedArrayBuffer(ENTRY_WORDS * 1024 * 4))
    this.#counters = new Int32Array(shared?.counters ?? new SharedArrayBuffer(SET_BYTES.counters))
  }

  /** The same set, for another thread to build with `new StateSet(shared)`; again after each {@link StateSet.makeRoom}, which moves the table. */
  shared(): SharedStates {
    return { table: this.#words.buffer, counters: this.#counters.buffer }
  }

  /** How many states the set holds. */
  get size(): number {
    return Atomics.load(this.#counters, SIZE)
  }

  /** How many distinct fingerprints the set holds: worlds, each counted once whatever the spare budgets it was seen with. */
  get worlds(): number {
    return Atomics.load(this.#counters, WORLDS)
  }

  /** Adds the state of `fingerprint` with `spare` budgets (packed by {@link packBudgets}), growing the table as it fills; true when no state held covers it. For one thread only. */
  add(fingerprint: string, spare: number): boolean {
    this.makeRoom()
    return this.offer(fingerprint, spare) === "new"
  }

  /**
   * Adds the state of `fingerprint` with `spare` budgets, unless a state held covers it, or the
   * table is more than three quarters full (`full`: {@link StateSet.makeRoom}, then offer it again). Safe
   * while other threads offer to the same set.
   */
  offer(fingerprint: string, spare: number): Offered {
    const words = this.#words
    const slots = words.length / ENTRY_WORDS
    if (this.size * 4 > slots * 3) return "full"
    const kept = keptWords(fingerprint)
    let known = false
    for (let slot = (kept[0] as number) % slots; ; ) {
      const at = slot * ENTRY_WORDS
      const second = Atomics.load(words, at + 1)
      if (second === 0) {
        if (Atomics.compareExchange(words, at + 1, 0, BEING_WRITTEN) !== 0) continue
        words[at] = kept[0] as number
        words[at + 2] = kept[2] as number
        words[at + 3] = kept[3] as number
        words[at + KEPT_WORDS] = spare
        Atomics.store(words, at + 1, kept[1] as number)
        Atomics.add(this.#counters, SIZE, 1)
        if (!known) Atomics.add(this.#counters, WORLDS, 1)
        return "new"
      }
      // Another thread is writing this slot's entry, which may be this fingerprint's: read it once written.
      if (second === BEING_WRITTEN) continue
      if (holds(words, at, kept)) {
        if (covers(words[at + KEPT_WORDS] as number, spare)) return "covered"
        known = true
      }
      slot = (slot + 1) % slots
    }
  }

  /**
   * Grows the table, while no thread offers to it, once it is more than `1 / fill` full (half
   * full by default), to a quarter more than that: by a quarter, not twice, since a table of a
   * hundred million states is gigabytes, and the old and the new are both held while it grows.
   */
  makeRoom(fill = 2): void {
    if (this.size * fill <= this.#words.length / ENTRY_WORDS) return
    const slots = Math.ceil(this.size * fill * 1.25)
    const old = this.#words
    const words = new Uint32Array(new SharedArrayBuffer(slots * ENTRY_WORDS * 4))
    for (let at = 0; at < old.length; at += ENTRY_WORDS) {
      if (old[at + 1] === 0) continue
      for (let slot = (old[at] as number) % slots; ; slot = (slot + 1) % slots) {
        if (words[slot * ENTRY_WORDS + 1] !== 0) continue
        words.set(old.subarray(at, at + ENTRY_WORDS), slot * ENTRY_WORDS)
        break
      }
    }
    this.#words = words
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
  #parents: Int32Array<ArrayBuffer>
  #actions: Int32Array<ArrayBuffer>
  #length: number

  /** No links; or, given the {@link Links.saved} links of another, those. */
  constructor(saved?: SavedLinks) {
    if (saved !== undefined && saved.parents.length !== saved.actions.length) throw new RangeError(`links have a parent and an action each, not ${saved.parents.length} parents and ${saved.actions.length} actions`)
    this.#length = saved?.parents.length ?? 0
    this.#parents = new Int32Array(Math.max(1024, this.#length))
    this.#actions = new Int32Array(Math.max(1024, this.#length))
    if (saved !== undefined) {
      this.#parents.set(saved.parents)
      this.#actions.set(saved.actions)
    }
  }

  /** How many states have a link. */
  get length(): number {
    return this.#length
  }

  /** The links as they stand, each state's parent and action (views, not copies): for a checkpoint (`Checkpoint.ts`). */
  saved(): SavedLinks {
    return { parents: this.#parents.subarray(0, this.#length), actions: this.#actions.subarray(0, this.#length) }
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

  /** The path of action indexes to state `state` from its root: the first state it descends from that has no parent (pushed with parent -1). */
  pathTo(state: number): ReadonlyArray<number> {
    const path: Array<number> = []
    for (let at = state; (this.#parents[at] as number) >= 0; at = this.#parents[at] as number) path.push(this.#actions[at] as number)
    return path.reverse()
  }

  /** The root state `state` descends from (see {@link pathTo}). */
  rootOf(state: number): number {
    let at = state
    while ((this.#parents[at] as number) >= 0) at = this.#parents[at] as number
    return at
  }
}

/** What {@link Links.saved} gives, and a {@link Links} is built from: the parent and the action of each state, by number. @category explorer @since 0.5.0 */
export interface SavedLinks {
  readonly parents: Int32Array
  readonly actions: Int32Array
}

const grown = (array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
  const larger = new Int32Array(array.length * 2)
  larger.set(array)
  return larger
}
