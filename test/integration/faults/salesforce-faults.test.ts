import { describe, expect, it } from 'vitest'
import { RetryPolicy, type RetryRule } from '../../../src/errors/retry-policy.js'
import type { RequestLogEntry } from '../../../src/testing/emulator/index.js'
import { useFaultRun } from '../../support/faults/use-fault-run.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Salesforce misbehaves under a two-way load (findings-2026-11/reliability.md, experiments 3 and
// 4): 503s, expired sessions, dropped streaming clients. Nothing is marked FAILED and both sides
// end up equal. REQUEST_LIMIT_EXCEEDED has its own file (salesforce-limits.test.ts).
const db = useTestDatabase()
const { open, expectConverged } = useFaultRun(db)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const rest = (requests: readonly RequestLogEntry[]) =>
  requests.filter((q) => q.path.startsWith('/services/data/'))

describe('Salesforce faults under load', () => {
  it('503 on every REST call for 2 s: retried, nothing FAILED', async () => {
    const fast: RetryRule = { minDelayMs: 100, maxDelayMs: 500 }
    const r = await open({
      retryPolicy: new RetryPolicy({
        salesforceCodes: { SERVER_UNAVAILABLE: fast, ERROR_HTTP_503: fast },
      }),
    })
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the storm')
    const from = r.emulator.requests.length
    r.emulator.org.faults.failRequests({ path: '/services/data/', status: 503, count: 1e9 })
    await sleep(2_000) // the storm itself
    r.emulator.org.faults.clear()
    r.emulator.org.faults.setLatency(20)
    const storm = rest(r.emulator.requests.slice(from))
    await r.workload.untilRounds(2)
    await expectConverged(r)
    const refused = storm.filter((q) => q.status === 503).length
    console.info(`503 storm: ${storm.length} REST requests meanwhile, ${refused} answered 503`)
    expect(refused).toBeGreaterThan(2)
    expect([...r.seen('push:failed'), ...r.seen('pull:failed')].length).toBeGreaterThan(1)
  })

  it('every session expires: renewed by logging in again, nothing FAILED', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the expiry')
    const from = r.emulator.requests.length
    r.emulator.org.sessions.expireAll()
    await r.workload.untilRounds(2)
    await expectConverged(r)
    const after = r.emulator.requests.slice(from)
    expect(after.filter((q) => q.status === 401).length).toBeGreaterThan(0)
    expect(r.seen('error')).toEqual([])
  })

  it('streaming clients dropped: the stream comes back and catches up', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('pull:completed').length > 2, 10_000, 'pulls before the drop')
    const at = r.now
    r.emulator.dropStreamingClients()
    await waitFor(
      () => r.seen('source:connected', at).some((e) => e.detail === 'salesforce-streaming'),
      10_000,
      'streaming back',
    )
    await r.workload.untilRounds(2)
    await expectConverged(r)
  })
})
