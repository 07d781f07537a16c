// Where the tests' PowerShell 7.6 is: $CERTROLL_PWSH, else the folder scripts/install-pwsh.sh
// installs it into (${CERTROLL_PWSH_DIR:-~/.cache/certroll/pwsh}).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PWSH_VERSION = '7.6.10';

/** The pwsh the simulated Windows hosts and the pwsh-remoting tests run; throws how to get it. */
export function pwshPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['CERTROLL_PWSH'];
  const path =
    explicit !== undefined && explicit !== ''
      ? explicit
      : join(env['CERTROLL_PWSH_DIR'] ?? join(homedir(), '.cache', 'certroll', 'pwsh'), 'pwsh');
  if (!existsSync(path)) {
    throw new Error(
      `PowerShell ${PWSH_VERSION} is not at ${path}` +
        (explicit === undefined ? '' : ' (from CERTROLL_PWSH)') +
        '. Install it with: bash scripts/install-pwsh.sh (needs the .NET SDK; .ci/run does it).',
    );
  }
  return path;
}
