import { afterEach, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// A change event names its records whatever the mapping's row filter: the pull that reads them by
// id keeps to the filter, as every other read does.
const db = useTestDatabase()
const energy = defineMapping({
  object: 'Account',
  fields: ['Name', 'Industry'],
  where: "Industry = 'Energy'",
})
let fixture: SyncFixture | undefined
let emulator: SalesforceEmulator | undefined
let engine: SyncEngine | undefined
afterEach(async () => {
  await engine?.stop({ graceful: false })
  await fixture?.close()
  await emulator?.stop()
  fixture = undefined
  emulator = undefined
  engine = undefined
})

it('a streamed record outside the row filter does not become a row', async () => {
  const org = new InMemoryOrg()
  fixture = await syncFixture(db(), [energy], { org })
  const f = fixture
  emulator = await SalesforceEmulator.start({ org })
  const emu = emulator
  engine = new SyncEngine({
    connection: f.connection,
    mappings: [energy],
    sources: [
      new SalesforcePubSubSource({ endpoint: emu.pubSubEndpoint, ca: emu.pubSubCertificate }),
    ],
  })
  await engine.start()
  await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the stream')
  org.insert('Account', [{ Name: 'Media', Industry: 'Media' }])
  org.insert('Account', [{ Name: 'Energy', Industry: 'Energy' }])
  await waitFor(
    async () => (await f.rows('account', 'name')).some((r) => r.name === 'Energy'),
    5_000,
    'the second event applied',
  )
  expect(await f.rows('account', 'name, industry')).toEqual([
    { name: 'Energy', industry: 'Energy' },
  ])
}, 30_000)
