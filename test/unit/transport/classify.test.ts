import { describe, expect, it } from 'vitest';
import { transportInput } from '../../../src/inventory/schema.js';
import { decideHostKey } from '../../../src/transport/host-key.js';
import {
  assertSuccess,
  classifySshError,
  commandTimeout,
  hostKeyError,
} from '../../../src/transport/classify.js';

const ctx = {
  target: 'web-03 (10.0.4.7:22)',
  verdict: undefined,
  hostKeyRefused: false,
  connectTimeoutMs: 5000,
};
const err = (message: string, extra: object) => Object.assign(new Error(message), extra);

describe('classifying transport failures', () => {
  it('writes the host key message users are told to expect', () => {
    const e = hostKeyError(
      'web-03 (10.0.4.7:22)',
      decideHostKey(
        { status: 'changed', fingerprint: 'SHA256:abc', known: ['/k:3'] },
        ['/k'],
        undefined,
      ),
    );
    expect(e.code).toBe('TRANSPORT_HOST_KEY');
    expect(e.message).toBe(
      'Host web-03 (10.0.4.7:22): SSH host key does not match known_hosts (SHA256:abc; expected the key at /k:3).',
    );
    expect(e.hint).toBe(
      'If the host was rebuilt, update known_hosts; certroll never accepts a changed key.',
    );
  });

  describe('a host key refusal names the check that disagreed', () => {
    const presented = 'SHA256:presentedpresentedpresentedpresentedprese';
    const pin = 'SHA256:pinnedpinnedpinnedpinnedpinnedpinnedpinned';
    const files = ['/etc/kh', '/home/ops/kh (missing)'];
    const changed = { status: 'changed', fingerprint: presented, known: ['/etc/kh:7'] } as const;
    const unknown = { status: 'unknown', fingerprint: presented } as const;
    const match = { status: 'match', fingerprint: presented } as const;
    const refusal = (...args: Parameters<typeof decideHostKey>) => {
      const d = decideHostKey(...args);
      expect(d.accepted).toBe(false);
      return hostKeyError('web-03', d);
    };

    it('only known_hosts: names the files consulted and the presented key', () => {
      expect(refusal(unknown, files, undefined).message).toBe(
        `Host web-03: SSH host key ${presented} is not in known_hosts (consulted /etc/kh, /home/ops/kh (missing)).`,
      );
    });

    it('only the pin: names the pinned value, the presented key, and that known_hosts agrees', () => {
      const e = refusal(match, files, pin);
      expect(e.message).toBe(
        `Host web-03: SSH host key ${presented} does not match the pinned hostKeyFingerprint ${pin} (known_hosts lists it).`,
      );
      expect(e.hint).toContain('update hostKeyFingerprint in the inventory');
      expect(e.hint).not.toContain('update known_hosts');
      expect(refusal(unknown, files, pin).message).toContain(
        'known_hosts has no entry (consulted /etc/kh, /home/ops/kh (missing))',
      );
    });

    it('known_hosts disagrees while the pin matches: blames known_hosts only', () => {
      const e = refusal(changed, files, presented);
      expect(e.message).toBe(
        `Host web-03: SSH host key does not match known_hosts (${presented}; expected the key at /etc/kh:7; it does match the pinned hostKeyFingerprint ${presented}).`,
      );
      expect(e.hint).toContain('update known_hosts');
    });

    it('both disagree: names both', () => {
      const e = refusal(changed, files, pin);
      expect(e.message).toBe(
        `Host web-03: SSH host key ${presented} matches neither known_hosts (expected the key at /etc/kh:7) nor the pinned hostKeyFingerprint ${pin}.`,
      );
      expect(e.hint).toContain('update both known_hosts and hostKeyFingerprint');
    });

    it('accepts a matching pin with no known_hosts entry, and a listed key without a pin', () => {
      expect(decideHostKey(unknown, files, presented).accepted).toBe(true);
      expect(decideHostKey(match, files, undefined).accepted).toBe(true);
      expect(decideHostKey(match, files, presented).accepted).toBe(true);
    });
  });

  it('maps ssh2 errors by level and code', () => {
    expect(
      classifySshError(
        err('All configured authentication methods failed', { level: 'client-authentication' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_AUTH');
    expect(
      classifySshError(
        err('Timed out while waiting for handshake', { level: 'client-timeout' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_TIMEOUT');
    expect(
      classifySshError(
        err('connect ECONNREFUSED', { level: 'client-socket', code: 'ECONNREFUSED' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_UNREACHABLE');
    expect(
      classifySshError(
        err('getaddrinfo ENOTFOUND', { level: 'client-dns', code: 'ENOTFOUND' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_UNREACHABLE');
    expect(
      classifySshError(err('Host denied (verification failed)', { level: 'handshake' }), {
        ...ctx,
        hostKeyRefused: true,
      }).code,
    ).toBe('TRANSPORT_HOST_KEY');
  });

  it('judges by exit code and quotes the tail of stderr on failure', () => {
    const r = { exitCode: 0, stdout: '', stderr: 'warning', durationMs: 1 };
    expect(assertSuccess(r, 'x')).toBe(r);
    const long = 'a'.repeat(1000) + 'THE END';
    expect(() => assertSuccess({ ...r, exitCode: 2, stderr: long }, 'reload', 'h')).toThrow(
      /^Host h: reload failed with exit code 2: \.\.\.a+THE END$/,
    );
  });

  it('names timeout fields the inventory really has, as durations, and where to set them', () => {
    const connect = classifySshError(err('Timed out', { level: 'client-timeout' }), ctx);
    for (const [hint, field, fallback] of [
      [connect.hint ?? '', 'connectTimeout', '10s'],
      [commandTimeout('web-03', 300_000).hint ?? '', 'commandTimeout', '5m'],
    ] as const) {
      expect(hint).toContain(
        `transport.${field} (a duration such as 30s or 10m; default ${fallback})`,
      );
      expect(hint).toContain(`defaults.transport.${field}`);
      expect(hint).not.toMatch(/TimeoutMs/);
      // Every transport.X the hint names is a field of the inventory's transport section.
      for (const m of hint.matchAll(/transport\.(\w+)/g)) {
        expect(Object.keys(transportInput.shape)).toContain(m[1]);
      }
      expect(transportInput.safeParse({ [field]: fallback }).success).toBe(true);
    }
  });
});
