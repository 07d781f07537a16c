// The transport layer's public surface.
export * from './types.js';
export { createTransport, type TransportDeps } from './factory.js';
export { TransportPool, withTransportPool } from './pool.js';
export { assertSuccess } from './classify.js';
export { resolveSecret, type ResolvedSecret } from './secrets.js';
export { fingerprintOf } from './known-hosts.js';
