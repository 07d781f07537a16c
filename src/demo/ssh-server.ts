// An in-process SSH server for the demo: one per demo host, on 127.0.0.1, with its own host key.
// Public-key authentication only, for one user and one key; `exec` runs the command with
// `/bin/sh -c` in the host's sandbox folder. No pty, no shell, no sftp, no forwarding.
import { spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { userInfo } from 'node:os';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take them off the default.
import ssh2, { type AuthContext, type Connection, type ParsedKey, type ServerChannel } from 'ssh2';

const { Server, utils } = ssh2;

/** Channels one connection may have open at once; certroll uses a handful. */
const MAX_CHANNELS = 16;
const MAX_CONNECTIONS = 32;

export interface DemoSshOptions {
  /** The host's private key, OpenSSH format. */
  readonly hostKey: string;
  /** The only user name accepted. */
  readonly user: string;
  /** The only client public key accepted, `ssh-ed25519 AAAA...`. */
  readonly authorizedKey: string;
  /** cwd and HOME of every command. */
  readonly sandbox: string;
  readonly address?: string;
  /** Folders put before PATH for every command (the Windows demo's `powershell`). */
  readonly pathPrefix?: readonly string[];
}

export interface DemoSshServer {
  readonly port: number;
  readonly address: string;
  /** Commands run so far (for the narration and tests). */
  readonly commands: () => number;
  /** Authentication requests received (a refused host key must leave this at 0). */
  readonly authAttempts: () => number;
  close(timeoutMs?: number): Promise<void>;
}

function keysEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startSshServer(o: DemoSshOptions): Promise<DemoSshServer> {
  const allowed = utils.parseKey(o.authorizedKey);
  if (allowed instanceof Error) throw allowed;
  const allowedBlob = allowed.getPublicSSH();
  const connections = new Set<Connection>();
  const children = new Set<ChildProcess>();
  let count = 0;
  let auths = 0;

  const server = new Server({ hostKeys: [o.hostKey] }, (conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => {
      auths++;
      authenticate(ctx, o.user, allowed, allowedBlob);
    });
    conn.on('ready', () =>
      serveSessions(conn, o, children, () => {
        count++;
      }),
    );
  });
  const address = o.address ?? '127.0.0.1';
  const { listener, sockets, port } = await listen(server, address);

  return {
    port,
    address,
    commands: () => count,
    authAttempts: () => auths,
    async close(timeoutMs = 3_000) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const c of connections) c.end();
      for (const child of children) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([closed, timeout]);
      clearTimeout(timer);
      // Peers that did not answer the goodbye in time are cut off.
      for (const s of sockets) s.destroy();
    },
  };
}

/** Public key only, for the one user and the one key; a signature proves the key is held. */
function authenticate(
  ctx: AuthContext,
  user: string,
  allowed: ParsedKey,
  allowedBlob: Buffer,
): void {
  if (ctx.method !== 'publickey' || ctx.username !== user) {
    ctx.reject(['publickey']);
    return;
  }
  if (ctx.key.algo !== allowed.type || !keysEqual(ctx.key.data, allowedBlob)) {
    ctx.reject(['publickey']);
    return;
  }
  // Without a signature the client only asks whether the key would do.
  if (ctx.signature === undefined || ctx.blob === undefined) {
    ctx.accept();
    return;
  }
  if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) ctx.accept();
  else ctx.reject(['publickey']);
}

/** Session channels (at most MAX_CHANNELS at once) that take `exec` and signals, nothing else. */
function serveSessions(
  conn: Connection,
  o: DemoSshOptions,
  children: Set<ChildProcess>,
  onCommand: () => void,
): void {
  let open = 0;
  conn.on('session', (accept, reject) => {
    if (open >= MAX_CHANNELS) {
      reject();
      return;
    }
    open++;
    const session = accept();
    let child: ChildProcess | undefined;
    session.on('close', () => {
      open--;
    });
    session.on('signal', (acceptSignal, _reject, info) => {
      acceptSignal?.();
      const name = info.name.startsWith('SIG') ? info.name : `SIG${info.name}`;
      if (child?.pid !== undefined) killGroup(child.pid, name as NodeJS.Signals);
    });
    session.on('exec', (acceptExec, _reject, info) => {
      const channel = acceptExec();
      onCommand();
      child = runCommand(info.command, channel, o.sandbox, children, o.pathPrefix ?? []);
    });
    // ssh2 refuses every request nobody listens for: pty, shell, subsystems, env, x11.
  });
  // And with no 'tcpip' or 'request' listener, forwarding is refused too.
}

/** Our own listener, so that close() can cut off sockets whose peer does not say goodbye. */
async function listen(
  server: InstanceType<typeof Server>,
  address: string,
): Promise<{ listener: NetServer; sockets: Set<Socket>; port: number }> {
  const sockets = new Set<Socket>();
  const listener = createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Small request/answer packets: Nagle plus delayed ACKs would add ~40 ms to each.
    socket.setNoDelay(true);
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, address, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return { listener, sockets, port: (listener.address() as AddressInfo).port };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Each command leads its own process group (detached), so its children go with it.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function runCommand(
  command: string,
  channel: ServerChannel,
  sandbox: string,
  children: Set<ChildProcess>,
  pathPrefix: readonly string[],
): ChildProcess {
  const user = userInfo().username;
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: sandbox,
    // A session leader, as under sshd: certroll's remote kill signals the group `$$` announces.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      HOME: sandbox,
      PATH: [...pathPrefix, process.env['PATH'] ?? '/usr/bin:/bin'].join(':'),
      USER: user,
      LOGNAME: user,
      SHELL: '/bin/sh',
      LANG: 'C',
    },
  });
  children.add(child);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.stdin.on('error', () => undefined);
  channel.pipe(child.stdin);
  channel.on('error', () => undefined);
  // The client went away with the command still running: end it, as sshd's SIGHUP would.
  channel.on('close', () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      killGroup(child.pid, 'SIGTERM');
  });
  let finished = false;
  const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (finished) return;
    finished = true;
    children.delete(child);
    try {
      if (signal !== null) channel.exit(signal.replace(/^SIG/, ''), false, '');
      else channel.exit(code ?? 255);
      channel.end();
    } catch {
      // The channel is already closed.
    }
  };
  child.on('error', (e) => {
    channel.stderr.write(`demo ssh: ${e.message}\n`);
    finish(127, null);
  });
  // 'close' comes after stdout and stderr ended, so everything was written before the exit.
  child.on('close', finish);
  return child;
}
