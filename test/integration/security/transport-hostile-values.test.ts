import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shQuote } from '../../../src/shell/index.js';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { type Transport } from '../../../src/transport/types.js';
import { startLab, type Lab } from '../../lab/index.js';

let lab: Lab;
let marker: string;
const transports: [string, Transport][] = [];

/** Values that would run `touch marker` if any of them reached a shell unquoted. */
function hostile(): string[] {
  const m = marker;
  return [
    `; touch ${m}`,
    `$(touch ${m})`,
    `\`touch ${m}\``,
    `'; touch ${m}; '`,
    `"; touch ${m}; "`,
    `x\ntouch ${m}\n`,
    `x' && touch ${m} && echo '`,
    `| touch ${m}`,
    `& touch ${m} &`,
    `-rf`,
    `--help`,
    `-`,
    `$HOME`,
    `*`,
    ` leading and trailing `,
    `back\\slash\\`,
    `\u00e9t\u00e9 \u2603`,
  ];
}

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  const h = lab.hosts[0]!;
  marker = join(h.dir, 'PWNED');
  const ssh = new SshTransport(h.host);
  await ssh.connect();
  transports.push(
    ['ssh', ssh],
    ['local', new LocalTransport({ ...h.host, transport: { ...h.host.transport, kind: 'local' } })],
  );
});
afterAll(async () => {
  for (const [, t] of transports) await t.close();
  await lab?.stop();
});

describe.each(['ssh', 'local'])('hostile values through the %s transport', (kind) => {
  const t = (): Transport => transports.find(([k]) => k === kind)![1];

  it('writes and removes files whose names are hostile, running nothing', async () => {
    const dir = join(lab.hosts[0]!.dir, `names-${kind}`);
    mkdirSync(dir);
    // Concurrently: one connection carries many sessions, and the suite stays quick.
    await Promise.all(
      hostile().map(async (value) => {
        const name = value.replace(/\//g, '_');
        const path = join(dir, name);
        await t().putFile(path, `content of ${name}`, { mode: 0o600 });
        expect(readFileSync(path, 'utf8')).toBe(`content of ${name}`);
        await t().remove(path);
        expect(existsSync(path)).toBe(false);
      }),
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('stores hostile data verbatim, since data travels on stdin', async () => {
    const path = join(lab.hosts[0]!.dir, `data-${kind}`);
    const data = hostile().join('\0');
    await t().putFile(path, data, { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe(data);
    expect(existsSync(marker)).toBe(false);
  });

  it('passes hostile values through exec when quoted by shQuote', async () => {
    await Promise.all(
      hostile().map(async (value) => {
        const r = await t().exec(`printf '%s' ${shQuote(value)}`);
        expect(r.stdout).toBe(value);
      }),
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('proves the marker would appear if a value were not quoted', async () => {
    // The control: the same value unquoted does run the command.
    await t().exec(`printf '%s' $(touch ${marker}-control)`);
    expect(existsSync(`${marker}-control`)).toBe(true);
  });
});
