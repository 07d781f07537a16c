// Running nginx masters and haproxy processes from `ps -eo args=`, so that instances the
// inventory does not mention are read too. Arguments are split on spaces, as ps prints them
// (a path with a space in it is not recognised).
import { type NginxCommand } from '../sh-scripts.js';

const MAX_PROCESSES = 16;

function valueAfter(words: readonly string[], flag: string): string[] {
  const out: string[] = [];
  words.forEach((w, i) => {
    const next = words[i + 1];
    if (w === flag && next !== undefined) out.push(next);
  });
  return out;
}

export function parseProcesses(text: string): { nginx: NginxCommand[]; haproxy: string[] } {
  const nginx = new Map<string, NginxCommand>();
  const haproxy = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^nginx: master process (\S+)(.*)$/.exec(line.trim());
    if (m !== null && nginx.size < MAX_PROCESSES) {
      const words = m[2]!.trim().split(/\s+/);
      const args = [
        ...valueAfter(words, '-p').flatMap((p) => ['-p', p]),
        ...valueAfter(words, '-c').flatMap((c) => ['-c', c]),
      ];
      nginx.set(JSON.stringify([m[1], args]), { binary: m[1]!, args });
      continue;
    }
    const words = line.trim().split(/\s+/);
    if (/(^|\/)haproxy$/.test(words[0] ?? ''))
      for (const f of valueAfter(words, '-f')) if (haproxy.size < MAX_PROCESSES) haproxy.add(f);
  }
  return { nginx: [...nginx.values()], haproxy: [...haproxy] };
}
