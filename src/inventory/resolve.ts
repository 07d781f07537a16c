// From the validated input to the resolved model: file defaults, then environment defaults, then
// the host's own values; `~` and relative paths made absolute; SNI defaults decided. Problems
// that need the whole inventory (duplicates, canary names) are reported to the sink. The context
// is in resolve-context.ts, the transport in resolve-transport.ts, a binding in resolve-binding.ts.
import { poolSniFor, resolvePools } from './pools.js';
import { merge, resolvePolicy } from './resolve-policy.js';
import { type Environment, type Exclusion, type Host } from './model.js';
import { type Path } from './paths.js';
import { resolveBinding } from './resolve-binding.js';
import { origin, type ResolveContext } from './resolve-context.js';
import { checkRemotingFields, resolveTransport, shellOf } from './resolve-transport.js';
import { remotePathProblem } from './values.js';
import {
  type BindingInput,
  type HostInput,
  type InventoryInput,
  type TransportInput,
} from './schema.js';

export function resolveEnvironments(input: InventoryInput, ctx: ResolveContext): Environment[] {
  return input.environments.map((env, e) => {
    const envPath: Path = ['environments', e];
    const transportLayers = [input.defaults?.transport, env.defaults?.transport];
    const hosts = env.hosts.map((h, i) =>
      resolveHost(h, [...envPath, 'hosts', i], transportLayers, ctx, (b) =>
        poolSniFor(env.pools, h, b),
      ),
    );
    const policyLayers = [input.defaults?.policy, env.defaults?.policy, env.policy];
    const pools = resolvePools(env.pools, hosts, [...envPath, 'pools'], {
      sink: ctx.sink,
      locate: ctx.locate,
      origin: (p) => origin(ctx, p),
    });
    const policy = resolvePolicy(policyLayers, hosts, [...envPath, 'policy'], ctx);
    pools.forEach((pool, i) => {
      // Two members drained at once could empty the pool: members behind a balancer go one by one.
      if (pool.balancer !== undefined && policy.concurrency > 1)
        ctx.sink.add(
          [...envPath, 'pools', i, 'balancer'],
          `pool ${pool.name} drains its members through a balancer, but environment ${env.name} works on ${policy.concurrency} hosts at once, so several members could be out of the pool together`,
          'Set policy.concurrency: 1 for this environment (members are then rolled one by one), or remove the balancer.',
        );
    });
    return {
      name: env.name,
      policy,
      hosts,
      ...(env.pools !== undefined ? { pools } : {}),
      origin: origin(ctx, envPath),
    };
  });
}

function resolveHost(
  h: HostInput,
  path: Path,
  transportLayers: readonly (TransportInput | undefined)[],
  ctx: ResolveContext,
  poolSni: (b: BindingInput) => string[] = () => [],
): Host {
  const transport = resolveTransport(
    [...transportLayers, h.transport],
    h.address,
    [...path, 'transport'],
    ctx,
  );
  checkRemotingFields(merge([...transportLayers, h.transport]), [...path, 'transport'], ctx);
  if (h.stateDir !== undefined) {
    const problem = remotePathProblem(h.stateDir, shellOf(transport.kind), 'stateDir');
    if (problem !== undefined) ctx.sink.add([...path, 'stateDir'], problem.message, problem.hint);
  }
  const ports = (h.bindings ?? []).map((b) => b.port);
  const bindings = (h.bindings ?? []).map((b, i) =>
    resolveBinding(
      b,
      h,
      ports.indexOf(b.port) !== ports.lastIndexOf(b.port),
      [...path, 'bindings', i],
      ctx,
      poolSni(b),
    ),
  );
  const exclusions: Exclusion[] = (h.exclude ?? []).map((x) =>
    x.address === undefined
      ? { port: x.port, reason: x.reason }
      : { port: x.port, address: x.address, reason: x.reason },
  );
  return {
    name: h.name,
    address: h.address,
    transport,
    legacyPfx: h.legacyPfx ?? false,
    ...(h.stateDir !== undefined ? { stateDir: h.stateDir } : {}),
    bindings,
    exclusions,
    origin: origin(ctx, path),
  };
}
