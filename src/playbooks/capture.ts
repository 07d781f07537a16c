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

const iisBinding = z.strictObject({
  site: z.string().min(1),
  protocol: z.string(),
  bindingInformation: z.string(),
  sslFlags: z.number().int(),
  certificateHash: z.string().nullable(),
  certificateStoreName: z.string().nullable(),
});

const wire = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('files'),
    files: z.record(z.string().regex(/^[a-z]+$/), capturedFile),
  }),
  z.strictObject({ type: z.literal('netsh-http'), endpoints: z.array(rawNetsh).max(256) }),
  z.strictObject({ type: z.literal('iis'), bindings: z.array(iisBinding).max(1024) }),
  z.strictObject({
    type: z.literal('bc-service-tier'),
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
export type IisBindingState = z.infer<typeof iisBinding>;

export interface CapturedNetshEndpoint {
  readonly endpoint: string;
  /** The binding found there, or null when the endpoint had no binding. */
  readonly binding: NetshBinding | null;
  /** `netsh http add sslcert` arguments that recreate it exactly (null: delete on rollback). */
  readonly restoreArgs: readonly string[] | null;
}

type Wire = z.infer<typeof wire>;
export type CapturedState =
  | Exclude<Wire, { type: 'netsh-http' } | { type: 'bc-service-tier' }>
  | { readonly type: 'netsh-http'; readonly endpoints: readonly CapturedNetshEndpoint[] }
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
  return data;
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
  if (captured.type !== 'netsh-http' && captured.type !== 'bc-service-tier') return [];
  return captured.endpoints
    .filter((e) => e.endpoint.startsWith('hostnameport=') && portOf(e.endpoint) === port)
    .map((e) => e.endpoint.slice('hostnameport='.length, e.endpoint.lastIndexOf(':')));
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
