// Runs the static discovery script on a Windows host (input on stdin) and parses its JSON.
import { CertrollError } from '../../errors.js';
import { type Transport } from '../../transport/types.js';
import { type ConfigFacts } from '../types.js';
import { parseWindowsDiscovery } from './parse.js';
import { WINDOWS_DISCOVER_SCRIPT, windowsDiscoverInput } from './script.js';

export async function collectWindows(t: Transport, signal?: AbortSignal): Promise<ConfigFacts> {
  const r = await t.exec(WINDOWS_DISCOVER_SCRIPT, {
    stdin: windowsDiscoverInput(),
    ...(signal ? { signal } : {}),
  });
  try {
    return parseWindowsDiscovery(r.stdout);
  } catch (error) {
    throw new CertrollError(
      'PLAYBOOK_OUTPUT',
      `${t.target}: the discovery script printed no JSON (exit ${r.exitCode}).`,
      {
        cause: error,
        hint: `stderr: ${r.stderr.trim().slice(0, 300)}`,
      },
    );
  }
}
