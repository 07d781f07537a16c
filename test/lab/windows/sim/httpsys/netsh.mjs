// Simulated `netsh.exe` of a Windows host: the `http ... sslcert` commands over the simulation's
// sslcert table ($CERTROLL_WINSIM/httpsys/sslcert.json). Arguments are checked against the usage
// text of the host's build (test/fixtures/windows/netsh-usage-add-sslcert-<build>.txt): an
// argument that build's netsh lacks is a syntax error, as on Windows. Output follows the build's
// layout and the host's display language; failures print Windows' message and exit 1 (netsh's own
// exit status for any failure; the Windows error number is in the text).
import {
  readBindings,
  readHost,
  isAdmin,
  findBinding,
  simRoot,
  storeEntry,
  writeBindings,
  FLAG_DEFAULTS,
  PROPERTY_DEFAULTS,
} from './state.mjs';
import { BUILDS, LOCALES, MESSAGES, renderShow, usageTags, usageText } from './layout.mjs';

const ENDPOINT_TAGS = ['ipport', 'hostnameport', 'ccs'];
const NUMBER_TAGS = new Set(['revocationfreshnesstime', 'urlretrievaltimeout']);
const STRING_TAGS = new Set(['certstorename', 'sslctlidentifier', 'sslctlstorename']);

class NetshExit extends Error {
  constructor(code, text) {
    super(text);
    this.exitCode = code;
  }
}

function main(argv) {
  const root = simRoot();
  const host = readHost(root);
  const build = BUILDS.includes(String(host.build)) ? String(host.build) : '2022';
  const locale = LOCALES.includes(host.locale) ? host.locale : 'en';
  const ctx = { root, host, build, locale, M: MESSAGES[locale] };
  const words = argv.map(String);
  const [context, verb, object, ...rest] = words.map((w, i) => (i < 3 ? w.toLowerCase() : w));
  if (
    context !== 'http' ||
    object !== 'sslcert' ||
    !['show', 'add', 'update', 'delete'].includes(verb ?? '')
  ) {
    // Only `netsh http <verb> sslcert` is simulated; anything else is not a command netsh knows here.
    throw new NetshExit(1, `${ctx.M.notFoundCommand.replace('%s', words.join(' '))}\n`);
  }
  if (verb === 'update' && build === '2012r2') {
    // Server 2012 R2's netsh has no `update sslcert`.
    throw new NetshExit(1, `${ctx.M.notFoundCommand.replace('%s', words.join(' '))}\n`);
  }
  if (rest.some((w) => /^(\/\?|-\?|\?|help)$/i.test(w))) return { code: 0, text: help(ctx, verb) };
  const args = parseArgs(ctx, verb, rest);
  if (verb === 'show') return show(ctx, args);
  if (!isAdmin(host)) fail(ctx, verb, 5);
  // host.json `netshFail: { update: 1312 }`: that verb fails with that error, as the real netsh
  // does when http.sys refuses (e.g. it cannot use the certificate's key), changing nothing.
  const injected = host.netshFail?.[verb];
  if (injected !== undefined) fail(ctx, verb, injected);
  if (verb === 'delete') return remove(ctx, args);
  return addOrUpdate(ctx, verb, args);
}

function help(ctx, verb) {
  if (verb === 'add' || verb === 'update') {
    const text = usageText(ctx.build);
    return verb === 'update' ? text.replace(/Usage: add sslcert/, 'Usage: update sslcert') : text;
  }
  if (verb === 'delete')
    return '\nUsage: delete sslcert ipport=<ipaddr:port> | hostnameport=<name:port> | ccs=<port>\n';
  return '\nUsage: show sslcert [ipport=<ipaddr:port> | hostnameport=<name:port> | ccs=<port>]\n';
}

/** Usage printed for a syntax error (an unknown, repeated or missing tag), as netsh does. */
function syntaxError(ctx, verb) {
  throw new NetshExit(1, help(ctx, verb));
}

function parameterIncorrect(ctx) {
  throw new NetshExit(1, `${ctx.M[87]}\n\n`);
}

function fail(ctx, verb, code) {
  throw new NetshExit(1, `${ctx.M[verb].replace('%d', String(code))}\n${ctx.M[code]}\n\n`);
}

function allowedTags(ctx, verb) {
  if (verb === 'show')
    return new Set([...ENDPOINT_TAGS, ...(ctx.build === '2012r2' ? [] : ['scopedccs'])]);
  if (verb === 'delete') return new Set(ENDPOINT_TAGS);
  return usageTags(ctx.build);
}

function parseArgs(ctx, verb, words) {
  const allowed = allowedTags(ctx, verb);
  const args = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) syntaxError(ctx, verb);
    const tag = word.slice(0, eq).toLowerCase();
    const value = word.slice(eq + 1);
    if (!allowed.has(tag) || tag in args) syntaxError(ctx, verb);
    args[tag] = value;
  }
  const endpoints = Object.keys(args).filter((t) => [...ENDPOINT_TAGS, 'scopedccs'].includes(t));
  if (endpoints.length > 1) syntaxError(ctx, verb);
  if (verb !== 'show' && endpoints.length !== 1) syntaxError(ctx, verb);
  if ((verb === 'add' || verb === 'update') && args.appid === undefined) syntaxError(ctx, verb);
  return validateValues(ctx, args);
}

function validateValues(ctx, args) {
  const bad = () => parameterIncorrect(ctx);
  if (args.ipport !== undefined) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(args.ipport);
    if (m === null || Number(m[2]) > 65535 || Number(m[2]) === 0) bad();
  }
  if (args.hostnameport !== undefined || args.scopedccs !== undefined) {
    const m = /^([A-Za-z0-9*](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(
      args.hostnameport ?? args.scopedccs,
    );
    if (m === null || Number(m[2]) > 65535) bad();
  }
  if (args.ccs !== undefined && !(/^\d{1,5}$/.test(args.ccs) && Number(args.ccs) <= 65535)) bad();
  if (
    args.appid !== undefined &&
    !/^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/.test(
      args.appid,
    )
  )
    bad();
  if (args.certhash !== undefined && !/^[0-9A-Fa-f]{40}$/.test(args.certhash)) bad();
  for (const [tag, value] of Object.entries(args)) {
    if (NUMBER_TAGS.has(tag) && !/^\d{1,10}$/.test(value)) bad();
    if (
      tag in FLAG_DEFAULTS &&
      !NUMBER_TAGS.has(tag) &&
      !STRING_TAGS.has(tag) &&
      !/^(enable|disable)$/i.test(value)
    )
      bad();
    if (STRING_TAGS.has(tag) && value === '') bad();
  }
  return args;
}

function endpointOf(args) {
  for (const type of ENDPOINT_TAGS)
    if (args[type] !== undefined) return { type, endpoint: args[type] };
  if (args.scopedccs !== undefined) return { type: 'scopedccs', endpoint: args.scopedccs };
  return undefined;
}

function show(ctx, args) {
  const bindings = readBindings(ctx.root);
  const ep = endpointOf(args);
  if (ep === undefined) return { code: 0, text: renderShow(bindings, ctx.build, ctx.locale) };
  const i = ep.type === 'scopedccs' ? -1 : findBinding(bindings, ep.type, ep.endpoint);
  if (i < 0) throw new NetshExit(1, `\n${ctx.M[2]}\n\n`);
  return { code: 0, text: renderShow([bindings[i]], ctx.build, ctx.locale) };
}

function remove(ctx, args) {
  const bindings = readBindings(ctx.root);
  const ep = endpointOf(args);
  const i = findBinding(bindings, ep.type, ep.endpoint);
  if (i < 0) fail(ctx, 'delete', 2);
  bindings.splice(i, 1);
  writeBindings(ctx.root, bindings);
  return { code: 0, text: `\n${ctx.M.ok.delete}\n\n` };
}

function addOrUpdate(ctx, verb, args) {
  const bindings = readBindings(ctx.root);
  const ep = endpointOf(args);
  const i = findBinding(bindings, ep.type, ep.endpoint);
  if (verb === 'add' && i >= 0) fail(ctx, verb, 183);
  if (verb === 'update' && i < 0) fail(ctx, verb, 2);
  // `update` replaces the whole record, as HttpSetServiceConfiguration does: what is not given
  // takes netsh's default again, it is not kept from the old binding.
  const record = {
    type: ep.type,
    endpoint: ep.type === 'ccs' ? ep.endpoint : ep.endpoint.toLowerCase(),
    certhash: args.certhash ? args.certhash.toUpperCase() : null,
    appid: normaliseGuid(args.appid),
    certstorename: args.certstorename ?? (ep.type === 'ccs' ? null : args.certhash ? 'MY' : null),
    ...FLAG_DEFAULTS,
    ...PROPERTY_DEFAULTS,
    ...(verb === 'update' ? pickProperties(bindings[i]) : {}),
  };
  for (const [tag, value] of Object.entries(args)) {
    if (!(tag in FLAG_DEFAULTS)) continue;
    record[tag] = NUMBER_TAGS.has(tag)
      ? Number(value)
      : STRING_TAGS.has(tag)
        ? value
        : value.toLowerCase();
  }
  if (ep.type === 'hostnameport' && args.certstorename === undefined) fail(ctx, verb, 87);
  if (ep.type !== 'ccs') {
    if (record.certhash === null) fail(ctx, verb, 1312);
    const entry = storeEntry(ctx.root, record.certstorename, record.certhash);
    // netsh's error when the certificate is not in the store or has no private key.
    if (entry === undefined || entry.key === undefined) fail(ctx, verb, 1312);
  }
  if (verb === 'add') bindings.push(record);
  else bindings[i] = record;
  writeBindings(ctx.root, bindings);
  return { code: 0, text: `\n${ctx.M.ok[verb]}\n\n` };
}

// The HTTP/2 extended properties belong to `update sslpropertyex`, not to the sslcert record.
function pickProperties(b) {
  return Object.fromEntries(Object.keys(PROPERTY_DEFAULTS).map((k) => [k, b[k]]));
}

function normaliseGuid(value) {
  const hex = String(value).replace(/[{}]/g, '').toLowerCase();
  return `{${hex}}`;
}

const crlf = (s) => s.replace(/\r?\n/g, '\r\n');
try {
  const { code, text } = main(process.argv.slice(2));
  process.stdout.write(crlf(text));
  process.exitCode = code;
} catch (error) {
  if (error instanceof NetshExit) {
    process.stdout.write(crlf(error.message));
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(
      `netsh.exe (simulated): ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
