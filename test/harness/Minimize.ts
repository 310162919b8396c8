/**
 * Minimizing a failing script after fast-check's shrinking, the way delta debugging does: remove
 * chunks of commands, widest first, for as long as the script still fails the same way; then
 * try each command's simpler variants. Every re-run is a whole harness run, so the minimizer
 * keeps only what ran of a failing candidate (commands after the one that broke, and commands
 * whose `check` did not hold, change nothing), never runs a candidate twice, and stops after
 * {@link MINIMIZE_BUDGET} re-runs. Deterministic: the same counterexample always minimizes to the
 * same script.
 */
import type { HarnessCommand } from "./Commands.js"
import { failureKind, play, type HarnessSettings } from "./Run.js"
import type { Swarm } from "./World.js"

/** The most re-runs {@link minimize} makes. */
export const MINIMIZE_BUDGET = 1_000

type Script = ReadonlyArray<HarnessCommand>

/** No faults from the swarm: every Deliver and Flush just delivers. */
const CALM: Swarm = { dropRate: 0, duplicateRate: 0, replayRate: 0 }

/**
 * Whether a failure of kind `found` (see {@link failureKind}) is the same way of failing as
 * `wanted`: an invariant broken for an invariant broken, whichever it is, and a crash for a
 * crash. Letting one invariant stand in for another lets a script fall back to a shorter way the
 * same bug shows (a payment held twice, or left unsettled); a crash never stands in for an
 * invariant, so a script that proves a bug still proves it.
 */
const sameWay = (found: string, wanted: string): boolean => (found === "crash") === (wanted === "crash")

/** Runs candidate scripts for the minimizer, within its budget, each at most once. */
class Trials {
  #budget = MINIMIZE_BUDGET
  readonly #ids = new Map<HarnessCommand, number>()
  readonly #tried = new Map<string, Script | null>()

  constructor(
    readonly settings: HarnessSettings,
    /** The swarm's fault rates the candidates run with. */
    public swarm: Swarm,
    readonly kind: string
  ) {}

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

  /** `script`, or what ran of it with the swarm's fault rates dropped if it still fails without them (then they stay dropped). */
  calmed(script: Script): Script {
    const ran = this.swarm === CALM ? null : this.failing(script, CALM)
    if (ran === null) return script
    this.swarm = CALM
    return ran
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

/** Removes chunks, newest first, for as long as the script still fails, until no single command can go. */
const deletions = (trials: Trials, start: Script): Script => {
  let current = start
  for (let changed = true; changed && !trials.exhausted; ) {
    changed = false
    for (const { width, stride } of chunks(current.length)) {
      for (let i = current.length - width; i >= 0 && !trials.exhausted; i -= stride) {
        const ran = trials.failing([...current.slice(0, i), ...current.slice(i + width)])
        if (ran === null) continue
        current = ran
        changed = true
        i = Math.min(i, current.length - width + stride)
      }
    }
  }
  return current
}

/** A minimized failure: the swarm's fault rates and the script. */
export interface Minimized {
  readonly swarm: Swarm
  readonly commands: Script
}

/**
 * Makes a failing script 1-minimal, keeping only candidates that fail the same way (see
 * {@link sameWay}). It drops the swarm's fault rates whenever the script fails without them (a
 * fault the failure needs is then one of its own commands), removes chunks of commands, then
 * tries each command's simpler variants (`HarnessCommand.simpler`), in the world as it is just
 * before that command. A variant that still fails is kept, and the script minimized again: if it
 * got shorter, the search starts over; if not, the command is simpler now (every variant is
 * simpler than the command offering it, so this ends), and what it offers is tried in turn.
 */
export const minimize = (settings: HarnessSettings, swarm: Swarm, commands: Script, kind: string): Minimized => {
  const trials = new Trials(settings, swarm, kind)
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
  return { swarm: trials.swarm, commands: current }
}
