// The commands a plan renders for review (src/plan/commands.ts): every step a run
// takes for a unit, RUN-ID in place of the run's id, and no secret in any of it. PowerShell
// playbooks get the PFX and its password on stdin: the plan shows that document redacted.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unitCommands } from '../../../src/plan/commands.js';
import { type Binding, type Host } from '../../../src/inventory/model.js';
import { type CapturedState } from '../../../src/playbooks/capture.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { materialOf, type Material } from '../../../src/playbooks/render.js';
import { capturedFor, VARIANTS } from '../playbooks/windows-context.js';

const playbooks = loadPlaybooks();
const cert = { sha256: 'c'.repeat(64), thumbprint: VARIANTS[0]!.thumbprint };
const file = { exists: true, sha256: 'a'.repeat(64), mode: '644', uid: 0, gid: 0 } as const;
const FILES: CapturedState = {
  type: 'files',
  files: { cert: file, key: { ...file, mode: '600' } },
};
const origin = { file: 'inv.yaml', line: 9, field: 'environments[0].hosts[0].bindings[0]' };

function host(kind: string, params: Record<string, unknown>): { host: Host; binding: Binding } {
  const binding = {
    id: 'app-01:443',
    port: 443,
    kind,
    params,
    probe: { address: '10.0.0.9', port: 443, sni: [] },
    origin,
  } as unknown as Binding;
  const h = { name: 'app-01', address: '10.0.0.9', bindings: [binding], origin } as unknown as Host;
  return { host: h, binding };
}

describe('unitCommands', () => {
  for (const kind of ['netsh-http', 'iis', 'bc-service-tier', 'windows-service']) {
    it(`renders ${kind}'s steps with the PFX and its password redacted`, () => {
      const v = VARIANTS[0]!;
      const material: Material = { kind: 'pfx', pfx: v.pfx, password: v.password };
      const { host: h, binding } = host(kind, { ...v.params[kind] });
      const unit = unitCommands(
        { playbooks, cert, material: () => material },
        h,
        true,
        [binding.id],
        binding,
        capturedFor(kind),
      );
      const steps = unit.commands.map((c) => c.step);
      expect(steps.slice(0, 2)).toEqual(['stage', 'bind']);
      expect(steps).toContain('rollback');
      const text = JSON.stringify(unit);
      expect(text).not.toContain(v.password);
      expect(text).not.toContain(v.pfx.toString('base64').slice(0, 40));
      const stage = unit.commands[0]!;
      if (materialOf(playbooks.get(kind)) === 'pfx')
        expect(stage.stdin).toMatchObject({
          step: 'stage',
          pfx: { base64: `<redacted> (${v.pfx.length} bytes)`, password: '<redacted>' },
        });
      else expect(stage.stdin).not.toHaveProperty('pfx');
    });
  }

  it("renders an sh playbook's staged files by path, mode and size, never their bytes", () => {
    // A key of its own, made here: none of its lines may appear in what the plan shows.
    const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const keyLine = KEY.split('\n')[1]!;
    const material: Material = {
      kind: 'pem',
      certPem: '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n',
      chainPem: '',
      keyPem: KEY,
    };
    const { host: h, binding } = host('nginx', {
      certPath: '/etc/nginx/a.crt',
      keyPath: '/etc/nginx/a.key',
    });
    const unit = unitCommands(
      { playbooks, cert, material: () => material },
      h,
      false,
      [binding.id, 'app-01:8443'],
      binding,
      FILES,
    );
    expect(unit.bindings).toEqual(['app-01:443', 'app-01:8443']);
    expect(unit.commands.map((c) => c.step)).toEqual(['stage', 'bind', 'cleanup', 'rollback']);
    const stage = unit.commands[0]!;
    expect(stage.prepare).toContain('umask 077');
    expect(stage.files).toContainEqual({
      path: '/var/tmp/certroll-RUN-ID/app-01_443/key.pem',
      mode: '0600',
      bytes: KEY.length,
    });
    expect(JSON.stringify(unit)).not.toContain(keyLine);
    expect(unit.commands[1]!.script).toContain("'/etc/nginx/a.crt'");
  });

  it('adds the restart of the cold-start check only when the policy asks for it', () => {
    const { host: h, binding } = host('nginx', {
      certPath: '/etc/nginx/a.crt',
      keyPath: '/etc/nginx/a.key',
      restartCommand: 'systemctl restart nginx',
    });
    const material: Material = { kind: 'pem', certPem: 'c', chainPem: '', keyPem: 'k' };
    const render = (coldStart: boolean) =>
      unitCommands(
        { playbooks, cert, material: () => material },
        h,
        coldStart,
        [binding.id],
        binding,
        FILES,
      ).commands.map((c) => c.step);
    expect(render(true)).toEqual(['stage', 'bind', 'restart', 'cleanup', 'rollback']);
    expect(render(false)).not.toContain('restart');
  });
});
