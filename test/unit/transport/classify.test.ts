import { describe, expect, it } from 'vitest';
import { assertSuccess, classifySshError, hostKeyError } from '../../../src/transport/classify.js';

const ctx = {
  target: 'web-03 (10.0.4.7:22)',
  verdict: undefined,
  hostKeyRefused: false,
  connectTimeoutMs: 5000,
};
const err = (message: string, extra: object) => Object.assign(new Error(message), extra);

describe('classifying transport failures', () => {
  it('writes the host key message users are told to expect', () => {
    const e = hostKeyError('web-03 (10.0.4.7:22)', {
      status: 'changed',
      fingerprint: 'SHA256:abc',
      known: ['/k:3'],
    });
    expect(e.code).toBe('TRANSPORT_HOST_KEY');
    expect(e.message).toBe(
      'Host web-03 (10.0.4.7:22): SSH host key does not match known_hosts (SHA256:abc; expected the key at /k:3).',
    );
    expect(e.hint).toBe(
      'If the host was rebuilt, update known_hosts; certroll never accepts a changed key.',
    );
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
});
