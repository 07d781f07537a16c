import { describe, expect, it } from 'vitest';
import { expectProblem, withBinding } from './helpers.js';

// withBinding puts the binding's first line on line 8 and every further line one below, each key
// at column 13; a problem with the whole binding is reported where its first key starts.
const B = 'environments[0].hosts[0].bindings[0]';

describe('a binding port', () => {
  it('of 0 is refused as outside 1-65535', () => {
    expectProblem(withBinding('port: 0\nkind: nginx'), {
      field: `${B}.port`,
      line: 8,
      column: 19,
      message: /port 1-65535, got 0/,
    });
  });

  it('of 65536 is refused as outside 1-65535', () => {
    expectProblem(withBinding('port: 65536\nkind: nginx'), {
      field: `${B}.port`,
      line: 8,
      column: 19,
      message: /got 65536/,
    });
  });

  it('written as a quoted string "443" is refused with a hint to drop the quotes', () => {
    expectProblem(withBinding('port: "443"\nkind: nginx'), {
      field: `${B}.port`,
      line: 8,
      column: 19,
      message: /got the string "443"; write it without quotes/,
    });
  });

  it.each([
    ['0o17', 'octal'],
    ['017', 'zero-padded'],
    ['0x1BB', 'hexadecimal'],
    ['443.0', 'float'],
    ['4.43e2', 'exponent'],
    ['1_000', 'underscored (YAML 1.1)'],
    ['22:22', 'sexagesimal (YAML 1.1)'],
  ])('written as %s (%s) is refused: ports are plain decimal integers', (value) => {
    expectProblem(withBinding(`port: ${value}\nkind: nginx`), {
      field: `${B}.port`,
      line: 8,
      column: 19,
      message: new RegExp(`integer written in decimal \\(e\\.g\\. 443\\), got ${value}$`),
    });
  });

  it('written as -443 is refused as outside 1-65535', () => {
    expectProblem(withBinding('port: -443\nkind: nginx'), {
      field: `${B}.port`,
      line: 8,
      column: 19,
    });
  });

  it('that is missing is reported at the binding', () => {
    expectProblem(withBinding('kind: nginx'), {
      field: `${B}.port`,
      line: 8,
      column: 13,
      message: /missing required field port/,
    });
  });
});

describe('a binding', () => {
  it('with a misspelt field is refused at that key', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nprams: {}'), {
      field: `${B}.prams`,
      line: 10,
      column: 13,
      message: /unknown field "prams"/,
    });
  });

  it('with a kind that is not a playbook name is refused', () => {
    expectProblem(withBinding('port: 443\nkind: "nginx; rm -rf /"'), {
      field: `${B}.kind`,
      line: 9,
      column: 19,
      message: /expected a binding kind/,
    });
  });

  it('with a parameter named __proto__ is refused before anything reads it', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nparams: { __proto__: 1 }'), {
      code: 'INVENTORY_YAML',
      field: `${B}.params.__proto__`,
      line: 10,
      column: 23,
      message: /__proto__/,
    });
  });

  it('with a thumbprint parameter copied from the MMC (U+200E in front) is refused with why', () => {
    const d = expectProblem(
      withBinding(
        'port: 443\nkind: netsh-http\nparams: { thumbprint: "\\u200ea909502dd82ae41433e6f83886b00d4277a32a7b" }',
      ),
      {
        field: `${B}.params.thumbprint`,
        line: 10,
        column: 35,
        message:
          /contains an invisible U\+200E LEFT-TO-RIGHT MARK at position 1 \(copied from the certificate dialog\?\)$/,
      },
    );
    expect(d.hint).toMatch(/certificate dialog \(MMC\)/);
  });

  it('with a certHash of 39 hex digits is refused as not a 40-digit thumbprint', () => {
    expectProblem(
      withBinding(
        'port: 443\nkind: netsh-http\nparams: { certHash: a909502dd82ae41433e6f83886b00d4277a32a7 }',
      ),
      {
        field: `${B}.params.certHash`,
        line: 10,
        column: 33,
        message: /has 39 hex digits; a SHA-1 thumbprint has exactly 40/,
      },
    );
  });

  it('with a thumbprint containing a zero-width space is refused', () => {
    expectProblem(
      withBinding(
        'port: 443\nkind: iis\nparams: { certThumbprint: "a909502dd82ae41433e6f8\\u200b3886b00d4277a32a7b" }',
      ),
      { field: `${B}.params.certThumbprint`, line: 10, column: 39, message: /U\+200B/ },
    );
  });
});

describe('a probe', () => {
  it('with an IP address as SNI is refused: SNI is never an IP', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nprobe: { sni: [10.0.0.1] }'), {
      field: `${B}.probe.sni[0]`,
      line: 10,
      column: 28,
      message: /never an IP address/,
    });
  });

  it('with a wildcard SNI is refused: clients send concrete names', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nprobe: { sni: ["*.example.com"] }'), {
      field: `${B}.probe.sni[0]`,
      line: 10,
      column: 28,
      message: /not a wildcard/,
    });
  });

  it('with a Unicode SNI name is refused with a hint about punycode', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nprobe: { sni: [bücher.example] }'), {
      field: `${B}.probe.sni[0]`,
      line: 10,
      column: 28,
      message: /punycode/,
    });
  });

  it('without sni on a host reached by IP address is refused, suggesting sni or none', () => {
    const text = withBinding('port: 443\nkind: nginx').replace(
      'address: web-01.example.com',
      'address: 10.0.0.5',
    );
    expectProblem(text, {
      field: `${B}.probe`,
      line: 8,
      column: 13,
      message: /probe.sni is required/,
    });
  });

  it('with a pool of no members is refused', () => {
    expectProblem(withBinding('port: 443\nkind: haproxy\nprobe: { pool: { members: [] } }'), {
      field: `${B}.probe.pool.members`,
      line: 10,
      column: 39,
      message: /at least one member/,
    });
  });

  it('with a VIP port of 0 is refused', () => {
    expectProblem(
      withBinding(
        'port: 443\nkind: haproxy\nprobe: { pool: { members: [{ name: a, address: 10.0.0.1, port: 443 }], vip: { address: 10.0.0.9, port: 0 } } }',
      ),
      { field: `${B}.probe.pool.vip.port`, line: 10, column: 116 },
    );
  });
});
