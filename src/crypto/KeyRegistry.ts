/**
 * Key registries: which public key speaks for which party, in which role.
 *
 * Each party keeps its own registry as plain data in its durable state: the gateway registers
 * merchants' keys (that is how a merchant's server proves who it is), the issuer enrolls the
 * device keys of its customers' phones, and everyone pins the keys of the parties it talks to.
 * A key has a status, so it can be revoked without forgetting it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { KeyId, PartyId } from "../domain/Ids.js"

/** The roles a signing key can have; every signed message type names the one role allowed to sign it. @since 0.1.0 */
export const Role = Schema.Literals(["merchant", "gateway", "issuer", "device", "clearing"])
/** @since 0.1.0 */
export type Role = typeof Role.Type

/**
 * One registered public key.
 *
 * @category models
 * @since 0.1.0
 */
export interface RegisteredKey {
  /** The id signers put in their envelopes. */
  readonly keyId: KeyId
  /** The party this key speaks for; a signed body's `from` must equal it. */
  readonly owner: PartyId
  /** What the owner is; it decides which message types the key may sign. */
  readonly role: Role
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Only active keys verify; a revoked key is remembered so its use is reported as such. */
  readonly status: "active" | "revoked"
}

/** A party's registry: registered keys by key id. @category models @since 0.1.0 */
export type KeyRegistry = Readonly<Record<string, RegisteredKey>>

/** A registry holding the given keys. @since 0.1.0 */
export const makeRegistry = (keys: Iterable<RegisteredKey>): KeyRegistry =>
  Object.fromEntries([...keys].map((key) => [key.keyId, key]))

/** The registry with `key` added, or replaced if its id is already there. @since 0.1.0 */
export const register = (registry: KeyRegistry, key: RegisteredKey): KeyRegistry => ({ ...registry, [key.keyId]: key })

/**
 * The registry with `keyId` marked revoked; unchanged if it is unknown. The entry is kept, so a
 * later use of the key is reported as `RevokedKey` rather than `UnknownKey`.
 *
 * **Example**
 *
 * ```ts
 * import { Ids, KeyRegistry } from "checkout-protocol"
 *
 * const keyId = Ids.KeyId.make("merchant-1.k1")
 * const registry = KeyRegistry.makeRegistry([
 *   { keyId, owner: Ids.PartyId.make("merchant-1"), role: "merchant", publicKey: new Uint8Array(32), status: "active" }
 * ])
 * const revoked = KeyRegistry.revoke(registry, keyId)
 * KeyRegistry.lookup(revoked, keyId)?.status // "revoked"
 * KeyRegistry.lookup(registry, keyId)?.status // "active": registries are values, never changed in place
 * ```
 *
 * @since 0.1.0
 */
export const revoke = (registry: KeyRegistry, keyId: KeyId): KeyRegistry => {
  const key = registry[keyId]
  return key === undefined ? registry : { ...registry, [keyId]: { ...key, status: "revoked" } }
}

/** Looks a key up by id. @since 0.1.0 */
export const lookup = (registry: KeyRegistry, keyId: string): RegisteredKey | undefined =>
  Object.hasOwn(registry, keyId) ? registry[keyId] : undefined
