// A tiny bounded DER/BER reader. It exists for two jobs: pre-scanning untrusted input before
// node-forge sees it (forge recurses and trusts length fields), and reading the few fields
// node:crypto does not expose (a certificate's signatureAlgorithm OID).

export interface Tlv {
  readonly tag: number;
  readonly constructed: boolean;
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset one past the last content byte (for indefinite lengths: the end-of-contents). */
  readonly end: number;
  /** Offset one past the whole element (end-of-contents octets included). */
  readonly next: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

const INDEFINITE = -1;

function readHeader(buf: Uint8Array, offset: number, limit: number) {
  if (offset + 2 > limit) throw new DerError('truncated header', offset);
  const first = buf[offset] ?? 0;
  // High-tag-number form is legal but never used by certificates or PKCS#12.
  if ((first & 0x1f) === 0x1f) throw new DerError('unsupported high tag number', offset);
  let pos = offset + 1;
  const lenByte = buf[pos++] ?? 0;
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else if (lenByte === 0x80) {
    length = INDEFINITE;
  } else {
    const count = lenByte & 0x7f;
    if (count > 4) throw new DerError(`length field of ${count} bytes`, offset);
    if (pos + count > limit) throw new DerError('truncated length', offset);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[pos++] ?? 0);
  }
  if (length !== INDEFINITE && pos + length > limit) {
    throw new DerError(`length ${length} runs past the end of its container`, offset);
  }
  return { tag: first, constructed: (first & 0x20) !== 0, start: pos, length };
}

/** Reads one element at `offset` (definite lengths only: DER). */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  const h = readHeader(buf, offset, limit);
  if (h.length === INDEFINITE) throw new DerError('indefinite length in DER', offset);
  const end = h.start + h.length;
  return { tag: h.tag, constructed: h.constructed, start: h.start, end, next: end };
}

/** The children of a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end;) {
    const child = readTlv(buf, pos, parent.end);
    out.push(child);
    pos = child.next;
  }
  return out;
}

export interface ScanLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
  /** Largest INTEGER value allowed right after an OCTET STRING (a KDF or MAC iteration count). */
  readonly maxIterations: number;
}

// Real PFX files nest about 20 deep and use 2048 (OpenSSL) or 2000 (Windows) iterations; forge
// derives legacy PKCS#12 keys in JavaScript at ~1 ms per 1000 iterations, so a million is the
// most a file may ask for before loading it would take seconds.
export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxDepth: 64,
  maxElements: 200_000,
  maxIterations: 1_000_000,
};

/**
 * Walks the whole of `buf` iteratively and throws a DerError on anything structurally unsound:
 * lengths past their container, nesting deeper than the limit, trailing bytes, or an iteration
 * count so large that key derivation would hang. BER indefinite lengths are accepted (PKCS#12
 * files from some tools use them). OCTET STRINGs that hold a SEQUENCE are scanned too, since
 * PKCS#12 wraps its inner structures that way.
 */
export function scanDer(buf: Uint8Array, limits: ScanLimits = DEFAULT_SCAN_LIMITS): void {
  let elements = 0;
  // Each frame: a range to read elements from, its depth, and whether it ends with EOC octets.
  const stack: {
    pos: number;
    limit: number;
    depth: number;
    indefinite: boolean;
    prevTag: number;
  }[] = [{ pos: 0, limit: buf.length, depth: 0, indefinite: false, prevTag: -1 }];
  let roots = 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame === undefined) break;
    if (frame.indefinite && buf[frame.pos] === 0 && buf[frame.pos + 1] === 0) {
      frame.pos += 2;
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.pos = frame.pos;
      continue;
    }
    if (frame.pos >= frame.limit) {
      if (frame.indefinite) throw new DerError('missing end-of-contents', frame.pos);
      stack.pop();
      continue;
    }
    if (++elements > limits.maxElements) throw new DerError('too many elements', frame.pos);
    if (frame.depth === 0 && ++roots > 1) {
      throw new DerError('trailing bytes after the outer element', frame.pos);
    }
    const h = readHeader(buf, frame.pos, frame.limit);
    if (h.tag === 0x02 && frame.prevTag === 0x04 && h.length !== INDEFINITE) {
      checkIteration(buf, h.start, h.length, limits.maxIterations);
    }
    frame.prevTag = h.tag;
    const depth = frame.depth + 1;
    if (h.constructed) {
      if (depth > limits.maxDepth)
        throw new DerError(`nesting deeper than ${limits.maxDepth}`, frame.pos);
      if (h.length === INDEFINITE) {
        stack.push({ pos: h.start, limit: frame.limit, depth, indefinite: true, prevTag: -1 });
        // The parent resumes after the child's end-of-contents (set when it is found).
        continue;
      }
      frame.pos = h.start + h.length;
      stack.push({
        pos: h.start,
        limit: h.start + h.length,
        depth,
        indefinite: false,
        prevTag: -1,
      });
      continue;
    }
    if (h.length === INDEFINITE) throw new DerError('indefinite length on a primitive', frame.pos);
    frame.pos = h.start + h.length;
    if (h.tag === 0x04 && buf[h.start] === 0x30 && looksLikeElement(buf, h.start, frame.pos)) {
      if (depth > limits.maxDepth)
        throw new DerError(`nesting deeper than ${limits.maxDepth}`, h.start);
      stack.push({ pos: h.start, limit: frame.pos, depth, indefinite: false, prevTag: -1 });
    }
  }
}

function looksLikeElement(buf: Uint8Array, start: number, end: number): boolean {
  try {
    const h = readHeader(buf, start, end);
    return h.length === INDEFINITE || h.start + h.length === end;
  } catch {
    return false;
  }
}

function checkIteration(buf: Uint8Array, start: number, length: number, max: number): void {
  if (length > 4 || ((buf[start] ?? 0) & 0x80) !== 0) {
    if (length <= 1) return;
    throw new DerError('iteration count out of range', start);
  }
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + (buf[start + i] ?? 0);
  if (value > max) throw new DerError(`iteration count ${value} exceeds ${max}`, start);
}

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large', 0);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

/** The signatureAlgorithm OID of a DER certificate (Certificate ::= SEQUENCE { tbs, alg, sig }). */
export function signatureAlgorithmOid(certDer: Uint8Array): string {
  const cert = readTlv(certDer, 0);
  const [, alg] = children(certDer, cert);
  if (alg === undefined || alg.tag !== 0x30) throw new DerError('no signatureAlgorithm', 0);
  const oid = readTlv(certDer, alg.start, alg.end);
  if (oid.tag !== 0x06) throw new DerError('signatureAlgorithm without an OID', alg.start);
  return decodeOid(certDer.subarray(oid.start, oid.end));
}
