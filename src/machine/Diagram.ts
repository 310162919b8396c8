/**
 * Documentation drawn from a machine's transitions as data: a Markdown table and a Mermaid
 * `stateDiagram-v2` per entity. The spec's state-machine pages are generated from these, so they
 * cannot drift from the code.
 *
 * @since 0.1.0
 */
import type { Transition } from "./Machine.js"

/** The pseudo-state an entity is in before it exists. @since 0.1.0 */
export const NONE = "None"

/** The transitions of one entity, in declaration order. @since 0.1.0 */
export const ofEntity = (transitions: ReadonlyArray<Transition>, entity: string): ReadonlyArray<Transition> =>
  transitions.filter((t) => t.entity === entity)

/** The entities a machine's transitions describe, in order of first appearance. @since 0.1.0 */
export const entities = (transitions: ReadonlyArray<Transition>): ReadonlyArray<string> => [...new Set(transitions.map((t) => t.entity))]

/** The entity's transitions as a numbered Markdown table. @since 0.1.0 */
export const table = (transitions: ReadonlyArray<Transition>, entity: string): string =>
  [
    "| # | from | on | to |",
    "| --- | --- | --- | --- |",
    ...ofEntity(transitions, entity).map((t, i) => `| ${i + 1} | ${t.from} | \`${t.on}\` | ${t.to} |`)
  ].join("\n")

/**
 * The entity's transitions as a Mermaid `stateDiagram-v2`. Transitions from {@link NONE} start
 * at the initial pseudo-state; `initial`, if given, is the state an entity starts in without a
 * transition (the browser's first screen).
 *
 * @since 0.1.0
 */
export const stateDiagram = (transitions: ReadonlyArray<Transition>, entity: string, initial?: string): string =>
  [
    "stateDiagram-v2",
    ...(initial === undefined ? [] : [`  [*] --> ${initial}`]),
    ...ofEntity(transitions, entity).map((t) => `  ${t.from === NONE ? "[*]" : t.from} --> ${t.to}: ${t.on}`)
  ].join("\n")
