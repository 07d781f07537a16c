// What the rollout's steps are given: the ports the composition root implements (a verifier over
// the TLS probe, transports from the command's pool) and the run's inputs. Nothing here is built
// by the workflow itself, so tests pass fakes without module mocking.
import { type Binding, type Endpoint, type Host, type Inventory } from '../inventory/model.js';
import {
  type CapturedState,
  type Material,
  type Playbook,
  type PlaybookRegistry,
} from '../playbooks/index.js';
import { type CertIdentity } from '../cert/identity.js';
import { type WindowsHostFacts } from '../cert/pfx-encryption.js';
import { type Transport } from '../transport/types.js';
import { type AllSteps } from './journaled.js';
import { type VerifyResult } from './types.js';

/** How bindings are proven: implemented over the TLS probe (src/probe/verifier.ts). */
export interface BindingVerifier {
  /**
   * Every SNI name (and pool member) of the binding serves `sha256`, retried until a deadline.
   * With `anyChain`, the fingerprint alone is proof: used for the previous certificate, which
   * is restored as it was, even when its chain or name never validated.
   */
  serves(
    binding: Binding,
    sha256: string,
    signal: AbortSignal,
    anyChain?: boolean,
  ): Promise<VerifyResult>;
  /** Every probe of the binding answers with something other than `sha256`. */
  notServes(binding: Binding, sha256: string, signal: AbortSignal): Promise<VerifyResult>;
  /** What the binding serves right now (one probe), or undefined when it does not answer. */
  current(binding: Binding, signal: AbortSignal): Promise<string | undefined>;
  /**
   * `samples` fresh handshakes to a VIP, each of which must serve `sha256` with a valid chain and
   * name. No retry: a retry could land on another member and hide the odd one.
   */
  sample(
    endpoint: Endpoint,
    sni: string | null,
    sha256: string,
    samples: number,
    signal: AbortSignal,
  ): Promise<VerifyResult>;
}

export interface StepDeps {
  readonly runId: string;
  readonly inventory: Inventory;
  readonly playbooks: PlaybookRegistry;
  readonly cert: CertIdentity;
  /** The key material for a host, in the form its playbook takes (PFX repacked per host). */
  readonly material: (host: Host, playbook: Playbook) => Material;
  readonly transportFor: (host: Host) => Transport;
  readonly verifier: BindingVerifier;
  /** Approval gate; the CLI prompts or reads --approve / --yes. */
  readonly approve?: (env: string, signal: AbortSignal) => Promise<boolean>;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * The folder on the host for staged material, backups and the host lock (default /var/tmp on
   * sh hosts, C:\ProgramData\certroll on Windows).
   */
  readonly stateDirFor?: (host: Host) => string | undefined;
  /**
   * What the preflight read of each Windows host (PowerShell, .NET and OS build), by host name;
   * filled in by the first capture of the host, read by `material` (the PFX follows the build).
   */
  readonly windowsFacts?: Map<string, WindowsHostFacts>;
}

/** What capture keeps for a binding: the playbook's capture and what was served before. */
export interface BindingCapture {
  readonly captured: CapturedState;
  readonly previous?: string;
}

/** The rollout's steps, plus `purge`: removing what a finished run kept on a host (backups). */
export interface RolloutStepsImpl extends AllSteps {
  /**
   * `captured`: the verified bindings' captures (HostOutput), so a purge can name what they
   * replaced (the previous certificate a Windows playbook may remove); absent after a rollback.
   */
  purge(
    input: { host: string; captured?: Readonly<Record<string, BindingCapture>> },
    signal: AbortSignal,
  ): Promise<string[]>;
}
