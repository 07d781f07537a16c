import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliIo } from '../../../src/cli/io.js';
import {
  createProgress,
  plainProgress,
  progressMode,
  type Progress,
} from '../../../src/cli/rollout/progress.js';
import { listrProgress } from '../../../src/cli/rollout/progress-view.js';

const NEW = 'ab'.repeat(32);
const OLD = 'cd'.repeat(32);
const ERROR = (message: string) => ({ error: { code: 'X', message } });

/** A run of five hosts: verified, rolled back, unreachable, already current, never started. */
const RECORDS: [string, Record<string, unknown>][] = [
  ['step-started', { step: 'approve', env: 'prod' }],
  ['step-finished', { step: 'approve', env: 'prod', result: true }],
  ['step-started', { step: 'connect', host: 'web-01' }],
  ['step-started', { step: 'connect', host: 'web-02' }],
  ['step-started', { step: 'connect', host: 'web-03' }],
  ['step-finished', { step: 'connect', host: 'web-01' }],
  ['step-finished', { step: 'connect', host: 'web-02' }],
  ['step-failed', { step: 'connect', host: 'web-03', ...ERROR('connection refused') }],
  ['step-started', { step: 'release', host: 'web-03' }],
  ['step-finished', { step: 'release', host: 'web-03' }],
  ['step-finished', { step: 'lockHost', host: 'web-01' }],
  [
    'step-finished',
    { step: 'capture', host: 'web-01', binding: 'web-01:443', alreadyCurrent: false },
  ],
  ['step-started', { step: 'bind', host: 'web-01', binding: 'web-01:443' }],
  ['step-finished', { step: 'bind', host: 'web-01', binding: 'web-01:443' }],
  [
    'step-finished',
    { step: 'verify', host: 'web-01', binding: 'web-01:443', ok: true, observed: NEW },
  ],
  [
    'step-finished',
    { step: 'capture', host: 'web-02', binding: 'web-02:443', alreadyCurrent: false },
  ],
  ['step-started', { step: 'bind', host: 'web-02', binding: 'web-02:443' }],
  ['step-finished', { step: 'bind', host: 'web-02', binding: 'web-02:443' }],
  [
    'step-finished',
    {
      step: 'verify',
      host: 'web-02',
      binding: 'web-02:443',
      ok: false,
      observed: OLD,
      reason: 'serves the old certificate',
    },
  ],
  ['step-started', { step: 'rollback', host: 'web-02', binding: 'web-02:443' }],
  ['step-finished', { step: 'rollback', host: 'web-02', binding: 'web-02:443' }],
  [
    'step-finished',
    { step: 'verifyRollback', host: 'web-02', binding: 'web-02:443', ok: true, observed: OLD },
  ],
  ['step-finished', { step: 'cleanup', host: 'web-02' }],
  ['step-finished', { step: 'release', host: 'web-02' }],
  ['step-failed', { step: 'cleanup', host: 'web-01', ...ERROR('rm: permission denied') }],
  ['step-finished', { step: 'release', host: 'web-01' }],
  ['step-started', { step: 'connect', host: 'web-04' }],
  [
    'step-finished',
    { step: 'capture', host: 'web-04', binding: 'web-04:443', alreadyCurrent: true },
  ],
  ['step-finished', { step: 'cleanup', host: 'web-04' }],
  ['step-finished', { step: 'release', host: 'web-04' }],
  ['step-started', { step: 'soak', env: 'prod', soakMs: 10 }],
  ['step-finished', { step: 'soak', env: 'prod', ok: true }],
];
const LAYOUT = {
  environments: [{ name: 'prod', hosts: ['web-01', 'web-02', 'web-03', 'web-04', 'web-05'] }],
};

function fakeIo(): CliIo & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: () => undefined,
    stderr: (t) => void err.push(t),
    isTTY: false,
    env: {},
    cwd: '/',
  };
}

function capture(write?: (chunk: string) => void): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  const fake = (chunk: string | Uint8Array) => {
    const s = chunk.toString();
    write?.(s);
    chunks.push(s);
    return true;
  };
  Object.assign(stream, { write: fake });
  Object.assign(stream, { isTTY: true, columns: 100, rows: 40, text: () => chunks.join('') });
  return stream;
}

const feed = (p: Progress, records = RECORDS) => {
  for (const [type, data] of records) p.record(type, data);
};

describe('plain progress', () => {
  it('writes the same lines as before, one per shown step', () => {
    const io = fakeIo();
    feed(plainProgress(io));
    expect(io.err.join('')).toBe(
      [
        '  web-01: connect done',
        '  web-02: connect done',
        '  web-03: connect failed: connection refused',
        '  web-01 web-01:443: capture done',
        '  web-01 web-01:443: bind done',
        `  web-01 web-01:443: new certificate proven (serves ${NEW.slice(0, 12)}…)`,
        '  web-02 web-02:443: capture done',
        '  web-02 web-02:443: bind done',
        `  web-02 web-02:443: new certificate NOT proven (serves ${OLD.slice(0, 12)}…)`,
        '  web-02 web-02:443: rollback done',
        `  web-02 web-02:443: previous certificate proven (serves ${OLD.slice(0, 12)}…)`,
        '  web-02: cleanup done',
        '  web-01: cleanup failed: rm: permission denied',
        '  web-04 web-04:443: capture done',
        '  web-04: cleanup done',
        '  prod: soak done',
        '',
      ].join('\n'),
    );
  });

  it('is what a run without a terminal gets', () => {
    expect(progressMode({}, { isTTY: false })).toBe('plain');
    expect(progressMode({}, {})).toBe('plain');
    expect(progressMode({}, { isTTY: true, columns: 120 })).toBe('tty');
    // A pseudo-terminal without a size would get one character per line.
    expect(progressMode({}, { isTTY: true, columns: 0 })).toBe('plain');
    expect(progressMode({}, { isTTY: true })).toBe('plain');
    expect(progressMode({ TERM: 'dumb' }, { isTTY: true, columns: 120 })).toBe('plain');
    expect(progressMode({ CERTROLL_PROGRESS: 'plain' }, { isTTY: true, columns: 120 })).toBe(
      'plain',
    );
    expect(progressMode({ CERTROLL_PROGRESS: 'tty' }, { isTTY: false })).toBe('tty');
    const io = fakeIo();
    const p = createProgress(io, LAYOUT, { mode: 'plain' });
    feed(p, RECORDS.slice(0, 6));
    expect(io.err).toEqual(['  web-01: connect done\n']);
  });
});

describe('listr2 progress', () => {
  it('writes a line per host outcome with the verbose renderer', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'verbose' });
    feed(p);
    await p.close();
    expect(stream.text()).toBe(
      [
        '❯ prod: 0/5 hosts done',
        '↓ web-04: nothing to do (already current)',
        '✖ cleanup failed: rm: permission denied',
        '✖ new certificate not proven: serves the old certificate',
        '✖ connect failed: connection refused',
        '✔ prod: 4/5 hosts done, 3 failed, soak passed',
        '',
      ].join('\n'),
    );
  });

  it('shows in the environment line which pool member serves the new certificate and which still the old', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'default' });
    feed(p, RECORDS.slice(0, 15));
    p.record('pool', {
      env: 'prod',
      pool: 'shop',
      text: 'pool shop: 1/3 new (web-02, web-03 old)',
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(stream.text()).toMatch(
      /prod: 1\/5 hosts done, 1 failed · pool shop: 1\/3 new \(web-02, web-03 old\)/,
    );
    await p.close();
    const io = fakeIo();
    plainProgress(io).record('pool', {
      env: 'prod',
      pool: 'shop',
      text: 'pool shop: 1/3 new (web-02, web-03 old)',
    });
    expect(io.err).toEqual(['  prod pool shop: 1/3 new (web-02, web-03 old)\n']);
  });

  it('draws the environment and its started hosts, and ends with the run', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'default' });
    feed(p, RECORDS.slice(0, 15));
    await new Promise((r) => setTimeout(r, 150));
    const during = stream.text();
    expect(during).toMatch(/prod: 0\/5 hosts done/);
    expect(during).toMatch(/web-01 · verify web-01:443/);
    expect(during).toMatch(/web-02 · connect/);
    feed(p, RECORDS.slice(15));
    await p.close();
    const text = stream.text();
    const last = text.slice(text.lastIndexOf('prod: 4/5'));
    expect(last).toMatch(/^prod: 4\/5 hosts done, 3 failed, soak passed\n/);
    expect(last).toMatch(/✖ web-01: needs attention\n\s+› cleanup failed: rm: permission denied/);
    expect(last).toMatch(/✖ web-02: rolled back\n\s+› new certificate not proven/);
    expect(last).toMatch(/✖ web-03: unreachable\n\s+› connect failed: connection refused/);
    expect(last).toMatch(/↓ web-04: nothing to do \(already current\)/);
    expect(last).not.toMatch(/web-05/);
    // The cursor is shown again after the last frame.
    expect(text.lastIndexOf('\u001B[?25h')).toBeGreaterThan(text.lastIndexOf('\u001B[?25l'));
  });

  it('shows a host whose rollback command failed but whose previous certificate is proven as rolled back', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'verbose' });
    const web02 = RECORDS.filter(([, d]) => d['host'] === 'web-02').map(
      ([type, d]): [string, Record<string, unknown>] =>
        d['step'] === 'rollback' && type === 'step-finished'
          ? ['step-failed', { ...d, ...ERROR('nginx -t failed') }]
          : [type, d],
    );
    feed(p, web02);
    await p.close();
    expect(stream.text()).toMatch(/✖ new certificate not proven/);
    expect(stream.text()).not.toMatch(/needs attention|rollback failed/);
    const stream2 = capture();
    const p2 = listrProgress(LAYOUT, { stream: stream2, renderer: 'default' });
    feed(
      p2,
      web02.map(([type, d]): [string, Record<string, unknown>] =>
        d['step'] === 'verifyRollback' ? [type, { ...d, ok: false, observed: NEW }] : [type, d],
      ),
    );
    await p2.close();
    expect(stream2.text()).toMatch(
      /› previous certificate not proven after rollback: probe failed; the rollback reported: nginx/,
    );
  });

  it('shows a verified host, and settles hosts still running when the run throws', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'default' });
    const web01 = RECORDS.filter(([, d]) => d['host'] === 'web-01' && d['step'] !== 'cleanup');
    feed(p, [...web01, ...RECORDS.slice(3, 5)]);
    await p.close();
    const text = stream.text();
    expect(text).toMatch(/✔ web-01: verified\n/);
    expect(text).toMatch(/✖ web-02: did not finish\n\s+› stopped at connect/);
    expect(text).toMatch(/prod: 3\/5 hosts done, 2 failed\n/);
  });

  it('never throws into the run when drawing fails, and goes on in plain lines', async () => {
    const stream = capture(() => {
      throw new Error('EPIPE');
    });
    const io = fakeIo();
    const p = createProgress(io, LAYOUT, { mode: 'tty', view: { stream, renderer: 'default' } });
    expect(() => feed(p, RECORDS.slice(0, 5))).not.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(() => feed(p, RECORDS.slice(5))).not.toThrow();
    await expect(p.close()).resolves.toBeUndefined();
    expect(io.err.join('')).toContain('  web-01: connect done\n');
    expect(io.err.join('')).toContain('  prod: soak done\n');
  });
});

describe('a notice while the view draws (the answer to Ctrl-C)', () => {
  it('shows at once in the frame, while other writes wait for the frame to end', async () => {
    const stream = capture();
    const p = listrProgress(LAYOUT, { stream, renderer: 'default' });
    feed(p, RECORDS.slice(0, 8));
    await new Promise((r) => setTimeout(r, 150));
    // An ordinary write is held back by the view until its frame ends.
    stream.write('HELD BACK\n');
    p.notice('\nCtrl-C: stopping run R: no new host starts. Ctrl-C again stops at once.\n');
    await new Promise((r) => setTimeout(r, 150));
    const during = stream.text();
    expect(during).not.toContain('HELD BACK');
    expect(during).toMatch(/prod: .* · Ctrl-C: stopping run R: no new host starts/);
    await p.close();
  });

  it('goes out as a line when there is no view', () => {
    const io = fakeIo();
    plainProgress(io).notice('Ctrl-C: stopping\n');
    expect(io.err.join('')).toBe('Ctrl-C: stopping\n');
  });
});
