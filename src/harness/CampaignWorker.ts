/**
 * The worker thread of `runBlocksInWorkers` (`Parallel.ts`): rebuilds the settings from the job in
 * its `workerData`, says it is ready, then runs each block it is sent and answers with the block's
 * index and summary.
 *
 * @since 0.3.0
 */
import { parentPort, workerData } from "node:worker_threads"
import type { Block } from "./Blocks.js"
import { runBlock, settingsFor, type CampaignJob } from "./Job.js"

const job = workerData as CampaignJob
const settings = await settingsFor(job)
parentPort?.on("message", (block: Block) => {
  parentPort?.postMessage({ index: block.index, summary: runBlock(settings, job, block) })
})
parentPort?.postMessage("ready")
