import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CertrollError } from '../../../src/errors.js';
import { type Host } from '../../../src/inventory/model.js';
import { createTransport } from '../../../src/transport/factory.js';
import { defaultMaxOpen } from '../../../src/transport/fd-limit.js';
import {
  TransportPool,
  withTransportPool,
  type TransportPoolOptions,
} from '../../../src/transport/pool.js';
import { type Transport } from '../../../src/transport/types.js';
import { testHost } from './hosts.js';

const host = testHost;

/**
 * A transport that counts its connects and closes; `drop()` loses the connection. `execGate` holds
 * exec until it settles; an exec whose connection was closed meanwhile fails, as a real one would.
 */
class FakeTransport implements Transport {
  readonly shell = 'sh' as const;
  connects = 0;
  closes = 0;
  open = false;
  failNext: Error | undefined;
  gate: Promise<void> = Promise.resolve();
  execGate: Promise<void> = Promise.resolve();
  readonly connectSignals: (AbortSignal | undefined)[] = [];
  constructor(readonly target: string) {}
  get isOpen(): boolean {
    return this.open;
  }
  async connect(signal?: AbortSignal): Promise<void> {
    this.connects++;
    this.connectSignals.push(signal);
    await this.gate;
    if (this.failNext !== undefined) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    this.open = true;
  }
  async exec(script: string) {
    if (!this.open) throw new Error('not connected');
    await this.execGate;
    if (!this.open) throw new Error('connection closed during exec');
    return { exitCode: 0, stdout: `${this.target}: ${script}`, stderr: '', durationMs: 0 };
  }
  putFile() {
    return Promise.resolve();
  }
  remove() {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closes++;
    this.open = false;
    return Promise.resolve();
  }
  drop(): void {
    this.open = false;
  }
}

function fakes(options?: TransportPoolOptions) {
  const made: FakeTransport[] = [];
  const create = (h: Host): FakeTransport => {
    const t = new FakeTransport(
      `${h.name}#${made.filter((m) => m.target.startsWith(`${h.name}#`)).length}`,
    );
    made.push(t);
    return t;
  };
  return { made, pool: new TransportPool(create, options) };
}

/** The targets of the fakes with an open connection. */
const openTargets = (made: readonly FakeTransport[]): string[] =>
  made.filter((m) => m.open).map((m) => m.target);

/** A promise and the function that settles it. */
function latch(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('TransportPool', () => {
  it('gives two leases of one host one shared connection', async () => {
    const { made, pool } = fakes();
    const a = pool.lease(host('web-01'));
    const b = pool.lease(host('web-01'));
    await a.connect();
    await b.connect();
    expect(made).toHaveLength(1);
    expect(made[0]!.connects).toBe(1);
    expect((await b.exec('true')).stdout).toBe('web-01#0: true');
    expect(a.target).toBe('web-01#0');
    expect(a.shell).toBe('sh');
  });

  it('keeps hosts apart: one connection each', async () => {
    const { made, pool } = fakes();
    await pool.lease(host('web-01')).connect();
    await pool.lease(host('web-02')).connect();
    expect(made.map((m) => [m.target, m.connects])).toEqual([
      ['web-01#0', 1],
      ['web-02#0', 1],
    ]);
  });

  it('makes one underlying connect for connects that arrive together', async () => {
    const { made, pool } = fakes();
    const a = pool.lease(host('web-01'));
    let open!: () => void;
    const lease = pool.lease(host('web-01'));
    made[0]!.gate = new Promise((resolve) => (open = resolve));
    const both = Promise.all([a.connect(), lease.connect(), a.connect()]);
    open();
    await both;
    expect(made[0]!.connects).toBe(1);
  });

  it('does not keep a failed connect: the next connect tries again on a fresh transport', async () => {
    const { made, pool } = fakes();
    const t = pool.lease(host('web-01'));
    made[0]!.failNext = new Error('unreachable');
    await expect(t.connect()).rejects.toThrow('unreachable');
    await t.connect();
    expect(made).toHaveLength(2);
    expect(made[0]!.closes).toBe(1);
    expect(made[1]!.connects).toBe(1);
    expect((await t.exec('true')).stdout).toBe('web-01#1: true');
  });

  it('ignores close() on a lease: the connection stays for the next user', async () => {
    const { made, pool } = fakes();
    const t = pool.lease(host('web-01'));
    await t.connect();
    await t.close();
    await pool.lease(host('web-01')).connect();
    expect(made[0]).toMatchObject({ connects: 1, closes: 0, open: true });
  });

  it('closes every underlying transport exactly once on closeAll, even when a close fails', async () => {
    const { made, pool } = fakes();
    await pool.lease(host('web-01')).connect();
    await pool.lease(host('web-02')).connect();
    made[1]!.close = () => {
      made[1]!.closes++;
      return Promise.reject(new Error('boom'));
    };
    await pool.closeAll();
    await pool.closeAll();
    expect(made.map((m) => m.closes)).toEqual([1, 1]);
    expect(() => pool.lease(host('web-01'))).toThrow(/after the pool closed/);
  });

  it('waits for a connect in flight before closing, so nothing stays open', async () => {
    const { made, pool } = fakes();
    const t = pool.lease(host('web-01'));
    let open!: () => void;
    made[0]!.gate = new Promise((resolve) => (open = resolve));
    const connecting = t.connect();
    const closing = pool.closeAll();
    open();
    await connecting;
    await closing;
    expect(made[0]).toMatchObject({ connects: 1, closes: 1, open: false });
  });

  it('reconnects on a fresh transport once the connection was lost, and closes the old one', async () => {
    const { made, pool } = fakes();
    const held = pool.lease(host('web-01'));
    await held.connect();
    made[0]!.drop();
    expect(held.isOpen).toBe(false);
    await pool.lease(host('web-01')).connect();
    expect(made).toHaveLength(2);
    expect(made[0]!.closes).toBe(1);
    // A lease taken before the drop uses the new connection too.
    expect((await held.exec('true')).stdout).toBe('web-01#1: true');
    await pool.closeAll();
    expect(made.map((m) => m.closes)).toEqual([1, 1]);
  });

  it('closes the pool when the function given to withTransportPool throws', async () => {
    const made: FakeTransport[] = [];
    await expect(
      withTransportPool(
        async (pool) => {
          await pool.lease(host('web-01')).connect();
          throw new Error('gate failed');
        },
        (h) => {
          const t = new FakeTransport(h.name);
          made.push(t);
          return t;
        },
      ),
    ).rejects.toThrow('gate failed');
    expect(made[0]!.closes).toBe(1);
  });

  it.each(['ssh', 'powershell-ssh', 'pwsh-remoting', 'local'] as const)(
    'wraps the real %s transport with its target and shell',
    async (kind) => {
      const real = createTransport(host('web-03', kind));
      const pool = new TransportPool();
      const t = pool.lease(host('web-03', kind));
      expect([t.target, t.shell]).toEqual([real.target, real.shell]);
      await pool.closeAll();
    },
  );

  it('runs a real local transport through a lease', async () => {
    await withTransportPool(async (pool) => {
      const t = pool.lease(host('here', 'local'));
      await t.connect();
      const r = await t.exec('echo hi');
      expect([r.exitCode, r.stdout]).toEqual([0, 'hi\n']);
    });
  });
});

describe('TransportPool with a connection limit', () => {
  it('keeps at most maxOpen connections open while hosts connect one after another', async () => {
    const { made, pool } = fakes({ maxOpen: 2 });
    for (const n of [1, 2, 3, 4, 5]) {
      await pool.lease(host(`web-0${n}`)).connect();
      expect(openTargets(made).length).toBeLessThanOrEqual(2);
    }
    expect(openTargets(made)).toEqual(['web-04#0', 'web-05#0']);
    expect(made.filter((m) => m.target.endsWith('#0')).map((m) => m.closes)).toEqual([
      1, 1, 1, 0, 0,
    ]);
    await pool.closeAll();
    expect(openTargets(made)).toEqual([]);
    expect(made.every((m) => m.closes === 1)).toBe(true);
  });

  it('closes the least-recently-used idle connection, not the first one opened', async () => {
    const { made, pool } = fakes({ maxOpen: 2 });
    const first = pool.lease(host('web-01'));
    await first.connect();
    await pool.lease(host('web-02')).connect();
    await first.exec('true');
    await pool.lease(host('web-03')).connect();
    expect(openTargets(made)).toEqual(['web-01#0', 'web-03#0']);
    expect(made.find((m) => m.target === 'web-02#0')!.closes).toBe(1);
  });

  it('never closes a connection with an exec in flight: goes over the limit, then back within it', async () => {
    const { made, pool } = fakes({ maxOpen: 2 });
    const a = pool.lease(host('web-01'));
    const b = pool.lease(host('web-02'));
    await a.connect();
    await b.connect();
    const holdA = latch();
    const holdB = latch();
    made[0]!.execGate = holdA.promise;
    made[1]!.execGate = holdB.promise;
    const runA = a.exec('slow a');
    const runB = b.exec('slow b');
    await pool.lease(host('web-03')).connect();
    // Both busy and the third just connected: nothing may be closed, so three stay open.
    expect(openTargets(made)).toEqual(['web-01#0', 'web-02#0', 'web-03#0']);
    holdA.release();
    expect((await runA).stdout).toBe('web-01#0: slow a');
    // Back within the limit as soon as one finished: web-03 was used least recently of the idle.
    expect(openTargets(made)).toEqual(['web-01#0', 'web-02#0']);
    holdB.release();
    expect((await runB).stdout).toBe('web-02#0: slow b');
    expect(made.slice(0, 2).map((m) => m.closes)).toEqual([0, 0]);
    expect(openTargets(made)).toEqual(['web-01#0', 'web-02#0']);
  });

  it('reconnects a lease whose connection was closed on its next exec, on a fresh transport', async () => {
    const { made, pool } = fakes({ maxOpen: 1 });
    const a = pool.lease(host('web-01'));
    await a.connect();
    await pool.lease(host('web-02')).connect();
    expect(made[0]).toMatchObject({ target: 'web-01#0', open: false, closes: 1 });
    expect(a.isOpen).toBe(false);
    expect((await a.exec('true')).stdout).toBe('web-01#1: true');
    expect(made.find((m) => m.target === 'web-01#1')).toMatchObject({ connects: 1, open: true });
    expect(a.isOpen).toBe(true);
    expect(openTargets(made)).toEqual(['web-01#1']);
  });

  it("reconnects with the operation's signal for putFile and remove", async () => {
    const { made, pool } = fakes({ maxOpen: 1 });
    const a = pool.lease(host('web-01'));
    const b = pool.lease(host('web-02'));
    await a.connect();
    await b.connect();
    const put = new AbortController().signal;
    await a.putFile('/tmp/x', 'data', { mode: 0o600, signal: put });
    const rm = new AbortController().signal;
    await b.remove('/tmp/x', rm);
    expect(made.find((m) => m.target === 'web-01#1')!.connectSignals).toEqual([put]);
    expect(made.find((m) => m.target === 'web-02#1')!.connectSignals).toEqual([rm]);
  });

  it("fails the operation with the reconnect's error, and tries again on the next one", async () => {
    const { made, pool } = fakes({ maxOpen: 1 });
    const a = pool.lease(host('web-01'));
    await a.connect();
    await pool.lease(host('web-02')).connect();
    made.find((m) => m.target === 'web-01#1')!.failNext = new Error('unreachable');
    await expect(a.exec('true')).rejects.toThrow('unreachable');
    expect((await a.exec('true')).stdout).toBe('web-01#2: true');
  });

  it('takes the default limit from the open-file limit and the environment when none is given', () => {
    const { pool } = fakes();
    expect(pool.maxOpen).toBe(
      defaultMaxOpen(readFileSync('/proc/self/limits', 'utf8'), process.env),
    );
  });

  describe('with CERTROLL_MAX_CONNECTIONS set', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it('uses it for a pool made without a limit', () => {
      vi.stubEnv('CERTROLL_MAX_CONNECTIONS', '37');
      expect(fakes().pool.maxOpen).toBe(37);
    });

    it('refuses an invalid value when the pool is made', () => {
      vi.stubEnv('CERTROLL_MAX_CONNECTIONS', 'many');
      expect(() => fakes()).toThrow(/CERTROLL_MAX_CONNECTIONS="many"/);
    });
  });
});

/** A `/proc/self/limits` as Linux writes it, with the given "Max open files" limits. */
function limitsText(soft: string, hard: string): string {
  const row = (name: string, s: string, h: string, units: string) =>
    `${name.padEnd(26)}${s.padEnd(21)}${h.padEnd(21)}${units}`.padEnd(66);
  return [
    row('Limit', 'Soft Limit', 'Hard Limit', 'Units'),
    row('Max cpu time', 'unlimited', 'unlimited', 'seconds'),
    row('Max processes', '96365', '96365', 'processes'),
    row('Max open files', soft, hard, 'files'),
    row('Max locked memory', '8388608', '8388608', 'bytes'),
    '',
  ].join('\n');
}

describe('defaultMaxOpen', () => {
  it.each([
    ['1024', '524288', 448],
    ['1048576', '1048576', 524224],
    ['unlimited', 'unlimited', 1024],
    ['40', '4096', 16],
  ])('takes a soft limit of %s (hard %s) to %i connections', (soft, hard, expected) => {
    expect(defaultMaxOpen(limitsText(soft, hard), {})).toBe(expected);
  });

  it('uses 1024 connections where the limits cannot be read or name no open-file limit', () => {
    expect(defaultMaxOpen(undefined, {})).toBe(1024);
    expect(defaultMaxOpen('Limit  Soft Limit  Hard Limit  Units\n', {})).toBe(1024);
  });

  it('lets CERTROLL_MAX_CONNECTIONS override the limit, and ignores it when empty', () => {
    const text = limitsText('1024', '1024');
    expect(defaultMaxOpen(text, { CERTROLL_MAX_CONNECTIONS: '5000' })).toBe(5000);
    expect(defaultMaxOpen(undefined, { CERTROLL_MAX_CONNECTIONS: '1' })).toBe(1);
    expect(defaultMaxOpen(text, { CERTROLL_MAX_CONNECTIONS: '' })).toBe(448);
  });

  it.each(['0', '-3', '1.5', '12abc', 'lots', '1e3'])(
    'refuses CERTROLL_MAX_CONNECTIONS=%s as a USAGE error naming the value',
    (value) => {
      let thrown: unknown;
      try {
        defaultMaxOpen(undefined, { CERTROLL_MAX_CONNECTIONS: value });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CertrollError);
      expect(thrown).toMatchObject({ code: 'USAGE' });
      expect((thrown as CertrollError).message).toContain(`"${value}"`);
      expect((thrown as CertrollError).message).toContain('positive integer');
      expect((thrown as CertrollError).hint).toContain('CERTROLL_MAX_CONNECTIONS');
    },
  );
});
