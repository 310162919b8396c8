/**
 * `npx tsx src/prove/generate.ts`: rewrites the generated message part of the ProVerif model,
 * `spec/proverif/messages.pvl`, from the code. `test/prove/MessageLibrary.test.ts` fails when the
 * committed file differs from what this writes.
 *
 * @since 0.3.0
 */
import { readFileSync, writeFileSync } from "node:fs"
import { messageLibrary } from "./MessageLibrary.js"
import { MESSAGE_LIBRARY } from "./Models.js"

const text = messageLibrary()
const current = (() => {
  try {
    return readFileSync(MESSAGE_LIBRARY, "utf8")
  } catch {
    return ""
  }
})()
if (current === text) console.log(`${MESSAGE_LIBRARY} is up to date`)
else {
  writeFileSync(MESSAGE_LIBRARY, text)
  console.log(`regenerated ${MESSAGE_LIBRARY}`)
}
