// The shipped example inventories/windows-httpsys.yaml, planned and applied through the built CLI
// against two simulated Windows servers (app-01 on Server 2019, app-02 on Server 2012 R2): its
// environment, policy and bindings stay as written; only what points at real machines
// (addresses, SSH port, user and key, ports) is rewritten to the lab, and the soak is shortened.
// A host below the Windows floor is refused by the plan before anything changes. Then app-02's
// rollout is killed (SIGKILL) right after its bind and finished by `certroll resume RUN`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { listRunIds, readJournal, runPaths } from '../../src/journal/index.js';
import { PowerShellSshTransport } from '../../src/transport/powershell/powershell-ssh.js';
import { acquireHostLock, DEFAULT_LOCK_PATH } from '../../src/workflow/host-lock.js';
import { BIN, runCliAsync } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/pki.js';
import { freePort, sleep } from '../lab/procs.js';
import { probe } from '../../src/probe/probe.js';
import { setListeners } from '../lab/windows/bc.js';
import {
  startWindowsHost,
  writeJsonAtomic,
  type WindowsHost,
  hostNetsh,
} from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const EXAMPLE = fileURLToPath(new URL('../../inventories/windows-httpsys.yaml', import.meta.url));
const NAMES = ['app.example.com', 'api.example.com', 'portal.example.com'];
const APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const list = (v: unknown): Json[] => v as Json[];

let pki: TestPki;
let root: Issued;
let sans: string[];
let oldLeaf: Issued;
let newLeaf: Issued;
let bundlePath: string;
let rootPath: string;
let hosts: WindowsHost[] = [];
let inventoryPath: string;
let dir: string;

const netsh = hostNetsh;

beforeAll(async () => {
  pki = TestPki.create();
  root = pki.root();
  rootPath = root.certPath;
  const first = await startWindowsHost({ computerName: 'APP-01', build: '2019' });
  hosts = [
    first,
    await startWindowsHost({ lab: first.lab, computerName: 'APP-02', build: '2012r2' }),
  ];
  // Issued by the root itself: the http.sys simulation serves the leaf alone, not a chain. The
  // `sni: none` binding is checked against the host's address (the example's app-01 DNS name,
  // here a lab address), so the certificate covers that address too.
  sans = [...NAMES, `IP:${first.address}`];
  oldLeaf = pki.issue({ cn: NAMES[0]!, sans, days: 20 }, root);
  newLeaf = pki.issue({ cn: NAMES[0]!, sans, days: 200 }, root);
  bundlePath = pki.write('bundle.pem', newLeaf.certPem + newLeaf.keyPem);
  dir = first.lab.dir;
  const inv = obj(parse(readFileSync(EXAMPLE, 'utf8')));
  const t = first.powershellSsh.transport;
  inv.defaults = {
    ...obj(inv.defaults),
    transport: {
      ...obj(obj(inv.defaults).transport),
      user: 'root',
      identityFile: t.identityFile,
      knownHosts: t.knownHosts[0],
    },
  };
  // The example soaks 10 minutes after production; the soak's probe still runs, after 1 s.
  for (const e of list(inv.environments)) e.policy = { ...obj(e.policy), soak: '1s' };
  const listed = list(inv.environments).flatMap((e) => list(e.hosts));
  expect(listed.map((h) => h.name)).toEqual(['app-01', 'app-02']);
  for (const [i, h] of listed.entries()) {
    const win = hosts[i]!;
    const sim = new SimRoot(win.simRoot);
    writeStoreCert(sim, oldLeaf);
    h.address = win.address;
    h.transport = { port: win.powershellSsh.transport.port };
    // Each port of the example on a free port of the lab host, the same for the same port.
    const ports = new Map<number, number>();
    for (const b of list(h.bindings)) {
      const was = b.port as number;
      if (!ports.has(was)) ports.set(was, await freePort(win.address));
      const port = ports.get(was)!;
      b.port = port;
      const params = obj(b.params);
      for (const key of ['ipport', 'hostnameport'] as const) {
        const v = params[key];
        if (typeof v !== 'string') continue;
        const endpoint = v.replace(/:\d+$/, `:${port}`);
        params[key] = endpoint;
        netsh(
          win,
          'add',
          'sslcert',
          `${key}=${endpoint}`,
          `certhash=${oldLeaf.thumbprint}`,
          `appid=${APPID}`,
          'certstorename=My',
        );
      }
    }
    setListeners(sim, 'app', [...ports.values()]);
  }
  inventoryPath = join(dir, 'windows-httpsys.yaml');
  writeFileSync(inventoryPath, stringify(inv));
  for (let i = 0; i < 100 && !(await served(hosts[1]!, listed[1]!)); i++) await sleep(100);
}, 180_000);

async function served(win: WindowsHost, h: Json): Promise<string | undefined> {
  const b = list(h.bindings)[0]!;
  const r = await probe(
    { address: win.address, port: b.port as number, sni: NAMES[0]! },
    { timeoutMs: 5000 },
  );
  return r.ok ? r.leaf.sha256 : undefined;
}

afterAll(async () => {
  for (const h of hosts.reverse()) await h.stop();
  pki?.cleanup();
});

/** Every port and name of the example's host `i`, as the probe sees it now. */
async function servedAll(i: number): Promise<(string | undefined)[]> {
  const win = hosts[i]!;
  const h = list(list(obj(parse(readFileSync(inventoryPath, 'utf8'))).environments)[0]!.hosts)[i]!;
  const out: (string | undefined)[] = [];
  for (const b of list(h.bindings)) {
    const sni = obj(b.probe).sni;
    for (const name of Array.isArray(sni) ? (sni as string[]) : [null]) {
      const r = await probe(
        { address: win.address, port: b.port as number, sni: name },
        { timeoutMs: 5000 },
      );
      out.push(r.ok ? r.leaf.sha256 : undefined);
    }
  }
  return out;
}

/** The certificates in LocalMachine\My of host `i`, with what each was imported from. */
function storeOf(i: number): { thumbprint: string; importedFrom?: string }[] {
  const dir = join(hosts[i]!.simRoot, 'store', 'LocalMachine', 'My');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      thumbprint: f.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as { importedFrom?: string }),
    }));
}

describe('inventories/windows-httpsys.yaml against simulated Windows servers', () => {
  it('refuses a host below the Windows floor (Server 2012, .NET 4.5.2) at plan, before any change', async () => {
    const hostJson = join(hosts[1]!.simRoot, 'host.json');
    const was = readFileSync(hostJson, 'utf8');
    const table = readFileSync(join(hosts[1]!.simRoot, 'httpsys', 'sslcert.json'), 'utf8');
    writeJsonAtomic(hostJson, { ...(JSON.parse(was) as Json), build: '2012', dotnet: '4.5.2' });
    try {
      const r = await runCliAsync(
        [
          'plan',
          '-i',
          inventoryPath,
          '--host',
          'app-02',
          '--cert',
          bundlePath,
          '--trust',
          rootPath,
        ],
        { timeoutMs: 120_000 },
      );
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(69);
      expect(out).toContain('HOST_UNSUPPORTED');
      expect(out).toMatch(/app-02 \(\S+\) is below certroll's Windows floor/);
      expect(out).toContain(
        '.NET Framework 4.5.2 (Release 379893) found; certroll needs .NET Framework 4.6.2 (Release 394802) or later',
      );
      expect(out).toContain(
        'OS build 9200 found; certroll needs Windows Server 2012 R2 (build 9600) or later',
      );
      expect(out).toContain('No host was modified.');
    } finally {
      writeFileSync(hostJson, was);
    }
    // Nothing changed: the same table, the old certificate alone in the store and on the wire.
    expect(readFileSync(join(hosts[1]!.simRoot, 'httpsys', 'sslcert.json'), 'utf8')).toBe(table);
    expect(storeOf(1).map((c) => c.thumbprint)).toEqual([oldLeaf.thumbprint]);
    expect(await servedAll(1)).toEqual([oldLeaf.sha256]);
  }, 180_000);

  it('plans every binding of both hosts, as written', async () => {
    const planPath = join(dir, 'plan.json');
    const r = await runCliAsync(
      ['plan', '-i', inventoryPath, '--cert', bundlePath, '--trust', rootPath, '-o', planPath],
      { timeoutMs: 540_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: { hosts: { name: string; bindings: { kind: string; action: string }[] }[] }[];
    };
    const kinds = plan.environments.flatMap((e) =>
      e.hosts.map((h) => `${h.name}:${h.bindings.map((b) => `${b.kind} ${b.action}`).join(',')}`),
    );
    expect(kinds).toEqual([
      'app-01:netsh-http replace,netsh-http replace,netsh-http replace,netsh-http replace',
      'app-02:netsh-http replace',
    ]);
  }, 600_000);

  it('applies the plan: every binding of both hosts proven on the new certificate, each host sent the PFX its build imports', async () => {
    const r = await runCliAsync(
      [
        'apply',
        join(dir, 'plan.json'),
        '--trust',
        rootPath,
        '--yes',
        '--state-dir',
        join(dir, 'state'),
      ],
      { timeoutMs: 540_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await servedAll(0)).toEqual(Array(4).fill(newLeaf.sha256));
    expect(await servedAll(1)).toEqual([newLeaf.sha256]);
    // Server 2019 imports AES-256 (PBES2); Server 2012 R2 only 3DES, chosen by its build.
    const imported = (i: number) =>
      storeOf(i).find((c) => c.thumbprint === newLeaf.thumbprint)?.importedFrom;
    expect(imported(0)).toBe('pfx-pbes2');
    expect(imported(1)).toBe('pfx-legacy');
  }, 600_000);
});

// kill -9 of `certroll rollout` on a Windows host right after its bind is journaled, then
// `certroll resume RUN`. Over powershell-ssh here; CERTROLL_E2E_REMOTING=1 runs the same case over
// pwsh-remoting too (about twice the time: every step starts two pwsh).
const RESUME_TRANSPORTS = [
  'powershell-ssh',
  ...(process.env['CERTROLL_E2E_REMOTING'] === '1' ? ['pwsh-remoting'] : []),
] as const;

/** The example inventory over `kind` (the same hosts, ports and policy). */
function inventoryOver(kind: string): string {
  if (kind === 'powershell-ssh') return inventoryPath;
  const inv = obj(parse(readFileSync(inventoryPath, 'utf8')));
  const d = obj(inv.defaults);
  inv.defaults = { ...d, transport: { ...obj(d.transport), kind, via: 'ssh' } };
  const path = join(dir, `windows-httpsys-${kind}.yaml`);
  writeFileSync(path, stringify(inv));
  return path;
}

/** Starts `certroll rollout` and SIGKILLs it once its journal records the end of a bind step. */
async function rolloutKilledAfterBind(
  args: string[],
  stateDir: string,
  env: Record<string, string>,
): Promise<{ runId: string; signal: string | null }> {
  const child = spawn(process.execPath, [BIN, 'rollout', ...args, '--state-dir', stateDir], {
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const exited = new Promise<string | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const bound = /"type":"step-finished".*"step":"bind"/;
  let runId = '';
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    runId = listRunIds(stateDir)[0] ?? '';
    const journal = runId === '' ? undefined : runPaths(stateDir, runId).journal;
    if (journal !== undefined && existsSync(journal) && bound.test(readFileSync(journal, 'utf8'))) {
      child.kill('SIGKILL');
      break;
    }
    await sleep(5);
  }
  if (child.exitCode === null && child.signalCode === null && Date.now() >= deadline)
    child.kill('SIGKILL');
  return { runId, signal: await exited };
}

describe('kill -9 of certroll rollout on a Windows host (netsh-http), then resume', () => {
  for (const kind of RESUME_TRANSPORTS) {
    it(`over ${kind}: the killed run's lock holds off another run, resume finishes it (imported once, the entry updated in place), rollback RUN restores the previous certificate`, async () => {
      const win = hosts[1]!;
      const app02 = list(
        list(obj(parse(readFileSync(inventoryPath, 'utf8'))).environments)[0]!.hosts,
      )[1]!;
      const endpoint = obj(list(app02.bindings)[0]!.params).ipport as string;
      const next = pki.issue({ cn: NAMES[0]!, sans, days: 300 }, root);
      const bundle = pki.write(`bundle-${kind}.pem`, next.certPem + next.keyPem);
      const previous = (await servedAll(1))[0]!;
      const stateDir = join(dir, `state-kill-${kind}`);
      const env: Record<string, string> =
        kind === 'pwsh-remoting' ? { CERTROLL_PWSH: win.pwsh } : {};
      const table = () =>
        (
          JSON.parse(readFileSync(join(win.simRoot, 'httpsys', 'sslcert.json'), 'utf8')) as {
            bindings: { endpoint: string; certhash: string }[];
          }
        ).bindings;
      const entriesBefore = table().length;
      const logFrom = win.log().length;
      const lockDir = join(win.simRoot, 'C', 'ProgramData', 'certroll', 'certroll.lock');

      const args = ['-i', inventoryOver(kind), '--host', 'app-02', '--cert', bundle];
      const killed = await rolloutKilledAfterBind(
        [...args, '--trust', rootPath, '--yes'],
        stateDir,
        env,
      );
      expect(killed.signal).toBe('SIGKILL');
      const runId = killed.runId;
      // Bound, not yet proven: the dead run still holds the host lock, and it blocks any other
      // run (here the lock script itself, run as another run id would run it).
      expect(readFileSync(join(lockDir, 'owner'), 'utf8')).toBe(runId);
      const t = new PowerShellSshTransport(win.powershellSsh);
      try {
        await t.connect();
        await expect(
          acquireHostLock(t, 'another-run', DEFAULT_LOCK_PATH.powershell),
        ).rejects.toMatchObject({
          code: 'LOCK_HELD',
          message: expect.stringContaining(`held by run ${runId}`),
        });
      } finally {
        await t.close();
      }
      // A killed run is resumed, not rolled back: `rollback RUN` says so and touches nothing.
      const early = await runCliAsync(['rollback', runId, '--yes', '--state-dir', stateDir], {
        timeoutMs: 60_000,
        env,
      });
      expect(early.code, early.stdout + early.stderr).toBe(64);
      expect(early.stderr).toContain('The run has not finished');
      expect(early.stderr).toContain('certroll resume RUN');

      // The lock is the run's own (its run id), so it does not stop the resume: the resumed run
      // binds again (in place), proves the port, finishes, and releases the lock.
      const resumed = await runCliAsync(
        ['resume', runId, '--trust', rootPath, '--yes', '--state-dir', stateDir],
        { timeoutMs: 300_000, env },
      );
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(await servedAll(1)).toEqual([next.sha256]);
      const records = readJournal(runPaths(stateDir, runId).journal).records;
      expect(records.some((r) => r.type === 'run-resumed')).toBe(true);
      expect(records.find((r) => r.type === 'run-finished')).toMatchObject({
        data: { status: 'succeeded' },
      });
      expect(existsSync(lockDir)).toBe(false);
      // No side effect twice: one import of the certificate, the entry updated in place.
      const imports = win
        .log()
        .slice(logFrom)
        .match(/CommandInvocation\(Import-PfxCertificate\)/g);
      expect(imports?.length).toBe(1);
      expect(table()).toHaveLength(entriesBefore);
      expect(table().filter((b) => b.endpoint === endpoint)).toEqual([
        expect.objectContaining({ certhash: next.thumbprint.toUpperCase() }),
      ]);

      // rollback RUN restores what the killed run replaced, from the capture it took.
      const back = await runCliAsync(
        ['rollback', runId, '--yes', '--trust', rootPath, '--state-dir', stateDir],
        { timeoutMs: 300_000, env },
      );
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(await servedAll(1)).toEqual([previous]);
      expect(storeOf(1).some((c) => c.thumbprint === next.thumbprint)).toBe(false);
      expect(existsSync(lockDir)).toBe(false);
    }, 600_000);
  }
});
