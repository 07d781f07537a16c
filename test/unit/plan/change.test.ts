import { describe, expect, it } from 'vitest';
import { CertrollError } from '../../../src/errors.js';
import { changeInfo } from '../../../src/plan/change.js';

describe('who runs a change and for which ticket', () => {
  it('defaults the operator to the OS user and keeps the plan ticket when none is given', () => {
    expect(changeInfo({}, 'root')).toEqual({ operator: 'root' });
    expect(changeInfo({}, 'bob', { operator: 'alice', ticket: 'CHG-1' })).toEqual({
      operator: 'bob',
      ticket: 'CHG-1',
    });
    expect(
      changeInfo({ operator: 'ci bot', ticket: 'CHG-2' }, 'bob', {
        operator: 'a',
        ticket: 'CHG-1',
      }),
    ).toEqual({
      operator: 'ci bot',
      ticket: 'CHG-2',
    });
  });

  it('refuses a value with a line break or markup, naming the flag and the value', () => {
    for (const bad of ['CHG-1\nrm -rf', '<b>x</b>', '', '-leading', 'x'.repeat(129)]) {
      let error: unknown;
      try {
        changeInfo({ ticket: bad }, 'root');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CertrollError);
      expect((error as CertrollError).code).toBe('USAGE');
      expect((error as CertrollError).message).toContain(`--ticket ${JSON.stringify(bad)}`);
      expect((error as CertrollError).hint).toContain('CHG-1234');
    }
  });
});
