import pg from 'pg'
import format from 'pg-format'
import { describe, expect, it } from 'vitest'
import { triggerLogChannel } from '../../../src/postgres/install/system-tables-sql.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()

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
      await pool.query(format(`INSERT INTO %I.account (name) VALUES ('Acme')`, schema))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(notes).toEqual([channel])
    } finally {
      await client.end()
      await pool.query(format('DROP SCHEMA %I CASCADE', schema))
    }
  })
})
