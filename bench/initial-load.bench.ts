/**
 * First load of `BENCH_ROWS` (100 000) Accounts: pgforce (`syncOnce()` on an empty table), the
 * peer script (bench/peer/) and the machine's limit (COPY + MERGE of the same rows into a table
 * identical to pgforce's, without its trigger), each trial in its own process, the emulator in
 * another, interleaved over `BENCH_ROUNDS` (3) rounds. Prints median [min–max] and the per-round
 * ratios.
 *
 *   npm run bench -- initial-load
 */
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { runLoadBench } from './harness/load-bench.js'

clearProxyEnv()
await runLoadBench({
  title: `Initial load of ${Number(process.env.BENCH_ROWS ?? 100_000)} Accounts`,
  rows: Number(process.env.BENCH_ROWS ?? 100_000),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  measure: (context, variant) => context.trial(variant, 'load'),
})
