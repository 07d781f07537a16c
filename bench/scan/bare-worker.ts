// The baseline: a bare tls.connect loop at the same concurrency, reading only the leaf's SHA-256.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connect } from 'node:tls';

const [spec, concurrency] = process.argv.slice(2);
const { address, sni, ports } = JSON.parse(readFileSync(spec!, 'utf8')) as {
  address: string;
  sni: string;
  ports: number[];
};

function one(port: number): Promise<[number, string | null]> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port, servername: sni, rejectUnauthorized: false });
    const timer = setTimeout(() => (s.destroy(), resolve([port, null])), 5000);
    s.once('secureConnect', () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase() ?? null;
      clearTimeout(timer);
      s.destroy();
      resolve([port, fp]);
    });
    s.once('error', () => (clearTimeout(timer), resolve([port, null])));
  });
}

const t0 = performance.now();
const found: [number, string | null][] = [];
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < ports.length) found.push(await one(ports[next++]!));
  }),
);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, found, maxRssKb: process.resourceUsage().maxRSS }));
