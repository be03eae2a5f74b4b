import { createConnection, defineMapping, type SalesforceOptions, SyncEngine } from 'pgforce'

/** The README's quick start, as a function so it can run against any org and database. */
export async function startSync(
  salesforce: SalesforceOptions,
  databaseUrl: string,
  schema = 'salesforce',
) {
  const connection = await createConnection({
    salesforce, // { loginUrl, clientId, username, privateKey } (JWT bearer), client credentials, { instanceUrl, accessToken }…
    postgres: { connectionString: databaseUrl },
    schema,
  })
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry', 'AnnualRevenue', 'External_Id__c'],
    externalId: 'External_Id__c',
  })
  const engine = new SyncEngine({ connection, mappings: [account] })
  engine.on('error', ({ error, context }) => console.error(`[pgforce] ${context}:`, error.message))
  await engine.install() // creates salesforce.account, _trigger_log, … (idempotent)
  await engine.start() // streams both ways until stop()
  return {
    engine,
    async stop() {
      await engine.stop()
      await connection.close()
    },
  }
}
