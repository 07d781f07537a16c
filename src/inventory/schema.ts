// The inventory as written (input schema): strict objects everywhere so that a typo is an error,
// never a silently ignored key. Resolution (defaults, ~, duplicates) happens in resolve.ts.
import { z } from 'zod';
import { RUN_EVENT_TYPES } from '../notify/events.js';
import {
  address,
  bindingId,
  count,
  duration,
  envVarName,
  environmentName,
  filePath,
  hostKeyFingerprint,
  hostName,
  kindName,
  port,
  sniName,
  text,
  userName,
  remoteDir,
} from './fields.js';

const literalSecretHint =
  'a password is never written into an inventory: use { env: VARIABLE } or { file: /path/to/secret }';

export const secretRef = z
  .strictObject(
    { env: envVarName.optional(), file: filePath.optional() },
    {
      error: (iss) =>
        iss.code === 'invalid_type' && typeof iss.input === 'string'
          ? `literal secret refused: ${literalSecretHint}`
          : `expected a secret reference, { env: NAME } or { file: PATH }`,
    },
  )
  .refine((s) => (s.env === undefined) !== (s.file === undefined), {
    error: 'expected exactly one of env or file in a secret reference',
  })
  .meta({ description: 'A secret reference: { env: NAME } or { file: PATH }; never the secret.' });

export const transportKind = z.enum(['ssh', 'powershell-ssh', 'pwsh-remoting', 'local'], {
  error: (iss) =>
    `expected a transport kind: ssh, powershell-ssh, pwsh-remoting or local, got ${JSON.stringify(iss.input)}`,
});

export const transportInput = z
  .strictObject({
    kind: transportKind.optional(),
    via: z
      .enum(['winrm', 'ssh'], {
        error: (iss) =>
          `expected how pwsh-remoting reaches the host: winrm or ssh, got ${JSON.stringify(iss.input)}`,
      })
      .optional()
      .meta({
        description:
          "pwsh-remoting only: winrm (Invoke-Command -ComputerName, the default) or ssh (Invoke-Command -HostName, the host's powershell sshd subsystem).",
      }),
    tls: z.boolean({ error: 'expected true or false' }).optional().meta({
      description:
        'pwsh-remoting over WinRM: HTTPS (true, the default, port 5986); false means plain HTTP on 5985 and a warning.',
    }),
    port: port.optional(),
    user: userName.optional(),
    identityFile: filePath.optional(),
    identityPassphrase: secretRef.optional(),
    knownHosts: z
      .union([filePath, z.array(filePath).min(1)], {
        error: 'expected a known_hosts path or a list of paths',
      })
      .optional(),
    hostKeyFingerprint: hostKeyFingerprint.optional(),
    sshConfig: z
      .union([filePath, z.literal(false)], {
        error: 'expected the path of an ssh_config file, or false to read none',
      })
      .optional()
      .meta({
        description:
          'OpenSSH client config applied under the inventory (default ~/.ssh/config; false: none).',
      }),
    proxyJump: text('a ProxyJump value', 1024)
      .optional()
      .meta({ description: "Jump hosts, as OpenSSH's ProxyJump: [user@]host[:port],... or none." }),
    sudo: z.boolean({ error: 'expected true or false' }).optional(),
    password: secretRef.optional(),
    connectTimeout: duration.optional(),
    commandTimeout: duration.optional(),
  })
  .meta({ description: 'How certroll reaches the host; each field overrides the defaults.' });

export const policyInput = z
  .strictObject({
    canary: z
      .union([count('a canary count', 0), z.array(hostName)], {
        error: 'expected a number of hosts, or a list of host names of this environment',
      })
      .optional(),
    batchSize: count('a batch size', 1).optional(),
    concurrency: count('a concurrency', 1).optional(),
    failureBudget: count('a failure budget', 0).optional(),
    onFailure: z
      .enum(['halt', 'rollback-environment'], {
        error: 'expected onFailure: halt or rollback-environment',
      })
      .optional(),
    approval: z.boolean({ error: 'expected true or false' }).optional(),
    soak: duration.optional(),
    coldStartCheck: z.boolean({ error: 'expected true or false' }).optional(),
    undo: z
      .enum(['host', 'unit'], {
        error:
          'expected undo: host (a failure undoes the whole host) or unit (only the unit that failed)',
      })
      .optional(),
  })
  .meta({ description: 'Rollout policy; each field overrides the defaults.' });

export const defaultsInput = z.strictObject({
  transport: transportInput.optional(),
  policy: policyInput.optional(),
});

const endpoint = z.strictObject({ address, port });

export const poolInput = z.strictObject({
  members: z
    .array(z.strictObject({ name: hostName, address, port }))
    .min(1, { error: 'a pool needs at least one member' }),
  vip: endpoint.optional(),
  vipSamples: count('vipSamples', 1).optional(),
});

export const probeInput = z.strictObject({
  address: address.optional(),
  port: port.optional(),
  sni: z
    .union([z.literal('none'), sniName, z.array(sniName).min(1)], {
      error: 'expected sni: a DNS name, a list of names, or none',
    })
    .optional()
    .meta({ description: 'SNI name(s) to probe with, or none when clients send no SNI.' }),
  pool: poolInput.optional(),
  protocol: z
    .enum(['tls', 'nettcp'], { error: 'expected protocol: tls or nettcp' })
    .optional()
    .meta({
      description:
        'tls (default): TLS from the first byte. nettcp: TLS inside .NET Message Framing (WCF net.tcp, e.g. Business Central client services).',
    }),
  via: z
    .string({ error: 'expected via as a net.tcp:// URI' })
    .max(2048)
    .regex(/^net\.tcp:\/\/[^\s/]+(\/\S*)?$/, {
      error: (iss) => `expected via as a net.tcp:// URI, got ${JSON.stringify(iss.input)}`,
    })
    .optional()
    .meta({ description: 'net.tcp only: the endpoint URI sent as the framing via.' }),
  within: duration.optional().meta({
    description:
      'How long each endpoint of the binding is given, after a change, to serve the expected certificate (default 30s): longer for a service that starts slowly, shorter to fail fast.',
  }),
});

export const bindingInput = z.strictObject({
  id: bindingId.optional(),
  port,
  kind: kindName,
  params: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, {
        error: (iss) =>
          `expected a parameter name of letters, digits, _ or -, got ${JSON.stringify(iss.input)}`,
      }),
      z.unknown(),
      { error: 'expected params as a map of parameter names' },
    )
    .optional()
    .meta({ description: 'Parameters of the binding kind, checked by its playbook.' }),
  probe: probeInput.optional(),
});

export const exclusionInput = z.strictObject({
  port,
  address: address.optional(),
  reason: text('a reason', 500),
});

export const hostInput = z.strictObject({
  name: hostName,
  address,
  transport: transportInput.optional(),
  legacyPfx: z.boolean({ error: 'expected true or false' }).optional(),
  stateDir: remoteDir.optional().meta({
    description:
      'Folder on the host for staged material, backups and the host lock (default /var/tmp; C:\\ProgramData\\certroll on Windows).',
  }),
  bindings: z.array(bindingInput, { error: 'expected a list of bindings' }).optional(),
  exclude: z.array(exclusionInput, { error: 'expected a list of exclusions' }).optional(),
});

const poolMember = z
  .strictObject({ host: hostName, port: port.optional(), binding: bindingId.optional() })
  .meta({ description: 'A member: a host of this environment and its binding (by port or id).' });

const drainTimeout = duration
  .optional()
  .meta({ description: "How long to wait for the member's connections to finish (default 30s)." });

export const balancerInput = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({
        kind: z.literal('haproxy'),
        host: hostName,
        socket: text('a socket path', 4096),
        backend: text('a backend name', 128),
        servers: z.record(hostName, text('a server name', 128)).optional(),
        drainTimeout,
      }),
      z.strictObject({
        kind: z.literal('command'),
        host: hostName,
        drain: text('a drain command', 4096),
        ready: text('a ready command', 4096),
        drainTimeout,
      }),
    ],
    {
      error:
        'expected a balancer: { kind: haproxy, host, socket, backend } or { kind: command, host, drain, ready }',
    },
  )
  .meta({ description: 'The load balancer certroll drains each member on, and returns it to.' });

export const environmentPoolInput = z
  .strictObject({
    name: environmentName,
    members: z
      .array(poolMember, { error: 'expected a list of members' })
      .min(1, { error: 'a pool needs at least one member' }),
    vips: z.array(endpoint, { error: 'expected a list of { address, port }' }).optional(),
    sni: z
      .union([sniName, z.array(sniName).min(1)], {
        error: 'expected sni: a DNS name or a list of names',
      })
      .optional(),
    vipSamples: count('vipSamples', 1).optional(),
    balancer: balancerInput.optional(),
    onMemberFailure: z
      .enum(['stay-mixed', 'rollback-pool'], {
        error: 'expected onMemberFailure: stay-mixed or rollback-pool',
      })
      .optional(),
  })
  .meta({ description: 'A load-balanced service: members rolled one by one, then checked whole.' });

export const environmentInput = z.strictObject({
  name: environmentName,
  policy: policyInput.optional(),
  defaults: defaultsInput.optional(),
  pools: z.array(environmentPoolInput, { error: 'expected a list of pools' }).optional(),
  hosts: z
    .array(hostInput, { error: 'expected a list of hosts' })
    .min(1, { error: 'an environment needs at least one host' }),
});

// A webhook the run's events are posted to (src/notify): where, in which format, and the HMAC key.
export const webhookInput = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  format: z.enum(['json', 'slack', 'teams']).optional(),
  secret: secretRef.optional(),
  events: z.array(z.enum(RUN_EVENT_TYPES)).optional(),
});

export const inventoryInput = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }),
    playbooks: z.array(filePath, { error: 'expected a list of playbook folders' }).optional(),
    defaults: defaultsInput.optional(),
    notifications: z.strictObject({ webhooks: z.array(webhookInput) }).optional(),
    environments: z
      .array(environmentInput, { error: 'expected a list of environments' })
      .min(1, { error: 'an inventory needs at least one environment' }),
  })
  .meta({ title: 'certroll inventory', description: 'Environments, hosts and TLS bindings.' });

export type InventoryInput = z.infer<typeof inventoryInput>;
export type TransportInput = z.infer<typeof transportInput>;
export type PolicyInput = z.infer<typeof policyInput>;
export type HostInput = z.infer<typeof hostInput>;
export type BindingInput = z.infer<typeof bindingInput>;
export type EnvironmentPoolInput = z.infer<typeof environmentPoolInput>;
