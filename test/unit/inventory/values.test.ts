import { describe, expect, it } from 'vitest';
import { findHiddenCharacter } from '../../../src/inventory/hidden-characters.js';
import { thumbprintProblem } from '../../../src/inventory/thumbprints.js';
import {
  bcInstanceNameProblem,
  remotePathProblem,
  windowsServiceNameProblem,
} from '../../../src/inventory/values.js';

const THUMB = 'A909502DD82AE41433E6F83886B00D4277A32A7B';
const msg = (p: { message: string } | undefined): string | undefined => p?.message;

describe('a path on an sh host', () => {
  it.each(['/etc/nginx/tls/site.crt', '/var/tmp', '/', '/srv/my files/cert.pem', '/etc/./x'])(
    'accepts the absolute path %s',
    (p) => expect(remotePathProblem(p, 'sh')).toBeUndefined(),
  );

  it('refuses a relative path and says it must start with /', () => {
    expect(msg(remotePathProblem('etc/nginx/site.crt', 'sh'))).toBe(
      'path "etc/nginx/site.crt" is not absolute: it must start with /',
    );
  });

  it('refuses a Windows path on an sh host and names the mismatch', () => {
    expect(msg(remotePathProblem('C:\\certs\\a.pem', 'sh'))).toMatch(
      /is a Windows path, but this host runs sh/,
    );
  });

  it('refuses a .. segment', () => {
    expect(msg(remotePathProblem('/etc/nginx/../shadow', 'sh'))).toBe(
      'path "/etc/nginx/../shadow" has a \'..\' segment',
    );
  });

  it('accepts a name that merely contains two dots', () => {
    expect(remotePathProblem('/etc/ssl/site..crt', 'sh')).toBeUndefined();
  });

  it('refuses a value starting with - as an option', () => {
    expect(msg(remotePathProblem('-rf', 'sh'))).toBe(
      'path "-rf" starts with \'-\', which a command would read as an option',
    );
  });

  it('refuses a segment starting with -', () => {
    expect(msg(remotePathProblem('/srv/-n/cert.pem', 'sh'))).toMatch(
      /has a segment starting with '-' \("-n"\)/,
    );
  });

  it('refuses a line feed and names it with its position', () => {
    expect(msg(remotePathProblem('/etc/a\nb', 'sh'))).toBe(
      'path "/etc/a\\nb" contains a control character U+000A LINE FEED at position 7',
    );
  });

  it('refuses an empty path', () => {
    expect(msg(remotePathProblem('', 'sh'))).toBe('path is empty');
  });
});

describe('a path on a PowerShell host', () => {
  it.each([
    'C:\\ProgramData\\certroll',
    'd:/certs/site.pfx',
    '\\\\fs01\\share\\certs',
    'C:\\Program Files\\Microsoft Dynamics 365 Business Central\\230\\Service\\NavAdminTool.ps1',
  ])('accepts %s', (p) => expect(remotePathProblem(p, 'powershell')).toBeUndefined());

  it.each([
    ['certs\\site.pfx', /not absolute: it must start with a drive/],
    ['C:certs', /not absolute/],
    ['\\certs', /not absolute/],
    ['/var/tmp', /is a POSIX path, but this host runs PowerShell/],
    ['\\\\?\\C:\\certs', /device path/],
    ['\\\\.\\PhysicalDrive0', /device path/],
    ['C:\\certs\\..\\Windows', /'\.\.' segment/],
    ['C:\\certs\\site.pfx:hidden', /contains ":", which Windows does not allow/],
    ['C:\\certs\\*.pfx', /contains "\*"/],
    ['-C:\\x', /starts with '-'/],
  ])('refuses %s', (p, want) => {
    expect(msg(remotePathProblem(p, 'powershell'))).toMatch(want);
  });
});

describe('a Windows service name', () => {
  it.each(['W3SVC', 'MSSQL$SQLEXPRESS', 'MicrosoftDynamicsNavServer$BC230', 'My Service.1'])(
    'accepts %s',
    (s) => expect(windowsServiceNameProblem(s)).toBeUndefined(),
  );

  it('accepts 256 characters and refuses 257', () => {
    expect(windowsServiceNameProblem('s'.repeat(256))).toBeUndefined();
    expect(msg(windowsServiceNameProblem('s'.repeat(257)))).toMatch(
      /has 257 characters; Windows allows at most 256/,
    );
  });

  it.each([
    ['NT SERVICE\\W3SVC', /contains "\\\\", which Windows does not allow/],
    ['a/b', /contains "\/"/],
    ['W3*', /a wildcard to Get-Service and Restart-Service/],
    ['W3SVC\t', /control character U\+0009 TAB at position 6/],
    ['', /empty/],
  ])('refuses %j', (s, want) => {
    expect(msg(windowsServiceNameProblem(s))).toMatch(want);
  });
});

describe('a Business Central server instance name', () => {
  it.each(['BC230', 'DynamicsNAV110', 'bc_test-2'])('accepts %s', (s) =>
    expect(bcInstanceNameProblem(s)).toBeUndefined(),
  );

  it('refuses the full service name and says which part to write', () => {
    const p = bcInstanceNameProblem('MicrosoftDynamicsNavServer$BC230');
    expect(p?.message).toMatch(/is the service name; give the instance name alone/);
    expect(p?.hint).toMatch(/Write "BC230"/);
  });

  it.each([
    ["BC'230", /contains "'"/],
    ['BC 230', /contains " "/],
    ['BC$230', /contains "\$"/],
    ['-BC', /contains "-" at the start/],
  ])('refuses %j', (s, want) => {
    expect(msg(bcInstanceNameProblem(s))).toMatch(want);
  });

  it('refuses a name too long for the service name it makes', () => {
    expect(bcInstanceNameProblem('B'.repeat(229))).toBeUndefined();
    expect(msg(bcInstanceNameProblem('B'.repeat(230)))).toMatch(/at most 229 fit/);
  });
});

describe('a thumbprint', () => {
  it('accepts 40 hex digits in either case', () => {
    expect(thumbprintProblem(THUMB)).toBeUndefined();
    expect(thumbprintProblem(THUMB.toLowerCase())).toBeUndefined();
  });

  it('names a LEFT-TO-RIGHT MARK copied from the certificate dialog, with its position', () => {
    expect(msg(thumbprintProblem(`\u200e${THUMB}`))).toBe(
      `thumbprint "\\u200e${THUMB}" contains an invisible U+200E LEFT-TO-RIGHT MARK at position 1 (copied from the certificate dialog?)`,
    );
  });

  it.each([
    ['U+200B ZERO WIDTH SPACE', '\u200b'],
    ['U+FEFF ZERO WIDTH NO-BREAK SPACE', '\ufeff'],
    ['U+00A0 NO-BREAK SPACE', '\u00a0'],
  ])('names an invisible %s and where it is', (name, ch) => {
    const value = `${THUMB.slice(0, 10)}${ch}${THUMB.slice(10)}`;
    expect(msg(thumbprintProblem(value))).toMatch(
      new RegExp(`contains an invisible ${name.replace('+', '\\+')}.* at position 11`),
    );
  });

  it('refuses the spaced form the dialog shows, saying to drop the spaces', () => {
    const spaced = THUMB.match(/../g)!.join(' ');
    const p = thumbprintProblem(spaced);
    expect(p?.message).toMatch(/contains spaces/);
    expect(p?.hint).toMatch(/without spaces/);
  });

  it('tells a SHA-256 fingerprint from a thumbprint', () => {
    expect(msg(thumbprintProblem('ab'.repeat(32)))).toMatch(
      /SHA-256 fingerprint, not a thumbprint/,
    );
  });

  it('counts the digits of a short one', () => {
    expect(msg(thumbprintProblem(THUMB.slice(1)))).toMatch(/has 39 hex digits/);
  });

  it('names a character that is not hex and its position', () => {
    expect(msg(thumbprintProblem(`${THUMB.slice(0, 39)}G`))).toMatch(/contains "G" at position 40/);
  });
});

describe('findHiddenCharacter', () => {
  it('counts positions in characters, not UTF-16 units', () => {
    expect(findHiddenCharacter('😀\u200e')?.position).toBe(2);
  });
  it('finds nothing in plain text', () => {
    expect(findHiddenCharacter('/etc/nginx/ä.crt')).toBeUndefined();
  });
});
