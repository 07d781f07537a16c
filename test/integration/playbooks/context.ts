// Builds render contexts for the integration tests from TestPki certificates.
import { type CapturedState } from '../../../src/playbooks/capture.js';
import { type Material, type RenderContext } from '../../../src/playbooks/render.js';
import { type Issued } from '../../helpers/pki.js';

export function pemMaterial(
  leaf: Issued,
  chain: readonly Issued[],
  keyPem = leaf.keyPem,
): Material {
  return {
    kind: 'pem',
    certPem: leaf.certPem,
    chainPem: chain.map((c) => c.certPem).join(''),
    keyPem,
  };
}

export function context(opts: {
  kind: string;
  params: Record<string, unknown>;
  stateDir: string;
  leaf: Issued;
  material?: Material;
  captured?: CapturedState;
  runId?: string;
  port?: number;
}): RenderContext {
  return {
    runId: opts.runId ?? 'run-1',
    host: { name: 'lab', address: '127.0.0.1', stateDir: opts.stateDir },
    binding: {
      id: `lab:${opts.port ?? 443}`,
      port: opts.port ?? 443,
      kind: opts.kind,
      params: opts.params,
      origin: { file: 'inventory.yaml', line: 1 },
    },
    cert: { sha256: opts.leaf.sha256, thumbprint: opts.leaf.thumbprint },
    ...(opts.material ? { material: opts.material } : {}),
    ...(opts.captured ? { captured: opts.captured } : {}),
  };
}
