// The entry that typedoc.json's "plugin" names for OfflineMermaid.ts: `npm run docs` runs TypeDoc
// on plain Node, which can't import TypeScript, so this registers tsx's loader, imports the plugin
// and removes the loader again. The plugin itself is TypeScript, checked by `npm run typecheck`.
import { register } from "tsx/esm/api"

const unregister = register()
const plugin = await import("./OfflineMermaid.ts")
await unregister()

/** TypeDoc's entry point. */
export const load = plugin.load
