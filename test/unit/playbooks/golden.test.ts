// Windows cannot run here, so the PowerShell playbooks are checked by rendering: each step's
// script is compared with a golden file (UPDATE_GOLDEN=1 rewrites them), and the invariants say
// the script is static: no secret and no user value in its text, everything on stdin.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { renderStep } from '../../../src/playbooks/render.js';
import { STEP_NAMES } from '../../../src/playbooks/schema.js';
import { powershellCommandLine } from '../../../src/shell/powershell.js';
import { VARIANTS, windowsContext } from './windows-context.js';

const GOLDEN = join(import.meta.dirname, '../../fixtures/golden');
const registry = loadPlaybooks();
const windowsKinds = registry.kinds.filter((k) => registry.get(k).shell === 'powershell');
const cases = windowsKinds.flatMap((kind) =>
  STEP_NAMES.filter((s) => registry.get(kind).steps[s] !== undefined).map(
    (step) => [kind, step] as const,
  ),
);

function userValues(params: Readonly<Record<string, unknown>>): string[] {
  return Object.values(params).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

describe('PowerShell playbooks render to static scripts', () => {
  it('covers the four Windows kinds', () => {
    expect(windowsKinds).toEqual(['bc-service-tier', 'iis', 'netsh-http', 'windows-service']);
  });

  it.each(cases)('%s %s matches its golden script', (kind, step) => {
    const r = renderStep(registry.get(kind), step, windowsContext(kind, VARIANTS[0]!, true));
    const file = join(GOLDEN, `${kind}.${step}.ps1`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, r.script);
    }
    expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(r.script).toBe(readFileSync(file, 'utf8'));
  });

  it.each(cases)('%s %s fits Windows command line limit once encoded', (kind, step) => {
    const r = renderStep(registry.get(kind), step, windowsContext(kind, VARIANTS[0]!, true));
    expect(() => powershellCommandLine(r.script)).not.toThrow();
  });

  it.each(cases)('%s %s carries no secret and no user value in its text', (kind, step) => {
    const scripts = VARIANTS.map((v) => {
      const r = renderStep(registry.get(kind), step, windowsContext(kind, v, true));
      const forbidden = [
        v.password,
        v.pfx.toString('base64'),
        v.pfx.toString('base64').slice(0, 40),
        v.thumbprint,
        v.thumbprint.toLowerCase(),
        ...userValues(v.params[kind] ?? {}),
      ];
      for (const value of forbidden) expect(r.script).not.toContain(value);
      // ASCII only on stdin: a remote console code page cannot mangle it.
      expect(String(r.stdin)).toMatch(/^[\x20-\x7e]*$/);
      // The data is on stdin instead, and the secret only for the stage step.
      const stdin = JSON.parse(String(r.stdin)) as {
        params: Record<string, unknown>;
        pfx?: { password: string };
      };
      for (const [name, value] of Object.entries(v.params[kind] ?? {}))
        expect(stdin.params[name]).toEqual(value);
      const wantsPfx = step === 'stage' && kind !== 'windows-service';
      expect(r.secretsInStdin).toBe(wantsPfx);
      expect(stdin.pfx?.password).toBe(wantsPfx ? v.password : undefined);
      return r.script;
    });
    // Static: two different contexts give the very same script.
    expect(new Set(scripts).size).toBe(1);
  });
});
