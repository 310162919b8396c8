/**
 * The ProVerif models of the signed hops (`spec/proverif/`) and the queries in them. A model is a
 * hand-written `.pv` file of processes and queries, loaded after `crypto.pvl` (the signatures, by
 * hand) and `messages.pvl` (the message part, generated from the code by
 * `messageLibrary`). A query is a block that starts with a comment
 * `(* QUERY <name>: <what it says> *)` and ends with the `query` declaration after it; the runner
 * verifies each query on its own, with the others cut out.
 *
 * @since 0.3.0
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { messageLibrary } from "./MessageLibrary.js"

/**
 * The directory of the models, `spec/proverif/` in the package.
 *
 * @category files
 * @since 0.3.0
 */
export const MODEL_DIRECTORY = fileURLToPath(new URL("../../spec/proverif/", import.meta.url))

/**
 * The generated message part's path, which `src/prove/generate.ts` writes.
 *
 * @category files
 * @since 0.3.0
 */
export const MESSAGE_LIBRARY = `${MODEL_DIRECTORY}messages.pvl`

/**
 * The files a model run is made of, in the order ProVerif reads them.
 *
 * @category models
 * @since 0.3.0
 */
export type ModelFile = "crypto.pvl" | "messages.pvl" | `${ModelName}.pv`

/**
 * The models, by name: each one file `spec/proverif/<name>.pv`.
 *
 * @category models
 * @since 0.3.0
 */
export type ModelName = "challenge" | "authorization" | "operations" | "settlement" | "signatures"

/**
 * Every model, in the order the runner verifies them, with what it covers and the code its processes mirror.
 *
 * @category models
 * @since 0.3.0
 */
export const MODELS: ReadonlyArray<{ readonly name: ModelName; readonly covers: string }> = [
  {
    name: "challenge",
    covers:
      "the issuer's challenge on the shopper's phone and the hold it places: issuers (`Issuer.onAuthorizationRequest`, `onChallengeAnswer`, the challenge's expiry) and phones (`Phone.onChallenge`, `onAnswer`); every gateway is the attacker's"
  },
  {
    name: "authorization",
    covers:
      "from `AuthorizePayment` to `AuthorizationResult`: merchants (`Merchant.onPayNow`, `onResult`), gateways (`Gateway.onAuthorizePayment`, `onAuthorizationResponse`) and issuers with the scheme's merchant directory (`IssuerState.acquirers`), the shopper's answer abstracted to a choice made once"
  },
  {
    name: "operations",
    covers:
      "captures, voids and refunds of approved payments: merchants (`MerchantOperations.onBackOffice`), gateways (`GatewayOperations.onMerchantOperation`) and issuers (`IssuerOperations.onOperation`)"
  },
  { name: "settlement", covers: "clearing and settlement: clearing houses clearing an acquirer's item only with its issuer's signature on its acceptance (`ClearingHouse.onSubmission`, one item per submission) and instructing (`ClearingHouse.onCloseCycle`), issuers signing their answers to operations, and banks (`Instruction.receiveInstruction`)" },
  {
    name: "signatures",
    covers: "every signed type at once: every party seals any body its role may sign (`Envelope.seal`) and opens any envelope sent to it (`Envelope.open`)"
  }
]

/**
 * One query of a model: its name, what it says, and where its block is in the model's text.
 *
 * @category models
 * @since 0.3.0
 */
export interface Query {
  readonly name: string
  readonly says: string
  readonly start: number
  readonly end: number
}

const QUERY_BLOCK = /^\(\* QUERY ([a-z0-9-]+): ([\s\S]*?) \*\)\nquery [\s\S]*?\.\n/gm

/**
 * The queries of a model's text, in order. Throws if it has none, or two with one name.
 *
 * @category models
 * @since 0.3.0
 */
export const queriesOf = (model: string, text: string): ReadonlyArray<Query> => {
  const queries = [...text.matchAll(QUERY_BLOCK)].map((m) => ({
    name: m[1] ?? "",
    says: (m[2] ?? "").replace(/\s+/g, " "),
    start: m.index,
    end: m.index + m[0].length
  }))
  if (queries.length === 0) throw new Error(`ProVerif model ${model}: no "(* QUERY <name>: ... *)" block`)
  const names = queries.map((q) => q.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined) throw new Error(`ProVerif model ${model}: two queries named ${twice}`)
  return queries
}

/**
 * A model's text with every query block but `keep` cut out; throws if it has no query `keep`.
 *
 * @category models
 * @since 0.3.0
 */
export const onlyQuery = (model: string, text: string, keep: string): string => {
  const queries = queriesOf(model, text)
  if (!queries.some((q) => q.name === keep)) throw new Error(`ProVerif model ${model}: no query ${keep}; it has ${queries.map((q) => q.name).join(", ")}`)
  return queries.reduceRight((acc, q) => (q.name === keep ? acc : acc.slice(0, q.start) + acc.slice(q.end)), text)
}

/**
 * The texts of a model's files as committed, except the message part, which is generated from the
 * code now (so a proof is always of the code; the drift test keeps the committed file equal).
 *
 * @category models
 * @since 0.3.0
 */
export const filesOf = (model: ModelName): ReadonlyMap<ModelFile, string> =>
  new Map<ModelFile, string>([
    ["crypto.pvl", readFileSync(`${MODEL_DIRECTORY}crypto.pvl`, "utf8")],
    ["messages.pvl", messageLibrary()],
    [`${model}.pv`, readFileSync(`${MODEL_DIRECTORY}${model}.pv`, "utf8")]
  ])
