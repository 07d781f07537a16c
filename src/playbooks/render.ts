// Renders one step of a playbook for one binding: the script text (static but for quoted
// placeholders), the data for stdin, and the files to upload. Secrets never enter the script:
// sh playbooks get key material as files (uploaded with mode 0600 into the staging dir),
// PowerShell playbooks get the PFX and its password inside the JSON on stdin.
import { type CertIdentity } from '../cert/identity.js';
import { CertrollError } from '../errors.js';
import { type Binding } from '../inventory/model.js';
import { type CapturedState } from './capture.js';
import { resolveParams, type ResolvedParams } from './params.js';
import { psQuote, shQuote } from '../shell/index.js';
import { type Playbook, type StepName } from './schema.js';
import { DEFAULT_STATE_DIR, prepareStagingScript, stagingPaths } from './staging.js';
import { renderTemplate, scanTemplate } from './template.js';

export type Material =
  | {
      readonly kind: 'pem';
      readonly certPem: string;
      /** Intermediates (PEM, concatenated); may be empty. */
      readonly chainPem: string;
      readonly keyPem: string;
    }
  | {
      readonly kind: 'pfx';
      /** Already repacked for the host, encrypted for its build (src/cert/pfx-encryption.ts). */
      readonly pfx: Buffer;
      readonly password: string;
    };

export interface RenderContext {
  readonly runId: string;
  readonly host: { readonly name: string; readonly address: string; readonly stateDir?: string };
  readonly binding: Pick<Binding, 'id' | 'port' | 'kind' | 'params' | 'origin'>;
  /** The new certificate: SHA-256 (lowercase hex) and Windows thumbprint (SHA-1, uppercase). */
  readonly cert: CertIdentity;
  /** Required by `stage` unless the playbook's material is `none`. */
  readonly material?: Material;
  /** What capture found; required by `rollback`, passed to every step after capture. */
  readonly captured?: CapturedState;
}

export interface Upload {
  readonly path: string;
  readonly data: string | Buffer;
  readonly mode: number;
}

export interface RenderedStep {
  readonly script: string;
  readonly stdin?: string | Buffer;
  /** True when stdin carries a secret: never log or journal it. */
  readonly secretsInStdin: boolean;
  /** Run before the uploads (creates the staging folder 0700); sh `stage` only. */
  readonly prepare?: string;
  /** Written with Transport.putFile after `prepare`, before `script`; they hold the key: never log them. */
  readonly uploads: readonly Upload[];
}

const AFTER_CAPTURE: ReadonlySet<StepName> = new Set(['stage', 'bind', 'rollback']);

export function materialOf(playbook: Playbook): 'pem' | 'pfx' | 'none' {
  return playbook.material ?? (playbook.shell === 'sh' ? 'pem' : 'pfx');
}

export function renderStep(playbook: Playbook, step: StepName, ctx: RenderContext): RenderedStep {
  const template = playbook.steps[step];
  if (template === undefined) {
    throw new CertrollError('PLAYBOOK_INVALID', `Playbook ${playbook.kind} has no ${step} step`, {
      file: playbook.source,
    });
  }
  // Everything after capture acts on what capture saw: without it a restore could not be exact.
  if (AFTER_CAPTURE.has(step) && ctx.captured === undefined) {
    throw new CertrollError('INTERNAL', `${step} of ${ctx.binding.id} rendered without a capture`);
  }
  const params = resolveParams(playbook, ctx.binding);
  const paths = stagingPaths(ctx.host.stateDir ?? DEFAULT_STATE_DIR, ctx.runId, ctx.binding.id);
  const values = {
    param: params,
    host: { name: ctx.host.name, address: ctx.host.address },
    binding: { id: ctx.binding.id, port: ctx.binding.port },
    run: { id: ctx.runId },
    cert: ctx.cert,
    staged: { ...paths },
    backup: { dir: paths.backupDir },
    captured: ctx.captured ?? {},
  };
  const sh = playbook.shell === 'sh';
  const quote = sh ? shQuote : psQuote;
  const list = sh
    ? (items: readonly string[]) => items.map(shQuote).join(' ')
    : (items: readonly string[]) => `@(${items.map(psQuote).join(', ')})`;
  let script: string;
  try {
    script = renderTemplate(template, (path) => lookup(values, path), quote, list);
  } catch (error) {
    throw new CertrollError('PLAYBOOK_INVALID', `${playbook.kind} ${step}: ${String(error)}`, {
      file: playbook.source,
      line: playbook.stepLines[step],
      cause: error,
    });
  }
  const material = step === 'stage' ? needMaterial(playbook, ctx) : undefined;
  let rendered: RenderedStep;
  if (sh) {
    const uploads =
      material?.kind === 'pem' ? pemUploads(material, paths, stagedRead(playbook)) : [];
    rendered = {
      script,
      secretsInStdin: false,
      uploads,
      ...(step === 'stage' ? { prepare: prepareStagingScript(paths) } : {}),
    };
  } else {
    const data = {
      step,
      runId: ctx.runId,
      host: values.host,
      binding: values.binding,
      // Every declared parameter is present (null when unset), so scripts need no existence checks.
      params: Object.fromEntries(Object.keys(playbook.params).map((n) => [n, params[n] ?? null])),
      cert: ctx.cert,
      captured: ctx.captured ?? null,
      ...(material?.kind === 'pfx'
        ? { pfx: { base64: material.pfx.toString('base64'), password: material.password } }
        : {}),
    };
    rendered = {
      script,
      stdin: asciiJson(data),
      secretsInStdin: material?.kind === 'pfx',
      uploads: [],
    };
  }
  assertNoSecrets(rendered, ctx.material, `${playbook.kind} ${step} for ${ctx.binding.id}`);
  return rendered;
}

// Non-ASCII escaped as \uXXXX: the remote console's input code page cannot mangle the data.
function asciiJson(data: unknown): string {
  return JSON.stringify(data).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function needMaterial(playbook: Playbook, ctx: RenderContext): Material | undefined {
  const want = materialOf(playbook);
  if (want === 'none') return undefined;
  if (ctx.material?.kind !== want) {
    throw new CertrollError(
      'INTERNAL',
      `stage of ${playbook.kind} needs ${want} material, got ${ctx.material?.kind ?? 'none'}`,
    );
  }
  return ctx.material;
}

type StagedFile = 'cert' | 'key' | 'chain' | 'fullchain' | 'combined';
const STAGED_FILES: readonly StagedFile[] = ['cert', 'key', 'chain', 'fullchain', 'combined'];
// Steps that only remove staged files (`rm -f`): they need none of them there.
const REMOVE_ONLY: ReadonlySet<string> = new Set(['cleanup', 'purge']);
const stagedReadBy = new WeakMap<Playbook, ReadonlySet<StagedFile>>();

/**
 * The staged files a playbook's steps name, cleanup and purge aside: only these are written
 * (haproxy reads the combined PEM alone, nginx never it), each file being a dd, an mv and its
 * bytes on the host.
 */
export function stagedRead(playbook: Playbook): ReadonlySet<StagedFile> {
  const known = stagedReadBy.get(playbook);
  if (known !== undefined) return known;
  const params = new Set(Object.keys(playbook.params));
  const read = new Set<StagedFile>();
  for (const [step, template] of Object.entries(playbook.steps)) {
    if (template === undefined || REMOVE_ONLY.has(step)) continue;
    for (const { path } of scanTemplate(template, params).placeholders) {
      const file = STAGED_FILES.find((f) => path[0] === 'staged' && path[1] === f);
      if (file !== undefined) read.add(file);
    }
  }
  stagedReadBy.set(playbook, read);
  return read;
}

function pemUploads(
  m: Extract<Material, { kind: 'pem' }>,
  p: ReturnType<typeof stagingPaths>,
  read: ReadonlySet<StagedFile>,
): Upload[] {
  const nl = (s: string): string => (s === '' || s.endsWith('\n') ? s : `${s}\n`);
  const cert = nl(m.certPem);
  const chain = nl(m.chainPem);
  const key = nl(m.keyPem);
  const all: readonly (readonly [StagedFile, string])[] = [
    ['cert', cert],
    ['chain', chain],
    ['fullchain', cert + chain],
    ['key', key],
    ['combined', cert + chain + key],
  ];
  return all
    .filter(([name]) => read.has(name))
    .map(([name, data]) => ({ path: p[name], data, mode: 0o600 }));
}

function lookup(values: unknown, path: readonly string[]): unknown {
  let cur: unknown = values;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Secrets a step must never carry in its script text (and, for key PEM, never in stdin of sh). */
export function secretStrings(material: Material | undefined): string[] {
  if (material === undefined) return [];
  if (material.kind === 'pem') {
    const body = material.keyPem
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('-----'))
      .map((l) => l.trim());
    return [material.keyPem.trim(), ...body].filter((s) => s.length >= 16);
  }
  const b64 = material.pfx.toString('base64');
  return [b64, b64.slice(0, 64), ...(material.password.length >= 8 ? [material.password] : [])];
}

function assertNoSecrets(r: RenderedStep, m: Material | undefined, what: string): void {
  const texts = [r.script, r.prepare ?? ''];
  for (const secret of secretStrings(m)) {
    if (texts.some((t) => t.includes(secret))) {
      throw new CertrollError('INTERNAL', `${what}: a secret would appear in the script text`, {
        hint: 'A playbook parameter contains key material or a password; remove it.',
      });
    }
  }
}

export type { ResolvedParams };
