import pg from 'pg'
import format from 'pg-format'
import { beforeEach, describe, expect, it } from 'vitest'
import { tableObjectNames } from '../../../src/postgres/install/derived-name.js'
import { triggerLogChannel } from '../../../src/postgres/install/system-tables-sql.js'
import { Doorbell } from '../../../src/store/doorbell.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'
import { install, planAccount, triggerLog } from './install-helpers.js'

const db = useTestDatabase()

/** What Postgres makes of a longer name: its first 63 bytes (these names are ASCII). */
const cut = (name: string) => name.slice(0, 63)

async function objectsOf(table: string) {
  const { rows } = await db().pool.query<{ kind: string; name: string }>(
    `SELECT 'trigger' AS kind, tgname::text AS name FROM pg_trigger
     WHERE tgrelid = format('salesforce.%I', $1::text)::regclass AND NOT tgisinternal
     UNION ALL
     SELECT 'index', relname::text FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid
     WHERE indrelid = format('salesforce.%I', $1::text)::regclass
     ORDER BY 1, 2`,
    [table],
  )
  return rows.map((r) => `${r.kind} ${r.name}`)
}

describe('install() over objects named before long names were shortened', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
  })

  it('moves them to the new names: each change captured once, indexes kept', async () => {
    const { pool } = db()
    const table = `account_${'x'.repeat(47)}` // 55 characters: every derived name is too long
    const plan = planAccount({ table })
    await install(pool, [plan])
    // Make it what an earlier install left: every name cut to 63 bytes by Postgres; the
    // systemmodstamp and external id indexes were then one name, so only the first exists.
    const names = tableObjectNames(table, 'external_id__c')
    const full = (role: string) => `hc_${table}_${role}`
    await pool.query(`
      ALTER FUNCTION salesforce.${names.logger}() RENAME TO "${cut(full('logger'))}";
      ALTER FUNCTION salesforce.${names.status}() RENAME TO "${cut(full('status'))}";
      ALTER TRIGGER ${names.logTrigger} ON salesforce.${table} RENAME TO "${cut(full('logtrigger'))}";
      ALTER TRIGGER ${names.statusTrigger} ON salesforce.${table} RENAME TO "${cut(full('status_trigger'))}";
      ALTER INDEX salesforce.${names.sfidIndex} RENAME TO "${cut(`hcu_idx_${table}_sfid`)}";
      ALTER INDEX salesforce.${names.systemmodstampIndex} RENAME TO "${cut(`hc_idx_${table}_systemmodstamp`)}";
      DROP INDEX salesforce.${names.externalIdIndex};`)
    const { rows: before } = await pool.query(
      `SELECT format('salesforce.%I', $1::text)::regclass::oid AS oid`,
      [cut(`hcu_idx_${table}_sfid`)],
    )

    await install(pool, [plan])
    expect(await objectsOf(table)).toEqual(
      [
        `index ${table}_pkey`,
        `index ${names.externalIdIndex}`,
        `index ${names.systemmodstampIndex}`,
        `index ${names.sfidIndex}`,
        `trigger ${names.logTrigger}`,
        `trigger ${names.statusTrigger}`,
      ].sort(),
    )
    const { rows: after } = await pool.query(
      `SELECT format('salesforce.%I', $1::text)::regclass::oid AS oid`,
      [names.sfidIndex],
    )
    expect(after).toEqual(before)
    await pool.query(`INSERT INTO salesforce.${table} (name) VALUES ('Acme')`)
    await pool.query(`UPDATE salesforce.${table} SET name = 'Acme 2'`)
    expect((await triggerLog(pool)).map((l) => `${l.action}:${l.table_name}`)).toEqual([
      `INSERT:${table}`,
      `UPDATE:${table}`,
    ])
  })
})

describe('a schema name too long for the NOTIFY channel', () => {
  it('still lets the app write, and notifies on a shortened channel', async () => {
    const { pool } = db()
    const schema = `sync_${'s'.repeat(50)}` // `<schema>.hc_trigger_log` would be 70 bytes
    await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', schema))
    await install(pool, [planAccount()], schema)
    const channel = triggerLogChannel(schema)
    expect(channel).toMatch(/^sync_s+_[0-9a-f]{8}\.hc_trigger_log$/)
    const client = new pg.Client({ connectionString: db().url })
    const notes: string[] = []
    client.on('notification', (n) => notes.push(n.channel))
    await client.connect()
    try {
      await client.query(format('LISTEN %I', channel))
      // As an engine that LISTENs does: writers notify only while one says it does.
      expect(await new Doorbell(pool, schema).release()).toBe(true)
      await pool.query(format(`INSERT INTO %I.account (name) VALUES ('Acme')`, schema))
      await waitFor(() => notes.length > 0, 5_000, 'the notification')
      expect(notes).toEqual([channel])
    } finally {
      await client.end()
      await pool.query(format('DROP SCHEMA %I CASCADE', schema))
    }
  })
})
