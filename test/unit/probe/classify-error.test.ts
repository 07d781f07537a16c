import { describe, expect, it } from 'vitest';
import { classifyError, opensslReason } from '../../../src/probe/classify-error.js';

const err = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('probe failure classification', () => {
  it('maps socket errors to kinds and keeps the OS words', () => {
    expect(classifyError(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), false)).toEqual({
      kind: 'refused',
      code: 'ECONNREFUSED',
      phase: 'tcp',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(classifyError(err('ENOTFOUND', 'getaddrinfo ENOTFOUND x.invalid'), false).kind).toBe(
      'dns',
    );
    expect(classifyError(err('EHOSTUNREACH', 'x'), false).kind).toBe('unreachable');
  });

  it('says the peer hung up when a reset comes after the TCP connection opened', () => {
    const f = classifyError(
      err(
        'ECONNRESET',
        'Client network socket disconnected before secure TLS connection was established',
      ),
      true,
    );
    expect(f).toMatchObject({
      kind: 'reset',
      phase: 'tls',
      message: 'peer closed the connection during the TLS handshake (ECONNRESET)',
    });
  });

  it('recognises a non-TLS peer and an alert, with OpenSSL reason text', () => {
    const wrong =
      '408D8B778B7F0000:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/openssl/ssl/record/methods/tlsany_meth.c:77:\n';
    expect(classifyError(err('ERR_SSL_WRONG_VERSION_NUMBER', wrong), true)).toMatchObject({
      kind: 'not-tls',
      message: 'not TLS: wrong version number',
    });
    const alert =
      'C0:error:0A000458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 112\n';
    expect(classifyError(err('ERR_SSL_TLSV1_UNRECOGNIZED_NAME', alert), true)).toMatchObject({
      kind: 'handshake-alert',
      message: 'tlsv1 unrecognized name (alert 112)',
    });
    expect(opensslReason('plain words')).toBe('plain words');
  });

  it('falls back to error for anything it does not know', () => {
    expect(classifyError('weird', true)).toMatchObject({
      kind: 'error',
      code: 'UNKNOWN',
      message: 'weird',
    });
  });
});
