/**
 * A SalesforceEmulator in its own process, so that its CPU is not the engine's and a bench's
 * timing loop does not share an event loop with it. Seeds `BENCH_ROWS` Accounts (spread over
 * SystemModstamps, 100 per second, as an org's history would be), prints
 * `{ instanceUrl, accessToken }` as one JSON line, then answers one JSON command per stdin line
 * with one JSON line (see bench/harness/emulator-child.ts). Ends when stdin closes.
 */
import { createInterface } from 'node:readline'
import { SalesforceEmulator } from '../../src/testing/emulator/salesforce-emulator.js'
import { clearProxyEnv } from '../../test/support/proxy-env.js'
import { accountRow } from './account-rows.js'

clearProxyEnv()
const rows = Number(process.env.BENCH_ROWS ?? 0)
const emulator = await SalesforceEmulator.start({
  orgOptions: { dailyApiLimit: 100_000_000, eventRetention: 1000 },
})
const { org } = emulator
const ids: string[] = []
// 100 records per org-second, ending now: a pull's 2 s look-back re-reads ~200 records, not the
// whole seed, as on an org whose records were written over time.
org.clock.freeze(new Date(Date.now() - Math.ceil(rows / 100) * 1000 - 5_000))
for (let start = 0; start < rows; start += 100) {
  const count = Math.min(100, rows - start)
  ids.push(
    ...org.insert(
      'Account',
      Array.from({ length: count }, (_, k) => accountRow(start + k)),
    ),
  )
  org.clock.advance(1000)
}
org.clock.unfreeze()
org.faults.setLatency(Number(process.env.BENCH_LATENCY_MS ?? 0))

type Command =
  | { cmd: 'used' }
  | { cmd: 'latency'; ms: number }
  | { cmd: 'update'; count: number; round: number }
  | { cmd: 'count' }
  | { cmd: 'insert'; name: string }
  | { cmd: 'cpu' }

const handle = (command: Command): unknown => {
  switch (command.cmd) {
    case 'used':
      return { used: org.api.used }
    case 'latency':
      org.faults.setLatency(command.ms)
      return { ok: true }
    case 'update': {
      // Changes `count` records spread over the seed (every n-th), as users editing records do.
      const step = Math.max(1, Math.floor(ids.length / command.count))
      let changed = 0
      for (let i = 0; i < ids.length && changed < command.count; i += step, changed += 1)
        org.modify('Account', ids[i] as string, { Industry: `Round ${command.round}` })
      return { changed }
    }
    case 'count':
      return { count: org.all('Account').length }
    case 'insert':
      return { id: org.insert('Account', [{ Name: command.name }])[0] }
    case 'cpu': {
      const { user, system } = process.cpuUsage()
      return { seconds: (user + system) / 1e6 }
    }
  }
}

process.stdout.write(
  `${JSON.stringify({
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    pubSubEndpoint: emulator.pubSubEndpoint,
    pubSubCertificate: emulator.pubSubCertificate,
  })}\n`,
)
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  let answer: unknown
  try {
    answer = handle(JSON.parse(line) as Command)
  } catch (error) {
    answer = { error: String(error) }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
})
lines.on('close', () => {
  void emulator.stop().then(() => process.exit(0))
})
