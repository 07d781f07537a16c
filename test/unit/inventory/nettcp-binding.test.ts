// Business Central's client services port (7046) speaks net.tcp: a plain TLS probe can never
// verify it, so plan refuses a binding there until the inventory says which protocol it speaks.
import { describe, expect, it } from 'vitest';
import { expectProblem, failure, parse, withBinding } from './helpers.js';

const B = 'environments[0].hosts[0].bindings[0]';
const probeOf = (text: string) => parse(text).environments[0]!.hosts[0]!.bindings[0]!.probe;

describe('a binding on a net.tcp port', () => {
  it('without probe.protocol is refused at plan with the way out in the hint', () => {
    const d = expectProblem(
      withBinding('port: 7046\nkind: bc-service-tier\nparams: { instance: BC240 }'),
      {
        field: `${B}.probe`,
        line: 8,
        column: 13,
        message:
          /port 7046 is Business Central's client services port, which speaks net.tcp.*never verify it/,
      },
    );
    expect(d.hint).toMatch(/probe: \{ protocol: nettcp \}.*probe: \{ protocol: tls \}/);
  });

  it('with protocol nettcp is probed through the framing, the via naming the BC instance', () => {
    expect(
      probeOf(
        withBinding(
          'port: 7046\nkind: bc-service-tier\nparams: { instance: BC240 }\nprobe: { protocol: nettcp }',
        ),
      ),
    ).toMatchObject({
      protocol: 'nettcp',
      via: 'net.tcp://web-01.example.com:7046/BC240/Service',
      sni: ['web-01.example.com'],
    });
  });

  it('keeps a via the inventory writes', () => {
    const via = 'net.tcp://bc.contoso.com:7046/BC240/Service';
    expect(
      probeOf(
        withBinding(`port: 7046\nkind: netsh-http\nprobe: { protocol: nettcp, via: '${via}' }`),
      ),
    ).toMatchObject({ protocol: 'nettcp', via });
  });

  it('with protocol tls is taken at its word', () => {
    expect(
      probeOf(withBinding('port: 7046\nkind: netsh-http\nprobe: { protocol: tls }')),
    ).toMatchObject({
      protocol: 'tls',
    });
  });

  it('refuses a via without protocol nettcp, and a via that is not a net.tcp URI', () => {
    expectProblem(
      withBinding("port: 8443\nkind: netsh-http\nprobe: { via: 'net.tcp://x:8443/' }"),
      {
        field: `${B}.probe.via`,
        line: 10,
        column: 27,
        message: /for net.tcp endpoints, but probe.protocol is tls \(the default\)/,
      },
    );
    const e = failure(() =>
      parse(
        withBinding("port: 8443\nkind: netsh-http\nprobe: { protocol: nettcp, via: 'https://x/' }"),
      ),
    );
    expect(e.details.map((d) => d.message).join('\n')).toMatch(
      /expected via as a net.tcp:\/\/ URI, got "https:\/\/x\/"/,
    );
  });

  it('leaves other ports alone', () => {
    expect(
      probeOf(withBinding('port: 7047\nkind: bc-service-tier\nparams: { instance: BC240 }'))
        .protocol,
    ).toBe(undefined);
  });
});
