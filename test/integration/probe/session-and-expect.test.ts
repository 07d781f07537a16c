import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TLSSocket, connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNotServes, expectServes } from '../../../src/probe/expect.js';
import { probe } from '../../../src/probe/probe.js';
import { type Nginx, freePort, startNginx, P256, usePki } from '../../lab/index.js';

const A = '127.0.12.1';
const fast = { initialMs: 50, factor: 2, maxMs: 400, jitter: 0.5 };

function handshake(port: number, session?: Buffer): Promise<{ reused: boolean; session?: Buffer }> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({
      host: A,
      port,
      servername: 'app.test',
      rejectUnauthorized: false,
      ...(session ? { session } : {}),
    });
    let ticket: Buffer | undefined;
    s.on('session', (t: Buffer) => (ticket = t));
    s.on('error', reject);
    s.once('secureConnect', () => {
      // TLS 1.3 tickets arrive just after the handshake: read a moment before closing.
      setTimeout(() => {
        resolve({ reused: s.isSessionReused(), ...(ticket ? { session: ticket } : {}) });
        s.destroy();
      }, 50);
    });
  });
}

describe('fresh handshakes and expectations against real nginx', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    const oldCert = pki.leaf('app.test', root, { key: P256 });
    const newCert = pki.leaf('app.test', root, { key: P256 });
    return { root, oldCert, newCert };
  });
  let nginx: Nginx;
  let port: number;
  let certPath: string;
  let keyPath: string;

  beforeAll(async () => {
    certPath = join(certs.pki.dir, 'served.crt');
    keyPath = join(certs.pki.dir, 'served.key');
    copyFileSync(certs.oldCert.certPath, certPath);
    copyFileSync(certs.oldCert.keyPath, keyPath);
    port = await freePort(A);
    nginx = await startNginx({
      sessionCache: true,
      servers: [
        {
          address: A,
          port,
          cert: certPath,
          key: keyPath,
          serverNames: ['app.test'],
          defaultServer: true,
        },
      ],
    });
  });

  afterAll(async () => {
    await nginx?.stop();
  });

  it('never resumes a session, although this nginx resumes sessions offered to it', async () => {
    const first = await handshake(port);
    expect(first.session).toBeDefined();
    const resumed = await handshake(port, first.session);
    expect(resumed.reused).toBe(true);
    for (let i = 0; i < 3; i++) {
      const r = await probe({ address: A, port, sni: 'app.test' });
      expect(r.ok && r.sessionReused).toBe(false);
    }
  });

  it('fails at the deadline, with every attempt listed, when the server never switches', async () => {
    const started = Date.now();
    const out = await expectServes({ address: A, port, sni: 'app.test' }, certs.newCert.sha256, {
      probe,
      trust: [certs.root.certPem],
      deadlineMs: 800,
      maxAttempts: 50,
      backoff: fast,
    });
    expect(out.passed).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(out.attempts.length).toBeGreaterThan(2);
    expect(out.attempts.every((a) => a.observed === certs.oldCert.sha256 && !a.matched)).toBe(true);
    expect(out.last.ok && out.last.leaf.sha256).toBe(certs.oldCert.sha256);
  });

  it('stops after maxAttempts even with time left', async () => {
    const out = await expectServes({ address: A, port, sni: 'app.test' }, certs.newCert.sha256, {
      probe,
      deadlineMs: 10_000,
      maxAttempts: 2,
      backoff: fast,
    });
    expect(out.passed).toBe(false);
    expect(out.attempts).toHaveLength(2);
  });

  it('does not count a refused port as "the old certificate is gone"', async () => {
    const closed = await freePort(A);
    const out = await expectNotServes(
      { address: A, port: closed, sni: 'app.test' },
      certs.oldCert.sha256,
      {
        probe,
        deadlineMs: 300,
        backoff: fast,
      },
    );
    expect(out.passed).toBe(false);
    expect(out.attempts[0]?.observed).toBe('refused');
  });

  it('passes once nginx reloads onto the new certificate within the deadline', async () => {
    const switchAfter = setTimeout(() => {
      copyFileSync(certs.newCert.certPath, certPath);
      copyFileSync(certs.newCert.keyPath, keyPath);
      nginx.reload();
    }, 400);
    try {
      const target = { address: A, port, sni: 'app.test' };
      const gone = expectNotServes(target, certs.oldCert.sha256.toUpperCase(), {
        probe,
        deadlineMs: 8000,
        backoff: fast,
      });
      const out = await expectServes(target, certs.newCert.sha256, {
        probe,
        trust: [certs.root.certPem],
        deadlineMs: 8000,
        backoff: fast,
      });
      expect(out.passed).toBe(true);
      expect(out.attempts.length).toBeGreaterThan(1);
      expect(out.attempts[0]?.observed).toBe(certs.oldCert.sha256);
      expect(out.last.ok && out.last.leaf.sha256).toBe(certs.newCert.sha256);
      expect((await gone).passed).toBe(true);
    } finally {
      clearTimeout(switchAfter);
    }
  });
});
