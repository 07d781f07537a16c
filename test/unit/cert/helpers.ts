import { expect } from 'vitest';
import { CertrollError, type ErrorCode } from '../../../src/errors.js';

/** Runs `fn`, expects a CertrollError with `code`, and returns it for further checks. */
export function expectCertrollError(fn: () => unknown, code: ErrorCode): CertrollError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a CertrollError').toBeInstanceOf(CertrollError);
  const error = thrown as CertrollError;
  expect(error.code, error.message).toBe(code);
  return error;
}
