import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkBundle,
  inventoryCoverage,
  loadBundle,
  sanCovers,
  subjectAltNames,
  type Bundle,
} from '../../../src/cert/index.js';
import { type Binding, type Host, type Inventory } from '../../../src/inventory/model.js';
import { TestPki } from '../../lab/pki.js';

describe('wildcard matching per RFC 6125', () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'A.Example.COM', true],
    ['*.example.com', 'a.example.com.', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'aexample.com', false],
    ['*.com', 'example.com', false],
    ['w*.example.com', 'www.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['www.example.com', 'WWW.example.com', true],
    ['www.example.com', 'example.com', false],
  ])('%s covering %s is %s', (san, name, expected) => {
    expect(sanCovers(san, name)).toBe(expected);
  });
});

const origin = { file: 'inv.yaml' };
function binding(port: number, sni: string[]): Binding {
  return {
    id: `h:${port}`,
    port,
    kind: 'nginx',
    params: {},
    probe: { address: '10.0.0.1', port, sni },
    origin,
  };
}
function host(name: string, bindings: Binding[]): Host {
  return {
    name,
    address: '10.0.0.1',
    transport: {
      kind: 'local',
      port: 0,
      knownHosts: [],
      sudo: false,
      connectTimeoutMs: 1,
      commandTimeoutMs: 1,
    },
    legacyPfx: false,
    bindings,
    exclusions: [],
    origin,
  };
}
function inventory(hosts: Host[]): Inventory {
  const policy = {
    canary: [],
    batchSize: 1,
    concurrency: 1,
    failureBudget: 0,
    onFailure: 'halt' as const,
    approval: false,
    soakMs: 0,
    coldStartCheck: false,
  };
  return {
    source: 'inv.yaml',
    digest: 'x',
    playbookDirs: [],
    environments: [{ name: 'prod', policy, hosts, origin }],
  };
}

describe('name coverage against an inventory', () => {
  let pki: TestPki;
  let bundle: Bundle;
  beforeAll(() => {
    pki = TestPki.create();
    const { leaf, intermediate } = pki.chain(['*.example.com', 'example.com', 'IP:10.0.0.1']);
    bundle = loadBundle({
      path: pki.write('b.pem', leaf.certPem + leaf.keyPem + intermediate.certPem),
    });
  });
  afterAll(() => pki.cleanup());

  it('reads DNS and IP subject alternative names', () => {
    expect(subjectAltNames(bundle.leaf)).toEqual({
      dns: ['*.example.com', 'example.com'],
      ip: ['10.0.0.1'],
    });
  });

  it('passes when every SNI name of every binding is covered', () => {
    const inv = inventory([
      host('web-01', [
        binding(443, ['www.example.com', 'example.com']),
        binding(7147, ['nav.example.com']),
      ]),
    ]);
    const c = checkBundle(bundle, { inventory: inv }).find((x) => x.id === 'name-coverage');
    expect(c).toMatchObject({ ok: true });
    expect(c?.message).toContain('all 3 SNI name(s)');
  });

  it('names the environment, host, port and name of each uncovered SNI name', () => {
    const inv = inventory([
      host('web-01', [
        binding(443, ['www.example.com']),
        binding(7148, ['odata.nav.example.com', 'other.org']),
      ]),
    ]);
    const c = checkBundle(bundle, { inventory: inv }).find((x) => x.id === 'name-coverage');
    expect(c?.ok).toBe(false);
    expect(c?.message).toContain('prod/web-01:7148 odata.nav.example.com');
    expect(c?.message).toContain('prod/web-01:7148 other.org');
    expect(inventoryCoverage(bundle.leaf, inv).uncovered).toHaveLength(2);
  });

  it('lists bindings that send no SNI instead of passing them silently', () => {
    const inv = inventory([host('web-02', [binding(8443, [])])]);
    const cov = inventoryCoverage(bundle.leaf, inv);
    expect(cov.noSni).toEqual(['prod/web-02:8443']);
    expect(
      checkBundle(bundle, { inventory: inv }).find((x) => x.id === 'name-coverage')?.message,
    ).toContain('send no SNI');
  });
});
