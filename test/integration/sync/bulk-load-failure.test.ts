import format from 'pg-format'
import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

describe('a Bulk 2.0 load whose batch Postgres fails', () => {
  it('fails the load and keeps the cursor, even when the batch fails while the next page is read', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, connection } = fixture
    const schema = connection.schema
    // A trigger of the app's that fails on one record with an error that is not a refusal (class
    // 22, 23 or P0 would set the record aside): here an internal error, the whole batch fails.
    await db().pool.query(
      format(
        `CREATE FUNCTION %1$I.poison() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.name = 'Poison' THEN RAISE EXCEPTION 'poisoned row' USING ERRCODE = 'XX000'; END IF;
             RETURN NEW;
           END $$;
         CREATE TRIGGER poison BEFORE INSERT ON %1$I.account FOR EACH ROW EXECUTE FUNCTION %1$I.poison();`,
        schema,
      ),
    )
    // 10 100 records: a first result page of 10 000 (batches of 5 000, the second poisoned) and
    // a second page of 100, which every call's 300 ms latency keeps away while that batch fails.
    org.insert(
      'Account',
      Array.from({ length: 10_100 }, (_, i) => ({ Name: i === 9_950 ? 'Poison' : `Load ${i}` })),
    )
    org.faults.setLatency(300)
    await expect(engine.syncOnce()).rejects.toThrow(/poisoned row/)
    const { rows } = await db().pool.query(
      format('SELECT count(*)::int AS n FROM %I._pgforce_cursor', schema),
    )
    expect(rows[0]?.n).toBe(0) // the next pull starts over, and reads the failed batch again
    // Fixed: the next pull loads everything.
    await db().pool.query(format('DROP TRIGGER poison ON %I.account', schema))
    org.faults.setLatency(0)
    await engine.syncOnce()
    expect(await fixture.count('account')).toBe(10_100)
  }, 60_000)
})
