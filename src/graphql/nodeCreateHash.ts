import { createHash as cryptoCreateHash, type Hash } from 'node:crypto';

/**
 * Stands in for `@apollo/utils.createhash` in the bundle (scripts/bundle.mjs, esbuild's
 * `alias`). That package reaches Node's crypto through `module.require`, which esbuild's module
 * shim lacks, so bundled it fell back to `sha.js`, a SHA-256 written in JavaScript, which Apollo
 * Server ran on every operation's text (the executed route's profile: ~3 µs a request, and its
 * garbage). Here it is Node's own, as it is unbundled.
 */
export const createHash = (kind: string): Hash => cryptoCreateHash(kind);
