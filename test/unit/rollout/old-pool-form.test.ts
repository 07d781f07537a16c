import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CertrollError } from '../../../src/errors.js';
import { prepareRollout } from '../../../src/rollout/prepare.js';

const dir = mkdtempSync(join(tmpdir(), 'certroll-old-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD_FORM = `version: 1
environments:
  - name: prod
    hosts:
      - name: lb-01
        address: 10.0.5.10
        bindings:
          - port: 443
            kind: haproxy
            params: { crtPath: /etc/haproxy/certs/shop.pem, configPath: /etc/haproxy/haproxy.cfg }
            probe:
              sni: [shop.example.com]
              pool:
                members:
                  - { name: lb-01, address: 10.0.5.10, port: 443 }
                  - { name: lb-02, address: 10.0.5.20, port: 443 }
                vip: { address: 10.0.5.100, port: 443 }
`;

describe('the old form of a pool (probe.pool on one binding)', () => {
  it('is refused by plan before any host is reached, at its file:line, with the pools: entry to write', async () => {
    const inventory = join(dir, 'old.yaml');
    writeFileSync(inventory, OLD_FORM);
    const error = (await prepareRollout({ inventory, cert: join(dir, 'absent.pem') }, {}).catch(
      (e: unknown) => e,
    )) as CertrollError;
    expect(error.code).toBe('PLAYBOOK_INVALID');
    expect(error.message).toContain('No host was modified.');
    const d = error.details.find((x) => x.field?.endsWith('probe.pool'));
    expect(d).toMatchObject({ file: inventory, line: 8 });
    expect(d?.message).toContain('probe.pool is the old form of a pool');
    expect(d?.hint).toContain(
      'pools: [{ name: NAME, members: [{ host: lb-01, port: 443 }, { host: lb-02, port: 443 }], vips: [{ address: 10.0.5.100, port: 443 }], sni: [shop.example.com] }]',
    );
  });
});
