// The sh scripts discovery runs on a Linux host. Pure: each value is quoted by shQuote, and the
// output is split into marked sections that src/discover/parse/ reads on our side.
import { shQuote } from '../shell/index.js';
import { type Host } from '../inventory/model.js';

export const MARK = '@@certroll-discover:';

/** The most text the certificate pass sends of one file. */
export const CERT_TEXT_MAX = 65536;

/** Used when neither a binding nor a running process names one. */
export const DEFAULT_NGINX: NginxCommand = { binary: 'nginx', args: [] };
export const DEFAULT_HAPROXY_CONFIG = '/etc/haproxy/haproxy.cfg';

export interface NginxCommand {
  readonly binary: string;
  readonly args: readonly string[];
}

/** nginx executables and arguments from the host's nginx bindings. */
export function nginxCommands(host: Host): NginxCommand[] {
  const seen = new Map<string, NginxCommand>();
  for (const b of host.bindings.filter((x) => x.kind === 'nginx')) {
    const binary = typeof b.params['nginxBinary'] === 'string' ? b.params['nginxBinary'] : 'nginx';
    const raw = b.params['nginxArgs'];
    const args = Array.isArray(raw) ? raw.map(String) : [];
    seen.set(JSON.stringify([binary, args]), { binary, args });
  }
  return [...seen.values()];
}

/** haproxy configuration files from the host's haproxy bindings. */
export function haproxyConfigs(host: Host): string[] {
  const paths = host.bindings
    .filter((b) => b.kind === 'haproxy' && typeof b.params['configPath'] === 'string')
    .map((b) => b.params['configPath'] as string);
  return [...new Set(paths)];
}

/**
 * Prints the effective uid: the shell reads it from /proc/self/status (the Uid line: real,
 * effective, saved, fs), which starts no process; `id -u` only where /proc is not there.
 */
const EFFECTIVE_UID = [
  `uid=`,
  `if [ -r /proc/self/status ]; then`,
  `  while read -r k r e _; do case $k in Uid:) uid=$e; break ;; esac; done < /proc/self/status`,
  `fi`,
  `[ -n "$uid" ] || uid=$(id -u 2>/dev/null)`,
  `printf '%s\\n' "$uid"`,
];

/**
 * First pass: listeners (with their processes' pids where ss -p may see them), the nginx and
 * haproxy processes that run with pid and parent, and whether we run as root (who sees every
 * socket's process). A ps that refuses the pid and ppid columns gives args alone, as before.
 */
export function listenScript(o: { processes?: boolean } = {}): string {
  // The sweep needs the ports alone: no process names (ss -p reads every process's fds), no ps.
  if (o.processes === false)
    return [
      `if command -v ss >/dev/null 2>&1; then`,
      `  printf '%s\\n' '${MARK}ss'`,
      `  ss -Htln`,
      `else`,
      `  printf '%s\\n' '${MARK}proc-tcp'`,
      `  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null`,
      `fi`,
      `exit 0`,
      '',
    ].join('\n');
  return [
    `if command -v ss >/dev/null 2>&1; then`,
    `  printf '%s\\n' '${MARK}ss'`,
    `  ss -Htlnp 2>/dev/null || ss -Htln`,
    `else`,
    `  printf '%s\\n' '${MARK}proc-tcp'`,
    `  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null`,
    `fi`,
    `printf '%s\\n' '${MARK}ps'`,
    `ps -eo pid=,ppid=,args= 2>/dev/null || ps -eo args= 2>/dev/null`,
    `printf '%s\\n' '${MARK}uid'`,
    ...EFFECTIVE_UID,
    `exit 0`,
    '',
  ].join('\n');
}

/** Second pass: `nginx -T` per nginx, each haproxy configuration (a folder: its *.cfg). */
export function configScript(nginx: readonly NginxCommand[], haproxy: readonly string[]): string {
  const lines: string[] = [];
  nginx.forEach((n, i) => {
    const cmd = [n.binary, ...n.args, '-T'].map(shQuote).join(' ');
    lines.push(
      `if command -v ${shQuote(n.binary)} >/dev/null 2>&1; then`,
      `  printf '%s\\n' '${MARK}nginx:${i}'`,
      `  ${cmd} 2>/dev/null || printf '%s\\n' '${MARK}failed'`,
      `fi`,
    );
  });
  haproxy.forEach((p, i) => {
    lines.push(
      `printf '%s\\n' '${MARK}haproxy:${i}'`,
      `if [ -d ${shQuote(p)} ]; then cat ${shQuote(p)}/*.cfg 2>/dev/null; elif [ -r ${shQuote(p)} ]; then cat ${shQuote(p)}; fi`,
    );
  });
  return `${lines.join('\n')}\nexit 0\n`;
}

/** Third pass: crt-list files' text and the files in crt directories (haproxy). */
export function expandScript(crtLists: readonly string[], crtPaths: readonly string[]): string {
  const lines: string[] = [];
  crtLists.forEach((p, i) => {
    lines.push(`printf '%s\\n' '${MARK}crt-list:${i}'`, `cat ${shQuote(p)} 2>/dev/null`);
  });
  crtPaths.forEach((p, i) => {
    lines.push(
      `printf '%s\\n' '${MARK}crt-dir:${i}'`,
      `if [ -d ${shQuote(p)} ]; then for f in ${shQuote(p)}/*; do [ -f "$f" ] && printf '%s\\n' "$f"; done; fi`,
    );
  });
  return `${lines.join('\n')}\nexit 0\n`;
}

/**
 * Fourth pass: the first certificate of each file, as PEM: awk prints from the first
 * `BEGIN CERTIFICATE` line to its `END CERTIFICATE` line and stops, so a combined PEM's private
 * key never leaves the host, wherever it sits in the file. (awk, not `openssl x509`: the same
 * text, at a small fraction of the host's CPU.) Fingerprint and expiry are read on our side.
 * awk itself stops before printing more than 64 KiB (bytes: LC_ALL=C), where `| head -c` would
 * start a second process per file.
 */
export function certScript(files: readonly string[]): string {
  const awk = shQuote(
    `/^-----BEGIN CERTIFICATE-----/ { p = 1 } p { n += length($0) + 1; if (n > ${CERT_TEXT_MAX}) exit; print } p && /^-----END CERTIFICATE-----/ { exit }`,
  );
  const lines = files.map(
    (f, i) => `printf '%s\\n' '${MARK}cert:${i}'; LC_ALL=C awk ${awk} ${shQuote(f)} 2>&1`,
  );
  return `${lines.join('\n')}\nexit 0\n`;
}

/** Certificate files the host's bindings name (their certPath), at most `max`. */
export function namedCertFiles(host: Host, max: number): string[] {
  const paths = host.bindings
    .map((b) => b.params['certPath'])
    .filter((p): p is string => typeof p === 'string' && p !== '');
  return [...new Set(paths)].slice(0, max);
}

/**
 * Several passes as one command: each in a subshell (each ends with its own `exit 0`), their
 * sections one after another (each pass's keys have their own prefix: ss, ps, nginx:, cert: ...).
 */
export function combinedScript(parts: readonly string[]): string {
  return `${parts.map((p) => `(\n${p})`).join('\n')}\nexit 0\n`;
}

/** Splits marked output into sections, keyed by the text after the mark. */
export function splitSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (key !== undefined) out.set(key, (out.get(key) ?? '') + body.join('\n'));
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const k = line.slice(MARK.length);
      if (k === 'failed' && key !== undefined) {
        body.push(line);
        continue;
      }
      flush();
      key = k;
      body = [];
    } else body.push(line);
  }
  flush();
  return out;
}
