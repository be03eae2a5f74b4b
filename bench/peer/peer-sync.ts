/**
 * The peer: the sync script a competent developer writes in an afternoon with jsforce and pg, kept
 * honest and simple, for the benchmarks to hold pgforce against (docs/guides/development.md,
 * "Benchmarks"). It does less than pgforce: no conflict policy, no `_hc_lastop`, no archive, no
 * retries, failed records are logged and dropped, and its `SystemModstamp >` cursor can miss a
 * record committed later in the same second.
 *
 * - Load and catch-up: REST `query`/`queryMore` pages (2 000 records), each page one transaction
 *   of 500-row multi-row `INSERT … ON CONFLICT (sfid) DO UPDATE`.
 * - Push: a trigger fills an outbox; a drain takes 200 entries at a time, folds a row's entries
 *   into one write, sends creates and updates as sObject Collections, and writes the sfids back and
 *   deletes the entries in one transaction.
 */
import { Connection } from 'jsforce'
import type pg from 'pg'
import format from 'pg-format'

/** The fields it syncs, and their columns (lower-cased API names, as Heroku Connect names them). */
export interface PeerTable {
  readonly schema: string
  readonly object: string
  readonly fields: readonly string[]
}

const columnOf = (field: string) => field.toLowerCase()

/** jsforce over an access token. */
export function peerConnection(instanceUrl: string, accessToken: string): Connection {
  return new Connection({ instanceUrl, accessToken, version: '60.0' })
}

/** The peer's table (what pgforce's has, minus `_hc_lastop`/`_hc_err`), outbox and trigger. */
export async function createPeerTable(pool: pg.Pool, table: PeerTable): Promise<void> {
  const { schema } = table
  const types: Record<string, string> = {
    name: 'varchar(255)',
    industry: 'varchar(255)',
    annualrevenue: 'double precision',
    numberofemployees: 'integer',
    phone: 'varchar(40)',
    website: 'varchar(255)',
    billingcity: 'varchar(40)',
    billingcountry: 'varchar(80)',
    description: 'text',
  }
  const columns = table.fields.map((f) =>
    format('%I %s', columnOf(f), types[columnOf(f)] ?? 'text'),
  )
  await pool.query(format('CREATE SCHEMA IF NOT EXISTS %I', schema))
  await pool.query(
    format(
      `CREATE TABLE %1$I.account (id serial PRIMARY KEY, sfid varchar(18) UNIQUE, systemmodstamp timestamp,
         isdeleted boolean, createddate timestamp, %2$s);
       CREATE INDEX ON %1$I.account (systemmodstamp);
       CREATE TABLE %1$I.outbox (id bigserial PRIMARY KEY, row_id integer NOT NULL);
       CREATE FUNCTION %1$I.to_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN INSERT INTO %1$I.outbox (row_id) VALUES (NEW.id); RETURN NULL; END $$;
       CREATE TRIGGER to_outbox AFTER INSERT OR UPDATE ON %1$I.account FOR EACH ROW
         WHEN (current_setting('peer.syncing', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION %1$I.to_outbox();`,
      schema,
      columns.join(', '),
    ),
  )
}

/** Reads every record changed after `since` (all of them without) into the table. */
export async function peerPull(
  conn: Connection,
  pool: pg.Pool,
  table: PeerTable,
  since?: string,
): Promise<number> {
  const where = since ? ` WHERE SystemModstamp > ${since}` : ''
  const soql = `SELECT Id, SystemModstamp, IsDeleted, CreatedDate, ${table.fields.join(', ')} FROM ${table.object}${where} ORDER BY SystemModstamp`
  let result = await conn.query<Record<string, unknown>>(soql, { scanAll: true, autoFetch: false })
  let count = 0
  for (;;) {
    await upsertPage(pool, table, result.records)
    count += result.records.length
    if (result.done || !result.nextRecordsUrl) break
    result = await conn.queryMore<Record<string, unknown>>(result.nextRecordsUrl)
  }
  return count
}

/** The newest SystemModstamp in the table, as SOQL wants it. */
export async function peerCursor(pool: pg.Pool, table: PeerTable): Promise<string | undefined> {
  const { rows } = await pool.query<{ stamp: string | null }>(
    format(
      `SELECT to_char(max(systemmodstamp), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS stamp FROM %I.account`,
      table.schema,
    ),
  )
  return rows[0]?.stamp ?? undefined
}

async function upsertPage(
  pool: pg.Pool,
  table: PeerTable,
  records: readonly Record<string, unknown>[],
): Promise<void> {
  const fields = ['Id', 'SystemModstamp', 'IsDeleted', 'CreatedDate', ...table.fields]
  const columns = [
    'sfid',
    'systemmodstamp',
    'isdeleted',
    'createddate',
    ...table.fields.map(columnOf),
  ]
  const client = await pool.connect()
  try {
    await client.query(`BEGIN; SET LOCAL peer.syncing = 'on'`)
    for (let start = 0; start < records.length; start += 500) {
      const chunk = records.slice(start, start + 500)
      const values: unknown[] = []
      const tuples = chunk.map((record) => {
        const placeholders = fields.map((field) => {
          values.push(record[field] ?? null)
          return `$${values.length}`
        })
        return `(${placeholders.join(', ')})`
      })
      await client.query(
        format(
          'INSERT INTO %I.account (%s) VALUES %s ON CONFLICT (sfid) DO UPDATE SET %s',
          table.schema,
          columns.map((c) => format.ident(c)).join(', '),
          tuples.join(', '),
          columns
            .slice(1)
            .map((c) => format('%I = excluded.%I', c, c))
            .join(', '),
        ),
        values,
      )
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK')
    throw error
  } finally {
    client.release()
  }
}

/** Drains the outbox: 200 entries at a time until it is empty. Returns the rows sent. */
export async function peerPush(conn: Connection, pool: pg.Pool, table: PeerTable): Promise<number> {
  let sent = 0
  for (;;) {
    const client = await pool.connect()
    try {
      await client.query(`BEGIN; SET LOCAL peer.syncing = 'on'`)
      const { rows } = await client.query<Record<string, unknown> & { entry: string }>(
        format(
          `SELECT o.id AS entry, a.* FROM %1$I.outbox o JOIN %1$I.account a ON a.id = o.row_id
           ORDER BY o.id LIMIT 200`,
          table.schema,
        ),
      )
      if (rows.length === 0) {
        await client.query('COMMIT')
        return sent
      }
      // One write per row: its latest values.
      const byRow = new Map<number, Record<string, unknown>>()
      for (const row of rows) byRow.set(row.id as number, row)
      const toRecord = (row: Record<string, unknown>) =>
        Object.fromEntries(table.fields.map((f) => [f, row[columnOf(f)] ?? null]))
      const creates = [...byRow.values()].filter((r) => !r.sfid)
      const updates = [...byRow.values()].filter((r) => r.sfid)
      const sobject = conn.sobject(table.object)
      if (creates.length > 0) {
        const results = await sobject.create(creates.map(toRecord), { allOrNone: false })
        const ids: number[] = []
        const sfids: string[] = []
        results.forEach((result, i) => {
          if (result.success) {
            ids.push(creates[i]?.id as number)
            sfids.push(result.id)
          } else console.error('peer: create failed', result.errors)
        })
        await client.query(
          format(
            'UPDATE %I.account AS a SET sfid = u.sfid FROM unnest($1::int[], $2::text[]) AS u(id, sfid) WHERE a.id = u.id',
            table.schema,
          ),
          [ids, sfids],
        )
      }
      if (updates.length > 0) {
        const results = await sobject.update(
          updates.map((r) => ({ ...toRecord(r), Id: r.sfid as string })),
          { allOrNone: false },
        )
        for (const result of results)
          if (!result.success) console.error('peer: update failed', result.errors)
      }
      await client.query(
        format('DELETE FROM %I.outbox WHERE id = ANY($1::bigint[])', table.schema),
        [rows.map((r) => r.entry)],
      )
      await client.query('COMMIT')
      sent += byRow.size
    } catch (error) {
      await client.query('ROLLBACK')
      throw error
    } finally {
      client.release()
    }
  }
}
