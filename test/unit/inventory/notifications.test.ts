import { describe, expect, it } from 'vitest';
import { failure, parse, yaml } from './helpers.js';

const HOSTS = `
environments:
  - name: prod
    hosts:
      - name: web-01
        address: 10.0.0.1
        bindings:
          - { port: 443, kind: nginx, params: { certPath: /a, keyPath: /b }, probe: { sni: [www.example.com] } }
`;

describe('webhooks in the inventory', () => {
  it('resolves each webhook: format json by default, a secret file relative to the inventory', () => {
    const inv = parse(
      yaml`
      version: 1
      notifications:
        webhooks:
          - url: https://hooks.example.com/certroll
            secret: { file: hook.key }
          - { url: "https://chat.example.com/x", format: teams, events: [failure, rollback] }
    ` + HOSTS,
    );
    expect(inv.notifications?.webhooks).toEqual([
      {
        url: 'https://hooks.example.com/certroll',
        format: 'json',
        secret: { from: 'file', path: '/srv/inv/hook.key' },
      },
      { url: 'https://chat.example.com/x', format: 'teams', events: ['failure', 'rollback'] },
    ]);
  });

  it('refuses a URL that is not http(s), a literal secret and an unknown event, each at its line', () => {
    const e = failure(() =>
      parse(
        yaml`
        version: 1
        notifications:
          webhooks:
            - url: ftp://example.com/x
            - { url: "https://a.example/x", secret: hunter2, events: [bogus] }
      ` + HOSTS,
      ),
    );
    expect(e.code).toBe('INVENTORY_INVALID');
    expect(e.details?.map((d) => [d.line, d.field])).toEqual([
      [4, 'notifications.webhooks[0].url'],
      [5, 'notifications.webhooks[1].secret'],
      [5, 'notifications.webhooks[1].events[0]'],
    ]);
    expect(JSON.stringify(e.details)).not.toContain('hunter2');
  });
});
