/**
 * The generated blocks of the documentation, and how each kind is drawn from the code.
 */
import { join } from "node:path"
import { Browser, ClearingHouse, Gateway, Issuer, Merchant, Phone } from "../src/index.js"
import * as Diagram from "../src/machine/Diagram.js"
import { bugsByCheck, bugTable } from "./Bugs.js"
import { guaranteeTable, modelTable, queryTable, variantTable } from "./Proof.js"
import { renderMessages } from "./MessageReference.js"
import { ledgerTables, sequenceDiagram, statements } from "./Scenarios.js"
import { trustDiagram } from "./Trust.js"
import type { Transition } from "../src/machine/Machine.js"

/** The files that hold generated blocks, relative to the repository root. */
export const DOCUMENTS = [
  "README.md",
  "spec/README.md",
  "spec/01-parties-and-keys.md",
  "spec/04-state-machines.md",
  "spec/07-scenarios.md",
  "spec/08-message-reference.md",
  "docs/guides/story.md",
  "docs/guides/messages.md",
  "docs/guides/money.md",
  "docs/guides/parties.md",
  "docs/guides/security.md",
  "spec/09-clearing-and-settlement.md",
  "spec/10-symbolic-proof.md"
]

/**
 * Every machine's transitions, by the name a block uses, with the state an entity starts in
 * without a transition, where there is one: the browser's first screen, and the clearing house's
 * first cycle, open from the start.
 */
const MACHINES: Readonly<Record<string, { readonly transitions: ReadonlyArray<Transition>; readonly initial?: Readonly<Record<string, string>> }>> = {
  Browser: { transitions: Browser.transitions, initial: { checkout: "Shopping" } },
  Merchant: { transitions: Merchant.transitions },
  Gateway: { transitions: Gateway.transitions },
  Issuer: { transitions: Issuer.transitions },
  Phone: { transitions: Phone.transitions },
  ClearingHouse: { transitions: ClearingHouse.transitions, initial: { cycle: "Open" } }
}

const BLOCK = /<!-- BEGIN GENERATED: ([^>]*?) -->\n[\s\S]*?<!-- END GENERATED -->/g

/**
 * The content of one block, from its header: `transitions <Machine> <entity>`, `sequence <scenario>`,
 * `messages <summary [page] | envelope | types | accepts | hop>` (the message reference, see `MessageReference.ts`),
 * `ledger <scenario> [issuer | acquirer | settlement-bank]` (a bank's ledger at the end of a
 * scenario, the issuer's by default), `statement <scenario>` (every bank's books at the end of a
 * scenario, as `npm start` prints them), `trust standard` (who
 * registered whose key in the standard topology), `bugs <catalog | by-check>` (the seeded bugs,
 * and the bugs each harness check caught), or `proof <guarantees [spec | guide] | models | queries | variants>`
 * (the symbolic proof: see `Proof.ts`).
 */
export const render = (header: string): string => {
  const [kind, first, second] = header.trim().split(/\s+/)
  if (kind === "transitions" && first !== undefined && second !== undefined) {
    const m = MACHINES[first]
    if (m === undefined) throw new Error(`generated block: unknown machine ${first}`)
    if (Diagram.ofEntity(m.transitions, second).length === 0) throw new Error(`generated block: ${first} has no entity ${second}`)
    return `${Diagram.table(m.transitions, second)}\n\n\`\`\`mermaid\n${Diagram.stateDiagram(m.transitions, second, m.initial?.[second])}\n\`\`\``
  }
  if (kind === "sequence" && first !== undefined) return mermaid(sequenceDiagram(first))
  if (kind === "messages" && first !== undefined) return renderMessages(first, second)
  if (kind === "ledger" && first !== undefined) return ledgerTables(first, second)
  if (kind === "statement" && first !== undefined) return `\`\`\`text\n${statements(first)}\n\`\`\``
  if (kind === "bugs" && first === "catalog") return bugTable()
  if (kind === "bugs" && first === "by-check") return bugsByCheck()
  if (kind === "trust" && first !== undefined) return mermaid(trustDiagram(first))
  if (kind === "proof" && first === "guarantees") return guaranteeTable(second)
  if (kind === "proof" && first === "models") return modelTable()
  if (kind === "proof" && first === "queries") return queryTable()
  if (kind === "proof" && first === "variants") return variantTable()
  throw new Error(`generated block: unknown kind "${header}"`)
}

const mermaid = (diagram: string): string => `\`\`\`mermaid\n${diagram}\n\`\`\``

/** A document's text with every generated block redrawn. */
export const regenerate = (text: string): string =>
  text.replace(BLOCK, (_block, header: string) => `<!-- BEGIN GENERATED: ${header} -->\n${render(header)}\n<!-- END GENERATED -->`)

/** Every document whose generated blocks differ from the code, with its regenerated text. */
export const generateAll = (root: string, read: (path: string) => string): Map<string, string> => {
  const changed = new Map<string, string>()
  for (const document of DOCUMENTS) {
    const path = join(root, document)
    const text = read(path)
    const next = regenerate(text)
    if (next !== text) changed.set(path, next)
  }
  return changed
}
