/** Round-tripping a party's state through the state codec, as a store would: encode, JSON text, parse, decode. */
import { Cause, Effect, Exit } from "effect"
import { expect } from "vitest"
import { Canonical, State } from "../../src/index.js"
import { comparable } from "../support/tables.js"

/**
 * Encodes `state`, writes it as JSON text, parses it and decodes it with the party's identity, and
 * checks the result equals the original, both structurally (its tables compared by their rows and
 * deadline indexes: {@link comparable}) and as the canonical JSON of its encoding; the text holds no key material. Returns the text.
 */
export const roundTrip = (kind: State.PartyKind, state: unknown, where: string): string => {
  const encoded = State.encodeState(kind, state as never)
  const text = JSON.stringify(encoded)
  expect(text, `${where}: no identity in the stored state`).not.toMatch(/"(seed|registry|signing|identity)"/)
  const exit = Effect.runSyncExit(State.decodeState(kind, JSON.parse(text), State.identityOf(kind, state as never)))
  if (Exit.isFailure(exit)) throw new Error(`${where}: ${String(Cause.squash(exit.cause))}`)
  const decoded = exit.value
  expect(comparable(decoded), where).toEqual(comparable(state))
  expect(Canonical.canonicalJson(State.encodeState(kind, decoded as never)), where).toBe(Canonical.canonicalJson(encoded))
  return text
}
