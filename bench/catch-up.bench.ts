/**
 * Catching up `BENCH_CHANGED` (10 000) Salesforce updates on a table of `BENCH_ROWS` (100 000)
 * Accounts: pgforce (`syncOnce()` from its stored cursor), the peer script (from its newest
 * SystemModstamp) and the machine's limit (COPY + MERGE of the changed rows into its loaded
 * table). Before each round, outside the measured window, every variant's table is loaded and the
 * emulator changes the records. Each trial in its own process, interleaved over `BENCH_ROUNDS` (3).
 *
 *   npm run bench -- catch-up
 */
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { runLoadBench, VARIANTS } from './harness/load-bench.js'

clearProxyEnv()
const rows = Number(process.env.BENCH_ROWS ?? 100_000)
const changed = Number(process.env.BENCH_CHANGED ?? 10_000)
await runLoadBench({
  title: `Catching up ${changed} Salesforce updates on ${rows} Accounts`,
  rows,
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  async prepare(context, round) {
    if (round === 0) for (const variant of VARIANTS) await context.trial(variant, 'load')
    // Records change a second after the loads, so a cursor's look-back does not re-read them all.
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await context.emulator.update(changed, round + 1)
  },
  measure: (context, variant, round) =>
    context.trial(variant, 'catchup', { CHANGED: String(changed), ROUND: String(round + 1) }),
})
