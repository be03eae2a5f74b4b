import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Nothing is cut or changed to fit on the way to Salesforce: a value it cannot store as it is
// fails that change with a clear message instead of arriving as null or as another value
// (reliability finding 6d: NaN and Infinity became null, `infinity` dates null, BC dates AD).
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'AnnualRevenue', 'NumberOfEmployees', 'Industry'],
})
const contact = defineMapping({
  object: 'Contact',
  access: 'read_write',
  fields: ['LastName', 'Birthdate'],
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = async (text: string, values: unknown[] = []) =>
  (await db().pool.query(text.replaceAll('$schema', `"${fixture?.connection.schema}"`), values))
    .rows

async function failures(table: string) {
  return sql(
    `SELECT t.name_or_last AS row, l.sf_message FROM $schema._trigger_log l
     JOIN (SELECT id, ${table === 'account' ? 'name' : 'lastname'} AS name_or_last FROM $schema.${table}) t
       ON t.id = l.record_id
     WHERE l.state = 'FAILED' ORDER BY l.id`,
  )
}

describe('values Salesforce cannot store are refused, not changed', () => {
  it('NaN, ±Infinity and too many digits in number fields', async () => {
    fixture = await syncFixture(db(), [account])
    await sql(`INSERT INTO $schema.account (name, annualrevenue, numberofemployees) VALUES
      ('nan', 'NaN', NULL), ('inf', 'Infinity', NULL), ('-inf', '-Infinity', NULL),
      ('wide', NULL, 2147483647), ('fine', 1500000, 42)`)
    const report = await fixture.engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 1, failed: 4 })
    expect(fixture.org.all('Account').map((r) => r.Name)).toEqual(['fine'])
    const failed = await failures('account')
    expect(failed.map((f) => f.row)).toEqual(['nan', 'inf', '-inf', 'wide'])
    expect(failed[0]?.sf_message).toBe(
      'PGFORCE_INVALID_VALUE: pgforce did not send this change: AnnualRevenue NaN is not a finite number, and a currency field takes only those. Fix the row and retry it (retryFailed()).',
    )
    expect(failed[3]?.sf_message).toMatch(
      /NumberOfEmployees 2147483647 has 10 digits before the point; the field holds 8/,
    )
    const rows = await sql(`SELECT name, _hc_lastop, _hc_err FROM $schema.account ORDER BY id`)
    expect(rows[0]).toMatchObject({ _hc_lastop: 'FAILED' })
    expect(JSON.parse(rows[0]?._hc_err as string)).toMatchObject({
      op: 'INSERT',
      statusCode: 'PGFORCE_INVALID_VALUE',
      fields: ['AnnualRevenue'],
    })
    // The next pull does not overwrite the row's value with null.
    await fixture.engine.syncOnce()
    expect((await sql(`SELECT annualrevenue FROM $schema.account WHERE name = 'nan'`))[0]).toEqual({
      annualrevenue: Number.NaN,
    })
  })

  it('more significant digits than a number sent as JSON carries', async () => {
    fixture = await syncFixture(db(), [account])
    // The app keeps money exactly; a JSON number (a double) keeps about 15 significant digits.
    await sql('ALTER TABLE $schema.account ALTER COLUMN annualrevenue TYPE numeric(18, 2)')
    await sql(`INSERT INTO $schema.account (name, annualrevenue) VALUES
      ('exact', 1234567890123456.78), ('fits', 1234.56), ('big but exact', 900719925474099.25)`)
    const report = await fixture.engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 2, failed: 1 })
    const sent = fixture.org.all('Account').map((r) => [r.Name, r.AnnualRevenue])
    expect(sent).toEqual([
      ['fits', 1234.56],
      ['big but exact', 900719925474099.25],
    ])
    expect((await failures('account'))[0]?.sf_message).toMatch(
      /AnnualRevenue 1234567890123456.78 has more significant digits than a number pgforce sends can carry \(about 15\): it would arrive as 1234567890123456.8/,
    )
  })

  it('infinite and BC dates', async () => {
    fixture = await syncFixture(db(), [contact])
    await sql(`INSERT INTO $schema.contact (lastname, birthdate) VALUES
      ('forever', 'infinity'), ('never', '-infinity'), ('caesar', '0044-03-15 BC'),
      ('early', '1600-01-01'), ('fine', '1980-05-17')`)
    await fixture.engine.syncOnce()
    expect(fixture.org.all('Contact').map((r) => [r.LastName, r.Birthdate])).toEqual([
      ['fine', '1980-05-17'],
    ])
    const failed = await failures('contact')
    expect(failed.map((f) => f.row)).toEqual(['forever', 'never', 'caesar', 'early'])
    expect(failed.map((f) => /Birthdate (\S+)/.exec(f.sf_message as string)?.[1])).toEqual([
      'infinity',
      '-infinity',
      '0044-03-15',
      '1600-01-01',
    ])
    expect(failed[2]?.sf_message).toMatch(/0044-03-15 BC is not a date Salesforce can store/)
  })
})

describe('a failed change holds back the later changes of its record', () => {
  it('until it is retried: then both go, in order, and _hc_lastop showed the failure meanwhile', async () => {
    fixture = await syncFixture(db(), [account])
    const [id] = fixture.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
    await fixture.engine.syncOnce()
    // Salesforce rejects the first update; the app changes the record again.
    fixture.org.faults.failRecords({
      objectName: 'Account',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    })
    await sql(`UPDATE $schema.account SET industry = 'Banking'`)
    await fixture.engine.syncOnce()
    await sql(`UPDATE $schema.account SET name = 'Acme 2'`)
    const report = await fixture.engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ sent: 0 })
    expect(fixture.org.get(id as string)).toMatchObject({ Name: 'Acme', Industry: 'Energy' })
    expect(await sql(`SELECT _hc_lastop FROM $schema.account`)).toEqual([{ _hc_lastop: 'FAILED' }])
    expect(
      (await sql(`SELECT state FROM $schema._trigger_log ORDER BY id`)).map((r) => r.state),
    ).toEqual(['FAILED', 'NEW'])
    expect(await fixture.engine.retryFailed()).toBe(1)
    await fixture.engine.syncOnce()
    expect(fixture.org.get(id as string)).toMatchObject({ Name: 'Acme 2', Industry: 'Banking' })
    expect(await sql(`SELECT _hc_lastop FROM $schema.account`)).toEqual([{ _hc_lastop: 'UPDATED' }])
  })

  it('or ignored: then the later change goes', async () => {
    fixture = await syncFixture(db(), [account])
    const [id] = fixture.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
    await fixture.engine.syncOnce()
    fixture.org.faults.failRecords({
      objectName: 'Account',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    })
    await sql(`UPDATE $schema.account SET industry = 'Banking'`)
    await fixture.engine.syncOnce()
    await sql(`UPDATE $schema.account SET name = 'Acme 2'`)
    await fixture.engine.syncOnce()
    expect(await fixture.engine.ignoreFailed()).toBe(1)
    await fixture.engine.syncOnce()
    expect(fixture.org.get(id as string)).toMatchObject({ Name: 'Acme 2', Industry: 'Energy' })
  })
})
