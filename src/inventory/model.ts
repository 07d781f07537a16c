// The resolved inventory: what the rest of certroll consumes after parsing, validation and the
// application of file- and environment-level defaults. Every field here is final (no "maybe
// inherited" values), so planning code never has to know where a value came from; `origin` keeps
// that for error messages.

import { type SourceLocation } from '../errors.js';
import { type RunEventType } from '../notify/events.js';

export type TransportKind = 'ssh' | 'powershell-ssh' | 'pwsh-remoting' | 'local';

/** A reference to a secret; the secret itself never appears in an inventory. */
export type SecretRef =
  | { readonly from: 'env'; readonly name: string }
  | { readonly from: 'file'; readonly path: string };

/** How pwsh-remoting reaches the host: WinRM (`-ComputerName`) or SSH (`-HostName`). */
export type RemotingVia = 'winrm' | 'ssh';

export interface TransportConfig {
  readonly kind: TransportKind;
  /** pwsh-remoting only: WinRM (default) or PowerShell remoting over SSH. */
  readonly via?: RemotingVia;
  /** pwsh-remoting over WinRM: HTTPS (default, port 5986); false only when asked (port 5985). */
  readonly tls?: boolean;
  /** TCP port of SSH (ssh, powershell-ssh, pwsh-remoting via ssh) or WinRM; unused for local. */
  readonly port: number;
  readonly user?: string;
  /** Private key file for SSH; absent means the SSH agent (SSH_AUTH_SOCK). */
  readonly identityFile?: string;
  readonly identityPassphrase?: SecretRef;
  /** known_hosts file(s) checked for the host key (hashed entries too). */
  readonly knownHosts: readonly string[];
  /** A pinned host key fingerprint, `SHA256:<base64>`, checked instead of/besides known_hosts. */
  readonly hostKeyFingerprint?: string;
  /** Run commands through non-interactive sudo (`sudo -n`). */
  readonly sudo: boolean;
  /** Password for WinRM (pwsh-remoting) or SSH password auth. */
  readonly password?: SecretRef;
  /**
   * Where SSH connects when ssh_config's HostName names another address than the host's
   * `address` (TLS probes still go to `address`).
   */
  readonly hostName?: string;
  /**
   * ssh_config's IdentityFile lines (absolute), offered after the agent when the inventory sets
   * no identityFile. Without them the transport tries OpenSSH's default key files.
   */
  readonly identityFiles?: readonly string[];
  /** ssh_config's IdentitiesOnly: offer only the identity files, not the agent's keys. */
  readonly identitiesOnly?: boolean;
  /** Jump hosts (ProxyJump), first to last; each one's own host key is verified. */
  readonly proxyJump?: readonly JumpHost[];
  /** The ssh_config file that gave any of the values above, for messages. */
  readonly sshConfig?: string;
  /** From the inventory's `connectTimeout` (a duration; DEFAULT_TIMEOUTS when unset). */
  readonly connectTimeoutMs: number;
  /** From the inventory's `commandTimeout` (a duration; DEFAULT_TIMEOUTS when unset). */
  readonly commandTimeoutMs: number;
}

/** A ProxyJump hop, resolved through ssh_config like the host itself. */
export interface JumpHost {
  /** As written in ProxyJump, e.g. `admin@bastion:2222`. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Without one, the local user name (as OpenSSH). */
  readonly user?: string;
  readonly identityFiles?: readonly string[];
  readonly identitiesOnly?: boolean;
  /** The jump host's UserKnownHostsFile from ssh_config, else the host's own known_hosts. */
  readonly knownHosts: readonly string[];
}

/** The transport timeouts when the inventory sets none, as durations are written there. */
export const DEFAULT_TIMEOUTS = { connectTimeout: '10s', commandTimeout: '5m' } as const;

export type FailurePolicy = 'halt' | 'rollback-environment';
/** What a failure on a host undoes: every unit bound on it (host), or the failed unit alone. */
export type UndoScope = 'host' | 'unit';

export interface RolloutPolicy {
  /** Hosts rolled first, alone, before any batch (names from this environment). */
  readonly canary: readonly string[];
  readonly batchSize: number;
  /** Hosts worked on at once inside a batch. */
  readonly concurrency: number;
  /** Failed hosts tolerated in this environment; an unreachable host counts as failed. */
  readonly failureBudget: number;
  readonly onFailure: FailurePolicy;
  /** Ask (or require --approve ENV / --yes) before this environment starts. */
  readonly approval: boolean;
  /** Wait this long after the environment, then probe every binding again. */
  readonly soakMs: number;
  /** Restart each service after verification and probe again. */
  readonly coldStartCheck: boolean;
  /** What a failure undoes: the whole host (absent: the default), or only the unit that failed. */
  readonly undo?: UndoScope;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface PoolMember extends Endpoint {
  readonly name: string;
}

export interface ProbeSpec {
  /** Where the binding is probed directly (defaults: the host's address and the binding's port). */
  readonly address: string;
  readonly port: number;
  /**
   * SNI names to send, each probed. Empty only when `sni: none` was written: clients of this
   * endpoint send no SNI. Never an IP address.
   */
  readonly sni: readonly string[];
  /** `nettcp`: TLS inside .NET Message Framing (src/probe/nmf.ts); absent: plain TLS. */
  readonly protocol?: 'tls' | 'nettcp';
  /** net.tcp only: the via sent in the framing preamble (default `net.tcp://<name>:<port>/`). */
  readonly via?: string;
  /**
   * How long each endpoint is given, after a change, to serve the expected certificate (absent:
   * the command's default, 30 s). A service tier that takes a minute to start needs more.
   */
  readonly withinMs?: number;
  /** Load-balanced service: every member is probed directly, then the VIP `vipSamples` times. */
  readonly pool?: {
    readonly members: readonly PoolMember[];
    readonly vip?: Endpoint;
    readonly vipSamples: number;
  };
}

export interface Binding {
  /** `host:port` unless the inventory names it. */
  readonly id: string;
  readonly port: number;
  /** Binding kind: the name of a playbook (built in or from the user's playbook folder). */
  readonly kind: string;
  /** Parameters of the binding kind; validated against the playbook's schema later. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly probe: ProbeSpec;
  readonly origin: SourceLocation;
}

export interface Exclusion {
  readonly port: number;
  readonly address?: string;
  readonly reason: string;
}

export interface Host {
  readonly name: string;
  readonly address: string;
  readonly transport: TransportConfig;
  /** Forces a 3DES PFX (otherwise chosen by the host's OS build, src/cert/pfx-encryption.ts). */
  readonly legacyPfx: boolean;
  /** Folder on the host for staged material, backups and the host lock; a default when absent. */
  readonly stateDir?: string;
  readonly bindings: readonly Binding[];
  readonly exclusions: readonly Exclusion[];
  readonly origin: SourceLocation;
}

/** A member of a pool: one binding on one host of the environment, probed at its own endpoint. */
export interface PoolMemberRef extends Endpoint {
  readonly host: string;
  /** The binding's id. */
  readonly binding: string;
}

export type Balancer =
  | {
      readonly kind: 'haproxy';
      /** The host of the environment the runtime API is reached on (its stats socket). */
      readonly host: string;
      readonly socket: string;
      readonly backend: string;
      /** Server name in the backend per member host (default: the host's name). */
      readonly servers: Readonly<Record<string, string>>;
      readonly drainTimeoutMs: number;
    }
  | {
      readonly kind: 'command';
      readonly host: string;
      /** Run with `sh -c`, the member's host, address and port as $1 $2 $3. */
      readonly drain: string;
      readonly ready: string;
      readonly drainTimeoutMs: number;
    };

/** What happens to a pool's verified members when another member fails. */
export type PoolFailurePolicy = 'stay-mixed' | 'rollback-pool';

/** A load-balanced service: members rolled and proven one by one, then the whole pool checked. */
export interface Pool {
  readonly name: string;
  readonly members: readonly PoolMemberRef[];
  readonly vips: readonly Endpoint[];
  /** The names clients send through the VIP; every member is proven with each. */
  readonly sni: readonly string[];
  /** Handshakes to each VIP per SNI name in the pool check (see vipSamplesFor). */
  readonly vipSamples: number;
  readonly balancer?: Balancer;
  readonly onMemberFailure: PoolFailurePolicy;
  readonly origin: SourceLocation;
}

export interface Environment {
  readonly name: string;
  readonly policy: RolloutPolicy;
  readonly hosts: readonly Host[];
  /** Load-balanced pools over this environment's bindings (absent: none). */
  readonly pools?: readonly Pool[];
  readonly origin: SourceLocation;
}

/** A webhook a run posts its events to (`notifications.webhooks`). */
export interface WebhookConfig {
  readonly url: string;
  readonly format: 'json' | 'slack' | 'teams';
  /** The HMAC-SHA256 key of `X-Certroll-Signature`. */
  readonly secret?: SecretRef;
  readonly events?: readonly RunEventType[];
}

export interface Inventory {
  /** Path the inventory was read from (as given). */
  readonly source: string;
  /** SHA-256 (hex) of the inventory's bytes; a plan is pinned to it. */
  readonly digest: string;
  /** Folders of user playbooks, resolved relative to the inventory file. */
  readonly playbookDirs: readonly string[];
  readonly environments: readonly Environment[];
  readonly notifications?: { readonly webhooks: readonly WebhookConfig[] };
}
