import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { PostgresPollingSource } from '../../../src/sources/postgres-polling-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})
const contact = defineMapping({ object: 'Contact', fields: ['LastName', 'AccountId'] })

describe.each(['cdc', 'pushtopic'] as const)(
  'a running engine over real jsforce and HTTP (%s)',
  (kind) => {
    let emulator: SalesforceEmulator
    let connection: Connection
    let engine: SyncEngine
    const schema = `e2e_${kind}`
    const errors: Error[] = []
    const connections: string[] = []

    beforeAll(async () => {
      emulator = await SalesforceEmulator.start({ longPollTimeoutMs: 2_000 })
      emulator.org.insert('Account', [{ Name: 'Existing', Industry: 'Energy' }])
      connection = await createConnection({
        salesforce: {
          instanceUrl: emulator.instanceUrl,
          accessToken: emulator.accessToken,
          streamingRetryMs: 100,
        },
        postgres: db().pool,
        schema,
      })
      engine = new SyncEngine({
        connection,
        mappings: [account, contact],
        sources: [
          new SalesforceStreamingSource({ kind }),
          new SalesforcePollingSource(),
          new PostgresNotifySource(),
          new PostgresPollingSource(),
        ],
      })
      engine.on('error', ({ error }) => errors.push(error))
      engine.on('source:connected', (event) => connections.push(`${event.source} connected`))
      engine.on('source:reconnecting', (event) => connections.push(`${event.source} reconnecting`))
      await engine.install()
      await engine.start()
    })
    afterAll(async () => {
      await engine?.stop()
      await connection?.close()
      await emulator?.stop()
    })

    const row = async (where: string) =>
      (await db().pool.query(`SELECT * FROM ${schema}.account WHERE ${where}`)).rows[0]

    it('loads what exists at start', async () => {
      await waitFor(async () => (await row(`name = 'Existing'`)) !== undefined)
    })

    it('brings a Salesforce change into Postgres without waiting for a poll', async () => {
      const [id] = emulator.org.insert('Account', [{ Name: 'Streamed', Industry: 'Media' }])
      await waitFor(async () => (await row(`sfid = '${id}'`))?.industry === 'Media')
      emulator.org.modify('Account', id as string, { Industry: 'Retail' })
      await waitFor(async () => (await row(`sfid = '${id}'`))?.industry === 'Retail')
    })

    it('sends a Postgres change to Salesforce as soon as it commits', async () => {
      await db().pool.query(
        `INSERT INTO ${schema}.account (name, external_id__c) VALUES ('From PG', 'PG-1')`,
      )
      // INSERTED, or already SYNCED when the echo came back (PushTopic events carry no changeOrigin).
      await waitFor(
        async () =>
          ['INSERTED', 'SYNCED'].includes((await row(`external_id__c = 'PG-1'`))?._hc_lastop),
        10_000,
      )
      const { sfid } = await row(`external_id__c = 'PG-1'`)
      expect(emulator.org.get(sfid)).toMatchObject({ Name: 'From PG', External_Id__c: 'PG-1' })
      await db().pool.query(`UPDATE ${schema}.account SET industry = 'Banking' WHERE sfid = $1`, [
        sfid,
      ])
      await waitFor(
        async () => emulator.org.get(sfid)?.Industry === 'Banking',
        10_000,
        'the update in Salesforce',
      )
    })

    it('catches up after the server drops the streaming client', async () => {
      emulator.dropStreamingClients()
      const [id] = emulator.org.insert('Account', [{ Name: 'After drop' }])
      await waitFor(async () => (await row(`sfid = '${id}'`)) !== undefined)
    })

    it('reports its push sources connecting and reconnecting', () => {
      expect(connections).toContain('salesforce-streaming connected')
      expect(connections).toContain('postgres-notify connected')
      expect(connections).toContain('salesforce-streaming reconnecting')
    })

    it('reports no failure', () => {
      expect(errors.filter((e) => !/dropped|Unknown client/.test(e.message))).toEqual([])
    })
  },
)
