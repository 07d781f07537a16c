// Hostile values in every parameter render into scripts that the real /bin/sh runs as intended:
// the values stay data (file names, arguments), and no marker file is ever created.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/playbooks/capture.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { renderStep } from '../../../src/playbooks/render.js';
import { STEP_NAMES, type Playbook } from '../../../src/playbooks/schema.js';
import { TestPki, type Issued } from '../../lab/index.js';
import { context, pemMaterial } from './context.js';
import { runRendered } from './local.js';

let pki: TestPki;
let dir: string;
let marker: string;
let leaf: Issued;
let chain: Issued[];

beforeAll(() => {
  pki = TestPki.create();
  const c = pki.chain(['localhost'], { key: { type: 'ec', curve: 'prime256v1' } });
  leaf = c.leaf;
  chain = [c.intermediate];
  dir = mkdtempSync(join(tmpdir(), 'certroll-hostile-'));
  marker = join(dir, 'MARKER');
});
afterAll(() => {
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// This is the first wall, quoting: it must hold for values the second wall (the value rules of
// src/inventory/values.ts: absolute paths, no leading '-', no control characters) would refuse,
// so the playbook's path and command parameters are taken as plain strings here.
function unchecked(kind: string): Playbook {
  const playbook = loadPlaybooks().get(kind);
  const params = Object.fromEntries(
    Object.entries(playbook.params).map(([name, spec]) => [
      name,
      spec.type === 'path' || spec.type === 'command' ? { ...spec, type: 'string' as const } : spec,
    ]),
  );
  return { ...playbook, params };
}

const hostile = (m: string): string[] => [
  `-x;touch ${m}`,
  `$(touch ${m})`,
  `\`touch ${m}\``,
  `'; touch ${m}; '`,
  `"; touch ${m}; "`,
  `a\ntouch ${m}\n`,
  `\${IFS}touch\${IFS}${m}`,
  `--version | touch ${m} &`,
  // No whitespace, for parameters whose pattern refuses it.
  `$(touch\${IFS}${m})`,
  `;touch\${IFS}${m};`,
];

describe('hostile parameter values in sh playbooks', () => {
  it('land as literal file names in a full pem-files cycle', async () => {
    const names = hostile(marker);
    const root = join(dir, 'cycle');
    mkdirSync(root);
    const playbook = unchecked('pem-files');
    // Relative paths starting with '-' check the `--` guards; the others contain every trick.
    const params = {
      certPath: names[0]!.replace(/\//g, '_') + '.crt',
      keyPath: `${names[1]!.replace(/\//g, '_')}.key`,
      chainPath: `${names[5]!.replace(/\//g, '_')}.chain`,
    };
    const base = { kind: 'pem-files', params, stateDir: root, leaf };
    for (const name of ['preflight', 'capture'] as const) {
      const r = await runRendered(renderStep(playbook, name, context(base)), root);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    const captured = parseCapture(
      (await runRendered(renderStep(playbook, 'capture', context(base)), root)).stdout,
      { host: 'lab', kind: 'pem-files' },
    );
    const ctx = context({ ...base, captured, material: pemMaterial(leaf, chain) });
    for (const name of ['stage', 'bind'] as const) {
      const r = await runRendered(renderStep(playbook, name, ctx), root);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    expect(readFileSync(join(root, params.certPath), 'utf8')).toBe(leaf.certPem);
    expect(readFileSync(join(root, params.keyPath), 'utf8')).toBe(leaf.keyPem);
    expect(readFileSync(join(root, params.chainPath), 'utf8')).toBe(chain[0]!.certPem);
    for (const name of ['rollback', 'cleanup', 'purge'] as const) {
      const r = await runRendered(renderStep(playbook, name, ctx), root);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    expect(readdirSync(root).sort()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(['pem-files', 'nginx', 'haproxy'])(
    'never run as code in any step of %s, whichever value goes in whichever parameter',
    async (kind) => {
      const playbook = unchecked(kind);
      const root = join(dir, `all-${kind}`);
      mkdirSync(root);
      const values = hostile(marker);
      for (let round = 0; round < values.length; round++) {
        const params: Record<string, unknown> = {};
        let i = round;
        for (const [name, spec] of Object.entries(playbook.params)) {
          const pattern =
            spec.pattern === undefined ? /./su : new RegExp(`^(?:${spec.pattern})$`, 'u');
          const fitting = values.filter((x) => pattern.test(x));
          const v = fitting[i++ % Math.max(fitting.length, 1)];
          // User-authored commands are run as commands by design.
          if (['testCommand', 'reloadCommand', 'restartCommand'].includes(name))
            params[name] = 'true';
          else if (v === undefined) continue;
          else if (spec.type === 'bool') params[name] = round % 2 === 0;
          else if (spec.type === 'list') params[name] = values.slice(0, 3);
          else params[name] = v;
        }
        writeFileSync(join(root, 'placeholder'), '');
        const absent = { exists: false as const };
        const captured = {
          type: 'files' as const,
          files: { cert: absent, key: absent, chain: absent, crt: absent },
        };
        const ctx = context({
          kind,
          params,
          stateDir: root,
          leaf,
          captured,
          material: pemMaterial(leaf, chain),
          runId: `r${round}`,
        });
        for (const name of STEP_NAMES) {
          if (playbook.steps[name] === undefined) continue;
          await runRendered(renderStep(playbook, name, ctx), root);
          expect(existsSync(marker), `${kind} ${name} round ${round}`).toBe(false);
        }
      }
    },
  );
});
