// Discovery on Linux hosts (sh): the passes of src/discover/sh-scripts.ts over the host's
// transport, what the first command reads along with the listeners, and the sweep's relisting.
import { type Host } from '../inventory/model.js';
import { type Transport } from '../transport/types.js';
import { type HostFacts } from './coverage.js';
import { certFactsFromPem } from './parse/cert-pem.js';
import {
  haproxyEndpoints,
  parseCrtList,
  parseHaproxyConfig,
  type CrtListEntry,
} from './parse/haproxy.js';
import { parseProcNetTcp, parseSs } from './parse/listeners.js';
import { nginxEndpoints, parseNginxConfig } from './parse/nginx.js';
import { parseProcesses, selectRunning } from './parse/processes.js';
import {
  certScript,
  combinedScript,
  configScript,
  DEFAULT_HAPROXY_CONFIG,
  DEFAULT_NGINX,
  expandScript,
  haproxyConfigs,
  listenScript,
  MARK,
  namedCertFiles,
  nginxCommands,
  splitSections,
  type NginxCommand,
} from './sh-scripts.js';
import { reachableAddress } from './targets.js';
import {
  type CertFacts,
  type ConfigFacts,
  type ConfiguredEndpoint,
  type Listener,
} from './types.js';

const MAX_CERT_FILES = 256;

const uniqueBy = <T>(list: readonly T[]): T[] => [
  ...new Map(list.map((x) => [JSON.stringify(x), x])).values(),
];
const NOT_CERTS = /\.(key|ocsp|issuer|sctl)$/;

/**
 * The pids that own a listener this host serves, or undefined where ss cannot tell: no pids at
 * all (ss without -p, /proc/net/tcp), or, not as root, a listener of this host whose owner ss
 * could not see (another user's process may hold it).
 */
function reachableOwners(
  host: Host,
  listeners: readonly Listener[],
  root: boolean,
): Set<number> | undefined {
  if (!listeners.some((l) => l.pids !== undefined)) return undefined;
  const ours = listeners.filter((l) => reachableAddress(host, l.address) !== undefined);
  if (!root && ours.some((l) => l.pids === undefined)) return undefined;
  return new Set(ours.flatMap((l) => l.pids ?? []));
}

/**
 * Only the listeners a client can reach on this host (see reachableAddress): where one machine
 * holds many addresses (other network namespaces' loopbacks, a lab), keeping the others would
 * only cost memory, host by host.
 */
const reachableOnly = (host: Host, listeners: readonly Listener[]): Listener[] =>
  listeners.filter((l) => reachableAddress(host, l.address) !== undefined);

function listenersOf(first: Map<string, string>, notes: string[]): Listener[] {
  if (!first.has('ss')) notes.push('ss is not installed: listeners read from /proc/net/tcp');
  return first.has('ss')
    ? parseSs(first.get('ss') ?? '')
    : parseProcNetTcp(first.get('proc-tcp') ?? '');
}

/** Runs one discovery script; a failing one is a note, and its output is read as far as it got. */
async function runSections(
  t: Transport,
  script: string,
  notes: string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const r = await t.exec(script, signal ? { signal } : {});
  if (r.exitCode !== 0)
    notes.push(`a discovery script exited ${r.exitCode}: ${r.stderr.trim().slice(0, 200)}`);
  return splitSections(r.stdout);
}

/**
 * The sweep after a rollout: listeners listed again (a port opened since is probed too), names
 * and ports from the configuration read by the plan's gate in the same command. The rollout
 * changes certificate files, not configuration, and the sweep judges what is served, so reading
 * the configuration and its certificate files again would only cost the host.
 */
export async function relistLinux(
  host: Host,
  t: Transport,
  known: Pick<HostFacts, 'configured'>,
  signal?: AbortSignal,
): Promise<ConfigFacts> {
  const notes: string[] = [];
  const first = await runSections(t, listenScript({ processes: false }), notes, signal);
  return {
    listeners: reachableOnly(host, listenersOf(first, notes)),
    // Without the certificates read then: the files have changed since.
    configured: known.configured.map(withoutCert),
    notes,
  };
}

const withoutCert = (c: HostFacts['configured'][number]): ConfiguredEndpoint =>
  Object.fromEntries(
    Object.entries(c).filter(([k]) => k !== 'cert'),
  ) as unknown as ConfiguredEndpoint;

/**
 * What the first pass reads along with the listeners, since no output is needed to name it: the
 * nginx and haproxy configurations the bindings name (or haproxy's default file when they name
 * none) and the certificate files they name. A later pass reads only what this did not.
 */
interface Early {
  readonly nginx: Map<string, string>;
  readonly haproxy: Map<string, string>;
  readonly certs: Map<string, string>;
}

const nginxKey = (n: NginxCommand): string => JSON.stringify([n.binary, n.args]);

function earlyScripts(host: Host) {
  const named = {
    nginx: nginxCommands(host),
    haproxy: haproxyConfigs(host).length > 0 ? haproxyConfigs(host) : [DEFAULT_HAPROXY_CONFIG],
    certs: namedCertFiles(host, MAX_CERT_FILES),
  };
  const script = combinedScript([
    listenScript(),
    configScript(named.nginx, named.haproxy),
    ...(named.certs.length > 0 ? [certScript(named.certs)] : []),
  ]);
  const read = (first: Map<string, string>): Early => ({
    nginx: sectionsBy(named.nginx, nginxKey, 'nginx', first),
    haproxy: sectionsBy(named.haproxy, (p) => p, 'haproxy', first),
    certs: sectionsBy(named.certs, (f) => f, 'cert', first),
  });
  return { script, read };
}

/** Each item's section (`prefix:index`) by the item's key; items with no section are left out. */
function sectionsBy<T>(
  items: readonly T[],
  key: (x: T) => string,
  prefix: string,
  sections: Map<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  items.forEach((x, i) => {
    const text = sections.get(`${prefix}:${i}`);
    if (text !== undefined) out.set(key(x), text);
  });
  return out;
}

/** nginx -T and the haproxy files the first pass did not read, by their keys (Early's). */
async function readConfigs(
  run: (script: string) => Promise<Map<string, string>>,
  early: Early,
  nginx: readonly NginxCommand[],
  haproxy: readonly string[],
): Promise<{ nginx: (n: NginxCommand) => string | undefined; haproxy: (p: string) => string }> {
  const restNginx = nginx.filter((n) => !early.nginx.has(nginxKey(n)));
  const restHaproxy = haproxy.filter((p) => !early.haproxy.has(p));
  const conf =
    restNginx.length + restHaproxy.length > 0
      ? await run(configScript(restNginx, restHaproxy))
      : new Map<string, string>();
  const later = {
    nginx: sectionsBy(restNginx, nginxKey, 'nginx', conf),
    haproxy: sectionsBy(restHaproxy, (p) => p, 'haproxy', conf),
  };
  return {
    nginx: (n) => early.nginx.get(nginxKey(n)) ?? later.nginx.get(nginxKey(n)),
    haproxy: (p) => early.haproxy.get(p) ?? later.haproxy.get(p) ?? '',
  };
}

export async function collectLinux(
  host: Host,
  t: Transport,
  signal?: AbortSignal,
): Promise<ConfigFacts> {
  const notes: string[] = [];
  const run = (script: string) => runSections(t, script, notes, signal);
  const early = earlyScripts(host);
  const first = await run(early.script);
  const read = early.read(first);
  const listeners = listenersOf(first, notes);
  const running = parseProcesses(first.get('ps') ?? '');
  const root = (first.get('uid') ?? '').trim() === '0';
  const selected = selectRunning(running, reachableOwners(host, listeners, root));
  const { skipped } = selected;
  if (skipped.nginx + skipped.haproxy > 0)
    notes.push(
      `skipped ${[
        ...(skipped.nginx > 0 ? [`${skipped.nginx} running nginx`] : []),
        ...(skipped.haproxy > 0 ? [`${skipped.haproxy} running haproxy`] : []),
      ].join(' and ')} instance(s) with no listener on this host's addresses`,
    );
  // The defaults stand in only where nothing names an instance, not where all were skipped.
  const found = uniqueBy([...nginxCommands(host), ...selected.nginx]);
  const nginx = found.length > 0 || running.nginx.length > 0 ? found : [DEFAULT_NGINX];
  const configs = [...new Set([...haproxyConfigs(host), ...selected.haproxy])];
  const haproxy =
    configs.length > 0 || running.haproxy.length > 0 ? configs : [DEFAULT_HAPROXY_CONFIG];
  const conf = await readConfigs(run, read, nginx, haproxy);
  const configured: ConfiguredEndpoint[] = [];
  nginx.forEach((n) => {
    const text = conf.nginx(n);
    if (text === undefined) return;
    if (text.includes(`${MARK}failed`))
      notes.push(`${n.binary} -T failed: its configuration was not read`);
    else configured.push(...nginxEndpoints(parseNginxConfig(text)));
  });
  const binds = haproxy.flatMap((file) =>
    parseHaproxyConfig(conf.haproxy(file)).map((b) => ({ ...b, file })),
  );
  if (binds.length > 0) {
    const crtPaths = [...new Set(binds.flatMap((b) => b.crt))];
    const lists = [...new Set(binds.flatMap((b) => b.crtList))];
    const second = await run(expandScript(lists, crtPaths));
    const dirFiles = new Map(
      crtPaths.map((p, i) => {
        const files = (second.get(`crt-dir:${i}`) ?? '')
          .split('\n')
          .filter((f) => f !== '' && !NOT_CERTS.test(f));
        return [p, files.length > 0 ? files : [p]] as const;
      }),
    );
    const crtLists = new Map<string, readonly CrtListEntry[]>(
      lists.map((l, i) => [l, parseCrtList(second.get(`crt-list:${i}`) ?? '')]),
    );
    configured.push(...haproxyEndpoints(binds, (p) => dirFiles.get(p) ?? [p], crtLists));
  }
  const unique = uniqueBy(configured);
  // Coverage and the probe plan look past endpoints on other loopback addresses: their
  // certificates are not read (an endpoint there keeps no cert unless it shares the file).
  const files = [
    ...new Set(
      unique.flatMap((c) =>
        c.certFile !== undefined && reachableAddress(host, c.address) !== undefined
          ? [c.certFile]
          : [],
      ),
    ),
  ].slice(0, MAX_CERT_FILES);
  const certs = new Map<string, CertFacts>();
  // The files the first pass did not read (those the bindings name were).
  const rest = files.filter((f) => !read.certs.has(f));
  const third =
    rest.length > 0
      ? sectionsBy(rest, (f) => f, 'cert', await run(certScript(rest)))
      : new Map<string, string>();
  for (const f of files) {
    const facts = certFactsFromPem(read.certs.get(f) ?? third.get(f) ?? '');
    if (facts !== undefined) certs.set(f, facts);
    else notes.push(`no certificate could be read from ${f}`);
  }
  return {
    listeners: reachableOnly(host, listeners),
    configured: unique.map((c) => {
      const cert = c.certFile !== undefined ? certs.get(c.certFile) : undefined;
      return cert !== undefined ? { ...c, cert } : c;
    }),
    notes,
  };
}
