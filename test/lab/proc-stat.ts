// Every process's CPU times from /proc/PID/stat, for the measures of what lab hosts used
// (loopback daemons by parent, namespaced hosts by PID namespace, the scan bench's servers).
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  readonly pid: string;
  readonly name: string;
  readonly ppid: number;
  /** User and system CPU of the process, and of its reaped children, in seconds. */
  readonly cpuS: number;
  readonly childrenCpuS: number;
}

/**
 * Linux /proc, USER_HZ 100. A process that ends while being read is left out; `wanted` picks
 * processes by pid before their stat file is read.
 */
export function* procStats(wanted: (pid: string) => boolean = () => true): Generator<ProcStat> {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || !wanted(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After the parenthesised name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    yield {
      pid,
      name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      ppid: Number(f[1]),
      cpuS: (Number(f[11]) + Number(f[12])) / 100,
      childrenCpuS: (Number(f[13]) + Number(f[14])) / 100,
    };
  }
}
