// `certroll demo --windows`: the Business Central incident, replayed on this machine. One
// simulated BC server (src/demo/windows-host.ts) with two service-tier instances: BC1 serves SOAP
// and OData on 7047/7048, BC2 on 7147/7148, all on the old certificate. First the inventory a
// manual swap would have used (BC1 only): the plan's coverage gate finds 7147 and 7148 on the old
// certificate and refuses. Then both instances: the real plan and apply, each instance restarted
// once, every port proven on the wire under the clients' name.
import { rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { toCertrollError } from '../errors.js';
import { lockRun } from '../rollout/apply-checks.js';
import { makePlan } from '../rollout/make-plan.js';
import { prepareRollout } from '../rollout/prepare.js';
import { generateSshKey } from './lab.js';
import { demoDir, type DemoIo, type DemoOptions, type DemoPorts } from './run.js';
import {
  netsh,
  startSimHost,
  thumbprintOf,
  windowsTools,
  writeBcInstance,
  writeListeners,
  writeStoreCert,
  type SimHost,
} from './windows-host.js';
import { issueCertificate, type Issued } from './x509.js';

const NAME = 'bc.demo.test';
const ADDRESS = '127.0.0.41';
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
const PORTS = { BC1: [7047, 7048], BC2: [7147, 7148] } as const;

const sha = (c: Issued) => c.cert.fingerprint256.replace(/:/g, '').toLowerCase();
const short = (s: string | undefined) => (s === undefined ? 'nothing' : `${s.slice(0, 12)}…`);

/** True when the demo behaved as its story says. */
export async function runWindowsDemo(
  options: DemoOptions,
  io: DemoIo,
  ports: DemoPorts,
): Promise<boolean> {
  const tools = windowsTools(io.env);
  const dir = demoDir(options.dir);
  let host: SimHost | undefined;
  const stop = async () => {
    await host?.close();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(`\ncertroll demo: ${signal}, stopping the simulated server\n`);
    void stop().finally(() => ports.exitInterrupted());
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ca = issueCertificate({ commonName: 'certroll demo CA', isCa: true, days: 365 });
    const leaf = (days: number) =>
      issueCertificate({ commonName: NAME, dnsNames: [NAME], days, issuer: ca, keyType: 'rsa' });
    const [oldLeaf, newLeaf] = [leaf(12), leaf(90)];
    const caPath = join(dir, 'demo-ca.pem');
    const bundlePath = join(dir, 'new-certificate.pem');
    writeFileSync(caPath, ca.certPem, { mode: 0o644 });
    writeFileSync(bundlePath, newLeaf.certPem + newLeaf.keyPem, { mode: 0o600 });
    const user = userInfo().username;
    const client = generateSshKey('certroll-demo-client');
    const keyPath = join(dir, 'client_ed25519');
    writeFileSync(keyPath, client.private, { mode: 0o600 });
    host = await startSimHost(dir, tools, {
      name: 'bc01',
      computerName: 'BC01',
      address: ADDRESS,
      user,
      authorizedKey: client.public,
    });
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[${ADDRESS}]:${host.ssh.port} ${host.hostPublicKey}\n`, {
      mode: 0o600,
    });
    seed(tools, host.simRoot, oldLeaf, ca);

    const inventory = (file: string, instances: readonly ('BC1' | 'BC2')[]) =>
      writeInventory(
        join(dir, file),
        { user, keyPath, knownHosts, port: host!.ssh.port },
        instances,
      );
    io.stdout(
      [
        'certroll demo --windows: the Business Central incident, replayed on this machine',
        '',
        `  folder        ${dir}`,
        `  server        bc01 (${ADDRESS}:${host.ssh.port}), PowerShell over SSH: real PowerShell 7 (${tools.pwsh})`,
        "                with certroll's Windows simulation (netsh, http.sys, the certificate store,",
        '                the BC service tier) from test/lab/windows/sim',
        '  instances     BC1: SOAP 7047, OData 7048;  BC2: SOAP 7147, OData 7148 (all in http.sys)',
        `  old cert      ${short(sha(oldLeaf))} expires ${oldLeaf.cert.validTo} (on every port now)`,
        `  new cert      ${short(sha(newLeaf))} expires ${newLeaf.cert.validTo}`,
        '',
        '  The outage: a manual swap renewed BC1 and missed 7147/7148. Watch the plan refuse that.',
        '',
      ].join('\n'),
    );
    const trust = [ca.certPem];
    const inputs = (inv: string) => ({
      inventory: inv,
      cert: bundlePath,
      trust: [caPath],
      chain: [],
    });

    io.stdout('\n== certroll plan, the inventory of the manual swap (BC1 only) ==\n');
    const partial = inventory('bc1-only.yaml', ['BC1']);
    let refused = false;
    await ports.withAdapters(async (adapters) => {
      const prepared = await prepareRollout(inputs(partial), io.env);
      try {
        // Not expected to return: a plan here means the gate missed BC2.
        await makePlan(prepared, {
          adapters,
          verifier: adapters.verifier(trust),
          inventoryPath: partial,
          bundle: { path: bundlePath },
        });
      } catch (error) {
        const e = toCertrollError(error);
        // The story's refusal: the coverage gate, naming both ports the manual swap missed.
        refused =
          e.code === 'COVERAGE_GAP' && e.message.includes(':7147') && e.message.includes(':7148');
        io.stdout(`plan refused [${e.code}]: ${e.message}\n`);
        for (const d of e.details ?? []) io.stdout(`  - ${d.message}\n`);
        if (e.hint !== undefined) io.stdout(`  hint: ${e.hint}\n`);
      }
    });

    io.stdout('\n== certroll rollout, both instances: plan, then apply --yes ==\n');
    const full = inventory('both.yaml', ['BC1', 'BC2']);
    const prepared = await prepareRollout(inputs(full), io.env);
    const stateDir = join(dir, 'control-state');
    const locks = lockRun(stateDir, prepared.inventory.environments);
    await ports.withAdapters(async (adapters) => {
      try {
        const verifier = adapters.verifier(trust);
        const { plan } = await makePlan(prepared, {
          adapters,
          verifier,
          inventoryPath: full,
          bundle: { path: bundlePath },
        });
        io.stdout(ports.preview(plan));
        return await ports.apply(plan, prepared, { stateDir, locks, adapters, verifier });
      } finally {
        locks.release();
      }
    });

    io.stdout('\n== What the ports serve now (a fresh TLS handshake each, SNI bc.demo.test) ==\n');
    let allNew = true;
    for (const port of [...PORTS.BC1, ...PORTS.BC2]) {
      const r = await ports.probe(
        { address: ADDRESS, port, sni: NAME },
        { trust, timeoutMs: 4_000 },
      );
      const got = r.ok ? r.leaf.sha256 : undefined;
      if (got !== prepared.cert.sha256) allNew = false;
      const which =
        got === prepared.cert.sha256 ? 'new' : got === sha(oldLeaf) ? 'old' : 'unexpected';
      io.stdout(`  ${String(port).padEnd(6)} ${short(got)}  (${which} certificate)\n`);
    }
    const ok = refused && allNew;
    io.stdout(
      [
        '',
        '== What happened ==',
        refused
          ? "  With BC1 alone, the plan found BC2's ports (7147, 7148, and client services 7146) on the old\n  certificate and refused before changing anything: the ports the manual swap missed."
          : '  UNEXPECTED: the plan with BC1 alone was not refused.',
        allNew
          ? '  With both instances, each was rebound and restarted once, and every port proven on the wire.'
          : '  UNEXPECTED: a port does not serve the new certificate.',
        options.keep ? `  Kept: ${dir}` : '',
        '',
      ].join('\n'),
    );
    return ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}

/** The server before the renewal: both instances and their http.sys bindings on the old certificate. */
function seed(
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

function writeInventory(
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
