import { type X509Certificate } from 'node:crypto';
import { type Inventory } from '../inventory/model.js';
import { keyMatches, subjectCn } from './assemble.js';
import { type Check, type CheckId } from './check.js';
import { chainTrust, weakSignature } from './checks-chain.js';
import { validity } from './checks-validity.js';
import { keyInfo } from './describe.js';
import { inventoryCoverage } from './names.js';
import { type Bundle } from './types.js';

export { type Check, type CheckId } from './check.js';

export interface GateOptions {
  /** Defaults to the current time; tests pin it. */
  readonly now?: Date;
  /** Fail when the leaf expires within this many days. Default 30. */
  readonly minDays?: number;
  /** Trust anchors; when absent, chain-trust is not checked (the CLI always passes some). */
  readonly trustAnchors?: readonly X509Certificate[];
  /** Where the anchors came from, for messages: a file name or "the bundled Mozilla store". */
  readonly trustSource?: string;
  /** With an inventory, every binding's SNI names must be covered by the leaf's SANs. */
  readonly inventory?: Inventory;
}

export const DEFAULT_MIN_DAYS = 30;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';
const ACCEPTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** The certificate gate: every check, named, each with a message that says what is wrong. */
export function checkBundle(bundle: Bundle, options: GateOptions = {}): Check[] {
  const now = options.now ?? new Date();
  const { leaf } = bundle;
  const checks: Check[] = [...validity(leaf, now, options.minDays ?? DEFAULT_MIN_DAYS)];
  const pass = (id: CheckId, message: string, severity: Check['severity'] = 'error'): Check => ({
    id,
    ok: true,
    severity,
    message,
  });
  const fail = (id: CheckId, message: string, severity: Check['severity'] = 'error'): Check => ({
    id,
    ok: false,
    severity,
    message,
  });

  checks.push(
    keyMatches(leaf, bundle.key)
      ? pass('key-mismatch', 'the private key matches the certificate')
      : fail(
          'key-mismatch',
          `the private key does not match the certificate "${subjectCn(leaf)}" (their public keys differ)`,
        ),
  );
  if (options.trustAnchors !== undefined) {
    checks.push(
      chainTrust(
        bundle,
        options.trustAnchors,
        options.trustSource ?? 'the given trust anchors',
        now,
      ),
    );
  }
  checks.push(
    bundle.notes.some((n) => n.kind !== 'duplicate')
      ? fail(
          'chain-order',
          bundle.notes
            .filter((n) => n.kind !== 'duplicate')
            .map((n) => n.message)
            .join('; '),
          'warning',
        )
      : pass(
          'chain-order',
          'the chain is in order, leaf first, with no unrelated certificates',
          'warning',
        ),
  );
  checks.push(
    leaf.ca
      ? fail(
          'leaf-is-ca',
          'the leaf is a CA certificate (basicConstraints CA:TRUE); servers must present an end-entity certificate',
        )
      : pass('leaf-is-ca', 'the leaf is an end-entity certificate'),
  );
  checks.push(serverAuth(leaf));
  checks.push(keyStrength(leaf));
  checks.push(weakSignature(bundle));
  if (options.inventory !== undefined) checks.push(nameCoverage(leaf, options.inventory));
  return checks;
}

/** True when no error-severity check failed. */
export function gatePassed(checks: readonly Check[]): boolean {
  return checks.every((c) => c.ok || c.severity === 'warning');
}

function serverAuth(leaf: X509Certificate): Check {
  const eku = leaf.keyUsage as readonly string[] | undefined;
  if (eku === undefined || eku.length === 0) {
    return {
      id: 'server-auth',
      ok: true,
      severity: 'error',
      message: 'no extended key usage restriction',
    };
  }
  const ok = eku.includes(SERVER_AUTH) || eku.includes(ANY_EKU);
  return {
    id: 'server-auth',
    ok,
    severity: 'error',
    message: ok
      ? 'extended key usage allows TLS server authentication'
      : `extended key usage (${eku.join(', ')}) does not include serverAuth (${SERVER_AUTH}); TLS clients will reject it`,
  };
}

function keyStrength(leaf: X509Certificate): Check {
  const info = keyInfo(leaf.publicKey);
  let problem: string | undefined;
  if ((info.type === 'rsa' || info.type === 'rsa-pss') && (info.bits ?? 0) < 2048) {
    problem = `${info.summary} is too weak (RSA needs at least 2048 bits)`;
  } else if (info.type === 'ec' && !ACCEPTED_CURVES.has(info.curve ?? '')) {
    problem = `${info.summary} is not accepted (use P-256, P-384 or P-521)`;
  } else if (info.type === 'dsa' || info.type === 'dh') {
    problem = `${info.type.toUpperCase()} keys are not usable for TLS server certificates`;
  }
  return {
    id: 'key-strength',
    ok: problem === undefined,
    severity: 'error',
    message: problem ?? `${info.summary}`,
  };
}

function nameCoverage(leaf: X509Certificate, inventory: Inventory): Check {
  const { checked, uncovered, noSni } = inventoryCoverage(leaf, inventory);
  const skipped =
    noSni.length > 0 ? `; ${noSni.length} binding(s) send no SNI (${noSni.join(', ')})` : '';
  if (uncovered.length === 0) {
    return {
      id: 'name-coverage',
      ok: true,
      severity: 'error',
      message: `all ${checked} SNI name(s) of ${inventory.source} are covered${skipped}`,
    };
  }
  const list = uncovered.map((u) => `${u.env}/${u.host}:${u.port} ${u.name}`).join(', ');
  return {
    id: 'name-coverage',
    ok: false,
    severity: 'error',
    message: `${uncovered.length} of ${checked} SNI name(s) are not covered by the certificate's SANs: ${list}${skipped}`,
  };
}
