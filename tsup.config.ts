import { defineConfig } from 'tsup'

/**
 * Two entry points, `pgforce` and `pgforce/testing`, each built as ESM (`.js` + `.d.ts`) and as
 * CommonJS (`.cjs` + `.d.cts`) so that both `import` and `require` get code and types.
 */
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing.ts' },
  format: ['esm', 'cjs'],
  target: 'node22',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
})
