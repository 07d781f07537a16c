// Opens one SSH connection (node-ssh over ssh2) with certroll's policy: the host key is checked in
// the key exchange (ssh2 accepts any key unless told otherwise), authentication only starts after
// that check passed, and the attempt is bounded by readyTimeout and an AbortSignal.
import { readFile } from 'node:fs/promises';
import { type Duplex } from 'node:stream';
import { NodeSSH, type Config } from 'node-ssh';
// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take them off the default.
import ssh2, { type AnyAuthMethod, type Client as SshClient } from 'ssh2';

const { utils } = ssh2;
import { CertrollError } from '../../errors.js';
import { aborted, classifySshError, transportError } from '../classify.js';
import { loadHostKeyCheck, type HostKeyPolicy } from '../host-key.js';
import {
  CLOSED_IN_HANDSHAKE,
  connectRetryable,
  markRetryable,
  withConnectRetry,
} from './connect-retry.js';
import { keyscanCertificates } from './keyscan.js';

export interface SshConnectOptions {
  readonly target: string;
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly hostKey: HostKeyPolicy;
  readonly identityFile?: string;
  readonly passphrase?: string;
  readonly password?: string;
  /** SSH_AUTH_SOCK, used when there is no identity file. */
  readonly agentSocket?: string;
  /**
   * Key files from ssh_config's IdentityFile, offered after the agent's keys when there is no
   * `identityFile`; without them, `defaultIdentityFiles`. Missing or unusable ones are skipped,
   * as OpenSSH skips them.
   */
  readonly identityFiles?: readonly string[];
  readonly defaultIdentityFiles?: readonly string[];
  /** ssh_config's IdentitiesOnly: the agent's keys are not offered. */
  readonly identitiesOnly?: boolean;
  /** Jump hosts, first to last: each is connected (its host key verified) through the one before. */
  readonly jumps?: readonly SshConnectOptions[];
  /** A stream to the server already open (a jump host's forwarded channel). */
  readonly sock?: Duplex;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
}

/** What happened during the handshake, for tests and messages. */
export interface SshHandshakeTrace {
  verifierRan: boolean;
  hostKeyRefused: boolean;
  authStarted: boolean;
}

async function authMethods(opts: SshConnectOptions): Promise<AnyAuthMethod[]> {
  const username = opts.username;
  const methods: AnyAuthMethod[] = [];
  const skipped: string[] = [];
  if (opts.identityFile !== undefined) {
    // The inventory's identityFile is the one key used: a problem with it is an error.
    methods.push({ type: 'publickey', username, key: await inventoryKey(opts, opts.identityFile) });
  } else {
    if (opts.agentSocket !== undefined && opts.agentSocket !== '' && opts.identitiesOnly !== true) {
      methods.push({ type: 'agent', username, agent: opts.agentSocket });
    }
    for (const file of opts.identityFiles ?? opts.defaultIdentityFiles ?? []) {
      const key = await optionalKey(file, opts.passphrase);
      if (typeof key === 'string') skipped.push(key);
      else methods.push({ type: 'publickey', username, key });
    }
  }
  if (opts.password !== undefined)
    methods.push({ type: 'password', username, password: opts.password });
  if (methods.length === 0) {
    const tried = skipped.length === 0 ? '' : ` (skipped: ${skipped.join('; ')})`;
    throw transportError(
      'TRANSPORT_AUTH',
      opts.target,
      `no SSH credentials: no identity file, no SSH agent (SSH_AUTH_SOCK) and no password${tried}.`,
      'Set identityFile for the host, IdentityFile in ~/.ssh/config, or start an SSH agent.',
    );
  }
  return methods;
}

type ParsedKey = Exclude<ReturnType<typeof utils.parseKey>, Error>;

async function inventoryKey(opts: SshConnectOptions, file: string): Promise<ParsedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw transportError(
      'TRANSPORT_AUTH',
      opts.target,
      `cannot read SSH identity file ${file} (${(error as Error).message}).`,
      'Check identityFile in the inventory.',
      error,
    );
  }
  const key = utils.parseKey(data, opts.passphrase);
  if (key instanceof Error) {
    throw transportError(
      'TRANSPORT_AUTH',
      opts.target,
      `cannot use SSH identity file ${file} (${key.message}).`,
      'If the key is encrypted, set identityPassphrase; check that the file is a private key.',
    );
  }
  return key;
}

// An ssh_config or default key file: one that is missing, or encrypted without a passphrase,
// is skipped (OpenSSH would ask; certroll never prompts), and named if nothing else works.
async function optionalKey(file: string, passphrase?: string): Promise<ParsedKey | string> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    return `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  const key = utils.parseKey(data, passphrase);
  return key instanceof Error ? `${file}: ${key.message}` : key;
}

/**
 * Connects to the host, through its jump hosts when it has some: each hop is a full SSH
 * connection with certroll's host key check, the next one carried on a channel it forwards
 * (direct-tcpip), so certroll itself never opens a socket to a host behind a jump host.
 */
export async function openSsh(
  opts: SshConnectOptions,
  signal?: AbortSignal,
  trace: SshHandshakeTrace = { verifierRan: false, hostKeyRefused: false, authStarted: false },
): Promise<NodeSSH> {
  const hops = opts.jumps ?? [];
  if (hops.length === 0) return await openOne(opts, signal, trace);
  const opened: NodeSSH[] = [];
  const closeHops = (): void => {
    for (const ssh of opened.splice(0).reverse()) ssh.dispose();
  };
  try {
    let sock: Duplex | undefined;
    for (const [i, hop] of hops.entries()) {
      const ssh = await openOne({ ...hop, ...(sock !== undefined && { sock }) }, signal);
      opened.push(ssh);
      const next = hops[i + 1] ?? opts;
      sock = await forward(ssh, hop.target, next);
    }
    const target = await openOne({ ...opts, ...(sock !== undefined && { sock }) }, signal, trace);
    // The jump connections live as long as the host's: closing it closes them.
    target.connection?.once('close', closeHops);
    return target;
  } catch (error) {
    closeHops();
    throw error;
  }
}

async function forward(via: NodeSSH, viaTarget: string, next: SshConnectOptions): Promise<Duplex> {
  try {
    return await via.forwardOut('127.0.0.1', 0, next.address, next.port);
  } catch (error) {
    throw transportError(
      'TRANSPORT_UNREACHABLE',
      next.target,
      `the jump host ${viaTarget} could not open a connection to ${next.address}:${next.port} (${(error as Error).message}).`,
      'Check that the jump host reaches that address and port, and that its sshd allows TCP forwarding (AllowTcpForwarding).',
      error,
    );
  }
}

/** One connection, attempted again (bounded) when a network cuts it mid-handshake. */
async function openOne(
  opts: SshConnectOptions,
  signal?: AbortSignal,
  trace: SshHandshakeTrace = { verifierRan: false, hostKeyRefused: false, authStarted: false },
): Promise<NodeSSH> {
  return await withConnectRetry(signal, () => {
    // The trace tells of the last attempt.
    Object.assign(trace, { verifierRan: false, hostKeyRefused: false, authStarted: false });
    return openOnce(opts, signal, trace);
  });
}

async function openOnce(
  opts: SshConnectOptions,
  signal: AbortSignal | undefined,
  trace: SshHandshakeTrace,
): Promise<NodeSSH> {
  if (isAborted(signal)) throw aborted(opts.target, 'SSH connection');
  const check = await loadHostKeyCheck(opts.address, opts.port, opts.hostKey, {
    target: opts.target,
    fetch: keyscanCertificates,
    timeoutMs: opts.connectTimeoutMs,
    viaJump: opts.sock !== undefined,
    ...(signal !== undefined ? { signal } : {}),
  });
  const methods = await authMethods(opts);
  // The reads above may have taken a while; an abort during them must still count.
  if (isAborted(signal)) throw aborted(opts.target, 'SSH connection');
  // node-ssh hands this config to ssh2 untouched. Credentials go through authHandler, not
  // node-ssh's privateKey/privateKeyPath/password: the key is parsed above with a certroll error
  // naming the file, methods are offered in certroll's order, and the trace sees auth start.
  const config: Config = {
    ...(opts.sock === undefined ? { host: opts.address, port: opts.port } : { sock: opts.sock }),
    username: opts.username,
    readyTimeout: opts.connectTimeoutMs,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    hostVerifier: (blob: Buffer): boolean => {
      trace.verifierRan = true;
      const ok = check.verify(blob);
      trace.hostKeyRefused = !ok;
      return ok;
    },
    authHandler: (_left, _partial, next) => {
      trace.authStarted = true;
      // ssh2 ends authentication when handed `false`; its types only list methods.
      next(methods.shift() ?? (false as unknown as AnyAuthMethod));
    },
    ...(check.algorithms === undefined
      ? {}
      : { algorithms: { serverHostKey: check.algorithms as never } }),
  };
  const ssh = new NodeSSH();
  const ready = ssh.connect(config);
  const client = startedClient(ssh, opts.target, ready);
  return await new Promise<NodeSSH>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve(ssh);
        return;
      }
      ssh.dispose();
      const classified = classifySshError(error, {
        target: opts.target,
        verdict: check.verdict(),
        hostKeyRefused: trace.hostKeyRefused,
        connectTimeoutMs: opts.connectTimeoutMs,
      });
      if (connectRetryable(error, trace, opts.sock !== undefined)) markRetryable(classified);
      reject(classified);
    };
    const onAbort = (): void => finish(aborted(opts.target, 'SSH connection'));
    signal?.addEventListener('abort', onAbort, { once: true });
    // Our own listeners on the ssh2 connection run before node-ssh's promise settles, so the
    // raw error (its `level`) is what gets classified. They also stay after 'ready': node-ssh
    // drops its 'error' listener then, and an 'error' nobody listens for would crash the process.
    client.on('error', (error) => finish(error));
    // node-ssh reports a close during the handshake as ETIMEDOUT, which would read as a timeout.
    client.once('close', () => finish(new Error(CLOSED_IN_HANDSHAKE)));
    ready.then(
      () => finish(undefined),
      (error: unknown) => finish(error),
    );
  });
}

/**
 * The ssh2 Client node-ssh just created. connect() builds it and calls its connect() before its
 * first await when the config holds no privateKeyPath, so it is there as connect() returns. We
 * reach it because node-ssh has no API for: Nagle off, an abort during the handshake, and an
 * 'error' listener that outlives the handshake.
 */
function startedClient(ssh: NodeSSH, target: string, ready: Promise<unknown>): SshClient {
  const client = ssh.connection;
  if (client === null) {
    // Whatever connect() does later, do not leave a connection or a rejection behind.
    ready.then(
      () => ssh.dispose(),
      () => undefined,
    );
    throw new CertrollError(
      'INTERNAL',
      `${target}: node-ssh did not start its ssh2 connection synchronously (a node-ssh upgrade?)`,
    );
  }
  // Without this, Nagle's algorithm holds each small SSH packet back for an ACK: about 90 ms
  // per remote command on an open connection instead of 3-5 ms (measured on the lab).
  client.setNoDelay(true);
  // node-ssh adds an 'error' listener per command while its channel opens; with 8 commands and
  // the kills of stopped ones that passes Node's default warning threshold of 10.
  client.setMaxListeners(64);
  return client;
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
