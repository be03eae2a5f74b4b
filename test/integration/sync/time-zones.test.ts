import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

/**
 * Instants stay instants whatever the database's time zone: the engine's sessions here run in
 * New York time (as on a server whose `TimeZone` is not UTC), and the app made a datetime column
 * `timestamptz`. A value sent without its zone was read in New York time: five hours off, with
 * no error.
 */
const db = useTestDatabase()
let newYork: pg.Pool

beforeAll(() => {
  newYork = new pg.Pool({ connectionString: db().url, options: '-c TimeZone=America/New_York' })
  newYork.on('error', () => {}) // its idle connections are cut when the database is dropped
})
afterAll(async () => {
  await newYork.end()
})

it('a datetime pulled into a timestamptz column keeps its instant in a non-UTC session', async () => {
  const fixture = await syncFixture({ ...db(), pool: newYork }, [
    defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] }),
  ])
  try {
    const { schema } = fixture.connection
    await newYork.query(
      `ALTER TABLE "${schema}".account ALTER COLUMN createddate TYPE timestamptz
       USING createddate AT TIME ZONE 'UTC'`,
    )
    fixture.org.insert('Account', [{ Name: 'Zoned' }])
    const created = String(
      fixture.org.query('SELECT CreatedDate FROM Account').records[0]?.CreatedDate,
    )
    await fixture.engine.syncOnce()
    const { rows } = await newYork.query<{ ms: string }>(
      `SELECT (extract(epoch FROM createddate) * 1000)::bigint AS ms FROM "${schema}".account`,
    )
    expect(rows.map((r) => Number(r.ms))).toEqual([Date.parse(created)])
  } finally {
    await fixture.close()
  }
})
