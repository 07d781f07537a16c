import { type Binding, type Host } from '../../../src/inventory/model.js';
import { type CertFacts } from '../../../src/discover/types.js';

export const sha = (c: string): string => c.repeat(64).slice(0, 64);
export const cert = (c: string, notAfterMs = Date.parse('2030-01-01')): CertFacts => ({
  sha256: sha(c),
  thumbprint: c.toUpperCase().repeat(40).slice(0, 40),
  notAfterMs,
});

export function binding(port: number, extra: Partial<Binding> = {}): Binding {
  return {
    id: `web-1:${port}`,
    port,
    kind: 'nginx',
    params: { certPath: '/etc/ssl/site.crt', keyPath: '/etc/ssl/site.key' },
    probe: { address: '10.0.0.5', port, sni: ['www.example.com'] },
    origin: {},
    ...extra,
  };
}

export function host(bindings: Binding[], exclusions: Host['exclusions'] = []): Host {
  return {
    name: 'web-1',
    address: '10.0.0.5',
    transport: {
      kind: 'ssh',
      port: 22,
      knownHosts: [],
      sudo: false,
      connectTimeoutMs: 1000,
      commandTimeoutMs: 1000,
    },
    legacyPfx: false,
    bindings,
    exclusions,
    origin: {},
  };
}
