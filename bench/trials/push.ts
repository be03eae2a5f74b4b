/**
 * One push trial in its own process (run by bench/push.bench.ts): `COUNT` rows inserted by the app
 * in one statement, then drained to Salesforce. `VARIANT` pgforce (default ordered strategy,
 * mapping with an external id: inserts are upserts) | pgforce-noext (no external id: creates) |
 * peer (bench/peer/) | limit (bare sObject Collections creates, no database). The app's insert
 * happens before the measured window.
 */
import pg from 'pg'
import format from 'pg-format'
import { createConnection } from '../../src/connection/create-connection.js'
import { SyncEngine } from '../../src/engine/sync-engine.js'
import { defineMapping } from '../../src/mappings/define-mapping.js'
import { clearProxyEnv } from '../../test/support/proxy-env.js'
import { ACCOUNT_FIELDS } from '../harness/account-rows.js'
import { bareCreates } from '../harness/limits.js'
import { measure } from '../harness/trial.js'
import { createPeerTable, peerConnection, peerPush } from '../peer/peer-sync.js'

clearProxyEnv()
const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}
const variant = env('VARIANT')
const schema = env('SCHEMA')
const count = Number(env('COUNT'))
const instanceUrl = env('INSTANCE_URL')
const accessToken = env('ACCESS_TOKEN')
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 6 })
const columns = ACCOUNT_FIELDS.map((f) => f.toLowerCase())
/** The app's insert: the seed's values (account-rows.ts), one statement. */
const appInsert = (extra: { column: string; value: string } | undefined) =>
  format(
    `INSERT INTO %I.account (%s%s)
     SELECT 'Account ' || g, 'Energy', g, g %% 1000, '555-0100', 'https://example.com', 'Lyon', 'France',
            'A description long enough to weigh something in memory and on the wire.'%s
     FROM generate_series(0, $1::int - 1) g`,
    schema,
    columns.map((c) => format.ident(c)).join(', '),
    extra ? `, ${format.ident(extra.column)}` : '',
    extra ? `, ${extra.value}` : '',
  )

try {
  await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', schema))
  if (variant === 'pgforce' || variant === 'pgforce-noext') {
    const externalId = variant === 'pgforce' ? 'External_Id__c' : undefined
    const connection = await createConnection({
      salesforce: { instanceUrl, accessToken },
      postgres: pool,
      schema,
    })
    const engine = new SyncEngine({
      connection,
      mappings: [
        defineMapping({
          object: 'Account',
          access: 'read_write',
          fields: [...ACCOUNT_FIELDS],
          ...(externalId && { externalId }),
        }),
      ],
      sources: [],
    })
    await engine.install()
    await pool.query(
      appInsert(externalId ? { column: 'external_id__c', value: `'K-' || g` } : undefined),
      [count],
    )
    await measure(async () => {
      const report = await engine.syncOnce()
      const push = report.pushes[0]
      // syncOnce() pulls first (an empty org: a few calls); the push's own time and calls are
      // what the peer's drain compares with.
      return {
        records: push?.succeeded ?? 0,
        pushApiCalls: push?.apiCalls ?? 0,
        pushSeconds: (push?.durationMs ?? 0) / 1000,
      }
    })
    await connection.close()
  } else if (variant === 'peer') {
    const table = { schema, object: 'Account', fields: ACCOUNT_FIELDS }
    await createPeerTable(pool, table)
    await pool.query(appInsert(undefined), [count])
    const conn = peerConnection(instanceUrl, accessToken)
    await measure(async () => ({ records: await peerPush(conn, pool, table) }))
  } else if (variant === 'limit') {
    const conn = peerConnection(instanceUrl, accessToken)
    await measure(async () => {
      await bareCreates(conn, 0, count)
      return { records: count }
    })
  } else throw new Error(`unknown VARIANT ${variant}`)
} finally {
  await pool.end()
}
