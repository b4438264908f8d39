// The layering of src/ (README "Layout"), checked by dependency-cruiser: `npm run lint:deps`,
// run first by `npm test` when it runs the whole suite (and so by .ci/run).
//
// Arrows point down only. A folder may import its own layer and every layer below it, never one
// above. Type-only imports count: a type is a dependency too (it is what makes a circle hard to
// see), so the TypeScript sources are read before compilation erases them.
//
// src/index.ts, the package's entry, sits above every layer and is not listed.

/** Top to bottom; each entry is one layer, the folders of src/ in it. */
const LAYERS = [
  // The faces: what a user or another program drives. src/demo builds the `demo` command's data.
  { name: 'faces', folders: ['cli', 'web', 'api', 'demo'] },
  // The fleet: the daemon's scheduling and the workers that take its checks, driving runs as the CLI does.
  { name: 'fleet', folders: ['fleet'] },
  // One run of one site (lease, check, actions, outputs, history), driven by every face alike.
  { name: 'run', folders: ['run'] },
  // src/unmerged: the CMS unmerged-area cleaning (issue 15), a phase of a run beside the check and its actions.
  { name: 'check-actions-store-config', folders: ['check', 'actions', 'store', 'config', 'unmerged'] },
  { name: 'listers-inventory', folders: ['listers', 'inventory'] },
  { name: 'sql-protocols', folders: ['sql', 'protocols'] },
  { name: 'core', folders: ['core'] },
];

const under = (folders) => `^src/(${folders.join('|')})/`;

/** One rule a layer: none of its folders imports a folder of a layer above it. */
const layerRules = LAYERS.slice(1).map((layer, i) => {
  const above = LAYERS.slice(0, i + 1).flatMap((l) => l.folders);
  return {
    name: `layer-${layer.name}`,
    severity: 'error',
    comment: `src/{${layer.folders.join(',')}} is below src/{${above.join(',')}} and must not import it (README "Layout")`,
    from: { path: under(layer.folders) },
    to: { path: under(above) },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'core-imports-nothing-of-ours',
      severity: 'error',
      comment: 'src/core is what every layer shares: it imports Node and libraries only, nothing else of src/',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'listers-not-actions',
      severity: 'error',
      comment: 'listers and the deleters in actions both sit on src/protocols; neither borrows the other\'s internals',
      from: { path: '^src/listers/' },
      to: { path: '^src/actions/' },
    },
    {
      name: 'actions-not-listers',
      severity: 'error',
      comment: 'listers and the deleters in actions both sit on src/protocols; neither borrows the other\'s internals',
      from: { path: '^src/actions/' },
      to: { path: '^src/listers/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import circle, even of types only, ties its files into one unit that cannot be read or moved apart',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // Type-only imports and re-exports count (see above).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js'] },
    reporterOptions: { text: { highlightFocused: false } },
  },
};
