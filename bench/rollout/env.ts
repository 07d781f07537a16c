// What the numbers were measured with: the machine, the tools' versions, certroll's commit.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

/** stdout and stderr of a short command, trimmed ('?' when it cannot run). */
function text(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, ...(cwd ? { cwd } : {}) });
  if (r.error !== undefined || r.status !== 0) return '?';
  return `${r.stdout}${r.stderr}`.trim();
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '?';

/** `root`: the certroll checkout measured. */
export function describeEnv(root: string): string[] {
  const commit = text('git', ['rev-parse', '--short', 'HEAD'], root);
  const dirty = text('git', ['status', '--porcelain', '--', 'src', 'playbooks'], root)
    .split('\n')
    .filter((l) => l.trim() !== '' && l !== '?').length;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load}`,
    `certroll in ${root}${commit !== '?' ? ` at ${commit}` : ''}${dirty > 0 ? ` + ${dirty} uncommitted file(s) under src/, playbooks/` : ''}, Node ${process.versions.node}`,
    [
      firstLine(text('ansible', ['--version'])),
      firstLine(text('ssh', ['-V'])),
      firstLine(text('/usr/sbin/nginx', ['-v'])),
      firstLine(text('openssl', ['version'])),
    ].join('; '),
  ];
}
