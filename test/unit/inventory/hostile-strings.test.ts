import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isCertrollError } from '../../../src/errors.js';
import { type Inventory } from '../../../src/inventory/index.js';
import { localPath } from '../../../src/inventory/resolve-context.js';
import { OPTS, parse } from './helpers.js';

// The test document is mutated at arbitrary paths; typing each level would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function baseDoc(): Doc {
  return {
    version: 1,
    playbooks: ['./playbooks'],
    environments: [
      {
        name: 'prod',
        policy: { canary: ['web-01'] },
        hosts: [
          {
            name: 'web-01',
            address: '10.0.0.1',
            transport: {
              user: 'deploy',
              identityFile: '~/.ssh/id',
              knownHosts: ['~/.ssh/known_hosts'],
              password: { env: 'PASS' },
              identityPassphrase: { file: '/etc/certroll/pass' },
            },
            bindings: [
              {
                id: 'web-01-https',
                port: 443,
                kind: 'nginx',
                params: { certPath: '/etc/nginx/site.crt' },
                probe: {
                  address: '10.0.0.1',
                  sni: ['www.example.com'],
                  pool: { members: [{ name: 'web-01', address: '10.0.0.1', port: 443 }] },
                },
              },
            ],
            exclude: [{ port: 9443, reason: 'vendor' }],
          },
        ],
      },
    ],
  };
}

const host = (d: Doc): Doc => d.environments[0].hosts[0] as Doc;
const binding = (d: Doc): Doc => host(d).bindings[0] as Doc;
const iHost = (inv: Inventory) => inv.environments[0]!.hosts[0]!;
const iBinding = (inv: Inventory) => iHost(inv).bindings[0]!;
const path = (v: string): string => localPath(v, OPTS);

interface Field {
  readonly field: string;
  set(doc: Doc, value: string): void;
  get(inv: Inventory): unknown;
  expected?(value: string): unknown;
}

const FIELDS: readonly Field[] = [
  {
    field: 'playbooks[0]',
    set: (d, v) => (d.playbooks[0] = v),
    get: (i) => i.playbookDirs[0],
    expected: path,
  },
  {
    field: 'environments[0].name',
    set: (d, v) => (d.environments[0].name = v),
    get: (i) => i.environments[0]!.name,
  },
  {
    field: 'environments[0].hosts[0].name',
    set: (d, v) => {
      host(d).name = v;
      d.environments[0].policy.canary[0] = v;
    },
    get: (i) => iHost(i).name,
  },
  {
    field: 'environments[0].hosts[0].address',
    set: (d, v) => (host(d).address = v),
    get: (i) => iHost(i).address,
  },
  {
    field: 'environments[0].hosts[0].transport.user',
    set: (d, v) => (host(d).transport.user = v),
    get: (i) => iHost(i).transport.user,
  },
  {
    field: 'environments[0].hosts[0].transport.identityFile',
    set: (d, v) => (host(d).transport.identityFile = v),
    get: (i) => iHost(i).transport.identityFile,
    expected: path,
  },
  {
    field: 'environments[0].hosts[0].transport.knownHosts[0]',
    set: (d, v) => (host(d).transport.knownHosts[0] = v),
    get: (i) => iHost(i).transport.knownHosts[0],
    expected: path,
  },
  {
    field: 'environments[0].hosts[0].transport.hostKeyFingerprint',
    set: (d, v) => (host(d).transport.hostKeyFingerprint = v),
    get: (i) => iHost(i).transport.hostKeyFingerprint,
  },
  {
    field: 'environments[0].hosts[0].transport.password.env',
    set: (d, v) => (host(d).transport.password.env = v),
    get: (i) => iHost(i).transport.password,
    expected: (v) => ({ from: 'env', name: v }),
  },
  {
    field: 'environments[0].hosts[0].transport.identityPassphrase.file',
    set: (d, v) => (host(d).transport.identityPassphrase.file = v),
    get: (i) => iHost(i).transport.identityPassphrase,
    expected: (v) => ({ from: 'file', path: path(v) }),
  },
  {
    field: 'environments[0].hosts[0].bindings[0].id',
    set: (d, v) => (binding(d).id = v),
    get: (i) => iBinding(i).id,
  },
  {
    field: 'environments[0].hosts[0].bindings[0].kind',
    set: (d, v) => (binding(d).kind = v),
    get: (i) => iBinding(i).kind,
  },
  {
    field: 'environments[0].hosts[0].bindings[0].params.certPath',
    set: (d, v) => (binding(d).params.certPath = v),
    get: (i) => iBinding(i).params['certPath'],
  },
  {
    field: 'environments[0].hosts[0].bindings[0].probe.address',
    set: (d, v) => (binding(d).probe.address = v),
    get: (i) => iBinding(i).probe.address,
  },
  {
    field: 'environments[0].hosts[0].bindings[0].probe.sni[0]',
    set: (d, v) => (binding(d).probe.sni[0] = v),
    get: (i) => iBinding(i).probe.sni[0],
  },
  {
    field: 'environments[0].hosts[0].bindings[0].probe.pool.members[0].name',
    set: (d, v) => (binding(d).probe.pool.members[0].name = v),
    get: (i) => iBinding(i).probe.pool?.members[0]?.name,
  },
  {
    field: 'environments[0].hosts[0].bindings[0].probe.pool.members[0].address',
    set: (d, v) => (binding(d).probe.pool.members[0].address = v),
    get: (i) => iBinding(i).probe.pool?.members[0]?.address,
  },
  {
    field: 'environments[0].hosts[0].exclude[0].reason',
    set: (d, v) => (host(d).exclude[0].reason = v),
    get: (i) => iHost(i).exclusions[0]!.reason,
  },
];

const PIECES = [
  ';',
  '$(id)',
  '`id`',
  '"',
  "'",
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '-',
  '--help',
  '-oProxyCommand=x',
  '\u200e',
  '\u200f',
  '\u202e',
  '\u2066',
  '\u200b',
  '\ufeff',
  '${HOME}',
  '%s',
  '{{ x }}',
  '*',
  '&a',
  '!tag',
  '#',
  ': ',
  '- ',
  '..',
  '/',
  '\\',
  ' ',
  'ü',
  '𝕏',
  'web-01',
  'www.example.com',
  '10.0.0.1',
  '::1',
  'none',
  '__proto__',
  'a'.repeat(300),
];

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((p) => p.join('')),
  fc.constantFrom('a'.repeat(5000), `-${'x'.repeat(100)}`, 'web-01\nweb-02'),
);

describe('hostile strings in every string field', () => {
  it.each(FIELDS.map((f) => [f.field, f] as const))(
    '%s either keeps the value intact or is refused as INVENTORY_INVALID naming that field',
    (_name, f) => {
      fc.assert(
        fc.property(hostile, (value) => {
          const doc = baseDoc();
          f.set(doc, value);
          let inv: Inventory;
          try {
            inv = parse(stringify(doc));
          } catch (error) {
            expect(isCertrollError(error)).toBe(true);
            if (!isCertrollError(error)) return;
            expect(error.code).toBe('INVENTORY_INVALID');
            expect(error.details.length).toBeGreaterThan(0);
            expect(
              error.details.some((d) => d.field?.startsWith(f.field.replace(/\[0\]$/, ''))),
            ).toBe(true);
            expect(error.details.every((d) => typeof d.line === 'number')).toBe(true);
            return;
          }
          expect(f.get(inv)).toEqual(f.expected ? f.expected(value) : value);
        }),
        { numRuns: 150 },
      );
    },
  );
});
