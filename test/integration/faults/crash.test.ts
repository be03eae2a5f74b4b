import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { type CrashReport, type OrgView, runCrash } from '../../support/faults/crash-run.js'
import { useTestDatabase } from '../../support/test-database.js'

// A worker process killed with SIGKILL mid-load and mid-push, then a worker started again
// (findings-2026-11/reliability.md, experiment 5). One kill each; `npm run bench -- faults`
// repeats them and prints the spread.
const db = useTestDatabase()
let emulator: SalesforceEmulator | undefined
let cases = 0

afterEach(async () => {
  await emulator?.stop()
  emulator = undefined
})

async function org(latencyMs: number): Promise<{ view: OrgView; emulator: SalesforceEmulator }> {
  emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000 } })
  emulator.org.faults.setLatency(latencyMs)
  const started = emulator
  const view: OrgView = {
    instanceUrl: started.instanceUrl,
    accessToken: started.accessToken,
    names: async () => started.org.all('Account').map((r) => String(r.Name)),
  }
  return { view, emulator: started }
}

function explain(report: () => CrashReport | undefined) {
  onTestFailed(() => console.log(JSON.stringify(report(), null, 2)))
}

describe('a worker killed with SIGKILL, then started again', () => {
  it('during the initial load: every record exactly once', async () => {
    const { view, emulator } = await org(20)
    const names = Array.from({ length: 10_500 }, (_, i) => `L-${i}`) // Bulk above 10 000
    emulator.org.insert(
      'Account',
      names.map((Name) => ({ Name, Industry: 'Energy' })),
    )
    cases += 1
    let report: CrashReport | undefined
    explain(() => report)
    report = await runCrash({
      databaseUrl: db().url,
      org: view,
      kind: 'load',
      externalId: true,
      seededNames: names,
      schema: `crash_${process.pid}_${cases}`,
    })
    console.info(`crash during the load: ${JSON.stringify(report)}`)
    expect(report.problems).toEqual([])
    expect(report.doneAtKill).toBeLessThan(names.length) // the kill came before the load's end
    expect(report.duplicatesInPostgres).toBe(0)
    expect(report.survivorRunning).toBe(true)
  }, 90_000)

  it.each([
    ['with an external id: no duplicate', true],
    ['without an external id: at most one call (200 records) duplicated', false],
  ])(
    'during a push of 2 000 inserts, %s',
    async (_, externalId) => {
      const { view } = await org(50)
      cases += 1
      let report: CrashReport | undefined
      explain(() => report)
      report = await runCrash({
        databaseUrl: db().url,
        org: view,
        kind: 'push',
        externalId,
        rows: 2_000,
        killAfterCommitted: 400,
        killDelayMs: 25, // the next call is then at Salesforce (50 ms latency), not answered yet
        pushLeaseMs: 1_000,
        schema: `crash_${process.pid}_${cases}`,
      })
      console.info(`crash during a push (external id ${externalId}): ${JSON.stringify(report)}`)
      expect(report.problems).toEqual([])
      expect(report.doneAtKill).toBeLessThan(2_000)
      expect(report.lost).toBe(0)
      if (externalId) {
        expect(report.duplicatesInSalesforce).toBe(0)
        expect(report.duplicatesInPostgres).toBe(0)
      } else {
        expect(report.duplicatesInSalesforce).toBeLessThanOrEqual(200)
        expect(report.duplicatesInPostgres).toBeLessThanOrEqual(200)
      }
      expect(report.survivorRunning).toBe(true)
    },
    90_000,
  )
})
