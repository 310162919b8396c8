/**
 * Wall-clock measurement for the benchmarks: run an operation for at least a fixed time and
 * report operations per second.
 */
import { performance } from "node:perf_hooks"

/** How one row was measured: the operations run, the seconds they took, and their rate. */
export interface Rate {
  readonly ops: number
  readonly elapsed_s: number
  readonly perSecond: number
}

/**
 * Runs `op` for `WARMUP_FACTOR * minDuration_s` unmeasured (so the JIT has compiled the hot
 * paths), then repeatedly until at least `minDuration_s` of wall time have passed; returns how
 * many times per second it ran in the measured part.
 */
export const measure = (op: () => void, minDuration_s: number): Rate => {
  runFor(op, WARMUP_FACTOR * minDuration_s)
  return runFor(op, minDuration_s)
}

/**
 * Warm-up time as a multiple of the measured time. The end-to-end checkout runs a lot of
 * JavaScript (Schema, canonical JSON, the machines) and reaches its steady rate only after about
 * 1.5 s on a 2-core EPYC; with 1 s per row, 2 s of warm-up gets past that.
 */
export const WARMUP_FACTOR = 2

const runFor = (op: () => void, minDuration_s: number): Rate => {
  const budget_ms = minDuration_s * 1_000
  const start_ms = performance.now()
  let ops = 0
  let elapsed_ms = 0
  do {
    op()
    ops++
    elapsed_ms = performance.now() - start_ms
  } while (elapsed_ms < budget_ms)
  return { ops, elapsed_s: elapsed_ms / 1_000, perSecond: (ops * 1_000) / elapsed_ms }
}

/** `value` rounded to 3 significant figures, as a number (so `21937.4` becomes `21900`). */
export const sig3 = (value: number): number => Number(value.toPrecision(3))
