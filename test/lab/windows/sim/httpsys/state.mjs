// The http.sys simulation's state: the sslcert table (`httpsys/sslcert.json`), the listeners
// applications registered (`httpsys/listeners.json`), the host (`host.json`) and the certificate
// store files, all under the simulation root ($CERTROLL_WINSIM). Plain Node ESM, no npm imports:
// it runs under the machine's Node from sim/bin/netsh.exe and from sim/httpsys/server.mjs.
// Every file is read fresh on every use and written atomically (NAME.tmp-<pid>, then rename), so
// a netsh change is what the next TLS handshake sees.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** netsh's defaults for every flag `add sslcert` takes, under its argument name. */
export const FLAG_DEFAULTS = Object.freeze({
  verifyclientcertrevocation: 'enable',
  verifyrevocationwithcachedclientcertonly: 'disable',
  usagecheck: 'enable',
  revocationfreshnesstime: 0,
  urlretrievaltimeout: 0,
  sslctlidentifier: null,
  sslctlstorename: null,
  dsmapperusage: 'disable',
  clientcertnegotiation: 'disable',
  reject: 'disable',
  disablehttp2: 'disable',
  disablequic: 'disable',
  disabletls12: 'disable',
  disabletls13: 'disable',
  disableocspstapling: 'disable',
  enabletokenbinding: 'disable',
  logextendedevents: 'disable',
  disablelegacytls: 'disable',
  enablesessionticket: 'disable',
});

/** The HTTP/2 extended properties (`update sslpropertyex`) with http.sys's defaults. */
export const PROPERTY_DEFAULTS = Object.freeze({
  receivewindow: 1048576,
  maxsettingsperframe: 2796202,
  maxsettingsperminute: 4294967295,
});

const DEFAULT_HOST = Object.freeze({
  computerName: 'WINSIM',
  build: '2022',
  locale: 'en',
  addresses: ['127.0.0.1'],
  adminAccounts: [],
  currentAccount: 'WINSIM\\Administrator',
});

export function simRoot(env = process.env) {
  const root = env.CERTROLL_WINSIM;
  if (!root) throw new Error('CERTROLL_WINSIM is not set: the simulation root is unknown');
  return root;
}

export function readJson(file, fallback) {
  if (!existsSync(file)) return fallback;
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function writeJsonAtomic(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function readHost(root) {
  return { ...DEFAULT_HOST, ...readJson(join(root, 'host.json'), {}) };
}

/** Administrator: the account is listed in adminAccounts, or is a machine's or domain's Administrator. */
export function isAdmin(host) {
  const account = String(host.currentAccount ?? '');
  const user = account.includes('\\') ? account.slice(account.lastIndexOf('\\') + 1) : account;
  const admins = (host.adminAccounts ?? []).map((a) => String(a).toLowerCase());
  return (
    user.toLowerCase() === 'administrator' ||
    admins.includes(account.toLowerCase()) ||
    admins.includes(user.toLowerCase())
  );
}

const sslcertFile = (root) => join(root, 'httpsys', 'sslcert.json');

/** The table with every binding completed by netsh's defaults (a seeded file may omit them). */
export function readBindings(root) {
  const doc = readJson(sslcertFile(root), { bindings: [] });
  return (doc.bindings ?? []).map((b) => ({ ...FLAG_DEFAULTS, ...PROPERTY_DEFAULTS, ...b }));
}

export function writeBindings(root, bindings) {
  writeJsonAtomic(sslcertFile(root), { bindings });
}

export function readListeners(root) {
  return readJson(join(root, 'httpsys', 'listeners.json'), { listeners: [] }).listeners ?? [];
}

/** A canonical key for an endpoint: ipport and hostnameport compare case-insensitively. */
export function endpointKey(type, endpoint) {
  return `${type}=${String(endpoint).toLowerCase()}`;
}

export function findBinding(bindings, type, endpoint) {
  const key = endpointKey(type, endpoint);
  return bindings.findIndex((b) => endpointKey(b.type, b.endpoint) === key);
}

/** Store folder name as it exists on disk, matched case-insensitively (`MY` finds `My`). */
export function storeFolder(root, store) {
  const base = join(root, 'store', 'LocalMachine');
  const wanted = String(store || 'My').toLowerCase();
  const names = existsSync(base) ? readdirSync(base) : [];
  return names.find((n) => n.toLowerCase() === wanted) ?? (store || 'My');
}

/** The certificate store files of one certificate; undefined when the certificate is not there. */
export function storeEntry(root, store, thumbprint) {
  const dir = join(root, 'store', 'LocalMachine', storeFolder(root, store));
  const thumb = String(thumbprint).toUpperCase();
  const cer = join(dir, `${thumb}.cer`);
  if (!existsSync(cer)) return undefined;
  const key = join(dir, `${thumb}.key`);
  return { cer, key: existsSync(key) ? key : undefined };
}
