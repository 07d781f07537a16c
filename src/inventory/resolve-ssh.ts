// The SSH part of a host's transport: the inventory's fields, then what ssh_config says for the
// host's address, then certroll's defaults. Jump hosts (ProxyJump) are looked up in ssh_config
// too, as OpenSSH does for each hop.
import { type ErrorDetail } from '../errors.js';
import { type JumpHost } from './model.js';
import { type Path } from './paths.js';
import { type TransportInput } from './schema.js';
import {
  parseProxyJump,
  sshConfigFor,
  type ParsedSshConfig,
  type SshConfigValues,
} from './ssh-config.js';

export const DEFAULT_SSH_CONFIG = '~/.ssh/config';
export const DEFAULT_KNOWN_HOSTS = '~/.ssh/known_hosts';

export interface SshResolveContext {
  readonly home: string;
  readonly localUser: string;
  /** An absolute local path from an inventory or ssh_config path (`~`, relative). */
  readonly localPath: (p: string) => string;
  /** The parsed file, or undefined when it does not exist. */
  readonly readSshConfig: (absolutePath: string) => ParsedSshConfig | undefined;
  /** Reports a problem at a path of the inventory. */
  readonly add: (path: Path, message: string, hint?: string) => void;
  /** Reports a problem in the ssh_config file. */
  readonly addDetail: (detail: ErrorDetail) => void;
}

/** What the SSH transport takes besides the inventory's own fields. */
export interface SshSettings {
  readonly port?: number;
  readonly user?: string;
  readonly knownHosts?: readonly string[];
  readonly extra: {
    hostName?: string;
    identityFiles?: readonly string[];
    identitiesOnly?: boolean;
    proxyJump?: readonly JumpHost[];
    sshConfig?: string;
  };
}

export function sshSettings(
  t: TransportInput,
  address: string,
  transportPath: Path,
  ctx: SshResolveContext,
): SshSettings {
  const config = loadConfig(t, transportPath, ctx);
  const cfg =
    config === undefined ? {} : checked(sshConfigFor(config, address, ctx), config, address, ctx);
  const used = config !== undefined && Object.keys(cfg).length > 0;
  const knownHosts = (t.knownHosts === undefined ? undefined : [t.knownHosts].flat()) ??
    cfg.userKnownHostsFiles ?? [DEFAULT_KNOWN_HOSTS];
  const jumpText = t.proxyJump ?? cfg.proxyJump;
  const jumpFromInventory = t.proxyJump !== undefined;
  const proxyJump =
    jumpText === undefined || jumpText.toLowerCase() === 'none'
      ? undefined
      : jumps(
          jumpText,
          knownHosts.map(ctx.localPath),
          config,
          (message) =>
            jumpFromInventory || config === undefined
              ? ctx.add([...transportPath, 'proxyJump'], message, JUMP_HINT)
              : ctx.addDetail({
                  file: config.file,
                  ...lineField(config.lineOf('ProxyJump', jumpText)),
                  field: `ProxyJump (Host ${address})`,
                  message,
                  hint: JUMP_HINT,
                }),
          ctx,
        );
  const port = cfg.port === undefined ? undefined : Number(cfg.port);
  return {
    ...(port !== undefined && { port }),
    ...(cfg.user !== undefined && { user: cfg.user }),
    knownHosts: knownHosts.map(ctx.localPath),
    extra: {
      ...(cfg.hostName !== undefined && cfg.hostName !== address && { hostName: cfg.hostName }),
      ...(t.identityFile === undefined &&
        cfg.identityFiles !== undefined && { identityFiles: cfg.identityFiles.map(ctx.localPath) }),
      ...(cfg.identitiesOnly !== undefined && { identitiesOnly: cfg.identitiesOnly }),
      ...(proxyJump !== undefined && proxyJump.length > 0 && { proxyJump }),
      ...(used && { sshConfig: config.file }),
    },
  };
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

const JUMP_HINT = 'Write ProxyJump as [user@]host[:port], several separated by commas, or none.';

function loadConfig(
  t: TransportInput,
  transportPath: Path,
  ctx: SshResolveContext,
): ParsedSshConfig | undefined {
  if (t.sshConfig === false) return undefined;
  const path = ctx.localPath(t.sshConfig ?? DEFAULT_SSH_CONFIG);
  const parsed = ctx.readSshConfig(path);
  // The default file may be absent (OpenSSH does without it); a file the inventory names must exist.
  if (parsed === undefined && t.sshConfig !== undefined) {
    ctx.add(
      [...transportPath, 'sshConfig'],
      `the ssh_config file ${path} does not exist`,
      'Check the path, or write sshConfig: false to read no ssh_config.',
    );
  }
  return parsed;
}

// ssh_config values reach the transport like inventory values: each is checked, with the file.
function checked(
  cfg: SshConfigValues,
  config: ParsedSshConfig,
  address: string,
  ctx: SshResolveContext,
): SshConfigValues {
  const out: { -readonly [K in keyof SshConfigValues]: SshConfigValues[K] } = { ...cfg };
  const bad = (field: string, value: string, message: string, hint: string): void => {
    const line = config.lineOf(field, value);
    ctx.addDetail({
      file: config.file,
      ...(line !== undefined && { line }),
      field: `${field} (Host ${address})`,
      message,
      hint,
    });
  };
  if (cfg.port !== undefined && (!/^[1-9][0-9]{0,4}$/.test(cfg.port) || Number(cfg.port) > 65535)) {
    bad(
      'Port',
      cfg.port,
      `ssh_config gives Port ${JSON.stringify(cfg.port)}, not a port number`,
      'Write a port between 1 and 65535.',
    );
    delete out.port;
  }
  if (cfg.user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,127}$/.test(cfg.user)) {
    bad(
      'User',
      cfg.user,
      `ssh_config gives User ${JSON.stringify(cfg.user)}, not a user name certroll accepts`,
      'Use letters, digits, ".", "_", "-" or "@".',
    );
    delete out.user;
  }
  if (cfg.hostName !== undefined && !/^[A-Za-z0-9_.:-]{1,253}$/.test(cfg.hostName)) {
    bad(
      'HostName',
      cfg.hostName,
      `ssh_config gives HostName ${JSON.stringify(cfg.hostName)}, not a host name or address`,
      'Write a DNS name or an IP address.',
    );
    delete out.hostName;
  }
  return out;
}

function jumps(
  text: string,
  knownHosts: readonly string[],
  config: ParsedSshConfig | undefined,
  report: (message: string) => void,
  ctx: SshResolveContext,
): JumpHost[] | undefined {
  const specs = parseProxyJump(text);
  if (typeof specs === 'string') {
    report(specs);
    return undefined;
  }
  return specs.map((spec) => {
    const cfg =
      config === undefined
        ? {}
        : checked(sshConfigFor(config, spec.host, ctx), config, spec.host, ctx);
    const user = spec.user ?? cfg.user;
    return {
      name: spec.user === undefined ? spec.host : `${spec.user}@${spec.host}`,
      address: cfg.hostName ?? spec.host,
      port: spec.port ?? (cfg.port === undefined ? 22 : Number(cfg.port)),
      ...(user !== undefined && { user }),
      ...(cfg.identityFiles !== undefined && {
        identityFiles: cfg.identityFiles.map(ctx.localPath),
      }),
      ...(cfg.identitiesOnly !== undefined && { identitiesOnly: cfg.identitiesOnly }),
      knownHosts: cfg.userKnownHostsFiles?.map(ctx.localPath) ?? knownHosts,
    };
  });
}
