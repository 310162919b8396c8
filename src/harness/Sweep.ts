/**
 * The attacker in the middle tries every field at once: it takes a signed packet in flight and,
 * before the packet arrives, sends its recipient one tampered copy per field of the message (see
 * `Tamper.sweep`), each under the original signature and then signed by each key the attacker
 * holds (see {@link Sweep.keys}), the insider's among them. An honest recipient rejects every
 * forged copy and changes nothing; a recipient whose signatures leave one field out takes the copy
 * that changed it. A copy the insider signs in its own name is its own message, judged by what it
 * does to the honest parties.
 *
 * A single forgery tests one field of a message while it is in flight, a window of a command or
 * two; a message has ten fields or more, so a signature that forgets one of them would be found
 * by single forgeries only after hundreds of runs. The sweep finds it in the first window.
 */
import fc from "fast-check"
import type { Packet } from "../machine/Machine.js"
import { Base, bodyOf, SIGNED_TAGS, tagOf, targetTag, type HarnessCommand, type HarnessModel, type Target } from "./Command.js"
import { plausibleFrom, sweepPacket, type AttackerKey } from "./Tamper.js"
import type { World } from "./World.js"

/** How many of the newest recorded packets the sweep takes plausible values from. */
export const PLAUSIBLE_WINDOW = 256

/** Sweeps the `index`-th newest signed packet in flight of the message type `target` stands for. */
export class Sweep extends Base {
  constructor(
    readonly target: Target,
    readonly index: number,
    readonly variant: number,
    /**
     * The keys that sign the tampered copies besides the original signature. None by default: the
     * attacker's own key is registered nowhere, so every copy it signs fails as `UnknownKey` before
     * any field is looked at (the `unregisteredKey` and `field` forgeries test that), and signing
     * costs most of a sweep. A run's compromised party's key is added when the sweep runs.
     */
    readonly keys: ReadonlyArray<AttackerKey> = []
  ) {
    super()
  }
  override check(m: Readonly<HarnessModel>): boolean {
    return m.world.net.inFlight.some((p) => p.channel === "signed")
  }
  #aim(world: World): Packet | undefined {
    const signed = world.net.inFlight.filter((p) => p.channel === "signed")
    const tag = targetTag(signed, SIGNED_TAGS, this.target)
    const packets = signed.filter((p) => tagOf(p) === tag).reverse()
    return packets.length === 0 ? undefined : packets[this.index % packets.length]
  }
  act(world: World): void {
    const packet = this.#aim(world)
    if (packet === undefined) return
    const recorded = world.recorded()
    const plausible = plausibleFrom(recorded.slice(-PLAUSIBLE_WINDOW).filter((p) => p.channel === "signed").map(bodyOf))
    const insider = world.directory.compromised
    const keys = insider === null ? this.keys : [...this.keys, insider]
    const made = world.run(sweepPacket(world.core, packet, this.variant, { plausible, keys }))
    world.count("sweep")
    const model = world.model
    for (const { tampering, resignedBy, packet: forged } of made) {
      world.count(`tamper:${tampering.tag}.${tampering.field}`)
      const label = `attacker: ${tampering.name}${resignedBy === null ? "" : `, signed by ${resignedBy}`} -> ${packet.to}`
      // A copy the insider signs as itself is its own message, which it may send (DESIGN.md section 8):
      // `markForged` leaves it unmarked, and the invariants judge what it does to others. Signed by it
      // in another party's name, it is a forgery.
      world.injectForgery(label, packet.to, forged)
      if (insider !== null && resignedBy === insider.keyId && !world.forged.has(forged)) world.count(`insider:${insider.kind}:sweep`)
      // The first forgery taken is the finding; the rest would only bury it.
      if (world.model !== model) return
    }
  }
  /** The same sweep with its message type named, then of the newest packet of that type. */
  override simpler(world: World): ReadonlyArray<HarnessCommand> {
    const tag = targetTag(world.net.inFlight.filter((p) => p.channel === "signed"), SIGNED_TAGS, this.target)
    if (tag === undefined) return []
    return [...(tag === this.target ? [] : [new Sweep(tag, this.index, this.variant, this.keys)]), ...(this.index === 0 ? [] : [new Sweep(tag, 0, this.variant, this.keys)])]
  }
  toString(): string {
    return `Sweep(${[this.target, this.index, this.variant].map((a) => JSON.stringify(a)).join(", ")})`
  }
}

/** Sweeps of a signed packet in flight: its type, which one (newest first) and the changes' variant. */
export const sweepArbitrary: fc.Arbitrary<HarnessCommand> = fc
  .tuple(fc.nat({ max: SIGNED_TAGS.length - 1 }), fc.nat({ max: 8 }), fc.nat({ max: 1_000 }))
  .map(([target, index, variant]) => new Sweep(target, index, variant))
