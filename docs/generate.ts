/**
 * `npm run docs:generate`: rewrites every generated block in `spec/`, `docs/guides/` and `README.md` from the
 * code. A block is delimited by
 *
 *     <!-- BEGIN GENERATED: <kind> <args...> -->
 *     ...
 *     <!-- END GENERATED -->
 *
 * and `test/docs.test.ts` fails when a committed block differs from what the code generates now.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { generateAll } from "./Generated.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const changed = generateAll(root, (path) => readFileSync(path, "utf8"))
for (const [path, text] of changed) writeFileSync(path, text)
console.log(changed.size === 0 ? "every generated block is up to date" : `regenerated: ${[...changed.keys()].join(", ")}`)
