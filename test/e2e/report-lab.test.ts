// Change records end to end, through the built CLI against two lab hosts over real SSH with real
// nginx: a plan made for a ticket, applied by another operator; production's host fails its
// cold-start check (its restart command fails) and is rolled back with the old certificate proven
// on the wire. Then `runs`, `show`, the audit log and the reports, the HTML opened in a real
// headless Chromium. With CERTROLL_DOCS_SCREENSHOTS=1 the screenshots are written to docs/.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listRunIds } from '../../src/journal/index.js';
import { signature } from '../../src/notify/webhook.js';
import ical from 'node-ical';
import { useRenewalLab } from '../lab/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';

const fx = useRenewalLab({
  hosts: 2,
  environments: ([staging, production]) => [
    { name: 'staging', hosts: [staging!] },
    {
      name: 'production',
      policy: '{ coldStartCheck: true }',
      // The planted fault: a restart that fails, so the cold-start check undoes the host.
      hosts: [
        production!.replace(
          /nginxArgs: (\[[^\]]*\]) \}/,
          'nginxArgs: $1, restartCommand: "false" }',
        ),
      ],
    },
  ],
});

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

interface Browsed {
  readonly dom: string;
  readonly png: string;
}

/** Opens `file` in headless Chromium: its DOM after rendering, and a screenshot of the page. */
function chromium(file: string, png: string, height: number): Promise<Browsed> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-extensions',
        '--disable-dev-shm-usage',
        `--user-data-dir=${png}.profile`,
        '--hide-scrollbars',
        `--window-size=1280,${height}`,
        `--screenshot=${png}`,
        '--dump-dom',
        `file://${file}`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'], timeout: 45_000 },
    );
    let dom = '';
    child.stdout.on('data', (d: Buffer) => (dom += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ dom, png }) : reject(new Error(`chromium exited ${code}`)),
    );
  });
}

/** A webhook receiver on loopback: every request's signature header and body. */
async function hookReceiver() {
  const got: { sig: string | undefined; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ sig: req.headers['x-certroll-signature'] as string | undefined, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise((r) => server.close(r)) };
}

const rows = (dom: string) => dom.match(/<tr class="port">/g)?.length ?? 0;

describe('change records of a real lab run with a rollback', () => {
  it('keeps who and why from the plan to the reports, and tells every port with its proof', async () => {
    const r = fx();
    const { lab, stateDir } = r;
    const planPath = join(lab.dir, 'plan.json');
    const plan = runCli(
      ['plan', ...r.args(), '--operator', 'alice', '--ticket', 'CHG-1234', '-o', planPath],
      { timeoutMs: 60_000 },
    );
    expect(plan.code, plan.stderr).toBe(2);
    // The current certificate's expiry, as the plan's probe saw it served, kept and previewed.
    const oldExpiry = new Date(r.oldLeaf.x509.validTo).toISOString();
    expect(JSON.parse(readFileSync(planPath, 'utf8'))).toMatchObject({
      change: { operator: 'alice', ticket: 'CHG-1234' },
      environments: [
        {
          policy: { coldStartCheck: false },
          hosts: [{ bindings: [{ current: r.oldLeaf.sha256, currentNotAfter: oldExpiry }] }],
        },
        { policy: { coldStartCheck: true } },
      ],
    });
    expect(plan.stdout).toContain(
      `-> ${r.newLeaf.sha256.slice(0, 12)}… (current expires ${oldExpiry.slice(0, 10)})`,
    );

    // A bad ticket is refused before anything runs: no run folder.
    const bad = runCli(['apply', planPath, '--yes', '--ticket', 'x\ny', '--state-dir', stateDir]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--ticket "x\\ny" is not accepted');
    expect(listRunIds(stateDir)).toEqual([]);

    const planMd = join(lab.dir, 'plan.md');
    const planHtml = join(lab.dir, 'plan.html');
    const hook = await hookReceiver();
    const HOOK_KEY = 'webhook-hmac-key';
    const [apply, planReport, planReportMd] = await Promise.all([
      runCliAsync(
        [
          'apply',
          planPath,
          '--yes',
          '--operator',
          'bob',
          '--trust',
          r.root.certPath,
          '--state-dir',
          stateDir,
          '--webhook',
          hook.url,
          '--webhook-secret-env',
          'HOOK_KEY',
        ],
        { timeoutMs: 120_000, env: { HOOK_KEY } },
      ),
      runCliAsync(['report', planPath, '-o', planHtml]),
      runCliAsync(['report', planPath, '--format', 'md', '-o', planMd]),
    ]);
    expect(planReport.code, planReport.stderr).toBe(0);
    expect(planReportMd.code, planReportMd.stderr).toBe(0);
    // production rolled back: the run failed, and says so.
    expect(apply.code, apply.stderr).toBe(1);
    const [staging, production] = lab.hosts;
    expect(await r.served(staging!.address)).toBe(r.newLeaf.sha256);
    expect(await r.served(production!.address)).toBe(r.oldLeaf.sha256);

    // The webhook heard the run as it went, every body signed, no secret in any.
    await hook.close();
    const events = hook.got.map((g) => {
      expect(g.sig).toBe(signature(HOOK_KEY, g.body));
      expect(g.body).not.toContain(HOOK_KEY);
      return JSON.parse(g.body) as {
        event: string;
        env?: string;
        status?: string;
        operator: string;
        ticket: string;
      };
    });
    expect(
      events.map(
        (e) =>
          `${e.event}${e.env !== undefined ? ` ${e.env}` : ''}${e.status !== undefined ? ` ${e.status}` : ''}`,
      ),
    ).toEqual([
      'run-started',
      'environment-finished staging succeeded',
      'failure failed',
      'rollback rolled-back',
      'environment-finished production failed',
      'run-finished failed',
    ]);
    expect(events.every((e) => e.operator === 'bob' && e.ticket === 'CHG-1234')).toBe(true);

    const [run] = listRunIds(stateDir);
    const runHtml = join(lab.dir, 'run.html');
    const [runs, show, md, htmlReport] = await Promise.all([
      runCliAsync(['runs', '--state-dir', stateDir]),
      runCliAsync(['show', run!, '--state-dir', stateDir]),
      runCliAsync(['report', run!, '--state-dir', stateDir]),
      runCliAsync(['report', run!, '--state-dir', stateDir, '-o', runHtml]),
    ]);
    expect(runs.stdout).toMatch(
      new RegExp(`^${run} .* bob +CHG-1234 +1 +1 +0 +0 +rolled back$`, 'm'),
    );
    expect(runs.stdout).not.toMatch(/succeeded/);
    expect(show.stdout).toContain(
      `run ${run}: rolled back\n  operator  bob\n  ticket    CHG-1234\n`,
    );
    expect(show.stdout).toContain('1 verified, 1 rolled back, 0 need attention');
    expect(show.stdout).toMatch(/^production +lab-\d+ +\S+:8443 +rolled-back/m);
    const audit = readFileSync(join(stateDir, 'runs', run!, 'audit.log'), 'utf8')
      .trim()
      .split('\n');
    for (const line of audit)
      expect(JSON.parse(line)).toMatchObject({ runId: run, operator: 'bob', ticket: 'CHG-1234' });

    expect(md.code, md.stderr).toBe(0);
    expect(htmlReport.code, htmlReport.stderr).toBe(0);
    // Markdown: who, why, every port with what it served before and after, and the rollback proof.
    expect(md.stdout).toContain('| ticket | CHG-1234 |');
    expect(md.stdout).toContain('| operator | bob |');
    expect(md.stdout).toContain(
      `| staging | ${staging!.name} | ${staging!.address}:8443 | www.lab.test | **verified** | \`${r.oldLeaf.sha256}\` | \`${r.newLeaf.sha256}\``,
    );
    expect(md.stdout).toContain(
      `| production | ${production!.name} | ${production!.address}:8443 | www.lab.test | **rolled-back** | \`${r.oldLeaf.sha256}\` | \`${r.oldLeaf.sha256}\``,
    );
    expect(md.stdout).toMatch(/after rollback a fresh handshake saw the previous leaf again/);
    expect(md.stdout).toContain('restart (failed)');
    expect(readFileSync(planMd, 'utf8')).toContain('| cold start | each service restarted');
    // Current -> new, fingerprint and expiry, port by port.
    const newExpiry = new Date(r.newLeaf.x509.validTo).toISOString().slice(0, 10);
    expect(readFileSync(planMd, 'utf8')).toMatch(
      new RegExp(
        `^\\| 8443 \\| nginx \\| www\\.lab\\.test \\| \`${r.oldLeaf.sha256}\` \\| ${oldExpiry.slice(0, 10)} \\(19 day\\(s\\) left\\) \\| \`${r.newLeaf.sha256}\` \\| ${newExpiry} \\(199 day\\(s\\) left\\) \\| replace \\|$`,
        'm',
      ),
    );

    // The HTML in a real browser: it renders, every port is a row, the chart is drawn; no network.
    const shots = [join(lab.dir, 'report-plan.png'), join(lab.dir, 'report-run.png')];
    const [planPage, runPage] = await Promise.all([
      chromium(planHtml, shots[0]!, 1900),
      chromium(runHtml, shots[1]!, 1500),
    ]);
    expect(rows(planPage.dom)).toBe(2);
    expect(planPage.dom).toContain(`<td>${oldExpiry.slice(0, 10)} (19 day(s) left)</td>`);
    expect(rows(runPage.dom)).toBe(4); // the run's two ports, and the plan it followed
    expect(runPage.dom).toMatch(/<svg[^>]*class="marks"/);
    expect(runPage.dom).toContain('CHG-1234');
    for (const page of [planPage, runPage]) {
      expect(page.dom).not.toMatch(/(src|href)="https?:/);
      expect(statSync(page.png).size).toBeGreaterThan(20_000);
    }
    const html = readFileSync(runHtml, 'utf8');
    expect(html).not.toContain(r.newLeaf.keyPem.split('\n')[1]!);
    if (process.env['CERTROLL_DOCS_SCREENSHOTS'] === '1' && existsSync(DOCS))
      for (const shot of shots) copyFileSync(shot, join(DOCS, shot.split('/').at(-1)!));
    if (process.env['CERTROLL_DOCS_SCREENSHOTS'] === '1' && existsSync(DOCS))
      writeFileSync(join(DOCS, 'report-run-example.md'), md.stdout);
  }, 150_000);

  it('lists the backups the run kept on each host, then purges them by a retention policy', async () => {
    const r = fx();
    const { stateDir } = r;
    const [run] = listRunIds(stateDir);
    const [staging, production] = r.lab.hosts;
    const [list, listed, checked] = await Promise.all([
      runCliAsync(['backups', '--state-dir', stateDir]),
      runCliAsync(['--json', 'backups', run!, '--state-dir', stateDir]),
      runCliAsync(['backups', '--check', '--state-dir', stateDir]),
    ]);
    expect(list.code, list.stderr).toBe(0);
    // staging verified: its capture names the files copied; production, undone within the run,
    // keeps its copies too (only a purge or `rollback RUN` removes them).
    expect(list.stdout).toMatch(
      new RegExp(
        `^${run} +staging +${staging!.name} +\\S+ \\S+ +\\d+[smh]( \\d+s)? +kept +${staging!.name}:8443 nginx +cert, key in \\S+/certroll-${run}/${staging!.name}_8443/backup$`,
        'm',
      ),
    );
    expect(list.stdout).toMatch(
      new RegExp(
        `^${run} +production +${production!.name} .* kept +.* copies of the previous files in `,
        'm',
      ),
    );
    const dirs = (
      JSON.parse(listed.stdout) as {
        runs: { hosts: { ageMs: number; bindings: { kept: { dir: string } }[] }[] }[];
      }
    ).runs[0]!.hosts.map((h) => h.bindings[0]!.kept.dir);
    expect(dirs).toHaveLength(2);
    // The listing is the truth on the hosts: the copies are there, the cert's is the old leaf.
    expect(readFileSync(join(dirs[0]!, 'cert'), 'utf8')).toContain(
      r.oldLeaf.certPem.split('\n')[1]!,
    );
    expect(existsSync(join(dirs[1]!, 'key'))).toBe(true);
    // --check asks each host over SSH what its folders really hold.
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(
      new RegExp(`^${run} +staging .*/backup; on the host: cert, key$`, 'm'),
    );

    // A dry run, and no terminal to confirm on: nothing goes.
    const [dry, unasked] = await Promise.all([
      runCliAsync(['purge', '--keep', '0', '--dry-run', '--state-dir', stateDir]),
      runCliAsync(['purge', '--keep', '0', '--state-dir', stateDir]),
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^purge ${run} production/${production!.name} \\(taken [\\dsm ]+ ago\\): not one of the newest 0 on ${production!.name}$`,
        'm',
      ),
    );
    expect(unasked.code).toBe(64);
    expect(unasked.stderr).toContain('Refusing to purge without confirmation');
    for (const dir of dirs) expect(existsSync(dir)).toBe(true);

    const purge = await runCliAsync([
      'purge',
      '--older-than',
      '1s',
      '--yes',
      '--state-dir',
      stateDir,
    ]);
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stdout).toContain(`${run} ${staging!.name}: purged ${staging!.name}:8443`);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    // A folder the journal says is purged, put back by hand: --check says so and exits 1.
    mkdirSync(dirs[0]!, { recursive: true });
    const [after, recheck] = await Promise.all([
      runCliAsync(['backups', run!, '--state-dir', stateDir]),
      runCliAsync(['backups', '--check', run!, '--state-dir', stateDir]),
    ]);
    rmSync(dirs[0]!, { recursive: true });
    expect(recheck.code).toBe(1);
    expect(recheck.stdout).toMatch(/^.* production .*; on the host: no such folder$/m);
    expect(recheck.stderr).toContain(
      `${run} ${staging!.name} ${staging!.name}:8443: the journal says purged, but ${dirs[0]} is still on the host`,
    );
    expect(after.stdout.match(/ purged \d{4}-\d\d-\d\d /g)).toHaveLength(2);
  }, 60_000);

  it('plans the renewals of what is served: one entry per certificate, a calendar that parses back', async () => {
    const r = fx();
    const [staging, production] = r.lab.hosts;
    const ics = join(r.lab.dir, 'renewals.ics');
    const args = ['renewals', '-i', r.inventoryPath, '--trust', r.root.certPath];
    // After the run above: staging serves the new leaf, production the old one (20 days left).
    const [table, scan, json, written, refused] = await Promise.all([
      runCliAsync(args),
      runCliAsync(['scan', '-i', r.inventoryPath, '--trust', r.root.certPath]),
      runCliAsync([...args, '--format', 'json', '--renew-at', '10d']),
      runCliAsync([...args, '-o', ics]),
      runCliAsync([...args, '--renew-at', 'soon']),
    ]);
    // The exit code is the scan's (the lab serves the old leaf without its intermediate: CRITICAL).
    expect([1, 2]).toContain(scan.code);
    expect(table.code, table.stderr).toBe(scan.code);
    expect(table.stdout).toContain(`${r.oldLeaf.sha256.slice(0, 16)}  CN=www.lab.test`);
    expect(table.stdout).toContain(
      `production/${production!.name} ${production!.address}:8443 (www.lab.test)`,
    );
    const plan = JSON.parse(json.stdout) as {
      certificates: {
        sha256: string;
        notAfter: string;
        renewOn: string;
        endpoints: { host: string }[];
      }[];
    };
    expect(plan.certificates.map((c) => [c.sha256, c.endpoints.map((e) => e.host)])).toEqual([
      [r.oldLeaf.sha256, [production!.name]],
      [r.newLeaf.sha256, [staging!.name]],
    ]);
    for (const c of plan.certificates)
      expect(Date.parse(c.notAfter) - Date.parse(c.renewOn)).toBe(10 * 86_400_000);
    expect(written.code).toBe(scan.code);
    const events = Object.values(ical.sync.parseICS(readFileSync(ics, 'utf8'))).filter(
      (e): e is ical.VEvent => e?.type === 'VEVENT',
    );
    expect(events).toHaveLength(2);
    const old = events.find((e) => e.uid === `${r.oldLeaf.sha256}@certroll`)!;
    expect(old.summary).toMatch(/^Renew certificate CN=www\.lab\.test \(expires /);
    expect(old.description).toContain(`${production!.address}:8443`);
    // Two thirds of a 20-day life: about 13 days after issue, as an all-day event.
    expect(old.datetype).toBe('date');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('--renew-at soon is not a renewal policy');
  }, 60_000);
});
