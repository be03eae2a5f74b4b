import type pg from 'pg'
import type { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'

/** What the worker-cluster run wrote, to check both sides against. */
export interface ExpectedState {
  readonly schema: string
  readonly pool: pg.Pool
  readonly org: InMemoryOrg
  /** Records made in Postgres: name (also the external id) → last industry written. */
  readonly expectedPostgres: ReadonlyMap<string, string>
  /** Records made in Salesforce: Id → last industry written. */
  readonly expectedSalesforce: ReadonlyMap<string, string>
  readonly namesById: ReadonlyMap<string, string>
}

/**
 * Compares Postgres, Salesforce and the trigger log with what was written. Returns one line per
 * kind of problem (with a count and a few examples); none when every change arrived exactly once:
 * each record once on each side with its last value, nothing waiting, nothing failed.
 */
export async function checkConvergence(state: ExpectedState): Promise<string[]> {
  const { schema, pool, org } = state
  const problems = new Map<string, string[]>()
  const report = (kind: string, example: string) => {
    const list = problems.get(kind) ?? []
    list.push(example)
    problems.set(kind, list)
  }
  const log = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${schema}"._trigger_log GROUP BY state`,
  )
  for (const { state: entryState, n } of log.rows)
    report(`trigger-log entries ${entryState}`, `${n}`)

  const rows = (
    await pool.query<{ name: string; industry: string; sfid: string | null }>(
      `SELECT name, industry, sfid FROM "${schema}".account`,
    )
  ).rows
  const rowsByName = groupBy(rows, (r) => r.name)
  const records = org.all('Account')
  const recordsByName = groupBy(records, (r) => String(r.Name))

  for (const [name, industry] of state.expectedPostgres) {
    const inPostgres = rowsByName.get(name) ?? []
    const inSalesforce = recordsByName.get(name) ?? []
    if (inPostgres.length !== 1) report('Postgres rows not exactly once in Postgres', name)
    if (inPostgres.some((r) => r.sfid === null)) report('Postgres rows without sfid', name)
    if (inSalesforce.length === 0) report('Postgres rows missing in Salesforce', name)
    if (inSalesforce.length > 1) report('Postgres rows duplicated in Salesforce', name)
    if (inSalesforce.length === 1 && inSalesforce[0]?.Industry !== industry)
      report(
        'Postgres updates not in Salesforce',
        `${name}: ${inSalesforce[0]?.Industry} ≠ ${industry}`,
      )
  }
  for (const [id, industry] of state.expectedSalesforce) {
    const name = state.namesById.get(id) ?? id
    const inPostgres = rowsByName.get(name) ?? []
    if (inPostgres.length === 0) report('Salesforce records missing in Postgres', name)
    if (inPostgres.length > 1) report('Salesforce records duplicated in Postgres', name)
    if (inPostgres.length === 1 && inPostgres[0]?.sfid !== id)
      report('Salesforce records linked to the wrong row', name)
    if (inPostgres.length === 1 && inPostgres[0]?.industry !== industry)
      report(
        'Salesforce updates not in Postgres',
        `${name}: ${inPostgres[0]?.industry} ≠ ${industry}`,
      )
  }
  const total = state.expectedPostgres.size + state.expectedSalesforce.size
  if (rows.length !== total) report('Postgres row count', `${rows.length} ≠ ${total}`)
  if (records.length !== total) report('Salesforce record count', `${records.length} ≠ ${total}`)
  return [...problems].map(
    ([kind, examples]) => `${kind}: ${examples.length} (${examples.slice(0, 3).join('; ')})`,
  )
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const list = groups.get(key(item)) ?? []
    list.push(item)
    groups.set(key(item), list)
  }
  return groups
}
