/**
 * A worker thread of `exploreInWorkers` (`Parallel.ts`): rebuilds the settings from the job in its
 * `workerData` (the reference core or the planted mutant, and the crypto backend by name), says it
 * is ready, then answers each request with its counts (`WorkerCounts`).
 *
 * @since 0.5.0
 */
import { parentPort, workerData } from "node:worker_threads"
import { importMutant } from "../bugs/Mutant.js"
import { BACKENDS } from "../harness/Job.js"
import type { ExploreSettings } from "./Explorer.js"
import { readFrontier, writeFrontier } from "./Checkpoint.js"
import { Frontier } from "./Frontier.js"
import { controlWords, countsOf, STOP, type WorkerRequest, type WorkerStart } from "./Parallel.js"
import { StateSet } from "./Visited.js"

const { job, index, workers, control } = workerData as WorkerStart
const settings: ExploreSettings = {
  core: job.mutant === undefined ? await import("../index.js") : await importMutant(job.mutant),
  crypto: BACKENDS[job.backend],
  scope: job.scope,
  maxStates: job.maxStates,
  queuedWorlds: job.queuedWorlds
}
const frontier = new Frontier(settings, false)
const { stopped, perWorker, pauses } = controlWords(control, workers)
const mine = perWorker.subarray(2 * index, 2 * index + 2)
let seen: StateSet | undefined
const stop = (): boolean => Atomics.load(stopped, STOP) !== 0 || (seen?.size ?? 0) >= job.maxStates
const pause = (): boolean => Atomics.load(pauses, index) !== 0
/** Says how far this worker got, for the progress lines of the thread that started it. */
const tell = (): void => {
  mine[0] = frontier.transitions
  mine[1] = frontier.queued
}
parentPort?.on("message", (request: WorkerRequest) => {
  let handedOver: ReadonlyArray<ReadonlyArray<number>> = []
  if (request.do === "seed") frontier.seed(request.paths)
  else if (request.do === "save") writeFrontier(request.file, frontier.saved())
  else if (request.do === "load") frontier.resume(readFrontier(request.file))
  else if (request.do === "handOver") handedOver = frontier.handOver(request.count)
  else if (request.do === "next") frontier.nextLevel()
  else {
    seen = new StateSet(request.states)
    if (request.do === "expand") frontier.expand(seen, stop, tell, pause)
    else frontier.offerWaiting(seen)
    if (frontier.violation !== null || seen.size >= job.maxStates) Atomics.store(stopped, STOP, 1)
  }
  tell()
  parentPort?.postMessage(countsOf(frontier, handedOver))
})
parentPort?.postMessage("ready")
