/**
 * The protocol core the harness drives, passed in rather than imported, so the bug-injection
 * runner can hand it a mutated copy of `src/` and the same harness must catch the bug.
 */
import type * as Index from "../index.js"

/** The public surface of `src/index.ts`, from the real tree or a mutant copy. */
export type Core = typeof Index
