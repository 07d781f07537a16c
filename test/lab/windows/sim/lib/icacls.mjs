// icacls.exe of the simulated Windows host (Microsoft Learn, windows-commands/icacls) for the
// one kind of file a rollout sets an ACL on: a machine private key file, named by the "Unique
// container name" certutil -store prints, under %ProgramData%\Microsoft\Crypto\RSA\MachineKeys
// (CSP keys), \Keys or \SystemKeys (CNG keys). The same command works on real Windows, which is
// why the product grants a service account read access this way rather than with Get-Acl/Set-Acl
// or the key's .NET object (neither exists for a key on Linux PowerShell).
//   icacls <file>                                     show the ACL
//   icacls <file> /grant[:r] <account>:<perm> [...]    add read access (R, RX, M, F, GR, GA)
//   icacls <file> /remove[:g] <account> [...]          remove the account's entries
// Accounts resolve as LookupAccountName does on the host (winsim.mjs resolveAccount): an unknown
// one fails with Windows' error 1332; a missing file with 2; a malformed argument with 87.
import {
  readJson,
  storeCerts,
  STORES,
  keyContainer,
  exitWith,
  resolveAccount,
  writeJson,
} from './winsim.mjs';

const READ_RIGHTS = new Set(['R', 'RX', 'M', 'F', 'GR', 'GA', 'GE']);
const SIMPLE_RIGHTS = new Set(['N', 'F', 'M', 'RX', 'R', 'W', 'D']);
const SPECIFIC = new Set([
  'DE',
  'RC',
  'WDAC',
  'WO',
  'S',
  'AS',
  'MA',
  'GR',
  'GW',
  'GE',
  'GA',
  'RD',
  'WD',
  'AD',
  'REA',
  'WEA',
  'X',
  'DC',
  'RA',
  'WA',
]);
const INHERIT = new Set(['I', 'OI', 'CI', 'IO', 'NP']);

function out(text) {
  process.stdout.write(text.replace(/\n/g, '\r\n'));
}

function summary(ok, failed) {
  out(`Successfully processed ${ok} files; Failed processing ${failed} files\n`);
}

/** The store entry whose key file `path` names, or null. */
function keyFile(path) {
  const m =
    /(?:^|[\\/])Microsoft[\\/]Crypto[\\/](RSA[\\/]MachineKeys|Keys|SystemKeys)[\\/]([^\\/]+)$/i.exec(
      path,
    );
  if (!m) return null;
  const folder = m[1].replace('/', '\\').toLowerCase();
  for (const store of Object.keys(STORES)) {
    for (const entry of storeCerts(store)) {
      if (!entry.keyPath || !entry.meta) continue;
      const k = keyContainer(entry);
      const sameFolder =
        k.folder.toLowerCase() === folder || (k.folder === 'Keys' && folder === 'systemkeys');
      if (sameFolder && k.unique.toLowerCase() === m[2].toLowerCase()) return entry;
    }
  }
  return null;
}

/** Parses "(OI)(CI)(R)", "R" or "(RD,RA)": { ok, read }. */
function parsePerm(perm) {
  const groups = /^\(.*\)$/.test(perm) ? perm.slice(1, -1).split(')(') : [perm];
  let read = false;
  for (const g of groups) {
    const parts = g.split(',');
    if (parts.length === 1 && INHERIT.has(parts[0].toUpperCase())) continue;
    if (parts.length === 1 && SIMPLE_RIGHTS.has(parts[0].toUpperCase())) {
      read ||= READ_RIGHTS.has(parts[0].toUpperCase());
      continue;
    }
    if (!parts.every((p) => SPECIFIC.has(p.toUpperCase()))) return { ok: false, read: false };
    read ||= parts.some((p) => READ_RIGHTS.has(p.toUpperCase()) || p.toUpperCase() === 'RD');
  }
  return { ok: true, read };
}

function show(path, entry) {
  const acl = entry.meta.keyAcl ?? [];
  const full = new Set(['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators']);
  const pad = ' '.repeat(path.length + 1);
  out(
    acl.map((a, i) => `${i === 0 ? `${path} ` : pad}${a}:(${full.has(a) ? 'F' : 'R'})`).join('\n') +
      '\n\n',
  );
}

function main(argv) {
  const path = argv[0];
  if (!path || path.startsWith('/')) {
    out(`Invalid parameter "${path ?? ''}"\n`);
    return exitWith(87);
  }
  const quiet = argv.some((a) => /^\/q$/i.test(a));
  const grants = [];
  const removes = [];
  let replace = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const lower = a.toLowerCase();
    if (lower === '/grant' || lower === '/grant:r') {
      replace ||= lower === '/grant:r';
      while (i + 1 < argv.length && !argv[i + 1].startsWith('/')) grants.push(argv[++i]);
    } else if (/^\/remove(:[gd])?$/.test(lower)) {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('/')) removes.push(argv[++i]);
    } else if (/^\/(t|c|l|q)$/.test(lower)) {
      continue;
    } else {
      out(`Invalid parameter "${a}"\n`);
      return exitWith(87);
    }
  }
  const entry = keyFile(path);
  if (!entry) {
    out(`${path}: The system cannot find the file specified.\n`);
    summary(0, 1);
    return exitWith(2);
  }
  if (grants.length === 0 && removes.length === 0) {
    show(path, entry);
    summary(1, 0);
    return exitWith(0);
  }
  const meta = readJson(entry.metaRel, entry.meta);
  let acl = [...(meta.keyAcl ?? [])];
  for (const g of grants) {
    const at = g.lastIndexOf(':');
    const who = at > 0 ? g.slice(0, at) : '';
    const perm = parsePerm(at > 0 ? g.slice(at + 1) : '');
    if (!who || !perm.ok) {
      out(`Invalid parameter "${g}"\n`);
      return exitWith(87);
    }
    const account = resolveAccount(who);
    if (!account) {
      out(`${who}: No mapping between account names and security IDs was done.\n`);
      summary(0, 1);
      return exitWith(1332);
    }
    if (replace) acl = acl.filter((a) => a.toLowerCase() !== account.canonical.toLowerCase());
    if (perm.read && !acl.some((a) => a.toLowerCase() === account.canonical.toLowerCase()))
      acl.push(account.canonical);
  }
  for (const r of removes) {
    const account = resolveAccount(r);
    if (!account) {
      out(`${r}: No mapping between account names and security IDs was done.\n`);
      summary(0, 1);
      return exitWith(1332);
    }
    acl = acl.filter((a) => a.toLowerCase() !== account.canonical.toLowerCase());
  }
  writeJson(entry.metaRel, { ...meta, keyAcl: acl });
  if (!quiet) out(`processed file: ${path}\n`);
  summary(1, 0);
  return exitWith(0);
}

main(process.argv.slice(2));
