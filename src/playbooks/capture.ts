// The capture step prints JSON describing what is configured now; this parses it strictly into
// a CapturedState. Capture records everything rollback needs; rollback restores exactly that.
// netsh output is captured raw and parsed here (parse/netsh.ts), so the PowerShell stays static
// and the parsing is tested on recorded outputs of every Windows build and locale.
import { z } from 'zod';
import { CertrollError } from '../errors.js';
import { netshAddArgs } from './parse/netsh-args.js';
import { parseNetshSslCert, type NetshBinding } from './parse/netsh.js';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const capturedFile = z.discriminatedUnion('exists', [
  z.strictObject({
    exists: z.literal(true),
    sha256: hex64,
    /** Octal permission bits as `stat -c %a` prints them, e.g. `640`. */
    mode: z.string().regex(/^[0-7]{3,4}$/),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
  }),
  z.strictObject({ exists: z.literal(false) }),
]);

const rawNetsh = z.strictObject({
  /** `ipport=0.0.0.0:443`, `hostnameport=www.example.com:443`. */
  endpoint: z.string().regex(/^(ipport|hostnameport|ccs)=\S+$/),
  exitCode: z.number().int(),
  output: z.string(),
});

/** An IIS site's https binding: `<ip|*>:<port>:<host header>` and its sslFlags (1 SNI, 2 CCS). */
const iisSiteBinding = z.strictObject({
  site: z.string().min(1),
  bindingInformation: z.string().regex(/^(\*|\[[0-9A-Fa-f:.]+\]|[0-9.]+):\d{1,5}:\S*$/),
  sslFlags: z.number().int().min(0).max(3),
});

const wire = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('files'),
    files: z.record(z.string().regex(/^[a-z]+$/), capturedFile),
  }),
  z.strictObject({
    type: z.literal('netsh-http'),
    endpoints: z.array(rawNetsh).max(256),
    /** The new certificate was in the store before the run (a rollback then leaves it there). */
    newInStore: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('iis'),
    /** The new certificate was in the store before the run (a rollback then leaves it there). */
    newInStore: z.boolean().optional(),
    site: z.string().min(1),
    bindingInformation: z.string(),
    sslFlags: z.number().int().min(0).max(1),
    /** `netsh http show sslcert` of the binding's http.sys entry (ipport or hostnameport). */
    endpoint: rawNetsh,
    /** Every site's https binding on the same port (the capture keeps those on the same entry). */
    sites: z.array(iisSiteBinding).max(1024),
  }),
  z.strictObject({
    type: z.literal('bc-service-tier'),
    /** The new certificate was in the store before the run (a rollback then leaves it there). */
    newInStore: z.boolean().optional(),
    instance: z.string().min(1),
    /** The management module capture found (bind and rollback import the same one). */
    module: z.string().min(1),
    thumbprint: z.string().nullable(),
    state: z.string(),
    /** The service's account (Win32_Service.StartName): it must read the new key. */
    account: z.string().nullable(),
    ports: z.array(z.strictObject({ name: z.string(), port: z.number().int(), ssl: z.boolean() })),
    /** `netsh http show sslcert` whole: every binding on the instance's ports is the unit's. */
    netsh: z.strictObject({ exitCode: z.number().int(), output: z.string() }),
  }),
  z.strictObject({
    type: z.literal('windows-service'),
    name: z.string().min(1),
    status: z.string(),
  }),
  z.strictObject({ type: z.literal('custom'), data: z.record(z.string(), z.unknown()) }),
]);

export type CapturedFile = z.infer<typeof capturedFile>;
export type IisSiteBinding = z.infer<typeof iisSiteBinding>;

export interface CapturedNetshEndpoint {
  readonly endpoint: string;
  /** The binding found there, or null when the endpoint had no binding. */
  readonly binding: NetshBinding | null;
  /** `netsh http add sslcert` arguments that recreate it exactly (null: delete on rollback). */
  readonly restoreArgs: readonly string[] | null;
}

type Wire = z.infer<typeof wire>;
export type CapturedState =
  | Exclude<Wire, { type: 'netsh-http' } | { type: 'bc-service-tier' } | { type: 'iis' }>
  | { readonly type: 'netsh-http'; readonly endpoints: readonly CapturedNetshEndpoint[] }
  | (Omit<Extract<Wire, { type: 'iis' }>, 'endpoint'> & {
      /** The binding's one http.sys entry (a list, as netsh-http's, so bind reads it alike). */
      readonly endpoints: readonly CapturedNetshEndpoint[];
    })
  | (Omit<Extract<Wire, { type: 'bc-service-tier' }>, 'netsh'> & {
      readonly endpoints: readonly CapturedNetshEndpoint[];
    });

export interface CaptureSource {
  readonly host: string;
  readonly kind: string;
  readonly step?: string;
}

// netsh's "no such binding" (error 2) in the languages certroll reads netsh in (English, German,
// French); anything else is an error.
const NOT_FOUND =
  /cannot find the file specified|kann die angegebene Datei nicht finden|fichier spécifié est introuvable|\(2\)|: 2\b/i;

/** Parses capture stdout; PLAYBOOK_OUTPUT naming the step and host on anything unexpected. */
export function parseCapture(stdout: string, source: CaptureSource): CapturedState {
  const fail = (why: string, cause?: unknown): CertrollError =>
    new CertrollError(
      'PLAYBOOK_OUTPUT',
      `${source.kind} ${source.step ?? 'capture'} on ${source.host} printed unexpected output: ${why}`,
      {
        cause,
        hint: 'The step must print exactly one JSON document; run it by hand on the host to see why.',
      },
    );
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim());
  } catch (error) {
    throw fail(`not JSON (${JSON.stringify(stdout.slice(0, 120))})`, error);
  }
  const parsed = wire.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, parsed.error);
  }
  const data = parsed.data;
  if (data.type === 'bc-service-tier') {
    const { netsh, ...rest } = data;
    if (netsh.exitCode !== 0) {
      throw fail(`netsh http show sslcert exited ${netsh.exitCode}: ${netsh.output.slice(0, 200)}`);
    }
    return { ...rest, endpoints: instanceEndpoints(netsh.output, data.ports) };
  }
  if (data.type === 'netsh-http') {
    const endpoints = data.endpoints.map((e) => {
      const found = parseNetshEndpoint(e);
      if (typeof found === 'string') throw fail(`${e.endpoint}: ${found}`);
      return found;
    });
    return { ...data, endpoints };
  }
  if (data.type === 'iis') {
    const { endpoint, sites, ...rest } = data;
    const found = parseNetshEndpoint(endpoint);
    if (typeof found === 'string') throw fail(`${endpoint.endpoint}: ${found}`);
    const same = sites.filter((s) => iisEndpoint(s) === endpoint.endpoint.toLowerCase());
    return { ...rest, endpoints: [found], sites: same };
  }
  return data;
}

/**
 * The http.sys entry an IIS https binding's certificate lives in, as IIS 7+ keeps it: sslFlags 0
 * the ipport (`*` is 0.0.0.0), 1 (SNI) the hostnameport, 2/3 the port's Central Certificate Store.
 */
export function iisEndpoint(b: Pick<IisSiteBinding, 'bindingInformation' | 'sslFlags'>): string {
  const [, ip = '', port = '', host = ''] = /^(.*):(\d+):(.*)$/.exec(b.bindingInformation) ?? [];
  if (b.sslFlags & 2) return `ccs=${port}`;
  if (b.sslFlags & 1) return `hostnameport=${host}:${port}`.toLowerCase();
  return `ipport=${ip === '*' ? '0.0.0.0' : ip}:${port}`.toLowerCase();
}

/**
 * Every http.sys binding on an SSL-enabled port of a Business Central instance, whatever its
 * address (0.0.0.0, [::], a specific IP) or host name, each with its own appid and flags; a port
 * with none gets an `ipport=0.0.0.0:<port>` entry to create (the bind needs `appid` for it).
 */
export function instanceEndpoints(
  listing: string,
  ports: readonly { readonly port: number; readonly ssl: boolean }[],
): CapturedNetshEndpoint[] {
  const bindings = parseNetshSslCert(listing);
  return ports
    .filter((p) => p.ssl)
    .flatMap((p): CapturedNetshEndpoint[] => {
      const on = bindings.filter((b) => portOf(b.endpoint.value) === p.port);
      if (on.length === 0) {
        return [{ endpoint: `ipport=0.0.0.0:${p.port}`, binding: null, restoreArgs: null }];
      }
      return on.map((b) => ({
        endpoint: `${b.endpoint.kind}=${b.endpoint.value}`,
        binding: b,
        restoreArgs: netshAddArgs(b),
      }));
    });
}

const portOf = (value: string): number => Number(value.slice(value.lastIndexOf(':') + 1));

/**
 * The names clients send on `port`, from the captured hostnameport bindings: probing each proves
 * that no hostname binding was left on the old certificate.
 */
export function hostnamesOnPort(captured: CapturedState, port: number): string[] {
  if (
    captured.type !== 'netsh-http' &&
    captured.type !== 'bc-service-tier' &&
    captured.type !== 'iis'
  ) {
    return [];
  }
  const names = captured.endpoints
    .filter((e) => e.endpoint.startsWith('hostnameport=') && portOf(e.endpoint) === port)
    .map((e) => e.endpoint.slice('hostnameport='.length, e.endpoint.lastIndexOf(':')));
  if (captured.type === 'iis') {
    // Every site served by the same (non-SNI) entry: each site's host header is a name its
    // clients send, and a hostname binding of that name would answer them instead.
    for (const s of captured.sites) {
      const [, , p = '', host = ''] = /^(.*):(\d+):(.*)$/.exec(s.bindingInformation) ?? [];
      if (Number(p) === port && host !== '' && !host.includes('*')) names.push(host);
    }
  }
  return [...new Set(names)];
}

function parseNetshEndpoint(raw: z.infer<typeof rawNetsh>): CapturedNetshEndpoint | string {
  const bindings = parseNetshSslCert(raw.output);
  const wanted = raw.endpoint.slice(raw.endpoint.indexOf('=') + 1).toLowerCase();
  const binding = bindings.find((b) => b.endpoint.value.toLowerCase() === wanted);
  if (binding !== undefined && raw.exitCode === 0) {
    return { endpoint: raw.endpoint, binding, restoreArgs: netshAddArgs(binding) };
  }
  if (raw.exitCode !== 0 && NOT_FOUND.test(raw.output)) {
    return { endpoint: raw.endpoint, binding: null, restoreArgs: null };
  }
  return `netsh exited ${raw.exitCode} without the binding: ${JSON.stringify(raw.output.slice(0, 200))}`;
}
