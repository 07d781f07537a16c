// Parses `netsh http show sslcert` output into bindings: every field of the layouts of Windows
// Server 2012 R2, 2016, 2019 and 2022, in English, German and French (labels and flag words in
// netsh-labels.ts). Nothing is taken by position and nothing is dropped: a label, a value or a
// nested block certroll does not know stops the capture with PLAYBOOK_OUTPUT naming the line, the
// label and the build/language it looks like, because a rebind built from a partial reading would
// silently lose that netsh setting.
import { CertrollError } from '../../errors.js';
import {
  ENDPOINT_LABELS,
  EXTENDED_HEADERS,
  FIELD_LABELS,
  FLAG_FALSE,
  FLAG_TRUE,
  NESTED_LABELS,
  NETSH_FIELDS,
  normaliseLabel,
  type NetshEndpointKind,
  type NetshField,
  type NetshLocale,
} from './netsh-labels.js';

export { NETSH_FIELDS, normaliseLabel } from './netsh-labels.js';
export type { NetshEndpointKind, NetshField, NetshLocale } from './netsh-labels.js';

export interface NetshEndpoint {
  readonly kind: NetshEndpointKind;
  /** `0.0.0.0:443`, `[::]:443`, `www.example.com:443`, or the port for ccs. */
  readonly value: string;
}

/** The fields every build since 2008 R2 prints: a binding without one of them is not read whole. */
export const NETSH_BASE_FIELDS: readonly NetshField[] = NETSH_FIELDS.slice(0, 12);

export interface NetshBinding {
  readonly endpoint: NetshEndpoint;
  /** Field values as printed, `(null)` as null; see netshFlag to interpret a flag. */
  readonly fields: Readonly<Partial<Record<NetshField, string | null>>>;
  /** The display language its labels were read in. */
  readonly locale: NetshLocale;
}

type FieldKind = 'hash' | 'guid' | 'name' | 'number' | 'flag';
const KIND: Readonly<Record<NetshField, FieldKind>> = {
  certificateHash: 'hash',
  appId: 'guid',
  certStoreName: 'name',
  sslCtlIdentifier: 'name',
  sslCtlStoreName: 'name',
  revocationFreshnessTime: 'number',
  urlRetrievalTimeout: 'number',
  receiveWindow: 'number',
  maxSettingsPerFrame: 'number',
  maxSettingsPerMinute: 'number',
  verifyClientCertRevocation: 'flag',
  verifyRevocationWithCachedClientCertOnly: 'flag',
  usageCheck: 'flag',
  dsMapperUsage: 'flag',
  clientCertNegotiation: 'flag',
  rejectConnections: 'flag',
  disableHttp2: 'flag',
  disableQuic: 'flag',
  disableTls12: 'flag',
  disableTls13: 'flag',
  disableOcspStapling: 'flag',
  enableTokenBinding: 'flag',
  logExtendedEvents: 'flag',
  disableLegacyTls: 'flag',
  enableSessionTicket: 'flag',
};

// Fields are `label<spaces>: value`; labels themselves may contain a colon (`IP:port`), so the
// separator is a colon with whitespace before it. A header (`Extended Properties:`) has no value.
const LINE = /^(\s*)(\S.*?)\s+:(?:\s+(.*?))?\s*$/;
const HEADER = /^(\s+)(\S.*?)\s*:\s*$/;
const MAX_LINES = 100_000;

interface Open {
  endpoint: NetshEndpoint;
  /** The languages every label so far is printed in; the binding's language is the first. */
  locales: readonly NetshLocale[];
  fields: Partial<Record<NetshField, string | null>>;
  line: number;
  /** Inside an `Extended Properties:` block: the PropertyId read, or -1 before it. */
  property: number | undefined;
}

/** Every binding in the output of `netsh http show sslcert [ipport=...|hostnameport=...|ccs=...]`. */
export function parseNetshSslCert(output: string): NetshBinding[] {
  const lines = output.split(/\r?\n/).slice(0, MAX_LINES);
  const bindings: NetshBinding[] = [];
  let open: Open | undefined;
  const close = (): void => {
    if (open !== undefined) bindings.push(finish(open));
    open = undefined;
  };
  lines.forEach((text, index) => {
    const lineNo = index + 1;
    if (text.trim() === '') {
      if (open !== undefined) open.property = undefined;
      return;
    }
    const header = HEADER.exec(text);
    if (header !== null && (header[1] ?? '') !== '') {
      if (open === undefined) return;
      const name = normaliseLabel(header[2] ?? '');
      if (!EXTENDED_HEADERS.has(name))
        throw unknownLine(open, lineNo, header[2] ?? '', '', 'block');
      open.property = -1;
      return;
    }
    const m = LINE.exec(text);
    if (m === null) {
      if (open !== undefined) throw unknownLine(open, lineNo, text.trim(), '', 'line');
      return;
    }
    const [, indent = '', label = '', value = ''] = m;
    const endpoint = ENDPOINT_LABELS.get(normaliseLabel(label));
    if (endpoint !== undefined && value !== '') {
      close();
      open = {
        endpoint: { kind: endpoint.value, value: endpointValue(endpoint.value, value, lineNo) },
        locales: endpoint.locales,
        fields: {},
        line: lineNo,
        property: undefined,
      };
      return;
    }
    if (open === undefined) {
      // Before the first binding: the title lines. An indented `label : host:port` here is a
      // binding whose endpoint label is in a language certroll does not read.
      if (indent !== '' && /:\d{1,5}$/.test(value)) throw unknownEndpoint(lineNo, label, value);
      return;
    }
    readField(open, lineNo, label, value);
  });
  close();
  return bindings;
}

function readField(open: Open, lineNo: number, label: string, value: string): void {
  const name = normaliseLabel(label);
  let field: NetshField | undefined;
  if (open.property !== undefined) {
    if (NESTED_LABELS.propertyId.has(name)) {
      open.property = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (open.property !== 0 && open.property !== 1)
        throw unknownLine(open, lineNo, label, value, 'property');
      return;
    }
    field = NESTED_LABELS.fields.get(name);
    const expected = field === 'receiveWindow' ? 0 : 1;
    if (field !== undefined && open.property !== expected) field = undefined;
  } else {
    const known = FIELD_LABELS.get(name);
    field = known?.value;
    const locales = open.locales.filter((l) => known?.locales.includes(l));
    // A label of another language than the binding's other labels is not the layout read here.
    if (known !== undefined && locales.length === 0) field = undefined;
    else if (known !== undefined) open.locales = locales;
  }
  if (field === undefined) throw unknownLine(open, lineNo, label, value, 'label');
  if (field in open.fields) throw unknownLine(open, lineNo, label, value, 'repeated');
  open.fields[field] = fieldValue(open, lineNo, label, field, value);
}

function fieldValue(
  open: Open,
  lineNo: number,
  label: string,
  field: NetshField,
  value: string,
): string | null {
  if (value === '(null)') {
    if (KIND[field] === 'hash' || KIND[field] === 'name') return null;
    throw unknownLine(open, lineNo, label, value, 'value');
  }
  const ok = {
    hash: /^[0-9A-Fa-f]{40}$/.test(value),
    guid: /^\{[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}$/.test(value),
    name: value !== '',
    number: /^\d{1,10}$/.test(value),
    flag: FLAG_TRUE.test(value) || FLAG_FALSE.test(value),
  }[KIND[field]];
  if (!ok) throw unknownLine(open, lineNo, label, value, 'value');
  return value;
}

function endpointValue(kind: NetshEndpointKind, value: string, lineNo: number): string {
  const shape =
    kind === 'ccs'
      ? /^\d{1,5}$/
      : kind === 'ipport'
        ? /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/
        : /^[^\s:]+:\d{1,5}$/;
  if (shape.test(value)) return value;
  throw new CertrollError(
    'PLAYBOOK_OUTPUT',
    `netsh show sslcert, line ${lineNo}: ${kind} value ${JSON.stringify(value)} is not an endpoint`,
    { line: lineNo, field: kind, hint: HINT },
  );
}

function finish(open: Open): NetshBinding {
  const missing = NETSH_BASE_FIELDS.filter((f) => !(f in open.fields));
  if (missing.length > 0) {
    throw new CertrollError(
      'PLAYBOOK_OUTPUT',
      `netsh show sslcert, line ${open.line}: ${open.endpoint.kind}=${open.endpoint.value} lacks ${missing.join(', ')} (${guess(open)})`,
      { line: open.line, field: missing[0], hint: HINT },
    );
  }
  return { endpoint: open.endpoint, fields: open.fields, locale: open.locales[0] ?? 'en' };
}

const HINT =
  'certroll stops rather than rebind without a netsh setting it could not read. Run ' +
  '`netsh http show sslcert` on the host and compare it with the layouts in docs/playbooks.md ' +
  '(Windows Server 2012 R2 to 2022; English, German, French); report a build or language certroll does not read.';

const BUILD_BY_COUNT: Readonly<Record<number, string>> = {
  12: 'Windows Server 2012 R2',
  14: 'Windows Server 2016',
  19: 'Windows Server 2019',
  25: 'Windows Server 2022',
};
const LANGUAGE: Readonly<Record<NetshLocale, string>> = {
  en: 'English',
  de: 'German',
  fr: 'French',
};

/** The build and language a binding's output looks like, for the error message. */
function guess(open: Open): string {
  const n = Object.keys(open.fields).length;
  const build = BUILD_BY_COUNT[n] ?? `a build with ${n} known fields so far`;
  return `output looks like ${build}, ${open.locales.map((l) => LANGUAGE[l]).join(' or ')}`;
}

type Problem = 'label' | 'value' | 'repeated' | 'block' | 'property' | 'line';
function unknownLine(
  open: Open,
  lineNo: number,
  label: string,
  value: string,
  problem: Problem,
): CertrollError {
  const what = {
    label: `field ${JSON.stringify(label.trim())} is not one certroll knows`,
    value: `field ${JSON.stringify(label.trim())} has a value certroll does not know: ${JSON.stringify(value)}`,
    repeated: `field ${JSON.stringify(label.trim())} appears twice`,
    block: `block ${JSON.stringify(label.trim())} is not one certroll knows`,
    property: `extended property ${JSON.stringify(value)} is not one certroll knows`,
    line: `line ${JSON.stringify(label)} is not a netsh field`,
  }[problem];
  return new CertrollError(
    'PLAYBOOK_OUTPUT',
    `netsh show sslcert, line ${lineNo}, in ${open.endpoint.kind}=${open.endpoint.value}: ${what} (${guess(open)})`,
    { line: lineNo, field: label.trim(), hint: HINT },
  );
}

function unknownEndpoint(lineNo: number, label: string, value: string): CertrollError {
  return new CertrollError(
    'PLAYBOOK_OUTPUT',
    `netsh show sslcert, line ${lineNo}: endpoint label ${JSON.stringify(label.trim())} (value ${JSON.stringify(value)}) is not in a language certroll reads (English, German, French)`,
    { line: lineNo, field: label.trim(), hint: HINT },
  );
}

/** A flag field as a boolean; undefined when absent (the build does not print it). */
export function netshFlag(b: NetshBinding, field: NetshField): boolean | undefined {
  const v = b.fields[field];
  if (v === undefined || v === null) return undefined;
  if (FLAG_TRUE.test(v)) return true;
  if (FLAG_FALSE.test(v)) return false;
  return undefined;
}
