// The webhook sender against real HTTP receivers on loopback (node:http): one that answers, one
// that is down, one that never answers, one that fails with 500 before it recovers. `notify`
// must return at once in every case, retries stay bounded, and `drain` is bounded in time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvent, webhookBody } from '../../../src/notify/events.js';
import { signature, webhookNotifier } from '../../../src/notify/webhook.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

/** A receiver on 127.0.0.1 answering each request with `answer(n)` (n from 1); undefined: never. */
async function receiver(answer: (n: number) => number | undefined) {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const status = answer(got.length);
      if (status !== undefined) res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook/s3cr3t-path`, got };
}

const FAST = { attempts: 3, backoffMs: [20, 40], timeoutMs: 300, queue: 10 };
const SECRET = 'hmac-key-never-sent';
const ctx = { runId: 'r1', operator: 'alice', ticket: 'CHG-1', certificate: 'ab'.repeat(32) };
const event = (n = 0) =>
  runEvent(ctx, 'rollback', { host: `web-${n}`, binding: `web-${n}:443`, message: 'rolled back' });

describe('webhooks', () => {
  it('posts each event in order, signed with HMAC-SHA256 of the body, no secret in it', async () => {
    const r = await receiver(() => 204);
    const logs: string[] = [];
    const n = webhookNotifier(
      [{ url: r.url, format: 'json', secret: SECRET }],
      (m) => logs.push(m),
      FAST,
    );
    for (const i of [1, 2, 3]) n.notify(event(i));
    await n.drain(2000);
    expect(r.got.map((g) => (JSON.parse(g.body) as { host: string }).host)).toEqual([
      'web-1',
      'web-2',
      'web-3',
    ]);
    for (const g of r.got) {
      expect(g.headers['x-certroll-signature']).toBe(signature(SECRET, g.body));
      expect(g.headers['x-certroll-event']).toBe('rollback');
      expect(JSON.parse(g.body)).toMatchObject({
        source: 'certroll',
        event: 'rollback',
        runId: 'r1',
        ticket: 'CHG-1',
      });
      expect(`${g.body}${JSON.stringify(g.headers)}`).not.toContain(SECRET);
    }
    expect(logs).toEqual([]);
  });

  it('lays out Slack and Teams messages their receivers accept', () => {
    expect(webhookBody(event(1), 'slack')).toEqual({
      text: expect.stringContaining('CHG-1 run r1: rollback'),
    });
    expect(webhookBody(event(1), 'teams')).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard' },
        },
      ],
    });
  });

  it('retries a 500 with backoff and delivers once the receiver recovers', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const logs: string[] = [];
    const n = webhookNotifier([{ url: r.url, format: 'slack' }], (m) => logs.push(m), FAST);
    n.notify(event());
    await n.drain(2000);
    expect(r.got).toHaveLength(3);
    expect(logs).toEqual([]);
  });

  it('gives up after the bounded attempts on a receiver that keeps failing, and logs its origin only', async () => {
    const r = await receiver(() => 500);
    const logs: string[] = [];
    const n = webhookNotifier([{ url: r.url, format: 'json' }], (m) => logs.push(m), FAST);
    n.notify(event());
    await n.drain(2000);
    expect(r.got).toHaveLength(FAST.attempts);
    expect(logs).toEqual([
      expect.stringMatching(
        /^webhook http:\/\/127\.0\.0\.1:\d+: rollback not delivered \(HTTP 500\); the rollout goes on$/,
      ),
    ]);
    expect(logs.join()).not.toContain('s3cr3t-path');
  });

  it('returns at once from notify with a receiver that is down or never answers, and drains within its bound', async () => {
    const down = await receiver(() => 200);
    servers.pop()!.close(); // nothing listens there now
    const slow = await receiver(() => undefined);
    const logs: string[] = [];
    const n = webhookNotifier(
      [
        { url: down.url, format: 'json' },
        { url: slow.url, format: 'teams' },
      ],
      (m) => logs.push(m),
      { ...FAST, attempts: 10, backoffMs: [50] },
    );
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) n.notify(event(i));
    expect(performance.now() - t0).toBeLessThan(20);
    await n.drain(600);
    expect(performance.now() - t0).toBeLessThan(1200);
    expect(logs).toContainEqual(expect.stringMatching(/gave up on 5 event\(s\) at exit/));
    expect(logs.some((l) => /ECONNREFUSED/.test(l))).toBe(true);
    expect(slow.got.length).toBeGreaterThan(0);
  });
});
