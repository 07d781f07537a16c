import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type SecureContext, type TLSSocket, connect, createSecureContext } from 'node:tls';
import { type X509Certificate } from 'node:crypto';
import { CertrollError } from '../errors.js';
import { classifyError } from './classify-error.js';
import { chainOf, summarise } from './cert-summary.js';
import { netTcpUpgrade } from './nettcp.js';
import { sniffPeer } from './sniff.js';
import {
  DEFAULT_TIMEOUT_MS,
  type NameVerdict,
  type ProbeFailureDetail,
  type ProbeOptions,
  type ProbeResult,
  type ProbeTarget,
} from './types.js';

// One secure context per trust list, built once: building it per connection (parsing the CA PEM,
// a new X509 store) costs more than the rest of the client side of a handshake. Sharing it
// cannot resume sessions: Node keeps no client session cache in a context, a session is reused
// only when passed as `session`, which the probe never does.
const contexts = new WeakMap<readonly string[], SecureContext>();
let defaultContext: SecureContext | undefined;

function contextFor(trust: readonly string[] | undefined): SecureContext {
  if (trust === undefined) return (defaultContext ??= createSecureContext({}));
  let ctx = contexts.get(trust);
  if (ctx === undefined) {
    ctx = createSecureContext({ ca: [...trust] });
    contexts.set(trust, ctx);
  }
  return ctx;
}

// Node's own name check runs only when asked; certroll checks names itself, separately from
// the chain, so that "untrusted" and "wrong name" are two verdicts rather than one string.
const skipNodeNameCheck = (): undefined => undefined;

function nameVerdict(leaf: X509Certificate, target: ProbeTarget): NameVerdict {
  const name = target.sni ?? target.checkName ?? target.address;
  const matched = isIP(name) !== 0 ? leaf.checkIP(name) : leaf.checkHost(name);
  return matched !== undefined
    ? { name, matches: true }
    : { name, matches: false, reason: `certificate is not valid for ${name}` };
}

/**
 * One fresh TCP connection and full TLS handshake to `address:port` with the target's SNI:
 * no session is offered, no agent or keep-alive is involved. Never throws for network trouble;
 * every failure comes back classified.
 */
export function probe(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  if (target.sni !== null && isIP(target.sni) !== 0) {
    throw new CertrollError('USAGE', `SNI must be a DNS name, not the IP address ${target.sni}`, {
      hint: 'Clients never send an IP address as SNI; probe with sni: none instead.',
    });
  }
  return target.protocol === 'nettcp' ? probeNetTcp(target, options) : handshake(target, options);
}

/**
 * net.tcp (Business Central's client services port): TLS starts inside .NET Message Framing, after
 * the preamble and its upgrade response, so a plain handshake can never reach the certificate.
 */
async function probeNetTcp(target: ProbeTarget, options: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const at = new Date().toISOString();
  const start = performance.now();
  const up = await netTcpUpgrade(target, start + timeoutMs, options.signal);
  if (!up.ok)
    return { ok: false, target, failure: up.failure, elapsedMs: performance.now() - start, at };
  return handshake(
    target,
    { ...options, sniffNotTls: false },
    { socket: up.socket, start, tcpAt: up.tcpAt, at },
  );
}

/** A TCP connection already opened (and upgraded) for the handshake, with its timings. */
interface Opened {
  readonly socket: Socket;
  readonly start: number;
  readonly tcpAt: number;
  readonly at: string;
}

function handshake(
  target: ProbeTarget,
  options: ProbeOptions,
  opened?: Opened,
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const at = opened?.at ?? new Date().toISOString();
  const start = opened?.start ?? performance.now();
  return new Promise((resolve) => {
    let tcpAt: number | undefined = opened?.tcpAt;
    let settled = false;
    const socket = connect({
      ...(opened !== undefined
        ? { socket: opened.socket }
        : { host: target.address, port: target.port }),
      // An empty servername sends no SNI even when address is a host name.
      servername: target.sni ?? '',
      rejectUnauthorized: false,
      checkServerIdentity: skipNodeNameCheck,
      secureContext: contextFor(options.trust),
    });
    const fail = (failure: ProbeFailureDetail): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({ ok: false, target, failure, elapsedMs: performance.now() - start, at });
    };
    const failClassified = (error: unknown): void => {
      if (settled) return;
      const failure = classifyError(error, tcpAt !== undefined);
      if (failure.kind !== 'not-tls' || options.sniffNotTls === false) return fail(failure);
      settled = true;
      cleanup();
      const left = Math.max(200, timeoutMs - (performance.now() - start));
      void sniffPeer(target, left, options.signal).then((bytes) =>
        resolve({
          ok: false,
          target,
          failure: withPeerBytes(failure, bytes),
          elapsedMs: performance.now() - start,
          at,
        }),
      );
    };
    const onAbort = (): void => fail(abortedFailure(tcpAt));
    const timer = setTimeout(
      () => fail(timeoutFailure(tcpAt !== undefined, timeoutMs)),
      Math.max(1, start + timeoutMs - performance.now()),
    );
    function cleanup(): void {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      opened?.socket.destroy();
    }
    if (options.signal?.aborted === true) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    socket.once('connect', () => {
      tcpAt = performance.now();
    });
    socket.on('error', failClassified);
    socket.once('close', () => fail(closedFailure(tcpAt)));
    socket.once('secureConnect', () => {
      if (settled) return;
      const result = secureResult(socket, target, start, tcpAt, at);
      if (result === undefined) return fail(noCertificate());
      settled = true;
      cleanup();
      resolve(result);
    });
  });
}

// The failures and the result of one handshake, built where they happen (handshake above).

/** `tcpAt` truthy: the TCP connection was open, so the TLS phase failed. */
const phaseOf = (tcpAt: number | undefined): 'tls' | 'tcp' => (tcpAt ? 'tls' : 'tcp');

function abortedFailure(tcpAt: number | undefined): ProbeFailureDetail {
  return { kind: 'aborted', code: 'ABORT_ERR', phase: phaseOf(tcpAt), message: 'probe aborted' };
}

function closedFailure(tcpAt: number | undefined): ProbeFailureDetail {
  return {
    kind: 'reset',
    code: 'ECONNRESET',
    phase: phaseOf(tcpAt),
    message: 'connection closed before the TLS handshake finished',
  };
}

function timeoutFailure(open: boolean, timeoutMs: number): ProbeFailureDetail {
  return {
    kind: 'timeout',
    code: 'ETIMEDOUT',
    phase: open ? 'tls' : 'tcp',
    message: open
      ? `TCP connected but no TLS handshake answer within ${timeoutMs} ms`
      : `no TCP connection within ${timeoutMs} ms`,
  };
}

function noCertificate(): ProbeFailureDetail {
  return {
    kind: 'error',
    code: 'NO_CERTIFICATE',
    phase: 'tls',
    message: 'the server sent no certificate',
  };
}

/** A peer that is not TLS, with what it sent first (a plain HTTP server's answer, say). */
function withPeerBytes(failure: ProbeFailureDetail, bytes: string | undefined): ProbeFailureDetail {
  return bytes === undefined
    ? failure
    : { ...failure, peerBytes: bytes, message: `${failure.message}; peer sent "${bytes}"` };
}

/** What the finished handshake showed, or undefined when the server sent no certificate. */
function secureResult(
  socket: TLSSocket,
  target: ProbeTarget,
  start: number,
  tcpAt: number | undefined,
  at: string,
): ProbeResult | undefined {
  const end = performance.now();
  const leafX509 = socket.getPeerX509Certificate();
  if (leafX509 === undefined) return undefined;
  const reason = socket.authorizationError;
  const cipher = socket.getCipher();
  return {
    ok: true,
    target,
    leaf: summarise(leafX509),
    chain: chainOf(leafX509).map(summarise),
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher.standardName || cipher.name,
    trust: socket.authorized
      ? { trusted: true }
      : {
          trusted: false,
          reason:
            reason instanceof Error
              ? ((reason as NodeJS.ErrnoException).code ?? reason.message)
              : String(reason),
        },
    name: nameVerdict(leafX509, target),
    sessionReused: socket.isSessionReused(),
    connectMs: (tcpAt ?? end) - start,
    handshakeMs: end - (tcpAt ?? start),
    at,
  };
}
