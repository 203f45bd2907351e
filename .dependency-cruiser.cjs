// Folder boundaries (docs/architecture.md): each folder under src/ is a concept whose public
// surface is its index.ts. Code in another folder imports that index, never the files behind it,
// so a folder can change its insides without breaking its neighbours. Test-support modules
// (`testing.ts`, `testing/`, `test-support.ts`) are public to tests only.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-reaching-into-folders',
      comment: 'Import another src/ folder through its index.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^src/([^/]+)/.+',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/version\\.ts$'],
      },
    },
    {
      name: 'unit-tests-use-public-surfaces',
      comment: 'A unit test beside the code imports another folder through its index.ts or its test support.',
      severity: 'error',
      from: { path: '^src/([^/]+)/.+\\.test\\.ts$' },
      to: {
        path: '^src/([^/]+)/.+',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/version\\.ts$', '^src/[^/]+/(testing|test-support)(\\.ts|/)'],
      },
    },
    {
      name: 'tests-use-public-surfaces',
      comment: 'End-to-end suites, benchmarks and scripts import a folder through its index.ts or its test support.',
      severity: 'error',
      from: { path: '^(test|bench|scripts)/' },
      to: {
        path: '^src/[^/]+/.+',
        pathNot: ['^src/[^/]+/index\\.ts$', '^src/[^/]+/(testing|test-support)(\\.ts|/)'],
      },
    },
    {
      name: 'console-uses-the-rest-api',
      comment: 'The console talks only to the REST API; it does not import server or engine code.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^src/', pathNot: '^src/server/site/api-schema\\.ts$' },
    },
    {
      name: 'console-imports-only-api-types',
      comment: 'The console takes the API types from the schemas (import type), never their runtime values.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^src/server/site/api-schema\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-has-no-edges',
      comment: 'The domain core knows nothing of HTTP, databases, the CLI or the agent.',
      severity: 'error',
      from: { path: '^src/(errors|events|volume|registry|migxml|store|usmt|tasksequence|smp|site|platform|secrets|files|text)/' },
      to: { path: '^src/(server|db|cli|agent)/' },
    },
    { name: 'no-circular', severity: 'warn', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
