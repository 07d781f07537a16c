// What a scan produces, before and after classification. Shared by the probe (which fills it)
// and report/ (which renders it); types only.
import { type PoolVerdict } from './pool-analysis.js';
import { type ProbeResult } from './types.js';

export type EndpointRole = 'direct' | 'member' | 'vip';

/** One endpoint of one binding, probed with one SNI name (null: no SNI). */
export interface ScanEndpoint {
  readonly env: string;
  readonly host: string;
  readonly binding: string;
  readonly role: EndpointRole;
  /** Pool member name; `vip` for the VIP; null for a direct probe. */
  readonly member: string | null;
  readonly address: string;
  readonly port: number;
  readonly sni: string | null;
  /** Fresh connections made: 1, or the VIP's sample count. */
  readonly samples: number;
  /** The environment's pool this member or VIP belongs to (absent for the old probe.pool form). */
  readonly pool?: string;
}

export interface EndpointObservation {
  readonly endpoint: ScanEndpoint;
  readonly results: readonly ProbeResult[];
  /** The verdict of this endpoint's pool (same binding and SNI), for members and the VIP. */
  readonly pool?: PoolVerdict;
}

export type Status = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface StatusPolicy {
  readonly warnDays: number;
  readonly critDays: number;
  /** Expected leaf SHA-256 (canonical form). */
  readonly expect?: string;
  /** A leaf SHA-256 that must no longer be served anywhere. */
  readonly old?: string;
}

export interface ClassifiedEndpoint extends EndpointObservation {
  readonly status: Status;
  /** Why the status is what it is; empty for OK. */
  readonly reasons: readonly string[];
}

export interface PoolSummary {
  readonly env: string;
  readonly host: string;
  readonly binding: string;
  readonly sni: string | null;
  readonly verdict: PoolVerdict;
}

export interface ScanReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly policy: StatusPolicy;
  readonly endpoints: readonly ClassifiedEndpoint[];
  readonly pools: readonly PoolSummary[];
  readonly overall: Status;
  readonly counts: Readonly<Record<Status, number>>;
  readonly probes: number;
}
