import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InMemoryOrg, OrgClock } from '../../../src/testing.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

describe('pull (Salesforce → Postgres)', () => {
  it('copies records with typed columns and marks them SYNCED', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const [id] = org.insert('Account', [
      { Name: 'Acme', Industry: 'Energy', AnnualRevenue: 1234.5, NumberOfEmployees: 12 },
    ]) as string[]
    const report = await engine.syncOnce()
    expect(report.pulls[0]).toMatchObject({
      mapping: 'Account',
      inserted: 1,
      updated: 0,
      deleted: 0,
    })
    const rows = await fixture.rows(
      'account',
      'sfid, name, industry, annualrevenue, numberofemployees, isdeleted, _hc_lastop',
    )
    expect(rows).toEqual([
      {
        sfid: id,
        name: 'Acme',
        industry: 'Energy',
        annualrevenue: 1234.5,
        numberofemployees: 12,
        isdeleted: false,
        _hc_lastop: 'SYNCED',
      },
    ])
    const stamp = (await fixture.rows('account', 'systemmodstamp::text AS s'))[0]?.s
    expect(String(stamp)).toBe(
      String(org.get(id as string)?.SystemModstamp)
        .replace('T', ' ')
        .replace('.000+0000', ''),
    )
  })

  it('gets every record when thousands share one SystemModstamp across page boundaries', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    org.clock.freeze(new Date('2026-01-01T00:00:00Z'))
    org.insert(
      'Account',
      Array.from({ length: 4500 }, (_, i) => ({ Name: `Tied ${i}` })),
    )
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.inserted).toBe(4500)
    expect(await fixture.count('account')).toBe(4500)
    const again = await engine.syncOnce()
    expect(again.pulls[0]).toMatchObject({ inserted: 0, updated: 0, deleted: 0 })
  })

  it('applies updates, deletes (hard by default) and undeletes', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const [a, b] = org.insert('Account', [{ Name: 'A' }, { Name: 'B' }]) as string[]
    await engine.syncOnce()
    org.modify('Account', a as string, { Name: 'A2' })
    org.remove('Account', b as string)
    const report = await engine.syncOnce()
    expect(report.pulls[0]).toMatchObject({ inserted: 0, updated: 1, deleted: 1 })
    expect(await fixture.rows('account', 'sfid, name')).toEqual([{ sfid: a, name: 'A2' }])
    org.undelete([b as string])
    await engine.syncOnce()
    expect((await fixture.rows('account', 'name')).map((r) => r.name)).toEqual(['A2', 'B'].sort())
  })

  it('keeps deleted rows with isdeleted = true in soft delete mode', async () => {
    const soft = defineMapping({ object: 'Account', fields: ['Name'], deleteMode: 'soft' })
    fixture = await syncFixture(db(), [soft])
    const { org, engine } = fixture
    const [a] = org.insert('Account', [{ Name: 'A' }]) as string[]
    await engine.syncOnce()
    org.remove('Account', a as string)
    await engine.syncOnce()
    expect(await fixture.rows('account', 'name, isdeleted')).toEqual([
      { name: 'A', isdeleted: true },
    ])
  })

  it('matches a row inserted in Postgres on the external id instead of duplicating it', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, connection } = fixture
    await db().pool.query(
      `INSERT INTO "${connection.schema}".account (name, external_id__c) VALUES ('Local', 'EXT-1')`,
    )
    const [id] = org.insert('Account', [{ Name: 'From SF', External_Id__c: 'EXT-1' }]) as string[]
    await engine.syncOnce()
    expect(await fixture.rows('account', 'sfid, name, external_id__c')).toEqual([
      { sfid: id, name: 'From SF', external_id__c: 'EXT-1' },
    ])
  })

  it('never captures its own writes as changes to send back', async () => {
    fixture = await syncFixture(db(), [
      account,
      defineMapping({ object: 'Contact', fields: ['LastName'] }),
    ])
    const { org, engine } = fixture
    org.insert('Account', [{ Name: 'A' }])
    org.insert('Contact', [{ LastName: 'C' }])
    await engine.syncOnce()
    expect(await fixture.log()).toEqual([])
  })

  it('does not lose a change made while a pull is paging', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const ids = org.insert(
      'Account',
      Array.from({ length: 6000 }, (_, i) => ({ Name: `P${i}` })),
    )
    org.faults.setLatency(5)
    const before = org.api.used
    // Once the first page is in (the pull's third call has been answered), change a record the
    // pull has already passed: right then, while the pull goes on, not whenever a poll notices.
    let changedWhilePaging = false
    const charge = org.api.charge.bind(org.api)
    org.api.charge = () => {
      charge()
      if (org.api.used !== before + 3) return
      queueMicrotask(() => {
        org.modify('Account', ids[0] as string, { Name: 'Changed while paging' })
        changedWhilePaging = true
      })
    }
    await engine.syncOnce()
    expect(changedWhilePaging).toBe(true)
    org.faults.setLatency(0)
    await engine.syncOnce()
    expect(await fixture.rows('account', 'name')).toContainEqual({ name: 'Changed while paging' })
    expect(await fixture.count('account')).toBe(6000)
  })

  it('leaves the cursor where it was when Salesforce fails mid-pull, and catches up next time', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    org.insert(
      'Account',
      Array.from({ length: 2500 }, (_, i) => ({ Name: `R${i}` })),
    )
    org.faults.failRequests({
      method: 'GET',
      path: '/queryAll',
      status: 403,
      count: 2,
      body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
    })
    await engine.syncOnce().then(
      () => {},
      () => {},
    )
    await engine.syncOnce().then(
      () => {},
      () => {},
    )
    const report = await engine.syncOnce()
    expect(await fixture.count('account')).toBe(2500)
    expect(report.pulls[0]?.updated).toBe(0)
  })
})

describe('reconcile', () => {
  it('reloads a mapping whose counts drifted, and leaves one in step alone', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, connection } = fixture
    org.insert('Account', [{ Name: 'A' }, { Name: 'B' }])
    await engine.syncOnce()
    expect(await engine.reconcile()).toEqual([
      {
        mapping: 'Account',
        salesforceCount: 2,
        postgresCount: 2,
        differing: 0,
        repaired: 0,
        reloaded: false,
      },
    ])
    // A row lost on the Postgres side, by a write the trigger does not see.
    await db().pool.query(
      `BEGIN; SET LOCAL xmlbinary = 'hex'; DELETE FROM "${connection.schema}".account WHERE name = 'B'; COMMIT`,
    )
    const events: unknown[] = []
    engine.on('reconcile:completed', (event) => events.push(event))
    expect(await engine.reconcile('Account')).toEqual([
      {
        mapping: 'Account',
        salesforceCount: 2,
        postgresCount: 1,
        differing: 0, // within the pull's look-back: not drift yet, but the counts differ
        repaired: 0,
        reloaded: true,
      },
    ])
    expect(events).toHaveLength(1)
    expect(await fixture.count('account')).toBe(2)
  })
})

describe('hard deletes', () => {
  it('removes rows of records deleted and purged before any pull saw the deletion', async () => {
    // getDeleted answers whole minutes up to now: run the org a few minutes behind real time so
    // the deletion falls inside the first window the pull asks for.
    const behind = new InMemoryOrg({ clock: new OrgClock(new Date(Date.now() - 300_000)) })
    fixture = await syncFixture(db(), [account], { org: behind })
    const { org, engine } = fixture
    const [kept, purged] = org.insert('Account', [{ Name: 'Kept' }, { Name: 'Purged' }])
    await engine.syncOnce()
    org.remove('Account', purged as string)
    org.emptyRecycleBin([purged as string])
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.deleted).toBe(1)
    expect(await fixture.rows('account', 'sfid')).toEqual([{ sfid: kept }])
  })
})

describe('bulk loads', () => {
  it('loads 50 000 records through Bulk 2.0 with progress events', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, adapter } = fixture
    org.insert(
      'Account',
      Array.from({ length: 50_000 }, (_, i) => ({
        Name: `Load ${i}`,
        Industry: 'Energy',
        NumberOfEmployees: i,
      })),
    )
    const progress: { done: number; total: number }[] = []
    const started: unknown[] = []
    engine.on('load:started', (event) => started.push(event))
    engine.on('load:progress', ({ done, total }) => progress.push({ done, total }))
    const bulkJobs = () => org.api.used
    const before = bulkJobs()
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.inserted).toBe(50_000)
    expect(await fixture.count('account')).toBe(50_000)
    expect(started).toEqual([{ mapping: 'Account', total: 50_000, reload: false }])
    expect(progress.length).toBeGreaterThanOrEqual(10)
    expect(progress.at(-1)).toEqual({ done: 50_000, total: 50_000 })
    // Fewer calls than the 25 REST pages alone would take: a describe, a COUNT(), the first and
    // last Id, the newest change (where the cursor may go), and two Bulk jobs of about 25 000
    // records (create, a status poll, and 11 result pages of up to 5 000 between them), each
    // counted by the org as over HTTP.
    expect(org.api.used - before).toBeLessThanOrEqual(20)
    expect(adapter.apiUsage?.used).toBe(org.api.used)
  }, 60_000)

  it.each(['in-memory', 'http'] as const)(
    'splits a large load into Bulk 2.0 jobs by Id range, reading each record once (%s)',
    async (over) => {
      fixture = await syncFixture(db(), [account], {
        over,
        tuning: { pull: { bulkChunkSize: 5_000 } },
      })
      const { org, engine, adapter } = fixture
      const ids = org.insert(
        'Account',
        Array.from({ length: 20_000 }, (_, i) => ({ Name: `Load ${i}` })),
      )
      // Ids spread unevenly: a run in the middle is gone for good, so one range is nearly empty.
      for (const id of ids.slice(6_000, 12_000)) org.remove('Account', id)
      org.emptyRecycleBin()
      const jobs = vi.spyOn(adapter, 'bulkQuery')
      const report = await engine.syncOnce()
      expect(report.pulls[0]?.inserted).toBe(14_000)
      expect(await fixture.count('account')).toBe(14_000)
      const names = await fixture.rows('account', 'name')
      expect(new Set(names.map((r) => r.name)).size).toBe(14_000)
      if (over === 'http') return // the jobs went over jsforce, not through `adapter`
      // 14 000 records in jobs of 5 000: three Id ranges, open at both ends.
      const soql = jobs.mock.calls.map(([query]) => query)
      expect(soql).toHaveLength(3)
      expect(soql[0]).toMatch(/ WHERE Id < '[0-9A-Za-z]{15}'$/)
      expect(soql[1]).toMatch(/ WHERE Id >= '[0-9A-Za-z]{15}' AND Id < '[0-9A-Za-z]{15}'$/)
      expect(soql[2]).toMatch(/ WHERE Id >= '[0-9A-Za-z]{15}'$/)
    },
    60_000,
  )

  it('switches a large catch-up to Bulk 2.0', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    org.insert('Account', [{ Name: 'First' }])
    await engine.syncOnce()
    org.insert(
      'Account',
      Array.from({ length: 15_000 }, (_, i) => ({ Name: `Backlog ${i}` })),
    )
    const loads: unknown[] = []
    engine.on('load:started', (event) => loads.push(event))
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.inserted).toBe(15_000)
    expect(loads).toEqual([expect.objectContaining({ mapping: 'Account', reload: false })])
    expect(await fixture.count('account')).toBe(15_001)
  }, 60_000)

  it('reloads without emptying the table, dropping rows Salesforce no longer has', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const [keep, gone] = org.insert('Account', [{ Name: 'Keep' }, { Name: 'Gone' }])
    await engine.syncOnce()
    org.remove('Account', gone as string)
    org.emptyRecycleBin()
    org.modify('Account', keep as string, { Industry: 'Media' })
    const report = await engine.reload('account')
    expect(report).toMatchObject({ deleted: 1 })
    expect(await fixture.rows('account', 'sfid, industry')).toEqual([
      { sfid: keep, industry: 'Media' },
    ])
    await expect(engine.reload('Nope')).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
