/**
 * What every harness command is: a fast-check command over the {@link World}, with a readable
 * line and simpler variants for the minimizer; and the small helpers commands share.
 */
import type fc from "fast-check"
import type { RequestId } from "../domain/Ids.js"
import type { Packet } from "../machine/Machine.js"
import { SIGNER_ROLES } from "../messages/Signed.js"
import { isLyingAnswer, tellLie } from "./Lies.js"
import { checkSafety } from "./Invariants.js"
import type { World } from "./World.js"

/** The fast-check model: the world itself, read by `check` to skip commands that cannot apply. */
export interface HarnessModel {
  readonly world: World
}

/**
 * A harness command; `simpler(world)` offers simpler commands the minimizer may try in its place,
 * `world` being the world just before the command runs.
 */
export interface HarnessCommand extends fc.Command<HarnessModel, World> {
  simpler(world: World): ReadonlyArray<HarnessCommand>
}

/**
 * What every command shares: it may always run unless it says otherwise, offers no simpler
 * command unless it says otherwise, and after acting trims the network and checks the safety
 * invariants.
 */
export abstract class Base implements HarnessCommand {
  check(_m: Readonly<HarnessModel>): boolean {
    return true
  }
  simpler(_world: World): ReadonlyArray<HarnessCommand> {
    return []
  }
  run(_m: HarnessModel, world: World): void {
    this.perform(world)
    checkSafety(world, this.toString())
  }
  /** Runs the command as {@link run} does, but for checking the safety invariants after it: for the explorer, which judges each world the first time it reaches it (`src/explore/Frontier.ts`). */
  perform(world: World): void {
    world.commands++
    this.act(world)
    world.trimNetwork()
  }
  /** What the command does to the world. */
  abstract act(world: World): void
  /** The command as a line of a script. */
  abstract toString(): string
}

/** The `index`-th of `items`, counted round; `undefined` when there are none. */
export const pick = <T>(items: ReadonlyArray<T>, index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length])

/** The message tag of a packet, for trace lines. */
export const tagOf = (packet: Packet): string => {
  const p = packet.payload as { _tag?: unknown; body?: { _tag?: unknown } }
  return String(p.body?._tag ?? p._tag ?? "?")
}

/** The body of a signed packet as it travels, Schema-encoded. */
export const bodyOf = (packet: Packet): Readonly<Record<string, unknown>> => (packet.payload as { readonly body: Readonly<Record<string, unknown>> }).body

/** Delivers `packet` to its recipient; a lying merchant's answer to a page arrives as its next lie instead. */
export const deliver = (world: World, packet: Packet): void => {
  const requestId = (packet.payload as { readonly requestId?: RequestId }).requestId
  if (isLyingAnswer(world, packet) && requestId !== undefined) return tellLie(world, packet.from, packet.to, requestId)
  world.receive(`deliver ${tagOf(packet)} ${packet.from} -> ${packet.to}`, packet.to, packet)
}


/** Every signed message type, in a fixed order. */
export const SIGNED_TAGS: ReadonlyArray<string> = Object.keys(SIGNER_ROLES).sort()

/**
 * The message type an attack aims at: a position among the types of the packets there are when
 * it runs (recorded, or in flight), so that it always finds a target however far the run got; or,
 * once the minimizer has named it (see `simpler`), the type itself, so that removing other
 * commands never retargets it.
 */
export type Target = number | string

/** The message type `target` stands for among `packets`, listed in the order of `tags`. */
export const targetTag = (packets: ReadonlyArray<Packet>, tags: ReadonlyArray<string>, target: Target): string | undefined => {
  if (typeof target === "string") return target
  const present = new Set(packets.map(tagOf))
  return pick(
    tags.filter((tag) => present.has(tag)),
    target
  )
}

/**
 * The simpler variants of an attack on `target`, which stands for `tag` now: the same attack
 * with the type named, then with `choice` (which message, or which recipient) at its first.
 */
export const named = (tag: string | undefined, target: Target, choice: number, attack: (tag: string, choice: number) => HarnessCommand): ReadonlyArray<HarnessCommand> =>
  tag === undefined ? [] : [...(tag === target ? [] : [attack(tag, choice)]), ...(choice === 0 ? [] : [attack(tag, 0)])]
