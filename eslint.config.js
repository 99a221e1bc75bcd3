// Lint catches async bugs: floating and misused promises are errors (import cycles: `npm run lint:cycles`),
// and imports run one way, down the layers below (README, "Architecture").
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first: a folder imports only from its own layer's folder and the layers below.
 * Folders that share a layer are peers and do not import each other.
 */
const LAYERS = [
  ['core'],
  ['schemas'],
  ['topics'],
  ['processors', 'sinks', 'connectors'],
  ['runtime'],
  ['stack', 'backtest', 'dashboards'],
  ['scheduler'],
  ['cli'],
  ['bin', 'bench'],
];
/** The one import across peers: sinks write the rows processors emit (the processor contract). */
const EXCEPTIONS = { sinks: { processors: ['./contract.ts'] } };
const TOP = ['test'];

/** import-x/no-restricted-paths zones: for each folder, every folder above it and its peers. */
const layerZones = LAYERS.flatMap((layer, i) =>
  layer.flatMap((folder) => {
    const message = `${folder}/ is in layer ${i} (${layer.join(', ')}): it imports only from ${
      i === 0 ? 'itself' : `itself and ${LAYERS.slice(0, i).flat().join(', ')}`
    } (README, "Architecture"). Move the shared piece down a layer instead.`;
    const above = [...LAYERS.slice(i + 1).flat(), ...layer.filter((peer) => peer !== folder), ...TOP];
    const allowed = EXCEPTIONS[folder] ?? {};
    return [
      { target: `./${folder}`, from: above.filter((f) => !allowed[f]).map((f) => `./${f}`), message },
      ...Object.entries(allowed).map(([from, except]) => ({
        target: `./${folder}`,
        from: `./${from}`,
        except,
        message,
      })),
    ];
  }),
);

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', 'dist/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union instead of enum.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces.' },
      ],
    },
  },
  {
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly' } },
  },
);
