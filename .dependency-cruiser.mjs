// Dependency rules that keep the layout honest (`npm run deps`; test/unit/architecture.test.ts
// runs the same rules under `npm test`). Only src/ is checked: tests may import anything.
import { pureFolders } from './pure-folders.mjs';

// TEMPORARY EXCEPTIONS: imports that break a rule today and are being moved away. Each entry
// allows exactly the imports it lists, nothing else from that module. Delete an entry when its
// imports are gone (`npm run deps` then fails if one comes back).
const TEMPORARY_EXCEPTIONS = {};

const exact = (path) => `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
// eslint globs to dependency-cruiser paths: 'src/x/**' is a folder, anything else one file.
const globToPath = (glob) => (glob.endsWith('/**') ? `^${glob.slice(0, -2)}` : exact(glob));
const PURE = pureFolders.map(globToPath);

const CLI = '^src/cli/';
const REAL_ADAPTERS = [
  exact('src/transport/factory.ts'),
  exact('src/transport/pool.ts'),
  exact('src/probe/verifier.ts'),
  exact('src/probe/probe.ts'),
];
// The composition root, and the library's entry point, which hands its adapters to library users.
const COMPOSITION_ROOT = [exact('src/cli/compose.ts'), exact('src/index.ts')];

/**
 * A forbidden rule, split so that the modules named in TEMPORARY_EXCEPTIONS[name] may import
 * exactly the listed modules: one rule for every other module, one per excepted module.
 */
function withExceptions(name, comment, from, to) {
  const excepted = Object.entries(TEMPORARY_EXCEPTIONS[name] ?? {});
  const others = {
    name,
    comment,
    severity: 'error',
    from: { ...from, pathNot: [...(from.pathNot ?? []), ...excepted.map(([f]) => exact(f))] },
    to,
  };
  const narrowed = excepted.map(([file, allowed]) => ({
    name,
    comment: `${comment} (temporary exception: only the imports listed in .dependency-cruiser.mjs)`,
    severity: 'error',
    from: { path: exact(file) },
    to: { ...to, pathNot: [...(to.pathNot ?? []), ...allowed.map(exact)] },
  }));
  return [others, ...narrowed];
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycle',
      comment:
        'A module must not reach itself through its imports (type-only and lazy ones count).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'Two folders must not import each other: move the shared piece to where it belongs.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { circular: true, path: '^src/[^/]+$' },
    },
    ...withExceptions(
      'not-from-outside-cli',
      'src/cli is the composition root and the commands: nothing else may import from it.',
      { path: '^src/', pathNot: [CLI, exact('src/index.ts')] },
      { path: CLI },
    ),
    ...withExceptions(
      'real-adapters-only-in-composition-root',
      'Real transports (factory, pool), the real TLS probe and the verifier over it are built in ' +
        'the composition root (src/cli/compose.ts) only; everything else gets them injected.',
      // The pool builds its transports with the factory: that is the transport folder's own.
      { path: '^src/', pathNot: [...COMPOSITION_ROOT, exact('src/transport/pool.ts')] },
      { path: REAL_ADAPTERS },
    ),
    {
      name: 'pure-no-effects',
      comment:
        'Pure folders (pure-folders.mjs) plan, parse and render: they may use the types of ' +
        'transport/, probe/ and journal/, never their code.',
      severity: 'error',
      from: { path: PURE },
      to: {
        path: ['^src/transport/', '^src/probe/', '^src/journal/'],
        dependencyTypesNot: ['type-only'],
      },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are kept, so a cycle through types is still a cycle.
    tsPreCompilationDeps: true,
    // Folder cycles need the folder graph.
    metrics: true,
  },
};
