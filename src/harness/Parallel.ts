/**
 * Runs a campaign's blocks on this thread or spread over worker threads. Each worker rebuilds the
 * settings from the {@link CampaignJob} (a core, or a mutant, and a crypto layer of its own) and
 * takes blocks one at a time; its summaries are decoded with the summary Schema on their way back.
 * Blocks after a failing one are not started; those already running finish, and
 * {@link combine} leaves them out, so the totals are the same for any number of workers.
 *
 * Built on `node:worker_threads` rather than `effect/workers`: a static split with one request
 * and one reply per block needs no protocol layer, and `effect/workers` 4.1 offers the low-level
 * worker platform only (a pool over it goes through `effect/rpc`).
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { Block, BlockResult } from "./Blocks.js"
import { runBlock, settingsFor, type CampaignJob } from "./Job.js"
import { CampaignSummarySchema } from "./Summary.js"

/**
 * Called after each block with the number of runs done so far.
 *
 * @category parallel
 * @since 0.3.0
 */
export type OnRuns = (runsDone: number) => void

/**
 * Runs `blocks` in order on this thread, stopping after the first block that fails.
 *
 * @category parallel
 * @since 0.3.0
 */
export const runBlocksHere = async (job: CampaignJob, blocks: ReadonlyArray<Block>, onRuns?: OnRuns): Promise<ReadonlyArray<BlockResult>> => {
  const settings = await settingsFor(job)
  const results: Array<BlockResult> = []
  let runsDone = 0
  for (const block of blocks) {
    const summary = runBlock(settings, job, block)
    results.push({ block, summary })
    runsDone += summary.runs
    onRuns?.(runsDone)
    if (summary.violations > 0) break
  }
  return results
}

const BlockReply = Schema.Struct({ index: Schema.Int, summary: CampaignSummarySchema })

/** The worker script beside this module: `.ts` when run from the sources, `.js` when built. */
const workerScript = (): URL => new URL(`./CampaignWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/**
 * Runs `blocks` over `workers` worker threads (at most one per block). Rejects if a worker
 * crashes or answers what the summary Schema does not accept.
 *
 * @category parallel
 * @since 0.3.0
 */
export const runBlocksInWorkers = (job: CampaignJob, blocks: ReadonlyArray<Block>, workers: number, onRuns?: OnRuns): Promise<ReadonlyArray<BlockResult>> =>
  new Promise((resolve, reject) => {
    const results: Array<BlockResult> = []
    const threads: Array<Worker> = []
    let next = 0
    let busy = 0
    let runsDone = 0
    let firstFailure = Infinity
    const finish = (error?: unknown) => {
      for (const thread of threads) void thread.terminate()
      if (error === undefined) resolve(results)
      else reject(error instanceof Error ? error : new Error(String(error)))
    }
    const dispatch = (thread: Worker) => {
      const block = blocks[next]
      if (block === undefined || block.index > firstFailure) {
        if (busy === 0) finish()
        return
      }
      next++
      busy++
      thread.postMessage(block)
    }
    for (let i = 0; i < Math.min(workers, blocks.length); i++) {
      const thread = new Worker(workerScript(), { workerData: job })
      threads.push(thread)
      thread.on("message", (raw: unknown) => {
        if (raw === "ready") return dispatch(thread)
        busy--
        let reply: typeof BlockReply.Type
        try {
          reply = Schema.decodeUnknownSync(BlockReply)(raw)
        } catch (error) {
          finish(error)
          return
        }
        const block = blocks.find((b) => b.index === reply.index)
        if (block === undefined) return finish(new Error(`a worker answered for block ${reply.index}, which it was not given`))
        results.push({ block, summary: reply.summary })
        runsDone += reply.summary.runs
        onRuns?.(runsDone)
        if (reply.summary.violations > 0) firstFailure = Math.min(firstFailure, block.index)
        dispatch(thread)
      })
      thread.on("error", finish)
    }
    if (blocks.length === 0) finish()
  })
