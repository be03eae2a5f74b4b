import { SalesforceEmulator } from 'pgforce/testing'
import { startChangeFeedApp } from './change-feed.js'

// Runs the change feed against the Salesforce emulator and the database at DATABASE_URL:
//   DATABASE_URL=postgres://… npx tsx examples/change-feed/main.ts
// then open the printed URL. An Account changes in "Salesforce" every 2 seconds; change rows in
// Postgres (salesforce.account) to see changes go the other way.
const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) throw new Error('Set DATABASE_URL to a PostgreSQL database')
const emulator = await SalesforceEmulator.start()
const [id] = emulator.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
const app = await startChangeFeedApp(
  { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  databaseUrl,
  { port: Number(process.env.PORT ?? 3000) },
)
console.log(`change feed on ${app.url} (Ctrl-C to stop)`)
const industries = ['Energy', 'Media', 'Banking', 'Retail']
let n = 0
const timer = setInterval(() => {
  n += 1
  emulator.org.modify('Account', id as string, { Industry: industries[n % industries.length] })
}, 2000)
process.once('SIGINT', async () => {
  clearInterval(timer)
  await app.stop()
  await emulator.stop()
})
