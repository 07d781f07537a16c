// The socket side of a net.tcp probe: TCP connect, the [MC-NMF] preamble with the ssl-tls upgrade
// (src/probe/nmf.ts), and the server's Upgrade Response; the caller then runs TLS over the same
// socket. Bounded by the probe's deadline; every failure comes back classified, never thrown.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { classifyError } from './classify-error.js';
import { defaultVia, readUpgradeReply, sslTlsPreamble } from './nmf.js';
import { type ProbeFailureDetail, type ProbeTarget } from './types.js';

/** A reply to the preamble longer than this is not a framing server's. */
const MAX_REPLY_BYTES = 8192;

export type Upgraded =
  | { readonly ok: true; readonly socket: Socket; readonly tcpAt: number }
  | { readonly ok: false; readonly failure: ProbeFailureDetail };

export function viaOf(target: ProbeTarget): string {
  return target.via ?? defaultVia(target.sni ?? target.checkName ?? target.address, target.port);
}

/** Connects and upgrades to TLS by .NET Message Framing; resolves by `deadline` (performance.now()). */
export function netTcpUpgrade(
  target: ProbeTarget,
  deadline: number,
  signal?: AbortSignal,
): Promise<Upgraded> {
  return new Promise((resolve) => {
    let tcpAt: number | undefined;
    let settled = false;
    let reply = Buffer.alloc(0);
    const socket = connect({ host: target.address, port: target.port, noDelay: true });
    const finish = (r: Upgraded): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      if (!r.ok) socket.destroy();
      resolve(r);
    };
    const fail = (kind: ProbeFailureDetail['kind'], code: string, message: string): void =>
      finish({ ok: false, failure: { kind, code, phase: tcpAt ? 'tls' : 'tcp', message } });
    const onAbort = (): void => fail('aborted', 'ABORT_ERR', 'probe aborted');
    const timer = setTimeout(
      () =>
        fail(
          'timeout',
          'ETIMEDOUT',
          tcpAt
            ? 'TCP connected but no .NET Message Framing upgrade response in time'
            : 'no TCP connection in time',
        ),
      Math.max(1, deadline - performance.now()),
    );
    function onData(chunk: Buffer): void {
      reply = Buffer.concat([reply, chunk]);
      const r = readUpgradeReply(reply);
      if (r.kind === 'incomplete' && reply.length <= MAX_REPLY_BYTES) return;
      if (r.kind === 'upgraded') {
        socket.pause();
        // Nothing may follow the Upgrade Response before the client's TLS hello.
        if (reply.length > r.consumed) socket.unshift(reply.subarray(r.consumed));
        return finish({ ok: true, socket, tcpAt: tcpAt ?? performance.now() });
      }
      if (r.kind === 'fault')
        return fail(
          'not-tls',
          'NMF_FAULT',
          `the net.tcp server refused the TLS upgrade: ${r.fault}`,
        );
      const first = r.kind === 'unexpected' ? r.first : reply[0];
      fail(
        'not-tls',
        'NMF_UNEXPECTED',
        `the peer does not speak .NET Message Framing (first byte 0x${(first ?? 0).toString(16).padStart(2, '0')} after the preamble)`,
      );
    }
    if (signal?.aborted === true) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      tcpAt = performance.now();
      socket.write(sslTlsPreamble(viaOf(target)));
    });
    socket.on('data', onData);
    socket.on('error', (e) => {
      if (settled) return;
      finish({ ok: false, failure: classifyError(e, tcpAt !== undefined) });
    });
    socket.once('close', () =>
      fail(
        'reset',
        'ECONNRESET',
        tcpAt
          ? 'the peer closed the connection without answering the .NET Message Framing preamble: the port may not speak net.tcp'
          : 'connection closed before TCP connected',
      ),
    );
  });
}
