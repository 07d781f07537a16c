// Redaction runs on every log record before any transport writes it (invariant 6): PEM blocks,
// long base64 runs (PFX bytes), registered secret values and fields whose names say "secret".

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
// 200+ base64 characters in one run: a certificate, a key or a PFX, never a useful log value.
const LONG_BASE64 = /[A-Za-z0-9+/]{200,}={0,2}/g;
const SECRET_KEYS = /pass(word|phrase)?|secret|private.?key|pfx|token|credential/i;

export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value (a password read from a file, say) to be masked wherever it appears. */
  add(secret: string): void {
    // Very short values would mask innocent text everywhere; they are still never logged by
    // certroll itself, which never passes secrets to the logger on purpose.
    if (secret.length >= 4) this.secrets.add(secret);
  }

  text(value: string): string {
    let out = value.replace(PEM_BLOCK, '[redacted PEM]').replace(LONG_BASE64, '[redacted base64]');
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Deep copy of `value` with secrets removed; depth-bounded so hostile objects cannot loop. */
  value(value: unknown, key = '', depth = 0): unknown {
    if (key !== '' && SECRET_KEYS.test(key) && value !== undefined && value !== null)
      return REDACTED;
    if (typeof value === 'string') return this.text(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
    if (Array.isArray(value)) return value.map((v) => this.value(v, '', depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.value(v, k, depth + 1);
    return out;
  }
}
