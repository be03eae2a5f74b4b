// The CommonJS side of app.ts: in a .cts file these imports compile to `require('pgforce')`, which
// resolves to the .d.cts declarations.
import { ConfigError, createConnection, defineMapping, type RowOf, SyncEngine } from 'pgforce'
import { InMemoryOrg, InMemorySalesforceAdapter } from 'pgforce/testing'

const mapping = defineMapping({ object: 'Account', fields: { Name: 'account_name' } })

export function accountName(row: RowOf<typeof mapping>): string {
  return `${row.sfid}: ${String(row.account_name)}`
}

export async function main(): Promise<SyncEngine> {
  const connection = await createConnection({
    salesforce: new InMemorySalesforceAdapter(new InMemoryOrg()),
    postgres: { connectionString: 'postgres://localhost/app' },
  })
  if (mapping.fields.length === 0) throw new ConfigError([])
  return new SyncEngine({ connection, mappings: [mapping] })
}
