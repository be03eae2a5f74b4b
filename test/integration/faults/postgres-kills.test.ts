import { describe, expect, it } from 'vitest'
import type { FaultRun } from '../../support/faults/fault-run.js'
import { InstrumentedStrategy } from '../../support/faults/instrumented-strategy.js'
import type { Backend } from '../../support/faults/postgres-backends.js'
import { useFaultRun } from '../../support/faults/use-fault-run.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// pg_terminate_backend on pgforce's connections at each phase of a two-way run under
// engine.start() with the default sources (findings-2026-11/reliability.md, experiment 1): the
// process stays up, and every change arrives exactly once on both sides.
const db = useTestDatabase()
const { open, expectConverged } = useFaultRun(db)

/** A check: `count` pushes that sent something completed since `since` (ms of the run). */
const pushed =
  (r: FaultRun, count: number, since = 0) =>
  () =>
    r.seen('push:completed', since).filter((e) => !e.detail.startsWith('0/')).length >= count

describe('Postgres connections terminated under load', () => {
  it('the LISTEN connection: it re-listens, and the pushes it missed arrive', async () => {
    const r = await open()
    await r.start()
    await waitFor(pushed(r, 2), 10_000, 'pushes before the kill')
    const at = r.now
    const killed = await r.terminate(`query ILIKE 'LISTEN %hc_trigger_log%'`)
    expect(killed).toHaveLength(1)
    await waitFor(() => r.seen('source:connected', at).length > 0, 10_000, 'LISTEN back')
    await r.workload.untilRounds(2)
    await expectConverged(r)
    expect(r.seen('source:reconnecting', at).map((e) => e.detail)).toEqual(['postgres-notify'])
  })

  it('the leadership connection: the engine leads the pulls again', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('leadership').length > 0, 10_000, 'leadership')
    const at = r.now
    const killed = await r.terminate(`application_name LIKE 'pgforce leader %'`)
    expect(killed).toHaveLength(1)
    await waitFor(
      () => r.seen('leadership', at).some((e) => e.detail === 'true'),
      10_000,
      'leadership again',
    )
    await r.workload.untilRounds(2)
    await expectConverged(r)
    expect(r.seen('leadership', at).map((e) => e.detail)).toEqual(['false', 'true'])
  })

  it('during the initial load (Bulk 2.0): the load is done again, nothing lost or twice', async () => {
    const r = await open()
    const seeded = 12_000 // above the 10 000 that sends a first load through Bulk 2.0
    const seededIds = r.workload.seedSalesforce(seeded)
    // An uncommitted row with the last seeded sfid: the load's upsert of that record waits on it,
    // inside the load's transaction (the emulator returns records in creation order).
    const blocker = await r.hold(
      `INSERT INTO $schema.account (sfid, name) VALUES ($1, 'blocker')`,
      [seededIds.at(-1)],
    )
    await r.start()
    await waitFor(() => r.seen('load:progress').length > 0, 20_000, 'the load under way')
    let killed: Backend[] = []
    try {
      killed.push(await r.terminateWhenBlocked('%INSERT INTO %account AS t%', 20_000))
      killed = [...killed, ...(await r.terminate())]
    } finally {
      await blocker.release()
    }
    expect(killed.length).toBeGreaterThan(1)
    await expectConverged(r, 40_000)
    // The rows can converge a moment before the engine reports the batch that wrote them (its
    // commit is visible in Postgres before the engine hears back): wait for the report.
    const lastLoad = () =>
      r
        .seen('load:progress')
        .map((e) => e.detail)
        .at(-1)
    await waitFor(() => /^(\d+)\/\1$/.test(String(lastLoad())), 10_000, 'the load to end')
    expect(lastLoad()).toMatch(/^(\d+)\/\1$/) // the last load ran to its end
  }, 60_000)

  it("during a pull's apply: the pull fails, is retried, and applies the change", async () => {
    const r = await open()
    await r.start()
    await r.workload.untilRounds(2)
    const [id] = r.workload.salesforceRecordIds
    const row = async () =>
      (
        await db().pool.query<{ id: number }>(
          `SELECT id FROM "${r.schema}".account WHERE sfid = $1`,
          [id],
        )
      ).rows[0]?.id
    await waitFor(async () => (await row()) !== undefined, 10_000, 'the record pulled')
    const lock = await r.hold('SELECT 1 FROM $schema.account WHERE id = $1 FOR UPDATE', [
      await row(),
    ])
    const at = r.now
    try {
      r.workload.updateSalesforce(id as string, 'changed while the row is locked')
      const killed = await r.terminateWhenBlocked('%')
      expect(killed.query).toMatch(/INSERT INTO .*account AS t/)
    } finally {
      await lock.release()
    }
    await expectConverged(r)
    expect(
      r.seen('pull:failed', at).map((e) => (e.error as { sqlState?: string }).sqlState),
    ).toContain('57P01')
  })

  it("during a push's claim: the claim fails and is retried", async () => {
    const r = await open()
    await r.start()
    await waitFor(pushed(r, 2), 10_000, 'pushes before the kill')
    const at = r.now
    // The claim's FOR UPDATE waits on the table lock; a commit may be the first to wait instead:
    // then let it through and try again.
    let killed: Backend | undefined
    for (let attempt = 0; !killed && attempt < 5; attempt += 1) {
      const held = await r.holdTriggerLog()
      try {
        if (held.blocked.query.startsWith('WITH candidates AS'))
          [killed] = await r.terminate(`pid = ${held.blocked.pid}`)
      } finally {
        await held.release()
      }
    }
    expect(killed?.query).toMatch(/^WITH candidates AS/)
    await r.workload.untilRounds(2)
    await expectConverged(r)
    expect(r.seen('push:failed', at).length).toBeGreaterThan(0)
  })

  it('while a Salesforce write call is in flight (every pgforce connection)', async () => {
    const strategy = new InstrumentedStrategy()
    const r = await open({ writeStrategy: strategy })
    await r.start()
    await waitFor(pushed(r, 2), 10_000, 'pushes before the kill')
    const killed = await new Promise<Backend[]>((resolve) => {
      strategy.hooks = {
        inFlight: async () => {
          strategy.hooks = {}
          resolve(await r.terminate())
        },
      }
    })
    expect(killed.length).toBeGreaterThan(1)
    await r.workload.untilRounds(2)
    await expectConverged(r)
  })

  it.each([
    ['with an external id', true],
    ['without an external id', false],
  ])(
    "during a push's commit, after Salesforce answered (%s): no duplicate",
    async (_, externalId) => {
      const strategy = new InstrumentedStrategy()
      const r = await open({ writeStrategy: strategy, externalId })
      await r.start()
      await waitFor(pushed(r, 2), 10_000, 'pushes before the kill')
      const killed = await new Promise<Backend>((resolve) => {
        const arm = () => {
          strategy.hooks = {
            aroundCommit: async (results, entries, commit) => {
              // Rows Salesforce accepted (a deferred call's commit writes no row to block on).
              const rows = entries
                .filter(
                  (e) =>
                    e.action !== 'DELETE' &&
                    results.some((x) => x.entryId === e.id && x.outcome === 'success'),
                )
                .map((e) => e.recordId)
              if (rows.length === 0) return commit()
              strategy.hooks = {}
              // The commit's row updates wait on these locks, inside its transaction.
              const lock = await r.hold(
                'SELECT 1 FROM $schema.account WHERE id = ANY($1) FOR UPDATE',
                [rows],
              )
              const committing = commit()
              committing.catch(() => {})
              try {
                // The settle locks the rows it writes (in id order) before its UPDATE.
                resolve(await r.terminateWhenBlocked('%ORDER BY id FOR UPDATE%', 3_000))
              } catch {
                // A pull that reached these rows first blocked on the lock, and the commit waits
                // on that pull rather than on the lock: try again on a later commit.
                arm()
              } finally {
                await lock.release()
              }
              await committing
            },
          }
        }
        arm()
      })
      expect(killed.waitEventType).toBe('Lock')
      await r.workload.untilRounds(2)
      await expectConverged(r)
    },
  )

  it('every pgforce connection, twice, under load, in this process and in a child process', async () => {
    const here = await open()
    const child = await open({ inChild: true })
    const runs = [here, child]
    await Promise.all(runs.map((r) => r.start()))
    /** Waits for `check` on every run, failing at once (with how it ended) if the child ends. */
    const eachWaitsFor = async (check: (r: FaultRun) => boolean, what: string) => {
      await waitFor(() => child.child?.alive !== true || runs.every(check), 10_000, what)
      expect(child.child?.ended).toBe('running')
    }
    await eachWaitsFor((r) => pushed(r, 2)(), 'pushes before the kill')
    for (const kill of [1, 2]) {
      const at = runs.map((r) => r.now)
      // The first time, with a client checked out for sure: a statement waiting on a lock.
      const held = kill === 1 ? await Promise.all(runs.map((r) => r.holdTriggerLog())) : []
      const killed = await Promise.all(runs.map((r) => r.terminate()))
      await Promise.all(held.map((h) => h.release()))
      // The pool's connections, LISTEN's and the leadership connection, of each engine.
      for (const backends of killed)
        expect(backends.length, `kill ${kill}`).toBeGreaterThanOrEqual(3)
      const since = (r: FaultRun) => at[runs.indexOf(r)] ?? 0
      await eachWaitsFor((r) => pushed(r, 2, since(r))(), 'pushes again')
      await eachWaitsFor((r) => r.seen('source:connected', since(r)).length > 0, 'LISTEN back')
      await Promise.all(runs.map((r) => r.workload.untilRounds(2)))
    }
    for (const r of runs) await expectConverged(r)
    expect(child.child?.ended).toBe('running')
  }, 60_000)
})
