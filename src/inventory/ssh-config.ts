// OpenSSH's client configuration (~/.ssh/config, or the inventory's `sshConfig:`) as certroll
// applies it: parsed and matched by the `ssh-config` package (Host patterns with wildcards and
// negation, Match, first value wins), never running `Match exec`. certroll takes HostName, User,
// Port, IdentityFile (several), IdentitiesOnly, ProxyJump and UserKnownHostsFile; an inventory
// field always wins over ssh_config, and ssh_config over certroll's defaults.
import SSHConfig from 'ssh-config';

export interface SshConfigValues {
  readonly hostName?: string;
  readonly user?: string;
  /** As written: validated by the caller, which knows where to report it. */
  readonly port?: string;
  readonly identityFiles?: readonly string[];
  readonly identitiesOnly?: boolean;
  readonly proxyJump?: string;
  readonly userKnownHostsFiles?: readonly string[];
}

export interface ParsedSshConfig {
  readonly file: string;
  readonly config: SSHConfig;
  /** The first line (1-based) that sets `keyword` to `value`, for messages. */
  readonly lineOf: (keyword: string, value: string) => number | undefined;
}

export function parseSshConfig(text: string, file: string): ParsedSshConfig {
  const lines = text.split('\n');
  const lineOf = (keyword: string, value: string): number | undefined => {
    const i = lines.findIndex((l) => {
      const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(l);
      return (
        m?.[1]?.toLowerCase() === keyword.toLowerCase() && m[2]?.replace(/^"(.*)"$/, '$1') === value
      );
    });
    return i === -1 ? undefined : i + 1;
  };
  return { file, config: SSHConfig.parse(text), lineOf };
}

/** What ssh_config says for `host` (the name certroll would give `ssh`: the host's address). */
export function sshConfigFor(
  parsed: ParsedSshConfig,
  host: string,
  expand: { readonly home: string; readonly localUser: string },
): SshConfigValues {
  const raw = parsed.config.compute(host, { ignoreCase: true, matchExec: false });
  const one = (key: string): string | undefined => {
    const v = raw[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const many = (key: string): string[] | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter((s) => s !== '');
  };
  const hostName = one('hostname');
  const user = one('user');
  const port = one('port');
  const tokens = (s: string, remoteUser?: string): string =>
    percent(s, {
      h: hostName === undefined ? host : percent(hostName, { h: host }),
      n: host,
      d: expand.home,
      u: expand.localUser,
      ...(remoteUser !== undefined && { r: remoteUser }),
      ...(port !== undefined && { p: port }),
    });
  const identities = many('identityfile');
  const knownHosts = many('userknownhostsfile');
  const only = one('identitiesonly');
  const jump = one('proxyjump');
  return {
    ...(hostName !== undefined && { hostName: percent(hostName, { h: host }) }),
    ...(user !== undefined && { user }),
    ...(port !== undefined && { port }),
    ...(identities !== undefined && { identityFiles: identities.map((f) => tokens(f, user)) }),
    ...(only !== undefined && { identitiesOnly: only.toLowerCase() === 'yes' }),
    // `ProxyJump none` turns off a jump set by a broader Host block.
    ...(jump !== undefined && { proxyJump: jump }),
    ...(knownHosts !== undefined && {
      userKnownHostsFiles: knownHosts.map((f) => tokens(f, user)),
    }),
  };
}

/** OpenSSH's %-tokens (%h, %n, %d, %u, %r, %p, %%); an unknown token is left as written. */
function percent(s: string, values: Readonly<Record<string, string>>): string {
  return s.replace(/%(.)/g, (whole, t: string) => (t === '%' ? '%' : (values[t] ?? whole)));
}

export interface JumpSpec {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/**
 * `ProxyJump` as OpenSSH reads it: comma-separated `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`, IPv6 addresses in brackets. A string return is the problem.
 */
export function parseProxyJump(value: string): JumpSpec[] | string {
  const out: JumpSpec[] = [];
  const hops = value.split(',').map((h) => h.trim());
  if (hops.length > 8) return `ProxyJump ${value}: at most 8 jump hosts`;
  for (const hop of hops) {
    const m =
      /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:@\s/[\]]+)(?::([0-9]{1,5}))?\/?$/.exec(
        hop,
      );
    if (m === null) {
      return `ProxyJump ${JSON.stringify(value)}: ${JSON.stringify(hop)} is not [user@]host[:port]`;
    }
    const [, user, host = '', port] = m;
    const n = port === undefined ? undefined : Number(port);
    if (n !== undefined && (n < 1 || n > 65535)) {
      return `ProxyJump ${JSON.stringify(value)}: port ${port} is not between 1 and 65535`;
    }
    out.push({
      host: host.replace(/^\[(.*)\]$/, '$1'),
      ...(user !== undefined && { user }),
      ...(n !== undefined && { port: n }),
    });
  }
  return out;
}
