// `certroll demo --windows`: the Business Central incident, replayed on this machine. One
// simulated BC server (src/demo/windows-host.ts) with two service-tier instances: BC1 serves SOAP
// and OData on 7047/7048, BC2 on 7147/7148, all on the old certificate. First the inventory a
// manual swap would have used (BC1 only): the plan's coverage gate finds 7147 and 7148 on the old
// certificate and refuses. Then both instances: the real plan and apply, each instance restarted
// once, every port proven on the wire under the clients' name. The server's state before the
// renewal and the inventories are written by windows-setup.ts.
import { rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { toCertrollError } from '../errors.js';
import { lockRun } from '../rollout/apply-checks.js';
import { makePlan } from '../rollout/make-plan.js';
import { prepareRollout } from '../rollout/prepare.js';
import { generateSshKey } from './lab.js';
import { demoDir, type DemoIo, type DemoOptions, type DemoPorts } from './run.js';
import { startSimHost, windowsTools, type SimHost } from './windows-host.js';
import { ADDRESS, NAME, PORTS, seed, writeInventory } from './windows-setup.js';
import { issueCertificate, type Issued } from './x509.js';

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
    const certs = writeCertificates(dir);
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
    seed(tools, host.simRoot, certs.oldLeaf, certs.ca);
    const scene: Scene = { dir, certs, login: { user, keyPath, knownHosts, port: host.ssh.port } };
    io.stdout(introText(scene, tools.pwsh));
    const refused = await planBc1Only(scene, io, ports);
    const next = await rolloutBoth(scene, io, ports);
    const allNew = await showPorts(scene, next, io, ports);
    io.stdout(outcomeText(refused, allNew, options.keep ? dir : undefined));
    return refused && allNew;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}

/** The demo's CA, the old and the new leaf, and the files the commands read them from. */
interface Certificates {
  readonly ca: Issued;
  readonly oldLeaf: Issued;
  readonly newLeaf: Issued;
  readonly caPath: string;
  readonly bundlePath: string;
}

/** What every act of the demo needs: its folder, its certificates, how to log in to the server. */
interface Scene {
  readonly dir: string;
  readonly certs: Certificates;
  readonly login: { user: string; keyPath: string; knownHosts: string; port: number };
}

function writeCertificates(dir: string): Certificates {
  const ca = issueCertificate({ commonName: 'certroll demo CA', isCa: true, days: 365 });
  const leaf = (days: number) =>
    issueCertificate({ commonName: NAME, dnsNames: [NAME], days, issuer: ca, keyType: 'rsa' });
  const [oldLeaf, newLeaf] = [leaf(12), leaf(90)];
  const caPath = join(dir, 'demo-ca.pem');
  const bundlePath = join(dir, 'new-certificate.pem');
  writeFileSync(caPath, ca.certPem, { mode: 0o644 });
  writeFileSync(bundlePath, newLeaf.certPem + newLeaf.keyPem, { mode: 0o600 });
  return { ca, oldLeaf, newLeaf, caPath, bundlePath };
}

function introText({ dir, certs, login }: Scene, pwsh: string): string {
  return [
    'certroll demo --windows: the Business Central incident, replayed on this machine',
    '',
    `  folder        ${dir}`,
    `  server        bc01 (${ADDRESS}:${login.port}), PowerShell over SSH: real PowerShell 7 (${pwsh})`,
    "                with certroll's Windows simulation (netsh, http.sys, the certificate store,",
    '                the BC service tier) from test/lab/windows/sim',
    '  instances     BC1: SOAP 7047, OData 7048;  BC2: SOAP 7147, OData 7148 (all in http.sys)',
    `  old cert      ${short(sha(certs.oldLeaf))} expires ${certs.oldLeaf.cert.validTo} (on every port now)`,
    `  new cert      ${short(sha(certs.newLeaf))} expires ${certs.newLeaf.cert.validTo}`,
    '',
    '  The outage: a manual swap renewed BC1 and missed 7147/7148. Watch the plan refuse that.',
    '',
  ].join('\n');
}

const inputsOf = (certs: Certificates, inventory: string) => ({
  inventory,
  cert: certs.bundlePath,
  trust: [certs.caPath],
  chain: [],
});

/** Act one: the inventory of the manual swap. True when the plan refused it as the story says. */
async function planBc1Only(scene: Scene, io: DemoIo, ports: DemoPorts): Promise<boolean> {
  io.stdout('\n== certroll plan, the inventory of the manual swap (BC1 only) ==\n');
  const partial = writeInventory(join(scene.dir, 'bc1-only.yaml'), scene.login, ['BC1']);
  let refused = false;
  await ports.withAdapters(async (adapters) => {
    const prepared = await prepareRollout(inputsOf(scene.certs, partial), io.env);
    try {
      // Not expected to return: a plan here means the gate missed BC2.
      await makePlan(prepared, {
        adapters,
        verifier: adapters.verifier([scene.certs.ca.certPem]),
        inventoryPath: partial,
        bundle: { path: scene.certs.bundlePath },
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
  return refused;
}

/** Act two: both instances, planned and applied. Returns the new certificate's SHA-256. */
async function rolloutBoth(scene: Scene, io: DemoIo, ports: DemoPorts): Promise<string> {
  io.stdout('\n== certroll rollout, both instances: plan, then apply --yes ==\n');
  const full = writeInventory(join(scene.dir, 'both.yaml'), scene.login, ['BC1', 'BC2']);
  const prepared = await prepareRollout(inputsOf(scene.certs, full), io.env);
  const stateDir = join(scene.dir, 'control-state');
  const locks = lockRun(stateDir, prepared.inventory.environments);
  await ports.withAdapters(async (adapters) => {
    try {
      const verifier = adapters.verifier([scene.certs.ca.certPem]);
      const { plan } = await makePlan(prepared, {
        adapters,
        verifier,
        inventoryPath: full,
        bundle: { path: scene.certs.bundlePath },
      });
      io.stdout(ports.preview(plan));
      return await ports.apply(plan, prepared, { stateDir, locks, adapters, verifier });
    } finally {
      locks.release();
    }
  });
  return prepared.cert.sha256;
}

/** What every port serves now, a fresh handshake each. True when all serve `next`. */
async function showPorts(
  { certs }: Scene,
  next: string,
  io: DemoIo,
  ports: DemoPorts,
): Promise<boolean> {
  io.stdout('\n== What the ports serve now (a fresh TLS handshake each, SNI bc.demo.test) ==\n');
  let allNew = true;
  for (const port of [...PORTS.BC1, ...PORTS.BC2]) {
    const r = await ports.probe(
      { address: ADDRESS, port, sni: NAME },
      { trust: [certs.ca.certPem], timeoutMs: 4_000 },
    );
    const got = r.ok ? r.leaf.sha256 : undefined;
    if (got !== next) allNew = false;
    const which = got === next ? 'new' : got === sha(certs.oldLeaf) ? 'old' : 'unexpected';
    io.stdout(`  ${String(port).padEnd(6)} ${short(got)}  (${which} certificate)\n`);
  }
  return allNew;
}

function outcomeText(refused: boolean, allNew: boolean, kept: string | undefined): string {
  return [
    '',
    '== What happened ==',
    refused
      ? "  With BC1 alone, the plan found BC2's ports (7147, 7148, and client services 7146) on the old\n  certificate and refused before changing anything: the ports the manual swap missed."
      : '  UNEXPECTED: the plan with BC1 alone was not refused.',
    allNew
      ? '  With both instances, each was rebound and restarted once, and every port proven on the wire.'
      : '  UNEXPECTED: a port does not serve the new certificate.',
    kept !== undefined ? `  Kept: ${kept}` : '',
    '',
  ].join('\n');
}
