import { describe, expect, it } from 'vitest';
import { type Host, type TransportKind } from '../../../src/inventory/model.js';
import { createTransport } from '../../../src/transport/factory.js';
import { testHost } from './hosts.js';

const host = (kind: TransportKind): Host => testHost('web-03', kind);

describe('createTransport', () => {
  it.each([
    ['ssh', 'sh', 'web-03 (10.0.4.7:22)'],
    ['powershell-ssh', 'powershell', 'web-03 (10.0.4.7:22)'],
    ['pwsh-remoting', 'powershell', 'web-03 (10.0.4.7:22, WinRM over HTTPS)'],
    ['local', 'sh', 'web-03 (local)'],
  ] as const)('builds the %s transport for its shell', (kind, shell, target) => {
    const t = createTransport(host(kind));
    expect(t.shell).toBe(shell);
    expect(t.target).toBe(target);
  });
});
