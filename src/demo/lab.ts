// The demo lab: for every demo host a sandbox folder, an in-process SSH server with its own host
// key (written to a demo known_hosts), and a TLS endpoint per binding serving the files the
// playbooks write. Everything listens on loopback; close() stops all of it, bounded.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take them off the default.
import ssh2 from 'ssh2';
import { startSshServer, type DemoSshServer } from './ssh-server.js';
import { startTlsEndpoint, type TlsEndpoint } from './tls-endpoint.js';

const { utils } = ssh2;
const POLL_MS = 100;

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator writes a key that ssh2 itself cannot
 * parse about once in 250 tries ("Malformed OpenSSH private key"), so each key is parsed back
 * before use and a bad one replaced (bounded: ten bad keys in a row do not happen).
 */
export function generateSshKey(comment: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 10; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('could not generate a usable ed25519 key');
}

export interface LabBindingSpec {
  /** Short name, used for file names: `www` gives tls/www.crt, tls/www.key, reload-www. */
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LabHostSpec {
  readonly name: string;
  /** A loopback address of its own (the inventory wants one address per host). */
  readonly address: string;
  readonly bindings: readonly LabBindingSpec[];
}

export interface LabBinding {
  readonly name: string;
  readonly port: number;
  readonly certPath: string;
  readonly keyPath: string;
  /** Relative to the sandbox, which is the cwd of every command. */
  readonly reloadMarker: string;
  readonly endpoint: TlsEndpoint;
}

export interface LabHost {
  readonly name: string;
  readonly address: string;
  readonly sandbox: string;
  readonly stateDir: string;
  readonly ssh: DemoSshServer;
  readonly bindings: readonly LabBinding[];
}

export interface Lab {
  readonly dir: string;
  readonly user: string;
  readonly clientKeyPath: string;
  readonly knownHostsPath: string;
  readonly hosts: readonly LabHost[];
  /** Every port the lab listens on, as `address:port`. */
  readonly listening: () => string[];
  close(): Promise<void>;
}

export async function startLab(
  dir: string,
  user: string,
  specs: readonly LabHostSpec[],
): Promise<Lab> {
  const sshDir = join(dir, 'ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  const client = generateSshKey('certroll-demo-client');
  const clientKeyPath = join(sshDir, 'client_ed25519');
  writeFileSync(clientKeyPath, client.private, { mode: 0o600 });
  chmodSync(clientKeyPath, 0o600);
  const knownHostsPath = join(sshDir, 'known_hosts');
  const hosts: LabHost[] = [];
  const lab: Lab = {
    dir,
    user,
    clientKeyPath,
    knownHostsPath,
    hosts,
    listening: () =>
      hosts.flatMap((h) => [
        `${h.address}:${h.ssh.port}`,
        ...h.bindings.map((b) => `${b.endpoint.address}:${b.port}`),
      ]),
    async close() {
      clearInterval(timer);
      await Promise.all(
        hosts.flatMap((h) => [h.ssh.close(), ...h.bindings.map((b) => b.endpoint.close())]),
      );
    },
  };
  const timer = setInterval(() => {
    for (const h of hosts) for (const b of h.bindings) b.endpoint.poll();
  }, POLL_MS);
  timer.unref();
  try {
    const known: string[] = [];
    for (const spec of specs) {
      const host = await startHost(dir, user, client.public, spec);
      hosts.push(host);
      known.push(`[${spec.address}]:${host.ssh.port} ${host.hostPublicKey}`);
    }
    writeFileSync(knownHostsPath, `${known.join('\n')}\n`, { mode: 0o600 });
    return lab;
  } catch (error) {
    await lab.close();
    throw error;
  }
}

async function startHost(
  dir: string,
  user: string,
  authorizedKey: string,
  spec: LabHostSpec,
): Promise<LabHost & { hostPublicKey: string }> {
  const sandbox = join(dir, 'hosts', spec.name);
  const stateDir = join(sandbox, 'state');
  mkdirSync(join(sandbox, 'tls'), { recursive: true, mode: 0o700 });
  mkdirSync(stateDir, { mode: 0o700 });
  // Its own host key: the demo known_hosts lists each one, and certroll checks it as always.
  const hostKey = generateSshKey(spec.name);
  const bindings: LabBinding[] = [];
  let ssh: DemoSshServer | undefined;
  try {
    for (const b of spec.bindings) {
      const certPath = join(sandbox, 'tls', `${b.name}.crt`);
      const keyPath = join(sandbox, 'tls', `${b.name}.key`);
      writeFileSync(certPath, b.certPem, { mode: 0o644 });
      writeFileSync(keyPath, b.keyPem, { mode: 0o600 });
      const reloadMarker = `reload-${b.name}`;
      const endpoint = await startTlsEndpoint({
        certPath,
        keyPath,
        reloadMarker: join(sandbox, reloadMarker),
        address: spec.address,
      });
      bindings.push({
        name: b.name,
        port: endpoint.port,
        certPath,
        keyPath,
        reloadMarker,
        endpoint,
      });
    }
    ssh = await startSshServer({
      hostKey: hostKey.private,
      user,
      authorizedKey,
      sandbox,
      address: spec.address,
    });
  } catch (error) {
    await Promise.all(bindings.map((b) => b.endpoint.close()));
    throw error;
  }
  return {
    name: spec.name,
    address: spec.address,
    sandbox,
    stateDir,
    ssh,
    bindings,
    hostPublicKey: hostKey.public,
  };
}
