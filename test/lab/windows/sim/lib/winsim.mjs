// The simulated Windows host's state for the native stand-ins in sim/bin (certutil.exe,
// icacls.exe, whoami.exe): plain Node ESM, no dependencies (they run under the machine's Node).
// Layout and rules (JSON read fresh, written atomically): docs/windows-simulation.md. The
// PowerShell side of the same rules is sim/modules/CertrollWinSim/WinSimCore.ps1; the account
// resolution below mirrors Resolve-WinSimAccount there.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export function simRoot() {
  const root = process.env.CERTROLL_WINSIM;
  if (!root) throw new Error("CERTROLL_WINSIM is not set (the simulated host's state folder)");
  if (!existsSync(root)) throw new Error(`CERTROLL_WINSIM=${root} does not exist`);
  return root;
}

export function simPath(rel) {
  return join(simRoot(), rel);
}

export function readJson(rel, fallback) {
  const path = simPath(rel);
  if (!existsSync(path)) return fallback;
  const text = readFileSync(path, 'utf8');
  return text.trim() ? JSON.parse(text) : fallback;
}

export function writeJson(rel, value) {
  const path = simPath(rel);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function host() {
  return {
    computerName: 'WINSIM',
    build: '2019',
    locale: 'en',
    adminAccounts: ['root'],
    currentAccount: 'WINSIM\\Administrator',
    accounts: [],
    ...readJson('host.json', {}),
  };
}

/**
 * A Windows exit status as a Linux process can return it: the low byte (0x80092004 -> 4,
 * 1332 -> 52), never 0 for a failure. PowerShell's $LASTEXITCODE on the simulated host is this
 * value, so scripts must judge "non-zero" and read the error text, as they should on Windows too.
 */
export function exitWith(code) {
  process.exit(code === 0 ? 0 : code & 0xff || 1);
}

export const STORES = {
  My: 'Personal',
  WebHosting: 'Web Hosting',
  CA: 'Intermediate Certification Authorities',
  Root: 'Trusted Root Certification Authorities',
  TrustedPeople: 'Trusted People',
  TrustedPublisher: 'Trusted Publishers',
  Disallowed: 'Untrusted Certificates',
};

export function storeName(name) {
  return Object.keys(STORES).find((s) => s.toLowerCase() === String(name).toLowerCase());
}

export function storeDir(store) {
  return simPath(`store/LocalMachine/${store}`);
}

/** Every certificate of `store`: { store, thumbprint, pem, keyPath|null, meta|null }. */
export function storeCerts(store) {
  const dir = storeDir(store);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cer'))
    .sort()
    .map((f) => certEntry(store, f.slice(0, -4)));
}

export function certEntry(store, thumbprint) {
  const dir = storeDir(store);
  const t = thumbprint.toUpperCase();
  const keyPath = join(dir, `${t}.key`);
  const metaPath = `store/LocalMachine/${store}/${t}.json`;
  return {
    store,
    thumbprint: t,
    pem: readFileSync(join(dir, `${t}.cer`), 'utf8'),
    keyPath: existsSync(keyPath) ? keyPath : null,
    metaRel: metaPath,
    meta: readJson(metaPath, null),
  };
}

function md5(text) {
  return createHash('md5').update(text).digest('hex');
}

export function machineGuid() {
  const h = md5(host().computerName.toUpperCase());
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The key container of a certificate's key and where Windows keeps its file: an RSA key imported
 * from a PFX lives in a legacy CSP (ProgramData\Microsoft\Crypto\RSA\MachineKeys, key spec
 * exchange or signature), an EC key in the CNG software KSP (ProgramData\Microsoft\Crypto\Keys).
 * The unique container name is <hash>_<machine GUID>, as Windows names those files.
 */
export function keyContainer(entry) {
  const ec = entry.meta?.keyAlgorithm === 'EC';
  const hash = md5(`container:${entry.thumbprint}`);
  return {
    container:
      `{${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20)}}`.toUpperCase(),
    unique: `${hash}_${machineGuid()}`,
    provider: ec
      ? 'Microsoft Software Key Storage Provider'
      : 'Microsoft Enhanced RSA and AES Cryptographic Provider',
    folder: ec ? 'Keys' : 'RSA\\MachineKeys',
  };
}

const WELL_KNOWN = [
  {
    names: ['NT AUTHORITY\\SYSTEM', 'SYSTEM', '*S-1-5-18'],
    canonical: 'NT AUTHORITY\\SYSTEM',
    sid: 'S-1-5-18',
  },
  {
    names: ['NT AUTHORITY\\LOCAL SERVICE', 'LOCAL SERVICE', '*S-1-5-19'],
    canonical: 'NT AUTHORITY\\LOCAL SERVICE',
    sid: 'S-1-5-19',
  },
  {
    names: ['NT AUTHORITY\\NETWORK SERVICE', 'NETWORK SERVICE', '*S-1-5-20'],
    canonical: 'NT AUTHORITY\\NETWORK SERVICE',
    sid: 'S-1-5-20',
  },
  {
    names: ['BUILTIN\\Administrators', 'Administrators', '*S-1-5-32-544'],
    canonical: 'BUILTIN\\Administrators',
    sid: 'S-1-5-32-544',
  },
  {
    names: ['BUILTIN\\Users', 'Users', '*S-1-5-32-545'],
    canonical: 'BUILTIN\\Users',
    sid: 'S-1-5-32-545',
  },
  { names: ['Everyone', '*S-1-1-0'], canonical: 'Everyone', sid: 'S-1-1-0' },
];

export function services() {
  const dir = simPath('services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

// The service control manager's names for the built-in accounts (Win32_Service.StartName). They
// are not account names: icacls wants NT AUTHORITY\SYSTEM / NETWORK SERVICE / LOCAL SERVICE or
// the SID (*S-1-5-18, *S-1-5-20, *S-1-5-19). The simulation refuses them (1332) so that a
// script maps them first, which is right on Windows whatever LookupAccountName makes of them.
export const SCM_SPELLINGS = /^(\.\\)?LocalSystem$|^NT AUTHORITY\\(NetworkService|LocalService)$/i;

/**
 * Resolves an account name as LookupAccountName would on the simulated host: well-known
 * accounts, NT SERVICE\<service> for an installed service, and the host's own accounts (host.json
 * "accounts", "currentAccount", and every service's startName). null = Windows error 1332.
 */
export function resolveAccount(name) {
  const lower = name.toLowerCase();
  for (const a of WELL_KNOWN) if (a.names.some((n) => n.toLowerCase() === lower)) return a;
  const virtual = /^NT SERVICE\\(.+)$/i.exec(name);
  if (virtual) {
    const svc = services().find((s) => s.name.toLowerCase() === virtual[1].toLowerCase());
    return svc
      ? { canonical: `NT SERVICE\\${svc.name}`, sid: `S-1-5-80-${sidTail(svc.name)}` }
      : null;
  }
  const h = host();
  const known = [
    ...(h.accounts ?? []),
    h.currentAccount,
    ...services().map((s) => s.startName),
  ].filter((k) => k && !SCM_SPELLINGS.test(k));
  for (const k of known) {
    const short = k.split('\\').pop().toLowerCase();
    if (k.toLowerCase() === lower || (!name.includes('\\') && short === lower)) {
      return {
        canonical: k,
        sid: `S-1-5-21-1004336348-1177238915-682003330-${1000 + (parseInt(md5(k.toUpperCase()).slice(0, 6), 16) % 8999)}`,
      };
    }
  }
  return null;
}

function sidTail(text) {
  const d = createHash('sha1').update(Buffer.from(text.toUpperCase(), 'utf16le')).digest();
  return [0, 1, 2, 3, 4].map((i) => d.readUInt32LE(i * 4)).join('-');
}
