import { describe, expect, it } from 'vitest';
import { type Host } from '../../../src/inventory/model.js';
import { createTransport } from '../../../src/transport/factory.js';
import { TransportPool, withTransportPool } from '../../../src/transport/pool.js';
import { type Transport } from '../../../src/transport/types.js';
import { testHost } from './hosts.js';

const host = testHost;

/** A transport that counts its connects and closes; `drop()` loses the connection. */
class FakeTransport implements Transport {
  readonly shell = 'sh' as const;
  connects = 0;
  closes = 0;
  open = false;
  failNext: Error | undefined;
  gate: Promise<void> = Promise.resolve();
  constructor(readonly target: string) {}
  get isOpen(): boolean {
    return this.open;
  }
  async connect(): Promise<void> {
    this.connects++;
    await this.gate;
    if (this.failNext !== undefined) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    this.open = true;
  }
  exec(script: string) {
    if (!this.open) return Promise.reject(new Error('not connected'));
    return Promise.resolve({
      exitCode: 0,
      stdout: `${this.target}: ${script}`,
      stderr: '',
      durationMs: 0,
    });
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

function fakes() {
  const made: FakeTransport[] = [];
  const create = (h: Host): FakeTransport => {
    const t = new FakeTransport(
      `${h.name}#${made.filter((m) => m.target.startsWith(`${h.name}#`)).length}`,
    );
    made.push(t);
    return t;
  };
  return { made, pool: new TransportPool(create) };
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
