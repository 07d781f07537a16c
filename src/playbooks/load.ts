// Loads playbooks: the built-ins shipped in the package's playbooks/ folder, then each user
// folder (an inventory's `playbooks:`). A user playbook may not silently shadow a built-in: it
// must say `overrideBuiltin: true`, so replacing the code that rebinds production ports is always
// a visible, reviewable line in the user's own file.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CertrollError, type ErrorDetail } from '../errors.js';
import { didYouMean } from '../inventory/suggest.js';
import { checkParamValue } from './params.js';
import {
  playbookSchema,
  STEP_NAMES,
  type Playbook,
  type PlaybookRegistry,
  type StepName,
} from './schema.js';

export type { PlaybookRegistry } from './schema.js';
import { scanTemplate } from './template.js';
import { invalid, readPlaybookYaml } from './yaml.js';

/** The package's playbooks/ folder (the same relative place from src/ and from dist/). */
export function builtinPlaybookDir(): string {
  return fileURLToPath(new URL('../../playbooks/', import.meta.url));
}

export function parsePlaybook(text: string, file: string, builtin = false): Playbook {
  const yaml = readPlaybookYaml(text, file);
  const parsed = playbookSchema.safeParse(yaml.value);
  const details: ErrorDetail[] = [];
  const add = (
    path: readonly (string | number)[],
    message: string,
    line?: number,
    of: 'key' | 'value' = 'value',
  ): void => {
    const pos = yaml.locate(path, of);
    details.push({
      file,
      line: line ?? pos?.line,
      column: line === undefined ? pos?.column : 1,
      field: path.join('.'),
      message,
    });
  };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          add([...path, k], `unknown field ${JSON.stringify(k)}`, undefined, 'key');
        }
      } else {
        add(path, issue.message);
      }
    }
    throw invalid(file, details);
  }
  const doc = parsed.data;
  const stem = basename(file, extname(file));
  if (stem !== doc.kind) {
    add(['kind'], `kind ${JSON.stringify(doc.kind)} must match the file name (${stem})`);
  }
  if (doc.material !== undefined && doc.material !== 'none') {
    const fits = doc.shell === 'sh' ? 'pem' : 'pfx';
    if (doc.material !== fits) {
      add(
        ['material'],
        `a ${doc.shell} playbook takes ${fits} material (or none), not ${doc.material}`,
      );
    }
  }
  const declared = new Set(Object.keys(doc.params));
  for (const [name, spec] of Object.entries(doc.params)) {
    if (spec.required && spec.default !== undefined) {
      add(['params', name, 'default'], 'a required parameter cannot have a default');
    }
    const bad =
      spec.default === undefined ? undefined : checkParamValue(spec.default, spec, doc.shell);
    if (bad !== undefined) add(['params', name, 'default'], `default: ${bad.message}`);
  }
  const stepLines: Partial<Record<StepName, number>> = {};
  const lines = text.split('\n');
  for (const step of STEP_NAMES) {
    const script = doc.steps[step];
    if (script === undefined) continue;
    const pos = yaml.locate(['steps', step]);
    // A block scalar (`|`) starts its text on the line after the indicator.
    const indicator = pos === undefined ? '' : (lines[pos.line - 1]?.[pos.column - 1] ?? '');
    const first = pos === undefined ? undefined : pos.line + (/[|>]/.test(indicator) ? 1 : 0);
    if (first !== undefined) stepLines[step] = first;
    for (const p of scanTemplate(script, declared).problems) {
      const lineInScript = script.slice(0, p.offset).split('\n').length - 1;
      add(['steps', step], p.message, first === undefined ? undefined : first + lineInScript);
    }
  }
  if (details.length > 0) throw invalid(file, details);
  return { ...doc, source: file, builtin, stepLines };
}

export function loadPlaybookFile(file: string, builtin = false): Playbook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CertrollError('PLAYBOOK_NOT_FOUND', `Cannot read playbook ${file}`, {
      file,
      cause: error,
      hint: 'Check the path and that the file is readable.',
    });
  }
  return parsePlaybook(text, file, builtin);
}

export interface LoadPlaybooksOptions {
  /** User folders, in order; each `*.yaml`/`*.yml` file in them is one playbook. */
  readonly userDirs?: readonly string[];
  /** Defaults to the package's playbooks/ folder. */
  readonly builtinDir?: string;
}

export function loadPlaybooks(options: LoadPlaybooksOptions = {}): PlaybookRegistry {
  const byKind = new Map<string, Playbook>();
  for (const p of loadDir(options.builtinDir ?? builtinPlaybookDir(), true)) byKind.set(p.kind, p);
  for (const dir of options.userDirs ?? []) {
    for (const p of loadDir(dir, false)) {
      const existing = byKind.get(p.kind);
      if (existing !== undefined && !(existing.builtin && p.overrideBuiltin)) {
        throw new CertrollError(
          'PLAYBOOK_INVALID',
          `Playbook ${p.source} defines kind ${p.kind}, already defined by ${existing.source}`,
          {
            file: p.source,
            hint: existing.builtin
              ? 'Rename your kind, or add `overrideBuiltin: true` to replace the built-in on purpose.'
              : 'Each kind may be defined once across the playbook folders; remove one of them.',
          },
        );
      }
      byKind.set(p.kind, p);
    }
  }
  const kinds = [...byKind.keys()].sort();
  return {
    kinds,
    has: (kind) => byKind.has(kind),
    get(kind, origin) {
      const p = byKind.get(kind);
      if (p !== undefined) return p;
      throw new CertrollError(
        'PLAYBOOK_NOT_FOUND',
        `Unknown binding kind ${JSON.stringify(kind)}`,
        {
          ...origin,
          hint: `${didYouMean(kind, kinds)}Known kinds: ${kinds.join(', ')}. Add a playbook folder to the inventory (\`playbooks:\`) for your own.`,
        },
      );
    },
  };
}

function loadDir(dir: string, builtin: boolean): Playbook[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new CertrollError('PLAYBOOK_NOT_FOUND', `Cannot read playbook folder ${dir}`, {
      file: dir,
      cause: error,
      hint: 'Check the `playbooks:` entry of the inventory (paths are relative to the inventory file).',
    });
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => loadPlaybookFile(join(dir, n), builtin));
}
