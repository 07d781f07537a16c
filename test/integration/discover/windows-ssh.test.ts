import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverHosts } from '../../../src/discover/run.js';
import { createTransport } from '../../../src/transport/factory.js';
import { probe } from '../../../src/probe/probe.js';
import { WINDOWS_DISCOVER_SCRIPT } from '../../../src/discover/windows/script.js';
import { PS_PRELUDE } from '../../../src/shell/index.js';
import { type Host } from '../../../src/inventory/model.js';
import {
  startLab,
  type Lab,
  type LabHost,
  freePort,
  TestPki,
  type Issued,
} from '../../lab/index.js';

// A Business Central host over PowerShell-on-OpenSSH, as far as this machine can play one: the
// real powershell-ssh transport through the lab's sshd to a `powershell` stand-in that records
// what it got and prints a German Windows Server 2019 netsh listing (how that fixture was made:
// test/fixtures/windows/README.md) as the discovery script would; nginx serves the certificate on
// the two ports the listing binds.
const FIXTURE = join(import.meta.dirname, '../../fixtures/windows/netsh-2019-de.txt');
let lab: Lab;
let h: LabHost;
let pki: TestPki;
let leaf: Issued;
let ports: number[];
let host: Host;
let rec: string;

beforeAll(async () => {
  pki = TestPki.create();
  const root = pki.root();
  leaf = pki.issue({ cn: 'bc.beispiel.de', sans: ['bc.beispiel.de'], days: 40 }, root);
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
  ports = [await freePort(h.address), await freePort(h.address)];
  await h.nginx({ ports, cert: { certPath: leaf.certPath, keyPath: leaf.keyPath } });
  const netsh = readFileSync(FIXTURE, 'utf8')
    .replaceAll('7047', String(ports[0]))
    .replaceAll('7048', String(ports[1]))
    .replaceAll('9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b', leaf.thumbprint.toLowerCase());
  rec = join(h.dir, 'ps');
  writeFileSync(
    `${rec}.out`,
    JSON.stringify({
      version: 1,
      netsh,
      netshExit: 0,
      listeners: ports.map((port) => ({
        address: '0.0.0.0',
        port,
        process: 'Microsoft.Dynamics.Nav.Server',
      })),
      iis: [],
      bc: [],
    }),
  );
  h.addShim(
    'powershell',
    [
      '#!/bin/sh',
      `r=${rec}`,
      'while [ $# -gt 0 ]; do',
      '  if [ "$1" = -EncodedCommand ]; then printf "%s" "$2" | base64 -d | iconv -f UTF-16LE -t UTF-8 > "$r.script"; fi',
      '  shift',
      'done',
      '/bin/cat > "$r.stdin"',
      '/bin/cat "$r.out"',
      '',
    ].join('\n'),
  );
  host = h.toHost({
    transport: { kind: 'powershell-ssh' },
    bindings: [
      {
        id: 'bc-soap',
        port: ports[0]!,
        kind: 'netsh-http',
        params: { ipport: `0.0.0.0:${ports[0]}` },
        probe: { address: h.address, port: ports[0]!, sni: [] },
        origin: {},
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  pki?.cleanup();
});

describe('Windows discovery over powershell-ssh', () => {
  it('sends the static script with its input on stdin, and finds the unlisted hostnameport binding', async () => {
    const { hosts, old } = await discoverHosts([{ env: 'prod', host }], {
      probeTimeoutMs: 2000,
      transportFor: (x) => createTransport(x),
      probe,
    });
    expect(readFileSync(`${rec}.script`, 'utf8')).toBe(`${PS_PRELUDE}\n${WINDOWS_DISCOVER_SCRIPT}`);
    expect(JSON.parse(readFileSync(`${rec}.stdin`, 'utf8'))).toEqual({ limit: 512 });
    expect([...old]).toEqual([leaf.sha256]);
    const d = hosts[0]!;
    expect(d.error).toBeUndefined();
    const summary = d.endpoints.map(
      (e) => `${e.port} ${e.coverage.kind} ${e.old} ${e.configured.map((c) => c.source).join(',')}`,
    );
    expect(summary).toEqual(
      [`${ports[0]} binding true netsh`, `${ports[1]} uncovered true netsh`].sort(
        (a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]),
      ),
    );
    const gap = d.endpoints.find((e) => e.port === ports[1])!;
    expect(gap.configured[0]).toMatchObject({
      names: ['bc.beispiel.de'],
      thumbprint: leaf.thumbprint,
    });
    expect(gap.findings).toEqual([]);
  }, 60_000);
});
