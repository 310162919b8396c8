/**
 * The two Ed25519 layers, side by side: `TweetnaclEd25519` (portable) and `NodeEd25519`
 * (`node:crypto`, fast). Both apply the same strict verify policy and sign byte-identically.
 *
 * @since 0.1.0
 */
export { NodeEd25519 } from "./NodeEd25519.js"
export { TweetnaclEd25519 } from "./TweetnaclEd25519.js"
