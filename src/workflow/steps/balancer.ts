// Draining a pool member before anything changes on it, and returning it once proven. Built in:
// haproxy's runtime API over its stats socket (`set server BACKEND/SERVER state drain|ready`,
// then `show stat` until the server's current sessions, scur, reach 0, bounded); for other
// balancers a command hook the user writes. Both run on the balancer's host, over its transport.
import { CertrollError } from '../../errors.js';
import {
  type Balancer,
  type Inventory,
  type Pool,
  type PoolMemberRef,
} from '../../inventory/model.js';
import { shQuote } from '../../shell/index.js';
import { assertSuccess } from '../../transport/classify.js';
import { type Transport } from '../../transport/types.js';
import { type BindingStepInput } from '../types.js';
import { type Lookup } from './lookup.js';

/** How often the drain looks at the member's sessions. */
const POLL_MS = 200;

/** The pool `binding` of `host` is a member of, with the member, when it is in one. */
export function poolOfMember(
  inventory: Inventory,
  host: string,
  binding: string,
): { pool: Pool; member: PoolMemberRef } | undefined {
  for (const env of inventory.environments) {
    for (const pool of env.pools ?? []) {
      const member = pool.members.find((m) => m.host === host && m.binding === binding);
      if (member !== undefined) return { pool, member };
    }
  }
  return undefined;
}

const api = (socket: string): string =>
  `api() { printf '%s\\n' "$1" | socat -t 5 stdio ${shQuote(`UNIX-CONNECT:${socket}`)}; }`;

const preamble = (socket: string): string[] => [
  'set -eu',
  'fail() { printf \'certroll: %s\\n\' "$1" >&2; exit 1; }',
  "command -v socat >/dev/null 2>&1 || fail 'socat is not installed on the balancer host (it talks to the haproxy stats socket)'",
  api(socket),
  // haproxy answers a successful `set server` with an empty line; anything else is its refusal.
  'set_state() { out=$(api "set server $srv state $1" | tr -d \'\\r\\n\'); [ -z "$out" ] || fail "haproxy refused set server $srv state $1: $out"; }',
];

/** Sets the server to drain, then waits (at most `timeoutMs`) until it holds no session. */
export function haproxyDrainScript(socket: string, server: string, timeoutMs: number): string {
  const [backend, name] = server.split('/');
  return [
    ...preamble(socket),
    `srv=${shQuote(server)}`,
    'set_state drain',
    `i=0; limit=${Math.max(1, Math.ceil(timeoutMs / POLL_MS))}`,
    'while :; do',
    `  scur=$(api 'show stat' | awk -F, -v be=${shQuote(backend ?? '')} -v sv=${shQuote(name ?? '')} '$1 == be && $2 == sv { print $5 }')`,
    '  [ -n "$scur" ] || { set_state ready; fail "no server $srv in the output of show stat"; }',
    '  [ "$scur" != 0 ] || exit 0',
    '  i=$((i + 1))',
    // Unchanged so far: back into the pool, and the member is not touched.
    `  [ "$i" -lt "$limit" ] || { set_state ready; fail "$srv still had $scur session(s) after ${Math.round(timeoutMs / 1000)}s of drain; it was put back as it was"; }`,
    `  sleep ${POLL_MS / 1000}`,
    'done',
  ].join('\n');
}

export function haproxyReadyScript(socket: string, server: string): string {
  return [...preamble(socket), `srv=${shQuote(server)}`, 'set_state ready'].join('\n');
}

/** The user's command, run as written with `sh -c`; the member is $1 (host) $2 (address) $3 (port). */
export function commandHookScript(command: string, m: PoolMemberRef, timeoutMs: number): string {
  const args = [m.host, m.address, String(m.port), String(Math.ceil(timeoutMs / 1000))];
  return `sh -c ${shQuote(command)} certroll-balancer ${args.map(shQuote).join(' ')}`;
}

function script(b: Balancer, m: PoolMemberRef, action: 'drain' | 'ready'): string {
  if (b.kind === 'command')
    return commandHookScript(action === 'drain' ? b.drain : b.ready, m, b.drainTimeoutMs);
  const server = `${b.backend}/${b.servers[m.host] ?? m.host}`;
  return action === 'drain'
    ? haproxyDrainScript(b.socket, server, b.drainTimeoutMs)
    : haproxyReadyScript(b.socket, server);
}

export function balancerSteps(
  inventory: Inventory,
  look: Lookup,
  transportFor: (name: string) => Transport,
) {
  const act = async (input: BindingStepInput, action: 'drain' | 'ready', signal: AbortSignal) => {
    const found = poolOfMember(inventory, input.host, input.binding);
    const balancer = found?.pool.balancer;
    if (found === undefined || balancer === undefined)
      throw new CertrollError(
        'INTERNAL',
        `${input.host} ${input.binding} is not a member of a pool with a balancer`,
      );
    look.host(balancer.host);
    const t = transportFor(balancer.host);
    if (t.shell !== 'sh')
      throw new CertrollError(
        'USAGE',
        `pool ${found.pool.name}: the balancer's host ${balancer.host} runs PowerShell; certroll drains through sh (socat, or your sh command)`,
        { hint: 'Name a balancer host reached with ssh or local.' },
      );
    await t.connect(signal);
    try {
      const what = `${balancer.kind} ${action} of ${input.host} in pool ${found.pool.name}`;
      assertSuccess(
        await t.exec(script(balancer, found.member, action), { signal }),
        what,
        t.target,
      );
    } finally {
      await t.close();
    }
  };
  return {
    drain: (input: BindingStepInput, signal: AbortSignal) => act(input, 'drain', signal),
    returnToPool: (input: BindingStepInput, signal: AbortSignal) => act(input, 'ready', signal),
  };
}
