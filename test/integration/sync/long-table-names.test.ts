import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Postgres keeps 63 bytes of a name. Heroku Connect's names for a table's functions, triggers and
// indexes add up to 22 bytes to the table name, so long table names used to be cut by Postgres:
// for 59–63 characters the logger and status functions (and their triggers) became one object.
const db = useTestDatabase()
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

/** A plain table name of `length` characters starting with `start`. */
const tableName = (start: string, length: number) => `${start}${'x'.repeat(length - start.length)}`

describe('mapped tables with names of 59 to 63 characters', () => {
  it.each([59, 60, 61, 62, 63])(
    'capture and push app inserts, updates and deletes (%i characters)',
    async (length) => {
      const table = tableName('account_', length)
      const mapping = defineMapping({
        object: 'Account',
        table,
        access: 'read_write',
        fields: ['Name'],
      })
      fixture = await syncFixture(db(), [mapping])
      const { org, engine } = fixture
      const t = `$schema.${table}`

      await sql(`INSERT INTO ${t} (name) VALUES ('Acme')`)
      expect((await fixture.log()).map((l) => `${l.action}:${l.state}`)).toEqual(['INSERT:NEW'])
      expect((await engine.syncOnce()).pushes[0]).toMatchObject({ sent: 1, succeeded: 1 })
      const [row] = await sql(`SELECT sfid FROM ${t}`)
      const sfid = row?.sfid as string
      expect(org.get(sfid)?.Name).toBe('Acme')

      await sql(`UPDATE ${t} SET name = 'Acme Renamed'`)
      expect(await sql(`SELECT _hc_lastop FROM ${t}`)).toEqual([{ _hc_lastop: 'PENDING' }])
      expect((await fixture.log()).map((l) => `${l.action}:${l.state}`)).toEqual(['UPDATE:NEW'])
      expect((await engine.syncOnce()).pushes[0]).toMatchObject({ sent: 1, succeeded: 1 })
      expect(org.get(sfid)?.Name).toBe('Acme Renamed')

      await sql(`DELETE FROM ${t}`)
      expect((await fixture.log()).map((l) => `${l.action}:${l.state}`)).toEqual(['DELETE:NEW'])
      expect((await engine.syncOnce()).pushes[0]).toMatchObject({ sent: 1, succeeded: 1 })
      expect(org.get(sfid)?.IsDeleted).toBe(true)
    },
  )

  it('gives two 61-character tables sharing their first 57 characters each their unique sfid index, and both pull', async () => {
    const shared = 'a_long_prefix_shared_by_two_mapped_tables_of_one_org_xxx_' // 57 characters
    expect(shared).toHaveLength(57)
    const accounts = `${shared}acct`
    const contacts = `${shared}cont`
    fixture = await syncFixture(db(), [
      defineMapping({
        object: 'Account',
        table: accounts,
        fields: ['Name'],
        externalId: 'External_Id__c',
      }),
      defineMapping({
        object: 'Contact',
        table: contacts,
        fields: ['LastName'],
        externalId: 'External_Id__c',
      }),
    ])
    const { org, engine } = fixture
    org.insert('Account', [{ Name: 'Acme' }])
    org.insert('Contact', [{ LastName: 'Smith' }])
    const report = await engine.syncOnce()
    expect(report.pulls.map((p) => [p.mapping, p.inserted])).toEqual([
      ['Account', 1],
      ['Contact', 1],
    ])
    const indexes = await sql(
      `SELECT c.relname AS table_name, count(*)::int AS n FROM pg_index x
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
       WHERE c.relnamespace = $1::regnamespace AND x.indisunique AND a.attname = 'sfid'
       GROUP BY 1 ORDER BY 1`,
      [fixture.connection.schema],
    )
    expect(indexes).toEqual([
      { table_name: accounts, n: 1 },
      { table_name: contacts, n: 1 },
    ])
    expect(await fixture.rows(accounts, 'name')).toEqual([{ name: 'Acme' }])
    expect(await fixture.rows(contacts, 'lastname')).toEqual([{ lastname: 'Smith' }])
  })
})
