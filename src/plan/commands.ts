// The commands a plan will run on each host, rendered at plan time from the capture, secrets
// redacted: a person reviews them in the preview
// (`plan --commands`) or the plan file, and a playbook whose step cannot be rendered for a
// binding fails the plan, not the run. `apply` renders them again with the run's id and its own
// capture; what it runs differs from these only in RUN-ID. Pure.
import { type Binding, type Host } from '../inventory/model.js';
import { type Unit } from './units.js';
import {
  type CapturedState,
  type Material,
  type PlaybookRegistry,
  type Playbook,
  renderStep,
  type RenderedStep,
  type StepName,
} from '../playbooks/index.js';
import { type CertIdentity } from '../cert/identity.js';

/** What rendering a unit's commands needs: the playbooks, the certificate, its key material. */
export interface RenderInputs {
  readonly playbooks: PlaybookRegistry;
  readonly cert: CertIdentity;
  readonly material: (host: Host, playbook: Playbook) => Material;
}

/** Stands for the run's id in planned commands (staging paths hold it). */
export const RUN_ID_PLACEHOLDER = 'RUN-ID';

export interface PlannedCommand {
  readonly step: StepName;
  /** sh `stage`: run first; creates the run's staging folders (0700). */
  readonly prepare?: string;
  /** Written before the script: path, octal mode and size. Never their bytes (the key is one). */
  readonly files?: readonly {
    readonly path: string;
    readonly mode: string;
    readonly bytes: number;
  }[];
  /** The script, as it will run but for RUN-ID. */
  readonly script: string;
  /** PowerShell: the input document on stdin, with the PFX and its password redacted. */
  readonly stdin?: unknown;
}

export interface PlannedUnit {
  /** The bindings the commands change together (src/plan/units.ts); the first is the leader. */
  readonly bindings: Unit;
  readonly commands: readonly PlannedCommand[];
}

/** The steps a run takes for a unit that changes: in order, then the undo path. */
function stepsOf(playbook: Playbook, coldStartCheck: boolean): StepName[] {
  const steps: StepName[] = ['stage', 'bind'];
  if (coldStartCheck && playbook.steps.restart !== undefined) steps.push('restart');
  steps.push('cleanup', 'rollback');
  return steps.filter((s) => playbook.steps[s] !== undefined);
}

const REDACTED = '<redacted>';

function redactedStdin(stdin: string | Buffer): unknown {
  const doc = JSON.parse(stdin.toString()) as Record<string, unknown>;
  if (typeof doc['pfx'] === 'object' && doc['pfx'] !== null) {
    const base64 = (doc['pfx'] as { base64?: string }).base64 ?? '';
    doc['pfx'] = {
      base64: `${REDACTED} (${Buffer.from(base64, 'base64').length} bytes)`,
      password: REDACTED,
    };
  }
  return doc;
}

function planned(step: StepName, r: RenderedStep): PlannedCommand {
  return {
    step,
    ...(r.prepare !== undefined ? { prepare: r.prepare } : {}),
    ...(r.uploads.length > 0
      ? {
          files: r.uploads.map((u) => ({
            path: u.path,
            mode: u.mode.toString(8).padStart(4, '0'),
            bytes: typeof u.data === 'string' ? Buffer.byteLength(u.data) : u.data.length,
          })),
        }
      : {}),
    script: r.script,
    ...(r.stdin !== undefined ? { stdin: redactedStdin(r.stdin) } : {}),
  };
}

/** Every command a run takes for the unit led by `leader`, rendered from its capture. */
export function unitCommands(
  prepared: RenderInputs,
  host: Host,
  coldStartCheck: boolean,
  unit: Unit,
  leader: Binding,
  captured: CapturedState,
): PlannedUnit {
  const playbook = prepared.playbooks.get(leader.kind);
  if (playbook === undefined) return { bindings: unit, commands: [] };
  const commands = stepsOf(playbook, coldStartCheck).map((step) =>
    planned(
      step,
      renderStep(playbook, step, {
        runId: RUN_ID_PLACEHOLDER,
        host: {
          name: host.name,
          address: host.address,
          ...(host.stateDir !== undefined ? { stateDir: host.stateDir } : {}),
        },
        binding: leader,
        cert: { sha256: prepared.cert.sha256, thumbprint: prepared.cert.thumbprint },
        ...(step === 'stage' ? { material: prepared.material(host, playbook) } : {}),
        captured,
      }),
    ),
  );
  return { bindings: unit, commands };
}
