// The three ways of doing the same rollout, each run as one measured child process tree.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ansibleInventory, certrollInventory, leanHostList } from './inventory.js';
import { SNI, type BenchLab } from './lab.js';
import { measure, type Measured } from './measure.js';
import { launchFlags } from '../../bin/launch-flags.js';

export interface ToolRun {
  readonly tool: string;
  readonly m: Measured;
  readonly note?: string;
}

/** certroll with one thing changed from outside, to measure what it costs (not certroll as shipped). */
export interface WhatIf {
  readonly label: string;
  readonly preloads: readonly string[];
  /** Node flags put before the script (V8 tuning). */
  readonly nodeFlags?: readonly string[];
}

export const WHAT_IFS: readonly WhatIf[] = [
  // An upper bound for what durability costs: fsync made a no-op (drops durability).
  { label: 'no fsync', preloads: ['nofsync-preload.ts'] },
];

const here = new URL('.', import.meta.url).pathname;

export async function runCertroll(
  root: string,
  lab: BenchLab,
  work: string,
  concurrency: number,
  timeoutMs: number,
  whatIf?: WhatIf,
): Promise<ToolRun> {
  const inventory = join(work, 'certroll-inventory.yaml');
  writeFileSync(
    inventory,
    certrollInventory(
      lab.hosts,
      lab.ports,
      SNI,
      { knownHostsPath: lab.knownHostsPath },
      concurrency,
    ),
  );
  const stateDir = join(work, `certroll-state-${Date.now()}`);
  const m = await measure(
    process.execPath,
    [
      ...(whatIf?.nodeFlags ?? []),
      // A preloaded process is left as started by the launcher (bin/certroll.js): the what-if
      // runs get the heap flags it gives certroll as shipped.
      ...(whatIf !== undefined
        ? launchFlags({
            args: ['rollout'],
            nodeArgs: whatIf.nodeFlags ?? [],
            v8: process.versions.v8,
          })
        : []),
      // What-if runs also count SSH commands and fsyncs (diag-preload.ts).
      ...(whatIf === undefined ? [] : [...whatIf.preloads, 'diag-preload.ts']).flatMap((p) => [
        '--import',
        join(here, p),
      ]),
      join(root, 'bin', 'certroll.js'),
      ...['rollout', '-i', inventory, '--cert', lab.pki.bundle, '--yes'],
      ...['--trust', lab.pki.rootPath, '--state-dir', stateDir],
    ],
    { timeoutMs },
  );
  const tool = `certroll rollout (concurrency ${concurrency})`;
  const notes = [phases(stateDir, m.wallMs), /^diag: (.*)$/m.exec(m.stderr)?.[1]];
  const note = notes.filter((n) => n !== undefined).join('; ');
  return {
    tool: whatIf !== undefined ? `certroll, what-if: ${whatIf.label}` : tool,
    m,
    ...(note !== '' ? { note } : {}),
  };
}

// Where certroll's time went: until the run folder opened (start-up, parse, plan: every host
// reached and captured) and the run itself (journal opened to run-finished).
function phases(stateDir: string, wallMs: number): string | undefined {
  const runs = join(stateDir, 'runs');
  if (!existsSync(runs)) return undefined;
  const run = readdirSync(runs)[0];
  if (run === undefined) return undefined;
  const lines = readFileSync(join(runs, run, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const at = (line: string | undefined): number =>
    Date.parse((JSON.parse(line ?? '{}') as { at?: string }).at ?? '');
  const runMs = at(lines.at(-1)) - at(lines[0]);
  if (Number.isNaN(runMs)) return undefined;
  return `start-up and plan ${((wallMs - runMs) / 1000).toFixed(1)} s + run ${(runMs / 1000).toFixed(1)} s`;
}

export async function runAnsible(
  lab: BenchLab,
  work: string,
  forks: number,
  timeoutMs: number,
): Promise<ToolRun> {
  const dir = join(work, 'ansible');
  mkdirSync(join(dir, 'cp'), { recursive: true });
  mkdirSync(join(dir, 'local'), { recursive: true });
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, ansibleInventory(lab.hosts, { knownHostsPath: lab.knownHostsPath }));
  const extra = {
    new_fullchain: lab.pki.next.fullchain,
    new_key: lab.pki.next.key,
    probe_script: join(here, 'probe-ports.sh'),
    sni: SNI,
    expected: lab.pki.next.sha256,
    ports: lab.ports.join(' '),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_HOME: dir,
    ANSIBLE_LOCAL_TEMP: join(dir, 'local'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  };
  const m = await measure(
    'ansible-playbook',
    [
      ...['-i', inventory, '-f', String(forks), '-e', JSON.stringify(extra)],
      join(here, 'playbook.yml'),
    ],
    { env, timeoutMs },
  );
  // Ansible leaves its SSH control masters running (ControlPersist): end them now.
  for (const socket of readdirSync(join(dir, 'cp'))) {
    spawnSync('ssh', ['-O', 'exit', '-o', `ControlPath=${join(dir, 'cp', socket)}`, 'x'], {
      stdio: 'ignore',
      timeout: 5_000,
    });
  }
  return { tool: `ansible-playbook (forks ${forks}, pipelining)`, m };
}

export async function runLean(
  lab: BenchLab,
  work: string,
  parallel: number,
  timeoutMs: number,
): Promise<ToolRun> {
  const list = join(work, 'lean-hosts.txt');
  writeFileSync(list, leanHostList(lab.hosts));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KNOWN_HOSTS: lab.knownHostsPath,
    NEW_FULLCHAIN: lab.pki.next.fullchain,
    NEW_KEY: lab.pki.next.key,
    SNI,
    EXPECTED: lab.pki.next.sha256,
    PORTS: lab.ports.join(' '),
    PROBE: join(here, 'probe-ports.sh'),
  };
  const m = await measure(
    'sh',
    ['-c', `xargs -P ${parallel} -L 1 sh ${join(here, 'lean.sh')} < ${list}`],
    { env, timeoutMs },
  );
  return { tool: `lean ssh + openssl script (xargs -P ${parallel})`, m };
}
