// Folders that must stay free of effects: they plan, parse and render, nothing else. Read by
// eslint.config.js (no effectful node or npm module there) and .dependency-cruiser.mjs (no
// import of transport/, probe/ or journal/), so the two checks agree on what is pure.
export const pureFolders = [
  'src/cert/**',
  'src/inventory/**',
  'src/playbooks/**',
  'src/report/**',
  'src/plan/**',
  'src/shell/**',
  'src/discover/parse/**',
  'src/discover/coverage.ts',
  'src/discover/findings.ts',
  'src/discover/gate.ts',
  'src/discover/snippet.ts',
  'src/discover/render.ts',
];
