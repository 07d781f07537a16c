// The resolved inventory: what the rest of certroll consumes after parsing, validation and the
// application of file- and environment-level defaults. Every field here is final (no "maybe
// inherited" values), so planning code never has to know where a value came from; `origin` keeps
// that for error messages.

import { type SourceLocation } from '../errors.js';

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
  /** From the inventory's `connectTimeout` (a duration; DEFAULT_TIMEOUTS when unset). */
  readonly connectTimeoutMs: number;
  /** From the inventory's `commandTimeout` (a duration; DEFAULT_TIMEOUTS when unset). */
  readonly commandTimeoutMs: number;
}

/** The transport timeouts when the inventory sets none, as durations are written there. */
export const DEFAULT_TIMEOUTS = { connectTimeout: '10s', commandTimeout: '5m' } as const;

export type FailurePolicy = 'halt' | 'rollback-environment';

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

export interface Environment {
  readonly name: string;
  readonly policy: RolloutPolicy;
  readonly hosts: readonly Host[];
  readonly origin: SourceLocation;
}

export interface Inventory {
  /** Path the inventory was read from (as given). */
  readonly source: string;
  /** SHA-256 (hex) of the inventory's bytes; a plan is pinned to it. */
  readonly digest: string;
  /** Folders of user playbooks, resolved relative to the inventory file. */
  readonly playbookDirs: readonly string[];
  readonly environments: readonly Environment[];
}
