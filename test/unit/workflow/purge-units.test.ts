// `purge RUN` on a host: once per unit, as every other step. A Business Central instance's
// ports are one unit (bc-service-tier: `unit: params`), so its purge runs once, not once per
// port; another instance on the same host is its own unit and gets its own run. The real steps
// (src/workflow/steps.ts) and playbooks, over a transport that records what it is asked to run.
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { type ExecResult, type Transport } from '../../../src/transport/types.js';
import { createRolloutSteps, type BindingCapture } from '../../../src/workflow/steps.js';
import { yaml } from '../inventory/helpers.js';

const inventory = parseInventory(
  yaml`
    version: 1
    environments:
      - name: prod
        hosts:
          - name: bc-01
            address: 10.0.0.9
            transport: { kind: powershell-ssh, user: admin }
            bindings:
              - { port: 7047, kind: bc-service-tier, params: { instance: BC1, oldCertificate: remove-unused }, probe: { sni: none } }
              - { port: 7048, kind: bc-service-tier, params: { instance: BC1, oldCertificate: remove-unused }, probe: { sni: none } }
              - { port: 7147, kind: bc-service-tier, params: { instance: BC2, oldCertificate: remove-unused }, probe: { sni: none } }
              - { port: 443, kind: netsh-http, params: { ipport: '0.0.0.0:443' }, probe: { sni: none } }
  `,
  'inv.yaml',
  { home: '/home/ops', baseDir: '/srv/inv' },
);

/** The input document of every script run, by the step it names. */
function recordingTransport(sent: { step?: string; captured?: unknown }[]): Transport {
  const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
  return {
    target: 'bc-01 (10.0.0.9:22)',
    shell: 'powershell',
    connect: () => Promise.resolve(),
    exec: (_script, options) => {
      const input = options?.stdin?.toString('utf8');
      sent.push(input ? (JSON.parse(input) as { step?: string }) : {});
      return Promise.resolve(ok);
    },
    putFile: () => Promise.resolve(),
    remove: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function stepsWith(sent: { step?: string; captured?: unknown }[]) {
  return createRolloutSteps({
    runId: 'run-1',
    inventory,
    playbooks: loadPlaybooks(),
    cert: { sha256: 'c'.repeat(64), thumbprint: 'AB'.repeat(20) },
    material: () => {
      throw new Error('purge stages nothing');
    },
    transportFor: () => recordingTransport(sent),
    verifier: {} as never,
  });
}

const capture = (thumbprint: string): BindingCapture => ({
  captured: { type: 'bc', thumbprint } as never,
});

describe('purge of a finished run', () => {
  it('runs once per unit: once for a BC instance with two ports, once for another instance', async () => {
    const sent: { step?: string; captured?: unknown }[] = [];
    const steps = stepsWith(sent);
    const signal = new AbortController().signal;
    await steps.connect({ host: 'bc-01' }, signal);
    const purged = await steps.purge(
      {
        host: 'bc-01',
        captured: {
          'bc-01:7047': capture('OLD1'),
          'bc-01:7048': capture('OLD1'),
          'bc-01:7147': capture('OLD2'),
        },
      },
      signal,
    );
    const purges = sent.filter((d) => d.step === 'purge');
    // BC1 (7047 and 7048), BC2, then the netsh-http binding (a unit of its own, no capture).
    expect(
      purges.map((d) => (d.captured as { thumbprint?: string } | undefined)?.thumbprint),
    ).toEqual(['OLD1', 'OLD2', undefined]);
    // Every binding of a purged unit is reported purged, in inventory order.
    expect(purged).toEqual(['bc-01:7047', 'bc-01:7048', 'bc-01:7147', 'bc-01:443']);
  });

  it("gives a unit the capture of whichever member kept one (the leader's first)", async () => {
    const sent: { step?: string; captured?: unknown }[] = [];
    const steps = stepsWith(sent);
    await steps.purge(
      { host: 'bc-01', captured: { 'bc-01:7048': capture('OLD1') } },
      new AbortController().signal,
    );
    const purges = sent.filter((d) => d.step === 'purge');
    expect(
      purges.map((d) => (d.captured as { thumbprint?: string } | undefined)?.thumbprint),
    ).toEqual(['OLD1', undefined, undefined]);
  });
});
