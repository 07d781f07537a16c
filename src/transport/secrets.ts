// Resolves a SecretRef (environment variable or file) to its value. The value is never put in a
// message; callers hand `redact` to the logger so it can scrub the value from anything written.
import { readFile, stat } from 'node:fs/promises';
import { CertrollError } from '../errors.js';
import { secretModeProblem } from '../secret-file.js';
import { type SecretRef } from '../inventory/model.js';

export interface ResolvedSecret {
  readonly value: string;
  /** Strings the logger must remove from everything it writes. */
  readonly redact: readonly string[];
}

function describe(ref: SecretRef): string {
  return ref.from === 'env' ? `environment variable ${ref.name}` : `secret file ${ref.path}`;
}

function resolved(value: string, ref: SecretRef): ResolvedSecret {
  if (value === '') {
    throw new CertrollError('INPUT_UNREADABLE', `The ${describe(ref)} is empty.`, {
      hint: 'Put the secret there, or remove the reference from the inventory.',
    });
  }
  return { value, redact: [value] };
}

export async function resolveSecret(
  ref: SecretRef,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ResolvedSecret> {
  if (ref.from === 'env') {
    const value = env[ref.name];
    if (value === undefined) {
      throw new CertrollError('INPUT_NOT_FOUND', `The ${describe(ref)} is not set.`, {
        hint: `Export ${ref.name} before running certroll, or point the reference at a file.`,
      });
    }
    return resolved(value, ref);
  }
  let mode: number;
  try {
    mode = (await stat(ref.path)).mode;
  } catch (error) {
    throw new CertrollError('INPUT_NOT_FOUND', `The ${describe(ref)} cannot be read.`, {
      hint: 'Check the path in the inventory.',
      cause: error,
    });
  }
  const problem = secretModeProblem(ref.path, mode, 'secret file');
  if (problem !== undefined) throw problem;
  const text = await readFile(ref.path, 'utf8');
  // Editors add one final newline; the secret is what comes before it.
  return resolved(text.replace(/\r?\n$/, ''), ref);
}
