// certutil.exe of the simulated Windows host (Microsoft Learn, windows-commands/certutil), the
// verbs a rollout needs on the LocalMachine stores (certutil's default context):
//   certutil [-v] -store <Store> [<thumbprint>]   show certificates, their key container, provider
//                                                 and the key test (exit 0; 0x80092004
//                                                 CRYPT_E_NOT_FOUND when the hash is not there)
//   certutil -delstore <Store> <thumbprint>       delete the certificate (its key stays, as on
//                                                 Windows)
//   certutil -repairstore <Store> <thumbprint>    re-link the key (succeeds when the key exists)
// The "Unique container name" is the key file's name: an RSA key's file is
// %ProgramData%\Microsoft\Crypto\RSA\MachineKeys\<unique>, an EC (CNG) key's
// %ProgramData%\Microsoft\Crypto\Keys\<unique>; icacls.exe grants access on exactly that path.
// Exit statuses are the HRESULT's low byte here (see winsim.mjs exitWith).
import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { STORES, exitWith, keyContainer, storeCerts, storeDir, storeName } from './winsim.mjs';

const NOT_FOUND = {
  hr: 0x80092004,
  text: 'CRYPT_E_NOT_FOUND',
  message: 'Cannot find object or property.',
};

function out(text) {
  process.stdout.write(text.replace(/\n/g, '\r\n'));
}

function failed(verb, err) {
  const signed = err.hr | 0;
  out(
    `CertUtil: ${verb} command FAILED: 0x${(err.hr >>> 0).toString(16)} (${signed} ${err.text})\nCertUtil: ${err.message}\n`,
  );
  exitWith(err.hr);
}

// certutil prints dates in the system locale; en-US: 6/21/2027 5:00 PM.
function usDate(d) {
  const h = d.getUTCHours() % 12 || 12;
  const m = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h}:${m} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

function dn(text) {
  return text.split('\n').reverse().join(', ');
}

function describe(entry, index) {
  const x = new X509Certificate(entry.pem);
  const lines = [
    `================ Certificate ${index} ================`,
    `Serial Number: ${x.serialNumber.toLowerCase()}`,
    `Issuer: ${dn(x.issuer)}`,
    ` NotBefore: ${usDate(new Date(x.validFrom))}`,
    ` NotAfter: ${usDate(new Date(x.validTo))}`,
    `Subject: ${dn(x.subject)}`,
    x.issuer === x.subject
      ? 'Signature matches Public Key\nRoot Certificate: Subject matches Issuer'
      : 'Non-root Certificate',
    `Cert Hash(sha1): ${entry.thumbprint.toLowerCase()}`,
  ];
  if (!entry.keyPath) {
    lines.push(
      'No key provider information',
      'Cannot find the certificate and private key for decryption.',
    );
    return lines.join('\n') + '\n';
  }
  const k = keyContainer(entry);
  lines.push(
    `  Key Container = ${k.container}`,
    `  Unique container name: ${k.unique}`,
    `  Provider = ${k.provider}`,
  );
  if (!entry.meta?.exportable) lines.push('Private key is NOT exportable');
  lines.push(
    entry.meta?.keySpec === 'exchange' ? 'Encryption test passed' : 'Signature test passed',
  );
  return lines.join('\n') + '\n';
}

function storeArg(verb, name) {
  const store = storeName(name ?? '');
  if (!store) {
    out(
      `CertUtil: ${verb} command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\nCertUtil: The system cannot find the file specified.\n`,
    );
    exitWith(2);
  }
  return store;
}

function find(store, hash) {
  const t = String(hash ?? '')
    .replace(/\s/g, '')
    .toUpperCase();
  return storeCerts(store).filter((c) => !t || c.thumbprint === t);
}

function main(argv) {
  const args = argv.filter((a) => !/^[-/](v|f|silent|q)$/i.test(a));
  const verb = (args[0] ?? '').replace(/^\//, '-').toLowerCase();
  if (verb === '-store') {
    const store = storeArg('-store', args[1]);
    const hits = find(store, args[2]);
    out(`${store} "${STORES[store]}"\n`);
    hits.forEach((c, i) => out(describe(c, i)));
    if (args[2] && hits.length === 0) return failed('-store', NOT_FOUND);
    out('CertUtil: -store command completed successfully.\n');
    return exitWith(0);
  }
  if (verb === '-delstore') {
    const store = storeArg('-delstore', args[1]);
    const hits = args[2] ? find(store, args[2]) : [];
    out(`${store} "${STORES[store]}"\n`);
    if (hits.length === 0) return failed('-delstore', NOT_FOUND);
    hits.forEach((c, i) => {
      out(`Deleting Certificate ${i}\n`);
      rmSync(join(storeDir(store), `${c.thumbprint}.cer`), { force: true });
    });
    out('CertUtil: -delstore command completed successfully.\n');
    return exitWith(0);
  }
  if (verb === '-repairstore') {
    const store = storeArg('-repairstore', args[1]);
    const hits = args[2] ? find(store, args[2]) : [];
    out(`${store} "${STORES[store]}"\n`);
    if (hits.length === 0) return failed('-repairstore', NOT_FOUND);
    const c = hits[0];
    out(describe(c, 0));
    if (!c.keyPath)
      return failed('-repairstore', {
        hr: 0x8009000d,
        text: 'NTE_NO_KEY',
        message: 'Key does not exist.',
      });
    out('CertUtil: -repairstore command completed successfully.\n');
    return exitWith(0);
  }
  out(
    `CertUtil: Unknown arg: ${args[0] ?? ''}\nCertUtil -? -- Display a verb list (command list)\n`,
  );
  exitWith(0x80070057);
}

main(process.argv.slice(2));
