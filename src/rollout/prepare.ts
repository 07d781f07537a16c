// Pre-flight, part one (invariant 3): everything that needs no host. The inventory, every
// binding's playbook and parameters, the bundle and the certificate gate (name coverage included).
// Nothing here touches a host; a failure reports that no host was modified.
import { randomBytes } from 'node:crypto';
import { CertrollError, type ErrorDetail } from '../errors.js';
import { type Binding, type Host, type Inventory } from '../inventory/model.js';
import { didYouMean } from '../inventory/suggest.js';
import { type Material, type Playbook, type PlaybookRegistry } from '../playbooks/index.js';
import { type Bundle, type Check, type WindowsHostFacts } from '../cert/index.js';
import { type CertSummary } from '../cert/identity.js';
import type * as certModule from '../cert/index.js';
import type * as playbooksModule from '../playbooks/index.js';
import { readPassword, trustAnchors, type PasswordOptions } from '../cert/input.js';

export interface RolloutInputs extends PasswordOptions {
  readonly inventory: string;
  readonly cert: string;
  readonly key?: string;
  readonly chain?: readonly string[];
  readonly trust?: readonly string[];
  readonly minDays?: number;
  /** Only these environments (all when empty). */
  readonly envs?: readonly string[];
  /** Only these hosts (all when empty), like Ansible's --limit. */
  readonly hosts?: readonly string[];
}

export interface Prepared {
  readonly inventory: Inventory;
  readonly playbooks: PlaybookRegistry;
  readonly bundle: Bundle;
  readonly cert: CertSummary;
  /** Trust anchors (PEM) the probe validates served chains against. */
  readonly trustPem: readonly string[];
  readonly gate: readonly Check[];
  readonly material: (host: Host, playbook: Playbook) => Material;
  /**
   * What the preflight learned of each Windows host, by host name (its OS build decides the PFX
   * encryption, src/cert/pfx-encryption.ts), filled in by its first capture (the steps'
   * `windowsFacts`); a host missing here (a resumed run past its capture) gets 3DES, which every
   * build imports.
   */
  readonly windowsFacts: Map<string, WindowsHostFacts>;
}

export const NOTHING_TOUCHED = 'No host was modified.';

// The libraries are loaded when a command runs (start-up stays light); their types are static.
type PlaybooksLib = typeof playbooksModule;
type CertLib = typeof certModule;

export async function prepareRollout(
  inputs: RolloutInputs,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Prepared> {
  const [{ loadInventory, selectInventory }, playbooksLib, certLib] = await Promise.all([
    import('../inventory/index.js'),
    import('../playbooks/index.js'),
    import('../cert/index.js'),
  ]);
  const inventory = selectInventory(loadInventory(inputs.inventory), {
    envs: inputs.envs ?? [],
    hosts: inputs.hosts ?? [],
  });
  const playbooks = playbooksLib.loadPlaybooks({ userDirs: inventory.playbookDirs });
  assertBindings(inventory, playbooks, playbooksLib, inputs.inventory);
  const { bundle, trust, gate } = await gatedBundle(inputs, env, inventory, certLib);
  assertKeyFits(inventory, playbooks, bundle.key.asymmetricKeyType, inputs.cert);
  const fp = certLib.fingerprints(bundle.leaf);
  const windowsFacts = new Map<string, WindowsHostFacts>();
  return {
    inventory,
    playbooks,
    bundle,
    cert: {
      sha256: fp.sha256,
      thumbprint: fp.thumbprint,
      notAfter: bundle.leaf.validTo,
      subject: bundle.leaf.subject,
    },
    trustPem: trust.anchors.map((a) => a.toString()),
    gate,
    material: materialSource(bundle, playbooksLib, certLib, windowsFacts),
    windowsFacts,
  };
}

/** Every binding has a playbook, valid parameters, and (with the cold-start check) a restart. */
function assertBindings(
  inventory: Inventory,
  playbooks: PlaybookRegistry,
  lib: Pick<PlaybooksLib, 'validateParams' | 'coldStartProblem'>,
  file: string,
): void {
  const problems: ErrorDetail[] = [];
  for (const e of inventory.environments) {
    for (const h of e.hosts) {
      for (const b of h.bindings) {
        if (!playbooks.has(b.kind)) {
          problems.push({
            ...b.origin,
            message: `binding kind ${b.kind} has no playbook (known: ${playbooks.kinds.join(', ')})`,
            hint: `${didYouMean(b.kind, playbooks.kinds)}Check the spelling, or add your playbook folder to the inventory (\`playbooks:\`).`,
          });
          continue;
        }
        if (b.probe.pool !== undefined) problems.push(oldPoolForm(b));
        const pb = playbooks.get(b.kind);
        problems.push(...lib.validateParams(pb, b));
        if (e.policy.coldStartCheck) problems.push(...coldStartProblems(lib, pb, b));
      }
    }
  }
  if (problems.length > 0) {
    throw new CertrollError(
      'PLAYBOOK_INVALID',
      `${problems.length} binding parameter problem(s) in ${file}. ${NOTHING_TOUCHED}`,
      {
        file,
        details: problems,
        hint: 'Fix the bindings named above; `certroll inventory check` validates the rest of the file.',
      },
    );
  }
}

/**
 * The old form of a pool (`probe.pool` on one binding) made every node's verification wait for
 * the whole pool, so a pool could not be rolled node by node. A scan still reads it; a rollout
 * asks for the environment's `pools:` instead.
 */
function oldPoolForm(b: Binding): ErrorDetail {
  const pool = b.probe.pool!;
  const members = pool.members.map((m) => `{ host: ${m.name}, port: ${m.port} }`).join(', ');
  const vip =
    pool.vip !== undefined
      ? ` vips: [{ address: ${pool.vip.address}, port: ${pool.vip.port} }],`
      : '';
  return {
    ...b.origin,
    field: `${b.origin.field}.probe.pool`,
    message: `probe.pool is the old form of a pool: a rollout proves each member on its own host and checks the pool at the end, so the pool is now named by its environment`,
    hint: `Move it to the environment: pools: [{ name: NAME, members: [${members}],${vip} sni: [${b.probe.sni.join(', ')}] }], each member host with its own binding; see docs/inventory.md#pools.`,
  };
}

/**
 * Every binding's service can use the certificate's key (a playbook's `keyAlgorithms`): Business
 * Central, for one, starts only with an exchangeable RSA key, so an EC key is refused here, before
 * any host is touched, rather than by a service that no longer starts.
 */
function assertKeyFits(
  inventory: Inventory,
  playbooks: PlaybookRegistry,
  keyType: string | undefined,
  file: string,
): void {
  const algorithm =
    keyType === 'rsa' || keyType === 'rsa-pss' ? 'rsa' : keyType === 'ec' ? 'ec' : keyType;
  const problems: ErrorDetail[] = [];
  for (const b of inventory.environments.flatMap((e) => e.hosts.flatMap((h) => h.bindings))) {
    const wanted = playbooks.get(b.kind).keyAlgorithms;
    if (wanted === undefined || wanted.some((a) => a === algorithm)) continue;
    problems.push({
      ...b.origin,
      message: `binding ${b.id} (${b.kind}) needs a ${wanted.join(' or ').toUpperCase()} key; the certificate's key is ${String(keyType).toUpperCase()}`,
    });
  }
  if (problems.length === 0) return;
  throw new CertrollError(
    'CERT_GATE_FAILED',
    `The certificate's key cannot be used by ${problems.length} binding(s). ${NOTHING_TOUCHED}`,
    {
      file,
      details: problems,
      hint: 'Issue the certificate with an RSA key (2048 bits or more) for these services.',
    },
  );
}

/** The bundle, loaded and through the certificate gate (names checked against the inventory). */
async function gatedBundle(
  inputs: RolloutInputs,
  env: Readonly<Record<string, string | undefined>>,
  inventory: Inventory,
  certLib: CertLib,
) {
  const password = await readPassword(inputs, env, certLib.MAX_INPUT_BYTES);
  const bundle = certLib.loadBundle({
    path: inputs.cert,
    ...(inputs.key !== undefined ? { keyPath: inputs.key } : {}),
    chainPaths: inputs.chain ?? [],
    ...(password !== undefined ? { password } : {}),
  });
  const trust = await trustAnchors(inputs.trust ?? [], certLib.loadCertificates);
  const gate = certLib.checkBundle(bundle, {
    minDays: inputs.minDays ?? certLib.DEFAULT_MIN_DAYS,
    trustAnchors: trust.anchors,
    trustSource: trust.source,
    inventory,
  });
  if (!certLib.gatePassed(gate)) {
    const failed = gate.filter((c) => !c.ok && c.severity === 'error');
    throw new CertrollError(
      'CERT_GATE_FAILED',
      `The certificate gate failed (${failed.map((c) => c.id).join(', ')}). ${NOTHING_TOUCHED}`,
      {
        file: inputs.cert,
        details: failed.map((c) => ({ message: `${c.id}: ${c.message}` })),
        hint: `Run \`certroll cert check ${inputs.cert} -i ${inputs.inventory}\` for the full report.`,
      },
    );
  }
  return { bundle, trust, gate };
}

/** The key material for a host, in the form its playbook takes: PEM files, or a PFX per host. */
function materialSource(
  bundle: Bundle,
  playbooksLib: Pick<PlaybooksLib, 'materialOf'>,
  certLib: Pick<CertLib, 'repackPfx' | 'pfxEncryptionFor'>,
  windowsFacts: ReadonlyMap<string, WindowsHostFacts>,
): Prepared['material'] {
  const pem = {
    certPem: bundle.leaf.toString(),
    // Intermediates only: a self-signed root in the served chain is dead weight.
    chainPem: bundle.chain
      .filter((c) => c.subject !== c.issuer)
      .map((c) => c.toString())
      .join(''),
    keyPem: bundle.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const pfxCache = new Map<string, Material>();
  return (host, playbook) => {
    if (playbooksLib.materialOf(playbook) !== 'pfx') return { kind: 'pem', ...pem };
    // One PFX per host and encryption, with a fresh random password that exists only in memory
    // and on stdin. The encryption follows the host's build once the preflight reported it.
    const encoding = certLib.pfxEncryptionFor(windowsFacts.get(host.name) ?? {}, host.legacyPfx);
    const key = `${host.name}\0${encoding}`;
    const cached = pfxCache.get(key);
    if (cached !== undefined) return cached;
    const pfxPassword = randomBytes(24).toString('base64url');
    const m: Material = {
      kind: 'pfx',
      pfx: certLib.repackPfx(bundle, { password: pfxPassword, encoding }),
      password: pfxPassword,
    };
    pfxCache.set(key, m);
    return m;
  };
}

// The cold-start check restarts every service; the rule is the playbooks' (inventory check too).
function coldStartProblems(
  lib: Pick<PlaybooksLib, 'coldStartProblem'>,
  pb: Playbook,
  b: Binding,
): ErrorDetail[] {
  return lib.coldStartProblem(pb, b).map((p) => ({
    ...b.origin,
    ...(p.at[0] === 'params' ? { field: `${b.origin.field ?? 'binding'}.${p.at.join('.')}` } : {}),
    message: p.message,
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
  }));
}
