import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { chromium } from 'playwright-core'
import { createDashboard } from '../src/dashboard.js'
import { createConnection, defineMapping, SyncEngine } from '../src/index.js'
import { SalesforceEmulator } from '../src/testing.js'

// Takes docs/images/dashboard.png: a running engine over the emulator with two mappings, a
// failed write, and changes crossing both ways while the page is open.
//   DATABASE_URL=postgres://… npx tsx scripts/dashboard-screenshot.ts
const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) throw new Error('Set DATABASE_URL to a PostgreSQL database')
const schema = 'dashboard_screenshot'
const emulator = await SalesforceEmulator.start()
const { org } = emulator
const accounts = org.insert(
  'Account',
  ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries'].map((Name, i) => ({
    Name,
    Industry: ['Energy', 'Media', 'Banking'][i % 3],
  })),
)
org.insert(
  'Contact',
  ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'].map((name) => ({
    FirstName: name.split(' ')[0],
    LastName: name.split(' ')[1],
    AccountId: accounts[0],
  })),
)
const pool = new pg.Pool({ connectionString: databaseUrl })
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
const connection = await createConnection({
  salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  postgres: pool,
  schema,
})
const engine = new SyncEngine({
  connection,
  mappings: [
    defineMapping({ object: 'Account', access: 'read_write', fields: ['Name', 'Industry'] }),
    defineMapping({ object: 'Contact', fields: ['FirstName', 'LastName', 'AccountId'] }),
  ],
  apiBudget: { dailyCalls: 5000 },
  changeEvents: { values: true },
})
await engine.install()
await engine.start()
const dashboard = createDashboard({ engine, actions: true })
const server = createServer(dashboard).listen(0, '127.0.0.1')
await once(server, 'listening')
const { port } = server.address() as AddressInfo
const browser = await chromium.launch({
  executablePath: process.env.PGFORCE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.getByText('live', { exact: true }).waitFor()
  org.faults.failRecords({
    objectName: 'Account',
    statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    message: 'Industry must be one of the values of the picklist',
  })
  await pool.query(
    `INSERT INTO ${schema}.account (name, industry) VALUES ('Wayne Enterprises', 'Defence')`,
  )
  await page.getByTestId('failed-write').waitFor()
  await pool.query(
    `INSERT INTO ${schema}.account (name, industry) VALUES ('Cyberdyne', 'Robotics')`,
  )
  org.modify('Account', accounts[1] as string, { Industry: 'Entertainment' })
  org.modify('Account', accounts[2] as string, { Name: 'Initech Ltd' })
  await page.getByTestId('change').nth(2).waitFor()
  await page.waitForTimeout(800)
  await page.screenshot({ path: 'docs/images/dashboard.png', fullPage: true })
  console.log('wrote docs/images/dashboard.png')
} finally {
  await browser.close()
  dashboard.close()
  server.closeAllConnections()
  server.close()
  await engine.stop()
  await connection.close()
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pool.end()
  await emulator.stop()
}
