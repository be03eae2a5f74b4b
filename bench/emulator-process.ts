/**
 * Runs a SalesforceEmulator in its own process for benchmarks that measure pgforce's memory (or
 * must not share a process with it): seeds `BENCH_ROWS` Accounts, adds `BENCH_LATENCY_MS` of
 * latency to every request (none by default), prints `{ instanceUrl, accessToken }` as one JSON
 * line, and serves until its parent closes stdin.
 */
import { SalesforceEmulator } from '../src/testing/emulator/salesforce-emulator.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { accountRow } from './harness/account-rows.js'

clearProxyEnv()
const rows = Number(process.env.BENCH_ROWS ?? 100_000)
const emulator = await SalesforceEmulator.start({
  orgOptions: { dailyApiLimit: 10_000_000, eventRetention: 100 },
})
emulator.org.faults.setLatency(Number(process.env.BENCH_LATENCY_MS ?? 0))
for (let start = 0; start < rows; start += 20_000) {
  emulator.org.insert(
    'Account',
    Array.from({ length: Math.min(20_000, rows - start) }, (_, k) => accountRow(start + k)),
  )
}
process.stdout.write(
  `${JSON.stringify({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken })}\n`,
)
process.stdin.resume()
process.stdin.on('end', () => {
  void emulator.stop().then(() => process.exit(0))
})
