// A strict TypeScript app using pgforce's public API, type-checked against the built declarations
// by test/package/declarations.test.ts (and against src/ by `npm run typecheck`). Never run.
import {
  ApiBudgetExhaustedError,
  BaseChangeSource,
  BulkWriteStrategy,
  type ChangeSourceContext,
  ConfigError,
  type ConnectionOptions,
  createConnection,
  defineMapping,
  EngineStateError,
  isRetryable,
  type Mapping,
  type MappingOptions,
  MergedWriteStrategy,
  OrderedWriteStrategy,
  PgforceError,
  PostgresError,
  PostgresNotifySource,
  PostgresPollingSource,
  type RowOf,
  SalesforceApiError,
  SalesforcePollingSource,
  SalesforceStreamingSource,
  SyncEngine,
  type SyncEngineEvents,
} from 'pgforce'
import { createDashboard } from 'pgforce/dashboard'
import { InMemoryOrg, InMemorySalesforceAdapter, SalesforceEmulator } from 'pgforce/testing'

const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'Account.External_Id__c'],
  writeStrategy: new BulkWriteStrategy(),
})
const people = defineMapping({
  object: 'Contact',
  table: 'people',
  fields: { LastName: 'surname' },
})
// Options built elsewhere (a config file, say) are accepted too.
const fromConfig: MappingOptions = { object: 'Lead', fields: ['Company'] }
const lead: Mapping = defineMapping(fromConfig)

export function describeRow(row: RowOf<typeof account>, person: RowOf<typeof people>): string {
  // @ts-expect-error: a column the mapping does not have
  void row.surname
  return `${row.sfid} ${String(row.name)} ${String(row.account__r__external_id__c)} ${String(person.surname)}`
}

/** A change source of the app's own. */
class EveryMinute extends BaseChangeSource {
  readonly name = 'every-minute'
  readonly direction = 'pull'
  protected async onStart(context: ChangeSourceContext): Promise<void> {
    this.every(60_000, () => {
      for (const m of context.mappings) {
        this.signal({ object: m.object, direction: 'pull', reason: 'poll' })
      }
    })
  }
}

export function explain(error: unknown): string {
  if (error instanceof SalesforceApiError) return `${error.errorCode} ${isRetryable(error)}`
  if (error instanceof PostgresError) return `${error.sqlState}`
  if (error instanceof ConfigError) return error.problems.map((p) => p.path).join(', ')
  if (error instanceof EngineStateError || error instanceof ApiBudgetExhaustedError) {
    return error.message
  }
  return error instanceof PgforceError ? error.code : String(error)
}

export async function main(): Promise<void> {
  const org = new InMemoryOrg()
  org.insert('Account', [{ Name: 'Acme' }])
  const emulator = await SalesforceEmulator.start({ org })
  const options: ConnectionOptions = {
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: { connectionString: 'postgres://localhost/app', ssl: { rejectUnauthorized: false } },
  }
  await using connection = await createConnection(options)
  await using inMemory = await createConnection({
    salesforce: new InMemorySalesforceAdapter(org),
    postgres: { connectionString: 'postgres://localhost/test' },
  })
  const engine = new SyncEngine({
    connection,
    mappings: [account, people, lead],
    writeStrategy: new MergedWriteStrategy(),
    sources: [
      new SalesforcePollingSource(),
      new SalesforceStreamingSource(),
      new PostgresNotifySource(),
      new PostgresPollingSource(),
      new EveryMinute(),
    ],
    changeEvents: { values: true },
  })
  engine.on('change', ({ direction, mapping, action, sfid, recordId, columns, values }) =>
    console.log(direction, mapping, action, sfid, recordId, columns.length, values?.name),
  )
  const failed = await engine.failedWrites({ objects: ['Account'], limit: 10 })
  console.log(failed[0]?.message, failed[0]?.values.name)
  const dashboard = createDashboard({
    engine,
    actions: true,
    auth: { username: 'ops', password: 'x' },
  })
  dashboard.close()
  const onPull = (...[report]: SyncEngineEvents['pull:completed']) => report.inserted
  engine.on('pull:completed', onPull)
  engine.on('error', (error) => console.error(explain(error)))
  await engine.start()
  const status = await engine.status()
  console.log(status.state, new OrderedWriteStrategy().constructor.name, inMemory.schema)
  await engine.stop()
  await emulator.stop()
}
