import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/cli/rollout/summary.js';

describe('the run summary', () => {
  it('keeps each binding on one line when its detail spans several lines of stderr', () => {
    const text = renderSummary({
      runId: 'r1',
      status: 'failed',
      notStarted: [],
      environments: [
        {
          env: 'prod',
          status: 'failed',
          failures: 1,
          notStarted: [],
          hosts: {
            web: {
              host: 'web',
              status: 'rolled-back',
              bindings: {
                'web:443': {
                  status: 'rolled-back',
                  reason:
                    'serves the previous certificate again, though the rollback reported: nginx -t failed\nnginx: [emerg] bad line\nnginx: configuration file test failed',
                },
                'web:8443': { status: 'verified', observed: 'ab'.repeat(32) },
              },
              error: { code: 'PROBE_FAILED', message: 'first\nsecond' },
            },
          },
        },
      ],
    });
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(
      /web:443\s+rolled-back\s+serves the previous certificate again, though the rollback reported: nginx -t failed \(\+2 more line\(s\): certroll show RUN\)$/,
    );
    expect(lines[2]).toMatch(/web:8443\s+verified\s+serves abababababab…$/);
    expect(lines[3]).toMatch(/rolled-back\s+first \(\+1 more line\(s\): certroll show RUN\)$/);
    expect(lines[4]).toBe('rollout failed');
  });
});
