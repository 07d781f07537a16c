// The words around the real rollout output: what the lab is, what to watch for, what happened.
import { type Lab } from './lab.js';
import { type DemoVerdict, type ServedNow } from './outcome.js';
import { FAILING_BINDING, type Certificates } from './scenario.js';

const short = (sha: string | undefined) => (sha === undefined ? 'nothing' : `${sha.slice(0, 12)}…`);
const sha = (c: Certificates['oldLeaf']) => c.cert.fingerprint256.replace(/:/g, '').toLowerCase();

export function opening(lab: Lab, certs: Certificates, dir: string): string {
  const bindings = lab.hosts.reduce((n, h) => n + h.bindings.length, 0);
  return [
    'certroll demo: a lab on this machine, and a real rollout through it',
    '',
    `  lab folder    ${dir}`,
    `  hosts         ${lab.hosts.map((h) => `${h.name} (${h.address}:${h.ssh.port})`).join(', ')}`,
    `                in-process SSH servers, each with its own host key in ${lab.knownHostsPath};`,
    '                certroll checks it before authenticating, as with any host',
    `  endpoints     ${bindings} TLS ports serving the files the pem-files playbook writes,`,
    "                reloaded when the binding's reloadCommand touches a marker file",
    `  old cert      ${short(sha(certs.oldLeaf))} expires ${certs.oldLeaf.cert.validTo} (served everywhere now)`,
    `  new cert      ${short(sha(certs.newLeaf))} expires ${certs.newLeaf.cert.validTo} (issued by the demo CA)`,
    '',
    `  Watch ${FAILING_BINDING}: its reloadCommand is \`true\`, a reload someone forgot. The files are`,
    '  written and every command succeeds, but the port keeps serving the old certificate.',
    '',
  ].join('\n');
}

export function verdictText(
  v: DemoVerdict,
  served: readonly ServedNow[],
  certs: Certificates,
  newSha: string,
): string {
  const oldSha = sha(certs.oldLeaf);
  const lines = ['', '== What the ports serve now (a fresh TLS handshake each) =='];
  for (const s of served) {
    const which = s.sha256 === newSha ? 'new' : s.sha256 === oldSha ? 'old' : 'unexpected';
    lines.push(`  ${s.binding.padEnd(14)} ${short(s.sha256)}  (${which} certificate)`);
  }
  lines.push('', '== What happened ==');
  lines.push(
    `  ${v.verified.length} binding(s) verified: a fresh handshake with their SNI saw the new certificate.`,
  );
  if (v.rolledBack.includes(FAILING_BINDING)) {
    lines.push(
      `  ${FAILING_BINDING} failed verification (its port still served the old certificate), so`,
      '  certroll restored the captured files and proved the old certificate on the wire again.',
    );
    const mates = v.rolledBack.filter((b) => b !== FAILING_BINDING);
    if (mates.length > 0)
      lines.push(
        `  ${mates.join(', ')} rolled back with it: a host undoes everything it touched, newest first,`,
        '  and proves each undo.',
      );
    lines.push('  The environment stopped there (failure budget 0): no port is left half-done.');
  }
  for (const p of v.problems) lines.push(`  UNEXPECTED: ${p}`);
  return `${lines.join('\n')}\n`;
}

export function closing(
  ok: boolean,
  runId: string,
  stateDir: string,
  dir: string,
  keep: boolean,
): string {
  const lines = [''];
  if (keep) {
    lines.push(
      'Inspect the run, step by step:',
      `  certroll show ${runId} --state-dir ${stateDir}`,
      `The inventory, certificates and journal stay in ${dir}.`,
    );
  } else {
    lines.push(
      `The lab folder is removed now; run \`certroll demo --keep\` to keep it and inspect the run with`,
      '  certroll show RUN --state-dir <folder>/control-state',
    );
  }
  lines.push(
    '',
    ok
      ? 'demo succeeded: the rollout behaved as expected (the rollout itself reports "failed" because one binding was rolled back; that is the point).'
      : 'demo FAILED: the rollout did not behave as expected (see UNEXPECTED above).',
  );
  return `${lines.join('\n')}\n`;
}
