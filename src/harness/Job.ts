/**
 * A campaign's settings as plain data, so a worker thread or another machine can rebuild them:
 * the crypto backend by name, the seeded bug by name, the budget and the replay coordinates.
 *
 * @since 0.3.0
 */
import type { Layer } from "effect"
import type { Ed25519 } from "../crypto/Ed25519.js"
import { NodeEd25519 } from "../crypto/NodeEd25519.js"
import { TweetnaclEd25519 } from "../crypto/TweetnaclEd25519.js"
import { bugNamed } from "../bugs/Catalog.js"
import { loadMutant } from "../bugs/Mutant.js"
import type { Block } from "./Blocks.js"
import { campaign, type CampaignSummary } from "./Campaign.js"
import type { HarnessSettings } from "./Run.js"

/**
 * The Ed25519 backends by the name the command line uses.
 *
 * @category jobs
 * @since 0.3.0
 */
export const BACKENDS = { node: NodeEd25519, tweetnacl: TweetnaclEd25519 } as const satisfies Record<string, Layer.Layer<Ed25519>>

/**
 * The name of an Ed25519 backend.
 *
 * @category jobs
 * @since 0.3.0
 */
export type BackendName = keyof typeof BACKENDS

/**
 * A campaign's settings as plain data.
 *
 * @category jobs
 * @since 0.3.0
 */
export interface CampaignJob {
  readonly backend: BackendName
  /** The most commands a generated run may have. */
  readonly maxCommands: number
  /** A seeded bug of the catalog to plant in a copy of the core, or none for the reference core. */
  readonly bug?: string
  /** A replayPath printed by an earlier failure. */
  readonly replayPath?: string
  /** A fast-check path printed by an earlier failure: replays that run of the first block. */
  readonly path?: string
  /** Stop at the first failure, unshrunk (see `CampaignOptions.failFast`). */
  readonly failFast?: boolean
}

/**
 * Rebuilds a job's harness settings: the reference core, or a mutant with the job's bug planted.
 *
 * @category jobs
 * @since 0.3.0
 */
export const settingsFor = async (job: CampaignJob): Promise<HarnessSettings> => ({
  core: job.bug === undefined ? await import("../index.js") : await loadMutant(bugNamed(job.bug)),
  crypto: BACKENDS[job.backend],
  maxCommands: job.maxCommands,
  ...(job.replayPath === undefined ? {} : { replayPath: job.replayPath }),
  ...(job.bug === undefined ? {} : { bug: job.bug })
})

/**
 * Runs one block of a campaign with the given settings.
 *
 * @category jobs
 * @since 0.3.0
 */
export const runBlock = (settings: HarnessSettings, job: CampaignJob, block: Block): CampaignSummary =>
  campaign(settings, {
    numRuns: block.runs,
    seed: block.seed,
    ...(job.path === undefined ? {} : { path: job.path }),
    ...(job.failFast === true ? { failFast: true } : {})
  })
