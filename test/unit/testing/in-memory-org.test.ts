import { describe, expect, it } from 'vitest'
import { InMemoryOrg, idChecksum, isSalesforceId, OrgClock, to18 } from '../../../src/testing.js'

describe('InMemoryOrg', () => {
  it('issues 18-character ids with the key prefix and the real checksum', () => {
    expect(idChecksum('001000000000001')).toBe('AAA')
    // A well-known real Account id, in its 15- and 18-character forms.
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC')
    const org = new InMemoryOrg()
    const [id] = org.insert('Contact', [{ LastName: 'Doe' }])
    expect(id).toMatch(/^003[0-9A-Za-z]{15}$/)
    expect(isSalesforceId(id as string)).toBe(true)
  })

  it('sets server fields from its clock, at second precision', () => {
    const org = new InMemoryOrg({ clock: new OrgClock(new Date('2026-03-01T10:00:00.750Z')) })
    org.clock.freeze()
    const [id] = org.insert('Account', [{ Name: 'A' }])
    expect(org.get(id as string)).toMatchObject({
      CreatedDate: '2026-03-01T10:00:00.000+0000',
      SystemModstamp: '2026-03-01T10:00:00.000+0000',
      IsDeleted: false,
      OwnerId: org.userId,
    })
    org.clock.advance(61_000)
    org.modify('Account', id as string, { Name: 'B' })
    expect(org.get(id as string)?.SystemModstamp).toBe('2026-03-01T10:01:01.000+0000')
  })

  it('recalculates a formula field without a SystemModstamp bump or a change event', () => {
    const org = new InMemoryOrg({ clock: new OrgClock(new Date('2026-03-01T10:00:00Z')) })
    org.addField('Account', { name: 'Score__c', type: 'double', calculated: true })
    const [id] = org.insert('Account', [{ Name: 'A' }])
    const before = org.get(id as string)
    const events = org.events.latestReplayId
    const calls = org.api.used
    org.clock.advance(60_000)
    org.recalculate('account', id as string, { score__c: 7 })
    expect(org.get(id as string)).toEqual({ ...before, Score__c: 7 })
    expect(org.query(`SELECT Score__c FROM Account WHERE Id = '${id}'`).records[0]).toMatchObject({
      Score__c: 7,
    })
    expect({ events: org.events.latestReplayId, calls: org.api.used }).toEqual({ events, calls })
    expect(() => org.recalculate('Account', id as string, { Nope__c: 1 })).toThrow(/no field/)
    expect(() => org.recalculate('Contact', id as string, { LastName: 'x' })).toThrow()
  })

  it('validates the way Salesforce answers, per record', () => {
    const org = new InMemoryOrg()
    const results = org.create('Account', [
      { Name: 'x'.repeat(256) },
      { Name: 'ok', Rating: 'Lukewarm' },
      { Name: 'ok', NumberOfEmployees: 'many' },
      { Name: 'ok', CreatedDate: '2020-01-01T00:00:00Z' },
      { Name: 'ok', ParentId: 'nope' },
      {},
    ])
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'STRING_TOO_LONG',
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'MALFORMED_ID',
      'REQUIRED_FIELD_MISSING',
    ])
    expect(() => org.create('Account', [{ Name: 'x', Nope__c: 1 }])).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    )
  })

  it('changes and deletes fields as an admin would in Setup', () => {
    const org = new InMemoryOrg()
    org.addField('Account', { name: 'Code__c', type: 'string', length: 5 })
    const [id] = org.insert('Account', [{ Name: 'A', Code__c: 'ABCDE' }])
    expect(org.create('Account', [{ Name: 'B', Code__c: 'ABCDEFGH' }])[0]?.success).toBe(false)
    org.changeField('Account', 'code__c', { length: 10 })
    expect(org.describe('Account').fields.find((f) => f.name === 'Code__c')?.length).toBe(10)
    expect(org.create('Account', [{ Name: 'B', Code__c: 'ABCDEFGH' }])[0]?.success).toBe(true)

    org.removeField('Account', 'Code__c')
    expect(org.describe('Account').fields.some((f) => f.name === 'Code__c')).toBe(false)
    expect(() => org.query('SELECT Id, Code__c FROM Account')).toThrow(
      expect.objectContaining({
        errorCode: 'INVALID_FIELD',
        message: expect.stringContaining('No such column'),
      }),
    )
    expect(() => org.modify('Account', id as string, { Code__c: 'X' })).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    )
    expect(org.get(id as string)).not.toHaveProperty('Code__c')
    expect(() => org.removeField('Account', 'Code__c')).toThrow(
      expect.objectContaining({ errorCode: 'NOT_FOUND' }),
    )
    expect(() => org.changeField('Account', 'SystemModstamp', { length: 1 })).toThrow(
      expect.objectContaining({ errorCode: 'NOT_FOUND' }),
    )
  })

  it('rolls back a whole call with allOrNone', () => {
    const org = new InMemoryOrg()
    const results = org.create('Account', [{ Name: 'a' }, {}], { allOrNone: true })
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ])
    expect(org.all('Account')).toEqual([])
  })

  it('enforces unique fields, also within one call', () => {
    const org = new InMemoryOrg()
    org.insert('Account', [{ Name: 'a', External_Id__c: 'X' }])
    const results = org.create('Account', [
      { Name: 'b', External_Id__c: 'x' },
      { Name: 'c', External_Id__c: 'Y' },
      { Name: 'd', External_Id__c: 'Y' },
    ])
    expect(results.map((r) => r.errors[0]?.statusCode ?? 'ok')).toEqual([
      'DUPLICATE_VALUE',
      'ok',
      'DUPLICATE_VALUE',
    ])
  })

  it('resolves a parent by its external id on write', () => {
    const org = new InMemoryOrg()
    const [parent] = org.insert('Account', [{ Name: 'P', External_Id__c: 'P-1' }])
    const [child] = org.insert('Contact', [{ LastName: 'C', Account: { External_Id__c: 'P-1' } }])
    expect(org.get(child as string)?.AccountId).toBe(parent)
    expect(
      org.create('Contact', [{ LastName: 'C', Account: { External_Id__c: 'missing' } }])[0]
        ?.errors[0]?.statusCode,
    ).toBe('INVALID_FIELD')
  })

  it('keeps deleted records in the recycle bin until emptied, and getDeleted remembers them', () => {
    const org = new InMemoryOrg()
    const [id] = org.insert('Account', [{ Name: 'A' }])
    org.remove('Account', id as string)
    expect(org.update('Account', [{ Id: id, Name: 'B' }])[0]?.errors[0]?.statusCode).toBe(
      'ENTITY_IS_DELETED',
    )
    expect(org.undelete([id as string])[0]?.success).toBe(true)
    org.remove('Account', id as string)
    org.emptyRecycleBin()
    expect(
      org.query(`SELECT Id FROM Account WHERE Id = '${id}'`, { includeDeleted: true }).records,
    ).toEqual([])
    const window = org.getDeleted(
      'Account',
      new Date(Date.now() - 120_000),
      new Date(Date.now() + 120_000),
    )
    expect(window.deletedRecords.map((d) => d.id)).toEqual([id, id])
    expect(() =>
      org.getDeleted('Account', new Date(Date.now() - 40 * 86_400_000), new Date()),
    ).toThrow(expect.objectContaining({ errorCode: 'INVALID_REPLICATION_DATE' }))
  })

  it('publishes change events with headers and replays them by id', () => {
    const org = new InMemoryOrg()
    const [id] = org.insert('Account', [{ Name: 'A' }])
    org.update('Account', [{ Id: id, Industry: 'Energy' }], {
      origin: 'com/salesforce/api/rest/60.0;client=pgforce',
    })
    const events = org.events.replay('/data/AccountChangeEvent', -2)
    const headers = events.map(
      (e) => (e.data.payload as { ChangeEventHeader: Record<string, unknown> }).ChangeEventHeader,
    )
    expect(headers.map((h) => [h.changeType, h.changeOrigin])).toEqual([
      ['CREATE', ''],
      ['UPDATE', 'com/salesforce/api/rest/60.0;client=pgforce'],
    ])
    expect(headers[1]?.changedFields).toEqual(['Industry', 'LastModifiedDate'])
    expect(
      org.events.replay('/data/AccountChangeEvent', events[0]?.replayId as number),
    ).toHaveLength(1)
    org.publishOverflow('Account')
    org.events.setRetention(1)
    expect(() =>
      org.events.replay('/data/AccountChangeEvent', events[0]?.replayId as number),
    ).toThrow(expect.objectContaining({ errorCode: 'INVALID_REPLAY_ID' }))
  })

  it('counts API calls against the daily limit', () => {
    const org = new InMemoryOrg({ dailyApiLimit: 1 })
    org.api.charge()
    expect(() => org.api.charge()).toThrow(
      expect.objectContaining({ errorCode: 'REQUEST_LIMIT_EXCEEDED', retryable: true }),
    )
    expect(org.limits().DailyApiRequests).toEqual({ Max: 1, Remaining: 0 })
  })
})
