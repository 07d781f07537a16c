import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/probe/scan.js';
import { renderScanTable } from '../../../src/report/scan-table.js';
import { FP_A, NOW, cert, endpoint, failed, ok } from '../probe/fixtures.js';

const report = buildReport(
  [
    { endpoint: endpoint(), results: [ok(cert(FP_A, 90))] },
    { endpoint: endpoint({ host: 'web-02', sni: null }), results: [failed('refused')] },
  ],
  { warnDays: 30, critDays: 7, now: () => NOW },
  new Date(NOW),
  12,
);

describe('scan table', () => {
  it('lists each endpoint with its status and reasons, then the overall status', () => {
    expect(renderScanTable(report, { colour: false })).toBe(
      [
        'STATUS    ENV   HOST    ENDPOINT       SNI       MEMBER  SHA256            NOT AFTER',
        `OK        prod  web-01  127.0.0.1:443  app.test  -       ${FP_A.slice(0, 16)}  2026-08-30`,
        'CRITICAL  prod  web-02  127.0.0.1:443  (none)    -       -                 -',
        '    no answer (refused): connect ECONNREFUSED',
        'CRITICAL: 2 endpoint(s), 2 handshake(s) in 12 ms: 1 OK, 0 WARNING, 1 CRITICAL',
        '',
      ].join('\n'),
    );
  });

  it('colours only the status words, and only when asked', () => {
    const text = renderScanTable(report, { colour: true });
    expect(text).toContain('\u001b[32mOK\u001b[0m');
    expect(text).toContain('\u001b[31mCRITICAL\u001b[0m  prod  web-02');
  });
});
