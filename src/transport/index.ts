// The transport layer's public surface: the port and what works on any transport. The real
// transports are built only by the composition root (src/cli), from factory.ts and pool.ts
// directly (`npm run deps` enforces it), so they are not offered here.
export * from './types.js';
export { assertSuccess } from './classify.js';
export { resolveSecret, type ResolvedSecret } from './secrets.js';
export { fingerprintOf } from './known-hosts.js';
