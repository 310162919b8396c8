/** The explorer's scopes and settings, as the explorer tests name them. */
import * as Core from "../../src/index.js"
import type { ExploreSettings } from "../../src/explore/Explorer.js"
import { scopeNamed, type ExploreScope } from "../../src/explore/Scopes.js"
import type { Core as HarnessCore } from "../../src/harness/Core.js"

/** The scope called `name`; throws if there is none. */
export const scopeOf = (name: string): ExploreScope => {
  const found = scopeNamed(name)
  if (found === undefined) throw new Error(`no scope ${name}`)
  return found
}

/** Settings to explore `scope` (or the scope it names) with `core` on `node:crypto`, stopping at `maxStates`. */
export const exploreSettings = (scope: ExploreScope | string, core: HarnessCore = Core, maxStates = 50_000): ExploreSettings => ({
  core,
  crypto: Core.Ed25519Backends.NodeEd25519,
  scope: typeof scope === "string" ? scopeOf(scope) : scope,
  maxStates
})
