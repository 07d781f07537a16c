import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PS_PRELUDE, PS_PUT_FILE } from '../../../src/shell/index.js';
import { PowerShellSshTransport } from '../../../src/transport/powershell/powershell-ssh.js';
import { startLab, type Lab, type LabHost } from '../../lab/index.js';

let lab: Lab;
let h: LabHost;
let ps: PowerShellSshTransport;
let rec: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
  rec = join(h.dir, 'ps');
  // Stands in for powershell.exe: records argv, decodes -EncodedCommand, keeps stdin, exits 3.
  h.addShim(
    'powershell',
    [
      '#!/bin/sh',
      `r=${rec}`,
      'printf "%s\\n" "$#" > "$r.argc"',
      'for a in "$@"; do printf "%s\\n" "$a"; done > "$r.argv"',
      'while [ $# -gt 0 ]; do',
      '  if [ "$1" = -EncodedCommand ]; then printf "%s" "$2" | base64 -d | iconv -f UTF-16LE -t UTF-8 > "$r.script"; fi',
      '  shift',
      'done',
      '/bin/cat > "$r.stdin"',
      'echo "shim ok"; echo "to stderr" >&2',
      'exit 3',
      '',
    ].join('\n'),
  );
  ps = new PowerShellSshTransport(h.toHost({ transport: { kind: 'powershell-ssh' } }));
  await ps.connect();
});
afterAll(async () => {
  await ps?.close();
  await lab?.stop();
});

const read = (ext: string): string => readFileSync(`${rec}.${ext}`, 'utf8');

describe('powershell over ssh, through a real sshd to a powershell shim', () => {
  it('delivers the encoded script and the JSON stdin intact, and returns the exit code', async () => {
    const script =
      '$d = $certrollInput\nWrite-Output "Thumbprint: $($d.thumb)" # ünï ✓ \'q\' "dq" `t';
    const stdin = JSON.stringify({ thumb: 'AB12', password: 'p@ss\'"; $(x)' });
    const r = await ps.exec(script, { stdin });
    expect(r).toMatchObject({ exitCode: 3, stdout: 'shim ok\n', stderr: 'to stderr\n' });
    expect(read('argc').trim()).toBe('8');
    expect(read('argv').split('\n').slice(0, 7)).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-OutputFormat',
      'Text',
      '-EncodedCommand',
    ]);
    expect(read('script')).toBe(`${PS_PRELUDE}\n${script}`);
    expect(read('stdin')).toBe(stdin);
    expect(read('argv')).not.toContain('p@ss');
  });

  it('sends a PFX only on stdin: the argv carries the static put-file script alone', async () => {
    const pfx = Buffer.from('0\u0082\u0005PFX-SECRET-BYTES', 'latin1');
    // The shim exits 3, so the write "fails"; what it received is what matters here.
    await expect(ps.putFile('C:\\certroll\\new.pfx', pfx, { mode: 0o600 })).rejects.toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
    });
    expect(read('script')).toBe(`${PS_PRELUDE}\n${PS_PUT_FILE}`);
    const input = JSON.parse(read('stdin')) as { path: string; data: string; private: boolean };
    expect(Buffer.from(input.data, 'base64').equals(pfx)).toBe(true);
    expect(input).toMatchObject({ path: 'C:\\certroll\\new.pfx', private: true });
    expect(read('argv')).not.toContain(pfx.toString('base64'));
    expect(read('argv')).not.toContain('new.pfx');
  });
});
