// The config `pgforce run` loads in the container. Everything comes from the environment, so one
// image serves every deployment; `pgforce` itself never reads the environment, this file does.
import { createConnection, defineMapping } from 'pgforce'

export default async () => ({
  connection: await createConnection({
    salesforce: {
      // A connected app's integration user (OAuth 2 client credentials flow).
      loginUrl: process.env.SALESFORCE_LOGIN_URL, // https://<your domain>.my.salesforce.com
      clientId: process.env.SALESFORCE_CLIENT_ID,
      clientSecret: process.env.SALESFORCE_CLIENT_SECRET,
      grant: 'client_credentials',
    },
    postgres: { connectionString: process.env.DATABASE_URL },
    schema: process.env.PGFORCE_SCHEMA ?? 'salesforce',
  }),
  mappings: [
    defineMapping({ object: 'Account', access: 'read_write', fields: ['Name', 'Industry'] }),
    defineMapping({
      object: 'Contact',
      access: 'read_write',
      fields: ['FirstName', 'LastName', 'Email', 'AccountId'],
    }),
  ],
  apiBudget: { dailyCalls: Number(process.env.PGFORCE_DAILY_API_CALLS ?? 50_000) },
  operations: {
    alerts: process.env.PGFORCE_ALERT_WEBHOOK
      ? {
          webhook: {
            url: process.env.PGFORCE_ALERT_WEBHOOK,
            secret: process.env.PGFORCE_ALERT_SECRET,
          },
        }
      : {},
  },
})
