// The simulated Business Central server of `certroll demo --windows` (windows.ts) before the
// renewal: its two service-tier instances and their http.sys bindings on the old certificate,
// and the inventories the demo plans with (BC1 alone, as the manual swap did, or both).
import { writeFileSync } from 'node:fs';
import {
  netsh,
  thumbprintOf,
  writeBcInstance,
  writeListeners,
  writeStoreCert,
  type windowsTools,
} from './windows-host.js';
import { type Issued } from './x509.js';

export const NAME = 'bc.demo.test';
export const ADDRESS = '127.0.0.41';
const INSTANCES = [
  {
    instance: 'BC1',
    appid: '{4dc3e181-e14b-4a21-b022-59fc669b0914}',
    account: 'NT AUTHORITY\\NetworkService',
  },
  {
    instance: 'BC2',
    appid: '{7c6ee4c4-1b3c-4c2a-9d2c-1f0e61d2a6b1}',
    account: 'NT AUTHORITY\\NetworkService',
  },
] as const;
export const PORTS = { BC1: [7047, 7048], BC2: [7147, 7148] } as const;

/** The server before the renewal: both instances and their http.sys bindings on the old certificate. */
export function seed(
  tools: ReturnType<typeof windowsTools>,
  simRoot: string,
  oldLeaf: Issued,
  ca: Issued,
): void {
  const accounts = INSTANCES.map((i) => i.account.replace('NetworkService', 'NETWORK SERVICE'));
  writeStoreCert(simRoot, oldLeaf, { keyAcl: accounts });
  writeStoreCert(simRoot, ca, { store: 'Root', withKey: false });
  const listeners: Record<string, number[]> = {};
  for (const [index, i] of INSTANCES.entries()) {
    writeBcInstance(simRoot, {
      instance: i.instance,
      index,
      thumbprint: thumbprintOf(oldLeaf),
      startName: i.account,
    });
    listeners[`BC:${i.instance}`] = [...PORTS[i.instance]];
    for (const port of PORTS[i.instance])
      netsh(tools, simRoot, [
        'add',
        'sslcert',
        `ipport=0.0.0.0:${port}`,
        `certhash=${thumbprintOf(oldLeaf)}`,
        `appid=${i.appid}`,
        'certstorename=My',
      ]);
  }
  writeListeners(simRoot, listeners);
}

const q = (s: string) => JSON.stringify(s);

export function writeInventory(
  path: string,
  t: { user: string; keyPath: string; knownHosts: string; port: number },
  instances: readonly ('BC1' | 'BC2')[],
): string {
  const lines = [
    '# Written by `certroll demo --windows`: a simulated Business Central server on this machine.',
    'version: 1',
    'defaults:',
    `  transport: { kind: powershell-ssh, user: ${q(t.user)}, identityFile: ${q(t.keyPath)}, knownHosts: ${q(t.knownHosts)}, port: ${t.port}, commandTimeout: 2m }`,
    '  policy: { batchSize: 1, concurrency: 1, failureBudget: 0, onFailure: halt }',
    'environments:',
    '  - name: production',
    '    hosts:',
    '      - name: bc01',
    `        address: ${ADDRESS}`,
    '        exclude:',
    // Client services (net.tcp) are not served by the simulated server in the demo.
    ...instances.map(
      (i) =>
        `          - { port: ${PORTS[i][0] - 1}, reason: 'client services (net.tcp), not in this demo' }`,
    ),
    '        bindings:',
    ...instances.flatMap((i) =>
      PORTS[i].map(
        (port) =>
          `          - { port: ${port}, kind: bc-service-tier, params: { instance: ${i}, restartTimeoutSeconds: 60 }, probe: { sni: [${NAME}] } }`,
      ),
    ),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
  return path;
}
