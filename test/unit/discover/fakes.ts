// A fake sh host (canned ss, ps, nginx -T and openssl output) and a fake probe: 443 serves
// `leaf`, 22 is not TLS, anything else is closed.
import { X509Certificate } from 'node:crypto';
import { MARK } from '../../../src/discover/sh-scripts.js';
import { type ProbeResult, type ProbeTarget } from '../../../src/probe/types.js';
import { type Transport } from '../../../src/transport/types.js';
import { type Issued } from '../../lab/pki.js';

/** What a pass prints instead of the canned text: `listen` (ss, ps, uid), `config` (nginx -T). */
export interface FakeOutput {
  readonly listen?: string;
  readonly config?: string;
}

export function fakeTransport(leaf: Issued, scripts: string[] = [], o: FakeOutput = {}): Transport {
  // A command may hold several passes (the first one does): each part's output, in order.
  const out = (script: string): string =>
    [listenOut, configOut, certOut]
      .map((part) => part(script))
      .filter((x) => x !== '')
      .join('\n');
  const listenOut = (script: string): string => {
    if (script.includes('ss -Htln'))
      return (
        o.listen ??
        [
          `${MARK}ss`,
          'LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("nginx",pid=1,fd=6))',
          'LISTEN 0 511 0.0.0.0:7147 0.0.0.0:*',
          'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*',
          // Another address's loopback listener (another namespace, a lab): never kept.
          'LISTEN 0 128 127.0.0.9:8443 0.0.0.0:*',
          ...(script.includes('ps -eo')
            ? [`${MARK}ps`, 'nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf']
            : []),
        ].join('\n')
      );
    return '';
  };
  const configOut = (script: string): string => {
    if (script.includes("'-T'"))
      return (
        o.config ??
        [
          `${MARK}nginx:0`,
          '# configuration file /etc/nginx/nginx.conf:',
          'http { server { listen 443 ssl; server_name www.example.com; ssl_certificate /etc/ssl/www.crt; ssl_certificate_key /etc/ssl/www.key; } }',
          `${MARK}haproxy:0`,
        ].join('\n')
      );
    return '';
  };
  const certOut = (script: string): string =>
    script.includes('BEGIN CERTIFICATE') ? `${MARK}cert:0\n${leaf.certPem}` : '';
  return {
    target: 'web-1 (10.0.0.5:22)',
    shell: 'sh',
    connect: () => Promise.resolve(),
    exec: (script) => {
      scripts.push(script);
      return Promise.resolve({ exitCode: 0, stdout: out(script), stderr: '', durationMs: 1 });
    },
    putFile: () => Promise.resolve(),
    remove: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export function fakeProbe(leaf: Issued, seen: ProbeTarget[] = [], tlsPorts = [443]) {
  const summary = new X509Certificate(leaf.certPem);
  return (t: ProbeTarget): Promise<ProbeResult> => {
    seen.push(t);
    if (tlsPorts.includes(t.port))
      return Promise.resolve({
        ok: true,
        target: t,
        leaf: {
          sha256: leaf.sha256,
          thumbprint: leaf.thumbprint,
          subject: summary.subject,
          notAfter: summary.validTo,
          notAfterMs: Date.parse(summary.validTo),
        },
      } as unknown as ProbeResult);
    return Promise.resolve({
      ok: false,
      target: t,
      failure: {
        kind: t.port === 22 ? 'not-tls' : 'refused',
        message: 'x',
        code: 'x',
        phase: t.port === 22 ? 'tls' : 'tcp',
      },
      elapsedMs: 1,
      at: '',
    });
  };
}
