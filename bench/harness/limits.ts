/**
 * The machine's limits a benchmark holds pgforce against, measured in the same run: what
 * PostgreSQL takes at best (COPY into a temporary table, then MERGE into a table identical to
 * pgforce's but with no trigger), and what the emulator answers at best (bare API calls, no
 * database).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Connection } from 'jsforce'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import format from 'pg-format'
import { ACCOUNT_FIELDS, accountRow } from './account-rows.js'

/** The columns the limit writes: the system ones pgforce writes, then the mapped fields. */
export const LIMIT_COLUMNS = [
  'sfid',
  'systemmodstamp',
  'isdeleted',
  'createddate',
  ...ACCOUNT_FIELDS.map((f) => f.toLowerCase()),
]

/** Seed rows `from`..`to` as COPY text lines, with made-up sfids and second-spread stamps. */
export function copyLines(from: number, to: number, industry = 'Energy'): string[] {
  const lines: string[] = []
  const base = Date.UTC(2026, 0, 1)
  for (let i = from; i < to; i += 1) {
    const row = { ...accountRow(i), Industry: industry }
    const stamp = new Date(base + Math.floor(i / 100) * 1000).toISOString()
    const values = [
      `001${String(i).padStart(12, '0')}AAA`,
      stamp,
      'f',
      stamp,
      ...ACCOUNT_FIELDS.map((f) => String(row[f])),
    ]
    lines.push(`${values.map(escapeCopy).join('\t')}\n`)
  }
  return lines
}

function escapeCopy(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}

/**
 * COPY `lines` into a temporary table and MERGE them into `schema.table` by sfid, in batches of
 * `batch` rows, one transaction each (as pgforce commits a batch with its cursor).
 */
export async function copyMerge(
  pool: pg.Pool,
  schema: string,
  table: string,
  lines: readonly string[],
  batch = 10_000,
): Promise<void> {
  const client = await pool.connect()
  try {
    for (let start = 0; start < lines.length; start += batch) {
      await client.query('BEGIN')
      await client.query(
        format(
          'CREATE TEMP TABLE staging ON COMMIT DROP AS SELECT %s FROM %I.%I WITH NO DATA',
          LIMIT_COLUMNS.map((c) => format.ident(c)).join(', '),
          schema,
          table,
        ),
      )
      const copy = client.query(copyFrom(`COPY staging FROM STDIN`))
      await pipeline(Readable.from(lines.slice(start, start + batch)), copy)
      const rest = LIMIT_COLUMNS.slice(1)
      await client.query(
        format(
          `MERGE INTO %I.%I AS t USING staging AS s ON t.sfid = s.sfid
           WHEN MATCHED THEN UPDATE SET %s
           WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)`,
          schema,
          table,
          rest.map((c) => format('%I = s.%I', c, c)).join(', '),
          LIMIT_COLUMNS.map((c) => format.ident(c)).join(', '),
          LIMIT_COLUMNS.map((c) => `s.${format.ident(c)}`).join(', '),
        ),
      )
      await client.query('COMMIT')
    }
  } finally {
    client.release()
  }
}

/** Creates `count` Accounts with bare sObject Collections calls of 200, two at a time, no database. */
export async function bareCreates(conn: Connection, from: number, count: number): Promise<void> {
  const starts: number[] = []
  for (let start = from; start < from + count; start += 200) starts.push(start)
  // Two calls in flight, as pgforce's default strategy sends the calls of one step.
  const worker = async () => {
    for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
      const records = Array.from({ length: Math.min(200, from + count - start) }, (_, k) =>
        accountRow(start + k),
      )
      const results = await conn.sobject('Account').create(records, { allOrNone: false })
      if (results.some((r) => !r.success)) throw new Error('bare create failed')
    }
  }
  await Promise.all([worker(), worker()])
}
