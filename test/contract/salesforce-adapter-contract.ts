import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  SalesforceAdapter,
  StreamingMessage,
} from '../../src/salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../../src/salesforce/salesforce-types.js'
import type { InMemoryOrg } from '../../src/testing/org/in-memory-org.js'

/** A target of the contract suite: an adapter, the org behind it, and how to clean up. */
export interface ContractTarget {
  readonly adapter: SalesforceAdapter
  readonly org: InMemoryOrg
  cleanup(): Promise<void>
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve()
      else if (Date.now() > deadline) reject(new Error('timed out waiting'))
      else setTimeout(tick, 10)
    }
    tick()
  })
}

/**
 * The behaviour every `SalesforceAdapter` must show, run against each target: the in-memory
 * adapter, jsforce over HTTP to the emulator, and (opt-in) a live org.
 */
export function salesforceAdapterContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`SalesforceAdapter contract: ${name}`, () => {
    let target: ContractTarget
    let adapter: SalesforceAdapter
    let org: InMemoryOrg
    beforeAll(async () => {
      target = await open()
      adapter = target.adapter
      org = target.org
    }, 60_000)
    afterAll(async () => {
      await target?.cleanup()
    })

    it('describes objects and refuses unknown ones with NOT_FOUND', async () => {
      const account = await adapter.describe('Account')
      expect(account.fields.find((f) => f.name === 'External_Id__c')).toMatchObject({
        externalId: true,
        type: 'string',
      })
      expect((await adapter.describeGlobal()).sobjects.map((s) => s.name)).toContain('Contact')
      await expect(adapter.describe('Nope__c')).rejects.toMatchObject({
        errorCode: 'NOT_FOUND',
        code: 'SALESFORCE_API',
      })
    })

    it('describes again with refresh after a field changed in Setup, and keeps that describe', async () => {
      await adapter.describe('Case')
      org.addField('Case', { name: 'Drift_Probe__c', type: 'string', length: 10 })
      const probe = (d: { fields: readonly { name: string }[] }) =>
        d.fields.some((f) => f.name === 'Drift_Probe__c')
      expect(probe(await adapter.describe('Case', { refresh: true }))).toBe(true)
      expect(probe(await adapter.describe('Case'))).toBe(true)
    })

    it('creates, updates and deletes, with partial failures reported per record', async () => {
      const created = await adapter.create('Account', [
        { Name: 'C1' },
        { Industry: 'Energy' },
        { Name: 'C3' },
      ])
      expect(created.map((r) => r.success)).toEqual([true, false, true])
      expect(created[1]?.errors[0]).toMatchObject({
        statusCode: 'REQUIRED_FIELD_MISSING',
        fields: ['Name'],
      })
      const [a, , c] = created.map((r) => r.id as string)
      const updated = await adapter.update('Account', [
        { Id: a, Industry: 'Banking' },
        { Id: c, Rating: 'Lukewarm' },
      ])
      expect(updated.map((r) => r.success)).toEqual([true, false])
      expect(updated[1]?.errors[0]?.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST')
      const deleted = await adapter.delete('Account', [c as string])
      expect(deleted).toEqual(
        [{ id: c, success: true, errors: [], created: undefined }].map(({ created: _, ...r }) =>
          expect.objectContaining(r),
        ),
      )
      const rows = await collect(
        adapter.query(`SELECT Id, Industry FROM Account WHERE Id IN ('${a}', '${c}')`),
      )
      expect(rows).toEqual([expect.objectContaining({ Id: a, Industry: 'Banking' })])
    })

    it('splits more than 200 records into calls of 200', async () => {
      const results = await adapter.create(
        'Account',
        Array.from({ length: 450 }, (_, i) => ({ Name: `Split ${i}` })),
      )
      expect(results.filter((r) => r.success)).toHaveLength(450)
    })

    it('upserts on an external id: insert, update, duplicate', async () => {
      const first = await adapter.upsert('Contact', 'External_Id__c', [
        { LastName: 'U1', External_Id__c: 'CT-1' },
      ])
      expect(first[0]).toMatchObject({ success: true, created: true })
      const second = await adapter.upsert('Contact', 'External_Id__c', [
        { LastName: 'U1b', External_Id__c: 'CT-1' },
        { LastName: 'U2', External_Id__c: 'CT-2' },
      ])
      expect(second.map((r) => r.created)).toEqual([false, true])
      expect(second[0]?.id).toBe(first[0]?.id)
      org.addField('Lead', { name: 'Legacy_Key__c', type: 'string', externalId: true })
      org.insert('Lead', [
        { LastName: 'a', Company: 'x', Status: 'Open', Legacy_Key__c: 'SAME' },
        { LastName: 'b', Company: 'x', Status: 'Open', Legacy_Key__c: 'SAME' },
      ])
      const duplicate = await adapter.upsert('Lead', 'Legacy_Key__c', [
        { LastName: 'c', Company: 'x', Status: 'Open', Legacy_Key__c: 'SAME' },
      ])
      expect(duplicate[0]).toMatchObject({ success: false })
      expect(duplicate[0]?.errors[0]?.statusCode).toBe('DUPLICATE_EXTERNAL_ID')
    })

    it('pages through 25 000 records without a cap, and counts them in one call', async () => {
      org.insert(
        'Opportunity',
        Array.from({ length: 25_000 }, (_, i) => ({
          Name: `Opp ${i}`,
          StageName: 'Prospecting',
          CloseDate: '2026-12-31',
        })),
      )
      const records = await collect(
        adapter.query<SObjectRecord>('SELECT Id, Name FROM Opportunity'),
      )
      expect(records).toHaveLength(25_000)
      expect(new Set(records.map((r) => r.Id)).size).toBe(25_000)
      const before = org.api.used
      expect(await adapter.count('SELECT COUNT() FROM Opportunity')).toBe(25_000)
      expect(org.api.used - before).toBe(1)
    })

    it('sees deleted records with queryAll only', async () => {
      const [id] = org.insert('Case', [{ Subject: 'gone', Status: 'New' }])
      org.remove('Case', id as string)
      expect(await collect(adapter.query(`SELECT Id FROM Case WHERE Id = '${id}'`))).toEqual([])
      expect(
        await collect(adapter.queryAll(`SELECT Id, IsDeleted FROM Case WHERE Id = '${id}'`)),
      ).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })])
    })

    it('answers getUpdated and getDeleted for a window, hard deletes included', async () => {
      const start = new Date(org.clock.now().getTime() - 60_000)
      const [kept, gone] = org.insert('Account', [{ Name: 'W1' }, { Name: 'W2' }])
      org.remove('Account', gone as string)
      org.emptyRecycleBin([gone as string])
      const end = new Date(org.clock.now().getTime() + 120_000)
      expect((await adapter.getUpdated('Account', start, end)).ids).toContain(kept)
      expect(
        (await adapter.getDeleted('Account', start, end)).deletedRecords.map((d) => d.id),
      ).toContain(gone)
      expect(
        await collect(adapter.queryAll(`SELECT Id FROM Account WHERE Id = '${gone}'`)),
      ).toEqual([])
    })

    it('runs a Bulk 2.0 ingest of 10 000 records, mapping failures back to their records', async () => {
      const records = Array.from({ length: 10_000 }, (_, i) => ({
        Name: i % 1000 === 7 ? null : `Bulk ${i}`,
        External_Id__c: `B-${i}`,
      }))
      const result = await adapter.bulkIngest({
        object: 'Account',
        operation: 'upsert',
        externalIdFieldName: 'External_Id__c',
        records,
        pollIntervalMs: 20,
      })
      expect(result.results).toHaveLength(10_000)
      const failedAt = result.results.flatMap((r, i) => (r.success ? [] : [i]))
      expect(failedAt).toEqual(Array.from({ length: 10 }, (_, k) => k * 1000 + 7))
      expect(result.results[0]).toMatchObject({ success: true, created: true })
      expect(org.get(result.results[1]?.id as string)?.External_Id__c).toBe('B-1')
      const inserts = await adapter.bulkIngest({
        object: 'Contact',
        operation: 'insert',
        records: [{ LastName: 'Same' }, { LastName: 'Same' }],
        pollIntervalMs: 20,
      })
      expect(new Set(inserts.results.map((r) => r.id)).size).toBe(2)
    })

    it('runs a Bulk 2.0 query of 25 000 records over several pages, typed like REST', async () => {
      const pages = await collect(
        adapter.bulkQuery(
          'SELECT Id, Name, CloseDate, Amount, IsDeleted, Owner.Name FROM Opportunity',
          { pageSize: 9_999 },
        ),
      )
      // Result pages of 9 999, 9 999 and 7 002 records, handed over whole or in slices: no
      // array holds more than a page, and none spans two.
      expect(pages.every((page) => page.length <= 9_999)).toBe(true)
      const ends = pages.map((_, i) => pages.slice(0, i + 1).reduce((n, p) => n + p.length, 0))
      expect(ends).toEqual(expect.arrayContaining([9_999, 19_998, 25_000]))
      const records = pages.flat()
      expect(new Set(records.map((r) => r.Id)).size).toBe(25_000)
      expect(records[0]).toMatchObject({
        IsDeleted: false,
        CloseDate: '2026-12-31',
        Amount: null,
        Owner: { Name: 'pgforce Integration' },
      })
    })

    it('gives text with quotes, commas and line breaks from a Bulk 2.0 query as REST does', async () => {
      const awkward = ['Say "hi", then\nleave', '"', ',', 'a""b', 'line\r\nbreak', ' padded ']
      const created = await adapter.create(
        'Account',
        awkward.map((Description, i) => ({ Name: `Awkward ${i}`, Description })),
      )
      const ids = created.map((r) => `'${r.id}'`).join(', ')
      const soql = `SELECT Id, Name, Description FROM Account WHERE Id IN (${ids}) ORDER BY Name`
      const pages = await collect(adapter.bulkQuery(soql, { pageSize: 4 }))
      expect(pages.map((page) => page.length)).toEqual([4, 2])
      const bulk = pages.flat()
      const rest = await collect(adapter.query(soql))
      const plain = (records: readonly Record<string, unknown>[]) =>
        records
          .map(({ Id, Name, Description }) => ({ Id, Name, Description }))
          .sort((a, b) => String(a.Name).localeCompare(String(b.Name)))
      expect(plain(bulk)).toEqual(plain(rest))
      expect(plain(bulk).map((r) => r.Description)).toEqual(awkward)
    })

    it('delivers Change Data Capture and PushTopic events, replays from an id and from -2', async () => {
      await adapter.create('PushTopic', [
        {
          Name: 'BigAccounts',
          Query: 'SELECT Id, Name FROM Account WHERE AnnualRevenue > 1000',
          ApiVersion: 60,
        },
      ])
      const cdc: StreamingMessage[] = []
      const topic: StreamingMessage[] = []
      const a = await adapter.subscribe({
        channel: '/data/AccountChangeEvent',
        onMessage: (m) => cdc.push(m),
      })
      const b = await adapter.subscribe({
        channel: '/topic/BigAccounts',
        onMessage: (m) => topic.push(m),
      })
      const [small, big] = org.insert('Account', [
        { Name: 'small', AnnualRevenue: 10 },
        { Name: 'big', AnnualRevenue: 5000 },
      ])
      await waitFor(() => cdc.length >= 2 && topic.length >= 1)
      const payload = cdc[0]?.data.payload as
        | { ChangeEventHeader?: Record<string, unknown> }
        | undefined
      const header = payload?.ChangeEventHeader
      expect(header).toMatchObject({
        entityName: 'Account',
        changeType: 'CREATE',
        recordIds: [small],
      })
      expect(topic.map((m) => (m.data.sobject as { Id: string }).Id)).toEqual([big])
      await a.close()
      await b.close()
      const replayed: StreamingMessage[] = []
      const c = await adapter.subscribe({
        channel: '/data/AccountChangeEvent',
        replayId: cdc[0]?.replayId,
        onMessage: (m) => replayed.push(m),
      })
      await waitFor(() => replayed.length >= 1)
      expect(replayed[0]?.replayId).toBe(cdc[1]?.replayId)
      await c.close()
      const all: StreamingMessage[] = []
      const d = await adapter.subscribe({
        channel: '/data/AccountChangeEvent',
        replayId: -2,
        onMessage: (m) => all.push(m),
      })
      await waitFor(() => all.length >= 2)
      await d.close()
    })

    it('refuses an invalid replay id and an unknown channel as Salesforce does', async () => {
      await expect(
        adapter.subscribe({
          channel: '/data/AccountChangeEvent',
          replayId: org.events.latestReplayId + 1000,
          onMessage: () => {},
        }),
      ).rejects.toMatchObject({ errorCode: 'INVALID_REPLAY_ID' })
      await expect(
        adapter.subscribe({ channel: '/topic/NoSuchTopic', onMessage: () => {} }),
      ).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })
    })

    it('refreshes an expired session and carries on', async () => {
      org.sessions.expireAll()
      expect((await collect(adapter.query('SELECT Id FROM User'))).length).toBeGreaterThan(0)
    })

    it('fails a call Salesforce answers 503 at once, retryable, without retrying it itself', async () => {
      // Retries are the engine's (its retry policy, backoff and API budget), never hidden.
      org.faults.failRequests({ method: 'GET', path: '/query', status: 503, count: 1 })
      const started = Date.now()
      await expect(collect(adapter.query('SELECT Id FROM User'))).rejects.toMatchObject({
        retryable: true,
      })
      expect(Date.now() - started).toBeLessThan(1_000)
      expect((await collect(adapter.query('SELECT Id FROM User'))).length).toBeGreaterThan(0)
    })

    it('surfaces REQUEST_LIMIT_EXCEEDED as a retryable SalesforceApiError', async () => {
      org.api.setLimit(org.api.used)
      await expect(
        adapter.describe('Lead').then(() => adapter.count('SELECT COUNT() FROM Lead')),
      ).rejects.toMatchObject({
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        retryable: true,
      })
      org.api.setLimit(1_000_000)
    })

    it("answers bad requests with Salesforce's errors", async () => {
      await expect(collect(adapter.query('SELEC Id FROM Account'))).rejects.toMatchObject({
        errorCode: 'MALFORMED_QUERY',
        retryable: false,
      })
      await expect(collect(adapter.query('SELECT Nope__c FROM Account'))).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
      })
      await expect(collect(adapter.query('SELECT Id FROM Nope__c'))).rejects.toMatchObject({
        errorCode: 'INVALID_TYPE',
      })
    })
  })
}
