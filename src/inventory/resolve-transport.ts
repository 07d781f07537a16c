// A host's transport resolved: file defaults, environment defaults and the host's own layers
// merged; for the SSH transports, ssh_config read (inventory field > ssh_config > default).
import { durationMs } from './fields.js';
import {
  DEFAULT_TIMEOUTS,
  type TransportConfig,
  type TransportKind,
  type RemotingVia,
} from './model.js';
import { type Path } from './paths.js';
import { localPath, secretOf, type ResolveContext } from './resolve-context.js';
import { merge } from './resolve-policy.js';
import { DEFAULT_KNOWN_HOSTS, sshSettings } from './resolve-ssh.js';
import { type RemoteShell } from './values.js';
import { type TransportInput } from './schema.js';

export const DEFAULT_PORT: Record<TransportKind, number> = {
  ssh: 22,
  'powershell-ssh': 22,
  'pwsh-remoting': 5986,
  local: 0,
};

/** `via` and `tls` say how pwsh-remoting connects; elsewhere they would be silently ignored. */
export function checkRemotingFields(t: TransportInput, path: Path, ctx: ResolveContext): void {
  const kind = t.kind ?? 'ssh';
  if (kind !== 'pwsh-remoting') {
    for (const key of ['via', 'tls'] as const) {
      if (t[key] === undefined) continue;
      ctx.sink.add(
        [...path, key],
        `${key} applies to the pwsh-remoting transport only, not to ${kind}`,
        `Remove ${key}, or set kind: pwsh-remoting.`,
      );
    }
    return;
  }
  if (t.via === 'ssh' && t.tls !== undefined) {
    ctx.sink.add(
      [...path, 'tls'],
      'tls applies to pwsh-remoting over WinRM; over SSH the session is always encrypted by SSH',
      'Remove tls, or set via: winrm.',
    );
  }
}

function defaultPort(kind: TransportKind, via: RemotingVia | undefined, tls: boolean | undefined) {
  if (via === 'ssh') return 22;
  if (via === 'winrm' && tls === false) return 5985;
  return DEFAULT_PORT[kind];
}

/** The shell a host's commands run in: sh over ssh and locally, PowerShell otherwise. */
export function shellOf(kind: TransportKind): RemoteShell {
  return kind === 'ssh' || kind === 'local' ? 'sh' : 'powershell';
}

/** The host's transport: its layers merged, ssh_config read for SSH, paths and secrets resolved. */
export function resolveTransport(
  layers: readonly (TransportInput | undefined)[],
  address: string,
  transportPath: Path,
  ctx: ResolveContext,
): TransportConfig {
  const t = merge(layers);
  const kind = t.kind ?? 'ssh';
  // Inventory field > ssh_config > default, for the transports that speak SSH.
  const ssh =
    kind === 'ssh' || kind === 'powershell-ssh'
      ? sshSettings(t, address, transportPath, {
          home: ctx.home,
          localUser: ctx.localUser,
          localPath: (p) => localPath(p, ctx),
          readSshConfig: ctx.readSshConfig,
          add: (path, message, hint) => ctx.sink.add(path, message, hint),
          addDetail: (d) => ctx.sink.details.push(d),
        })
      : undefined;
  const knownHosts =
    ssh?.knownHosts ?? [t.knownHosts ?? DEFAULT_KNOWN_HOSTS].flat().map((p) => localPath(p, ctx));
  const user = t.user ?? ssh?.user;
  const secret = (s: { env?: string | undefined; file?: string | undefined }) => secretOf(s, ctx);
  const remoting = kind === 'pwsh-remoting';
  const via = remoting ? (t.via ?? 'winrm') : undefined;
  return {
    kind,
    ...(via !== undefined && { via }),
    ...(via === 'winrm' && { tls: t.tls ?? true }),
    port: t.port ?? ssh?.port ?? defaultPort(kind, via, t.tls),
    ...(user !== undefined && { user }),
    ...(t.identityFile !== undefined && { identityFile: localPath(t.identityFile, ctx) }),
    ...(t.identityPassphrase !== undefined && { identityPassphrase: secret(t.identityPassphrase) }),
    knownHosts,
    ...(t.hostKeyFingerprint !== undefined && { hostKeyFingerprint: t.hostKeyFingerprint }),
    ...ssh?.extra,
    // sudo only means something to a POSIX shell over ssh.
    sudo: kind === 'ssh' && (t.sudo ?? false),
    ...(t.password !== undefined && { password: secret(t.password) }),
    connectTimeoutMs: durationMs(t.connectTimeout ?? DEFAULT_TIMEOUTS.connectTimeout),
    commandTimeoutMs: durationMs(t.commandTimeout ?? DEFAULT_TIMEOUTS.commandTimeout),
  };
}
