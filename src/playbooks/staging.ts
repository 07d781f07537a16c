// Where an sh playbook's staged material and backups live on the host: a run-specific folder,
// mode 0700, with one subfolder per binding. Pure: it only computes paths and the script that
// creates the folder safely.
import { CertrollError } from '../errors.js';
import { shQuote } from '../shell/index.js';

export interface StagingPaths {
  /** `<stateDir>/certroll-<runId>`: removed by the last cleanup. */
  readonly runDir: string;
  /** `<runDir>/<binding>`: the staged files of this binding. */
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly chain: string;
  readonly fullchain: string;
  /** Leaf + chain + key in one file (haproxy). */
  readonly combined: string;
  /** Copies of the files replaced, taken by `stage`, checked against the capture. */
  readonly backupDir: string;
}

export const DEFAULT_STATE_DIR = '/var/tmp';

export function stagingPaths(stateDir: string, runId: string, bindingId: string): StagingPaths {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(runId)) {
    throw new CertrollError('INTERNAL', `run id ${JSON.stringify(runId)} is not path-safe`);
  }
  if (!stateDir.startsWith('/')) {
    throw new CertrollError('PLAYBOOK_INVALID', `state dir ${stateDir} must be an absolute path`);
  }
  const runDir = `${stateDir.replace(/\/+$/, '')}/certroll-${runId}`;
  const dir = `${runDir}/${bindingId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return {
    runDir,
    dir,
    cert: `${dir}/cert.pem`,
    key: `${dir}/key.pem`,
    chain: `${dir}/chain.pem`,
    fullchain: `${dir}/fullchain.pem`,
    combined: `${dir}/combined.pem`,
    backupDir: `${dir}/backup`,
  };
}

/**
 * Creates the staging folders with mode 0700 and refuses one that is a symlink or owned by
 * someone else (the state dir is usually world-writable /var/tmp). Each folder lies inside the
 * one before it, so the missing ones are always the last: one `mkdir -m 700` creates them all
 * and one `chmod 700` covers the ones there before (a resumed run, another binding's stage).
 */
export function prepareStagingScript(paths: StagingPaths): string {
  const dirs = [paths.runDir, paths.dir, paths.backupDir].map(shQuote);
  const branches = dirs.map((_, there) => {
    const chmod = there > 0 ? `chmod 700 -- ${dirs.slice(0, there).join(' ')}; ` : '';
    return `  ${there}) ${chmod}mkdir -m 700 -- ${dirs.slice(there).join(' ')} ;;`;
  });
  return [
    'set -eu',
    'umask 077',
    'there=0',
    `for d in ${dirs.join(' ')}; do`,
    '  if [ -L "$d" ] || { [ -e "$d" ] && ! [ -d "$d" ]; }; then echo "certroll: $d is not a plain directory" >&2; exit 1; fi',
    // The first missing folder: those inside it are missing too, and are created with it.
    '  [ -d "$d" ] || break',
    '  if ! [ -O "$d" ]; then echo "certroll: $d is owned by another user" >&2; exit 1; fi',
    '  there=$((there + 1))',
    'done',
    'case $there in',
    ...branches,
    `  *) chmod 700 -- ${dirs.join(' ')} ;;`,
    'esac',
    `for d in ${dirs.join(' ')}; do`,
    '  if ! [ -O "$d" ]; then echo "certroll: $d is owned by another user" >&2; exit 1; fi',
    'done',
    '',
  ].join('\n');
}
