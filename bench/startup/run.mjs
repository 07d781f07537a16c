// Start-up cost of the CLI: `certroll --version`, `--help` and a one-endpoint `certroll scan`
// (what a monitoring system runs every minute per endpoint) against a bare `node -e 0` and a bare
// `tls.connect` to the same endpoint, in one run, alternating so all see the same machine state.
// Prints medians and the ratios. The endpoint is a TLS server in a child process (openssl makes
// its self-signed certificate).
// Usage: npm run build && node bench/startup/run.mjs [runs=30]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 30);
const bin = fileURLToPath(new URL('../../bin/certroll.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'certroll-bench-startup-'));
const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
execFileSync(
  'openssl',
  [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', key, '-out', cert, '-subj', '/CN=bench.test', '-days', '30'],
  ],
  { stdio: 'ignore' },
);
const serverCode = `
const tls = require('node:tls'), fs = require('node:fs');
const s = tls.createServer({ cert: fs.readFileSync(${JSON.stringify(cert)}), key: fs.readFileSync(${JSON.stringify(key)}) }, (c) => c.end());
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
const server = spawn(process.execPath, ['-e', serverCode], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  server.once('exit', () => reject(new Error('the TLS server did not start')));
});
const endpoint = `127.0.0.1:${port}`;
const bareConnect = `require('node:tls').connect({ host: '127.0.0.1', port: ${port}, rejectUnauthorized: false }, function () { this.getPeerCertificate(); this.end(); });`;
const cases = {
  'node -e 0': ['-e', '0'],
  'certroll --version': [bin, '--version'],
  'certroll --help': [bin, '--help'],
  'node tls.connect': ['-e', bareConnect],
  'certroll scan --endpoint': [bin, 'scan', '--endpoint', endpoint, '--sni', 'bench.test'],
};
// scan's verdict on a self-signed certificate is CRITICAL (2): the run counts, not the verdict.
const okExit = { 'certroll scan --endpoint': [0, 1, 2] };
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore', timeout: 20_000 });
      if (!(okExit[name] ?? [0]).includes(r.status)) throw new Error(`${name} exited ${r.status}`);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
const bareTls = median(times['node tls.connect']);
console.log(`node ${process.version}, ${runs} runs each`);
for (const [name, xs] of Object.entries(times)) {
  const vsTls = name.includes('scan') ? `  ${(median(xs) / bareTls).toFixed(2)}x tls.connect` : '';
  console.log(
    `${name.padEnd(26)} median ${median(xs).toFixed(1)} ms  ratio ${(median(xs) / base).toFixed(2)}x${vsTls}`,
  );
}
const scan = median(times['certroll scan --endpoint']);
console.log(
  `one-endpoint scan end to end: ${scan.toFixed(0)} ms (target < 100 ms) ${scan < 100 ? 'PASS' : 'FAIL'}`,
);
