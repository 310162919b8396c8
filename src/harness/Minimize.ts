/**
 * Minimizing a failing script after fast-check's shrinking, the way delta debugging does: remove
 * chunks of commands, widest first, for as long as the script still fails the same way; fold
 * short windows of commands into one flush; then try each command's simpler variants. Every
 * re-run is a whole harness run, so the minimizer keeps only what ran of a failing candidate
 * (commands after the one that broke, and commands whose `check` did not hold, change nothing),
 * never runs a candidate twice, and stops after {@link MINIMIZE_BUDGET} re-runs per search.
 * Deterministic: the same counterexample always minimizes to the same script.
 */
import { CALM_FLUSH, type HarnessCommand } from "./Commands.js"
import { failureKind, play, type HarnessSettings } from "./Run.js"
import { SCOPE_REDUCTIONS } from "./Scope.js"
import type { Swarm } from "./World.js"

/** The most re-runs each of the two searches of {@link minimize} makes. */
export const MINIMIZE_BUDGET = 5_000

/** A harness script: the commands of one run, in order. */
export type Script = ReadonlyArray<HarnessCommand>

/** The swarm's rates, all zero: every Deliver and Flush just delivers. */
const CALM_RATES = { dropRate: 0, duplicateRate: 0, replayRate: 0 } as const

/** The swarm's fault rates, each of which the minimizer tries to set to zero. */
const RATES = ["dropRate", "duplicateRate", "replayRate"] as const

/**
 * Whether a failure of kind `found` (see {@link failureKind}) is the same way of failing as
 * `wanted`: an invariant broken for an invariant broken, whichever it is, and a crash for a
 * crash. Letting one invariant stand in for another lets a script fall back to a shorter way the
 * same bug shows (a payment held twice, or left unsettled); a crash never stands in for an
 * invariant, so a script that proves a bug still proves it.
 */
const sameWay = (found: string, wanted: string): boolean => (found === "crash") === (wanted === "crash")

/** One search of the minimizer: runs its candidate scripts, within its budget, each at most once. */
class Trials {
  #budget = MINIMIZE_BUDGET
  readonly #ids = new Map<HarnessCommand, number>()
  readonly #tried = new Map<string, Script | null>()

  constructor(
    readonly settings: HarnessSettings,
    /** The swarm's fault rates the candidates run with. */
    public swarm: Swarm,
    readonly kind: string,
    readonly order: Order
  ) {}

  /** The re-runs made so far. */
  get reruns(): number {
    return MINIMIZE_BUDGET - this.#budget
  }

  /** Whether the budget is spent. */
  get exhausted(): boolean {
    return this.#budget <= 0
  }

  /** What ran of `candidate` if it fails the same way as the counterexample; `null` if it does not, or the budget is spent. */
  failing(candidate: Script, swarm: Swarm = this.swarm): Script | null {
    const key = `${JSON.stringify(swarm)} ${candidate.map((c) => this.#idOf(c)).join(",")}`
    const known = this.#tried.get(key)
    if (known !== undefined) return known
    if (this.exhausted) return null
    this.#budget--
    const { ran, error } = play(this.settings, swarm, candidate)
    const result = error !== null && sameWay(failureKind(error.thrown), this.kind) ? ran : null
    this.#tried.set(key, result)
    return result
  }

  /**
   * `script`, or what ran of it in a smaller world (see `SCOPE_REDUCTIONS`) and with the swarm's
   * fault rates set to zero, if it still fails there: the smallest world it fails in, then all the
   * rates at once, else each one it fails without (those stay at zero).
   */
  calmed(script: Script): Script {
    let current = script
    for (const reduce of SCOPE_REDUCTIONS) {
      const scope = reduce(this.swarm.scope)
      if (JSON.stringify(scope) === JSON.stringify(this.swarm.scope)) continue
      const ran = this.failing(current, { ...this.swarm, scope })
      if (ran === null) continue
      this.swarm = { ...this.swarm, scope }
      current = ran
    }
    for (const zeroed of ["all", ...RATES] as const) {
      const calmer: Swarm = zeroed === "all" ? { ...this.swarm, ...CALM_RATES } : { ...this.swarm, [zeroed]: 0 }
      if (RATES.every((rate) => calmer[rate] === this.swarm[rate])) continue
      const ran = this.failing(current, calmer)
      if (ran === null) continue
      this.swarm = calmer
      current = ran
    }
    return current
  }

  /** What each command of `script` offers in its place (see `HarnessCommand.simpler`), from one run of it. */
  offers(script: Script): ReadonlyArray<Script> {
    const offered: Array<Script> = []
    if (this.exhausted) return offered
    this.#budget--
    play(this.settings, this.swarm, script, (command, world) => offered.push(command.simpler(world)))
    return offered
  }

  #idOf(command: HarnessCommand): number {
    const known = this.#ids.get(command)
    if (known !== undefined) return known
    this.#ids.set(command, this.#ids.size)
    return this.#ids.size - 1
  }
}

/**
 * The chunk widths to remove, widest first: halves, quarters, and so on down to 4, each in
 * disjoint chunks as delta debugging partitions a script; then windows of 3, 2 and 1 that slide
 * one command at a time, so that any run of up to three commands that only matter together goes.
 */
const chunks = (length: number): ReadonlyArray<{ readonly width: number; readonly stride: number }> => {
  const wide: Array<{ width: number; stride: number }> = []
  for (let width = Math.floor(length / 2); width > 3; width = Math.floor(width / 2)) wide.push({ width, stride: width })
  return [...wide, { width: 3, stride: 1 }, { width: 2, stride: 1 }, { width: 1, stride: 1 }]
}

/** Which end of a script a search works from: the two fall into different local minima. */
type Order = "newestFirst" | "oldestFirst"

/**
 * Tries `change` at each position of a window of `width` commands, `stride` apart, in the
 * search's order, and keeps each change that still fails and is shorter.
 */
const sweep = (trials: Trials, script: Script, width: number, stride: number, change: (script: Script, at: number) => Script): Script => {
  const newestFirst = trials.order === "newestFirst"
  let current = script
  for (let i = newestFirst ? current.length - width : 0; i >= 0 && i + width <= current.length && !trials.exhausted; i += newestFirst ? -stride : stride) {
    const ran = trials.failing(change(current, i))
    if (ran === null || ran.length >= current.length) continue
    current = ran
    // Newest first, the script may have lost its tail too; oldest first, the next commands now stand at `i`.
    i = newestFirst ? Math.min(i, current.length - width + stride) : i - stride
  }
  return current
}

/** The widest window of commands {@link deletions} tries as one flush. */
const WIDEST_COMPRESSED = 4

/**
 * Removes chunks for as long as the script still fails, until no single command can go; then
 * tries each window of two to {@link WIDEST_COMPRESSED} commands as one calm flush (several
 * deliveries and faults often only move the messages along, which a flush does in one command),
 * and starts over if one could.
 */
const deletions = (trials: Trials, start: Script): Script => {
  let current = start
  for (let changed = true; changed && !trials.exhausted; ) {
    const before = current
    for (const { width, stride } of chunks(current.length)) current = sweep(trials, current, width, stride, (s, at) => [...s.slice(0, at), ...s.slice(at + width)])
    if (current === before) {
      for (let width = WIDEST_COMPRESSED; width >= 2; width--) current = sweep(trials, current, width, 1, (s, at) => [...s.slice(0, at), CALM_FLUSH, ...s.slice(at + width)])
    }
    changed = current !== before
  }
  return current
}

/** A minimized failure: the swarm's fault rates and the script. */
export interface Minimized {
  readonly swarm: Swarm
  readonly commands: Script
  /** The harness runs minimizing took, at most {@link MINIMIZE_BUDGET} for each of its two searches. */
  readonly reruns: number
}

/**
 * One search for a 1-minimal script, keeping only candidates that fail the same way (see
 * {@link sameWay}). It drops the swarm's fault rates whenever the script fails without them (a
 * fault the failure needs is then one of its own commands), removes chunks of commands, then
 * tries each command's simpler variants (`HarnessCommand.simpler`), in the world as it is just
 * before that command. A variant that still fails is kept, and the script minimized again: if it
 * got shorter, the search starts over; if not, the command is simpler now (every variant is
 * simpler than the command offering it, so this ends), and what it offers is tried in turn.
 */
const search = (trials: Trials, commands: Script): Minimized => {
  let current = deletions(trials, trials.calmed(commands))
  let offered = trials.offers(current)
  for (let i = 0; i < current.length && !trials.exhausted; i++) {
    for (const simpler of offered[i] ?? []) {
      const replaced = trials.failing(current.map((c, j) => (j === i ? simpler : c)))
      if (replaced === null) continue
      const shorter = deletions(trials, trials.calmed(replaced))
      i = shorter.length < current.length ? -1 : i - 1
      current = shorter
      offered = trials.offers(current)
      break
    }
  }
  return { swarm: trials.swarm, commands: current, reruns: trials.reruns }
}

/**
 * Makes a failing script 1-minimal: two searches (see `search`), one working from the
 * newest commands and one from the oldest, each within {@link MINIMIZE_BUDGET}; the shorter
 * result wins. A search only ever makes its script shorter or simpler, so it can end in a local
 * minimum that the other order of removals walks around. Deterministic: the same counterexample
 * always minimizes to the same script.
 */
export const minimize = (settings: HarnessSettings, swarm: Swarm, commands: Script, kind: string): Minimized => {
  const newest = search(new Trials(settings, swarm, kind, "newestFirst"), commands)
  const oldest = search(new Trials(settings, swarm, kind, "oldestFirst"), commands)
  const best = oldest.commands.length < newest.commands.length ? oldest : newest
  return { ...best, reruns: newest.reruns + oldest.reruns }
}
