import jsforce from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'

let emulator: SalesforceEmulator
let conn: jsforce.Connection

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  conn = new jsforce.Connection({
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    version: '60.0',
  })
})
afterAll(async () => {
  await emulator.stop()
})

describe('SalesforceEmulator through real jsforce (REST)', () => {
  it('pages a query with queryMore and autoFetch', async () => {
    emulator.org.insert(
      'Account',
      Array.from({ length: 5000 }, (_, i) => ({ Name: `Paged ${i}` })),
    )
    const first = await conn.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Paged%'")
    expect(first).toMatchObject({ totalSize: 5000, done: false })
    expect(first.records).toHaveLength(2000)
    const all = await conn.query("SELECT Id FROM Account WHERE Name LIKE 'Paged%'", {
      autoFetch: true,
      maxFetch: 100_000,
    })
    expect(all.records).toHaveLength(5000)
    const count = await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Paged%'")
    expect(count).toMatchObject({ totalSize: 5000, records: [] })
  })

  it('writes a Bulk 2.0 query result as CSV, a parent of some records only as empty cells', async () => {
    const org = emulator.org
    const [parent] = org.insert('Account', [{ Name: 'Parent' }])
    org.insert('Contact', [
      { LastName: 'Orphan' }, // first: the header comes from this record
      { LastName: 'Child', AccountId: parent },
    ])
    const rows = await conn.bulk2.query('SELECT Id, LastName, Account.Name FROM Contact')
    const records = (await rows.toArray()) as Record<string, string>[]
    expect(records.map((r) => r.LastName)).toEqual(['Orphan', 'Child'])
    for (const record of records)
      for (const value of Object.values(record)) expect(String(value)).not.toContain('[object')
  })

  it('creates, reads, updates and deletes one record', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Single' })
    expect(created).toMatchObject({ success: true })
    const id = (created as { id: string }).id
    const read = await conn.sobject('Account').retrieve(id)
    expect(read).toMatchObject({ Id: id, Name: 'Single', attributes: { type: 'Account' } })
    await conn.sobject('Account').update({ Id: id, Industry: 'Energy' })
    expect(emulator.org.get(id)?.Industry).toBe('Energy')
    await conn.sobject('Account').destroy(id)
    expect(emulator.org.get(id)?.IsDeleted).toBe(true)
    const all = await conn.query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`, {
      scanAll: true,
    })
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })])
    await expect(conn.sobject('Account').retrieve(id)).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
    })
  })

  it('reports partial failures of collections per record', async () => {
    const results = await conn
      .sobject('Account')
      .create([{ Name: 'Good' }, { Industry: 'No name' }], { allOrNone: false })
    expect(results.map((r) => r.success)).toEqual([true, false])
    expect((results[1] as { errors: { statusCode: string }[] }).errors[0]?.statusCode).toBe(
      'REQUIRED_FIELD_MISSING',
    )
  })

  it('upserts by external id: insert, update, and 300 on duplicates', async () => {
    const inserted = await conn
      .sobject('Contact')
      .upsert({ LastName: 'Ext', External_Id__c: 'C-1' }, 'External_Id__c')
    expect(inserted).toMatchObject({ success: true, created: true })
    const updated = await conn
      .sobject('Contact')
      .upsert({ LastName: 'Ext2', External_Id__c: 'C-1' }, 'External_Id__c')
    expect(updated).toMatchObject({ success: true, created: false })
    emulator.org.addField('Lead', { name: 'Legacy__c', type: 'string', externalId: true })
    emulator.org.insert('Lead', [
      { LastName: 'a', Company: 'x', Status: 'Open', Legacy__c: 'DUP' },
      { LastName: 'b', Company: 'x', Status: 'Open', Legacy__c: 'DUP' },
    ])
    await expect(
      conn.sobject('Lead').upsert({ LastName: 'c', Legacy__c: 'DUP' }, 'Legacy__c'),
    ).rejects.toMatchObject({
      errorCode: 'MULTIPLE_CHOICES',
    })
    const many = await conn.sobject('Contact').upsert(
      [
        { LastName: 'M1', External_Id__c: 'C-1' },
        { LastName: 'M2', External_Id__c: 'C-2' },
      ],
      'External_Id__c',
    )
    expect(many.map((r) => (r as { created: boolean }).created)).toEqual([false, true])
  })

  it("answers bad requests with Salesforce's error shapes", async () => {
    await expect(conn.query('SELEC Id FROM Account')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    })
    await expect(conn.query('SELECT Nope__c FROM Account')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    })
    await expect(conn.query('SELECT Id FROM Nope__c')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
    })
    await expect(conn.describe('Nope__c')).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ Name: `x${i}` }))
    await expect(conn.sobject('Account').create(tooMany)).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    })
  })

  it('reports API usage in Sforce-Limit-Info and refuses calls once the limit is spent', async () => {
    await conn.query('SELECT Id FROM Account LIMIT 1')
    expect(conn.limitInfo?.apiUsage?.used).toBe(emulator.org.api.used)
    emulator.org.api.setLimit(emulator.org.api.used)
    await expect(conn.query('SELECT Id FROM Account LIMIT 1')).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    })
    emulator.org.api.setLimit(15_000)
  })

  it('answers getUpdated and getDeleted', async () => {
    const [id] = emulator.org.insert('Account', [{ Name: 'Window' }])
    emulator.org.remove('Account', id as string)
    const end = new Date(Date.now() + 120_000)
    const start = new Date(Date.now() - 120_000)
    const deleted = await conn.sobject('Account').deleted(start, end)
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(id)
    const updated = await conn.sobject('Account').updated(start, end)
    expect(updated.ids.length).toBeGreaterThan(0)
  })

  it('logs in with SOAP and with the OAuth 2 password and client-credentials flows', async () => {
    const { username, password, clientId, clientSecret } = emulator.credentials
    const soap = new jsforce.Connection({ loginUrl: emulator.loginUrl, version: '60.0' })
    await soap.login(username, password)
    expect((await soap.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(0)
    const oauth = new jsforce.Connection({
      loginUrl: emulator.loginUrl,
      version: '60.0',
      oauth2: { clientId, clientSecret, loginUrl: emulator.loginUrl },
    })
    await oauth.login(username, password)
    expect(oauth.instanceUrl).toBe(emulator.instanceUrl)
    const cc = new jsforce.Connection({
      version: '60.0',
      oauth2: { clientId, clientSecret, loginUrl: emulator.loginUrl },
    })
    await cc.authorize({ grant_type: 'client_credentials' })
    expect((await cc.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(0)
    await expect(
      new jsforce.Connection({ loginUrl: emulator.loginUrl }).login(username, 'wrong'),
    ).rejects.toThrow(/INVALID_LOGIN/)
  })

  it('refreshes an expired session with the refresh token and replays the request', async () => {
    const { clientId, clientSecret, refreshToken } = emulator.credentials
    const refreshing = new jsforce.Connection({
      instanceUrl: emulator.instanceUrl,
      accessToken: 'expired-token',
      refreshToken,
      version: '60.0',
      oauth2: { clientId, clientSecret, loginUrl: emulator.loginUrl },
    })
    let refreshed = false
    refreshing.on('refresh', () => {
      refreshed = true
    })
    expect((await refreshing.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(0)
    expect(refreshed).toBe(true)
  })
})
