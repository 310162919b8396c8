/**
 * Runs the model's invariant checkers against a world and turns a violation into a thrown
 * {@link InvariantViolation}, counting every check made.
 */
import * as Invariants from "../../model/Invariants.js"
import type { World } from "./World.js"

/** A broken invariant: which one, after which command, and what was found. */
export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    readonly after: string,
    readonly findings: ReadonlyArray<string>
  ) {
    super(`invariant ${invariant} broken after ${after}: ${findings.join("; ")}`)
  }
}

/** How many times each invariant was checked, over a whole campaign. */
export const checksMade = new Map<string, number>()

/** Counts one check of `name` in {@link checksMade}. */
export const countCheck = (name: string): void => {
  checksMade.set(name, (checksMade.get(name) ?? 0) + 1)
}

const runChecks = (world: World, after: string, checkers: Readonly<Record<string, Invariants.Checker>>): void => {
  const view = world.view()
  for (const [name, checker] of Object.entries(checkers)) {
    countCheck(name)
    const findings = checker(view, world.model)
    if (findings.length > 0) throw new InvariantViolation(name, after, findings)
  }
}

/** Checks every safety invariant; throws on the first broken one. */
export const checkSafety = (world: World, after: string): void => runChecks(world, after, Invariants.safety)

/** Every invariant, the safety ones and those checked once the world is quiet. */
const quiescentCheckers = { ...Invariants.safety, ...Invariants.atQuiescence }

/** Checks liveness and agreement once the world is quiet. */
export const checkQuiescent = (world: World, after: string): void => runChecks(world, after, quiescentCheckers)
