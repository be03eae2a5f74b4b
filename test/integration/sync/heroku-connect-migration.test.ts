import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { exportMappings } from '../../../src/mappings/export-mappings.js'
import type { HerokuConnectExport } from '../../../src/mappings/heroku-connect-export.js'
import {
  fieldFromHerokuConnect,
  mappingsFromHerokuConnect,
} from '../../../src/mappings/mappings-from-heroku-connect.js'
import type { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { schemaSql } from '../../support/schema-sql.js'
import { useTestDatabase } from '../../support/test-database.js'

// Acceptance for moving off Heroku Connect: a realistic export (five mappings; read/write ones
// with read-only fields, a formula and an auto-number; parent external ids in both spellings;
// per-field indexes; Heroku Connect's JSON shape with connection.features and api_version) is
// imported, installed against the emulator over real jsforce HTTP, synced both ways, and exported
// back to the same configuration.
const db = useTestDatabase()
const exported: HerokuConnectExport = JSON.parse(
  await readFile(
    new URL('../../fixtures/heroku-connect/field-service-export.json', import.meta.url),
    'utf8',
  ),
)
const schema = `hc_${process.pid}`
let emulator: SalesforceEmulator | undefined
let connection: Connection | undefined
let engine: SyncEngine | undefined
afterEach(async () => {
  await engine?.stop()
  await connection?.close()
  await emulator?.stop()
  await db().pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
})
const sql = (text: string, values?: unknown[]) => schemaSql(db().pool, schema, text, values)

/** The org the export was taken from: Account's custom fields, and two custom objects. */
function fieldServiceOrg(): InMemoryOrg {
  const org = new InMemoryOrg()
  org.addField('Account', {
    name: 'Tier__c',
    type: 'picklist',
    length: 40,
    picklistValues: ['Gold', 'Silver', 'Bronze'],
  })
  org.addField('Account', {
    name: 'Health_Score__c',
    type: 'double',
    calculated: true,
    calculatedFormula: 'CASE(Tier__c, "Gold", 3, "Silver", 2, 1)',
  })
  org.defineObject({
    name: 'Project__c',
    keyPrefix: 'a0P',
    custom: true,
    fields: [
      { name: 'Name', type: 'string', length: 80, required: true },
      { name: 'Code__c', type: 'string', length: 20, externalId: true, unique: true },
      {
        name: 'Status__c',
        type: 'picklist',
        length: 40,
        picklistValues: ['Planned', 'Active', 'Done'],
      },
      { name: 'Budget__c', type: 'currency' },
      { name: 'Project_Number__c', type: 'string', length: 30, autoNumber: true },
      {
        name: 'Health__c',
        type: 'string',
        length: 1300,
        calculated: true,
        calculatedFormula: 'IF(Budget__c > 100000, "Watch", "OK")',
      },
    ],
  })
  org.defineObject({
    name: 'Task__c',
    keyPrefix: 'a0T',
    custom: true,
    fields: [
      { name: 'Name', type: 'string', length: 80, required: true },
      {
        name: 'Project__c',
        type: 'reference',
        referenceTo: ['Project__c'],
        relationshipName: 'Project__r',
        childRelationshipName: 'Tasks__r',
      },
      { name: 'Due_On__c', type: 'date' },
      { name: 'Done__c', type: 'boolean' },
      { name: 'Task_Key__c', type: 'string', length: 36, externalId: true, unique: true },
    ],
  })
  return org
}

/**
 * What an export says, in a form two exports can be compared in: the connection's API version
 * and features, and each mapping's config without `applied_at` (Heroku Connect's record of when
 * it applied the mapping, not configuration). Parent external ids are spelled as pgforce spells
 * them (`Account__r__External_Id__c` → `Account__r.External_Id__c`): the export writes pgforce's
 * spelling, the import reads both. The connection's identity (`app_name`, `organization_id`,
 * `name`) and `exported_at` are not configuration and are not carried.
 */
function configuration(file: HerokuConnectExport) {
  const respell = (record: Readonly<Record<string, unknown>> | undefined) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [fieldFromHerokuConnect(k), v]))
  return {
    version: file.version,
    api_version: file.connection?.api_version,
    features: file.connection?.features,
    mappings: file.mappings.map(({ object_name, config }) => {
      const { applied_at: _, ...rest } = config
      return {
        object_name,
        config: { ...rest, fields: respell(config.fields), indexes: respell(config.indexes) },
      }
    }),
  }
}

describe('moving a real Heroku Connect configuration to pgforce', () => {
  it('imports, installs, syncs both ways and exports back to the same configuration', async () => {
    const org = fieldServiceOrg()
    const [accountId] = org.insert('Account', [
      { Name: 'Acme', Industry: 'Energy', Tier__c: 'Gold', External_Id__c: 'ACC-1' },
    ])
    const [projectId] = org.insert('Project__c', [
      { Name: 'Pilot', Code__c: 'P-1', Status__c: 'Active', Budget__c: 20000 },
    ])
    org.insert('Task__c', [{ Name: 'Survey', Project__c: projectId, Task_Key__c: 'T-1' }])
    org.insert('Case', [{ Subject: 'Broken pump', Status: 'New', AccountId: accountId }])
    emulator = await SalesforceEmulator.start({ org })

    // Import: nothing in this export is left behind.
    const imported = mappingsFromHerokuConnect(exported)
    expect(imported.notes).toEqual([])
    expect(imported.apiVersion).toBe('57.0')
    connection = await createConnection({
      salesforce: {
        instanceUrl: emulator.instanceUrl,
        accessToken: emulator.accessToken,
        apiVersion: imported.apiVersion,
      },
      postgres: db().pool,
      schema,
    })
    expect((connection.salesforce as JsforceAdapter).connection.version).toBe('57.0')
    engine = new SyncEngine({
      connection,
      mappings: imported.mappings,
      sources: [],
      writeStrategy:
        imported.writeAlgorithm === 'merged'
          ? new MergedWriteStrategy()
          : imported.bulkWrites
            ? new BulkWriteStrategy()
            : new OrderedWriteStrategy(),
      apiBudget: { perMapping: imported.dailyApiCalls },
    })

    // Install: Heroku Connect's layout, with the export's indexes under Heroku Connect's names.
    const report = await engine.install()
    expect(report.warnings).toEqual([])
    const indexes = await sql(
      `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'hc%' ORDER BY 2`,
      [schema],
    )
    expect(indexes.map((i) => i.indexname)).toEqual([
      'hc_idx_account_createddate',
      'hc_idx_account_name',
      'hc_idx_account_systemmodstamp',
      'hc_idx_case_casenumber',
      'hc_idx_case_systemmodstamp',
      'hc_idx_contact_accountid',
      'hc_idx_contact_email',
      'hc_idx_contact_systemmodstamp',
      'hc_idx_project__c_status__c',
      'hc_idx_project__c_systemmodstamp',
      'hc_idx_task__c_due_on__c',
      'hc_idx_task__c_project__c',
      'hc_idx_task__c_systemmodstamp',
      'hcu_idx_account_external_id__c',
      'hcu_idx_account_sfid',
      'hcu_idx_case_sfid',
      'hcu_idx_contact_external_id__c',
      'hcu_idx_contact_sfid',
      'hcu_idx_project__c_code__c',
      'hcu_idx_project__c_project_number__c',
      'hcu_idx_project__c_sfid',
      'hcu_idx_task__c_sfid',
      'hcu_idx_task__c_task_key__c',
    ])
    const columns = await sql(
      `SELECT table_name || '.' || column_name AS col, data_type, character_maximum_length AS len
       FROM information_schema.columns WHERE table_schema = $1
         AND column_name IN ('tier__c', 'status__c', 'health_score__c', 'health__c', 'createdbyid', 'account__r__external_id__c', 'project__r__code__c')
       ORDER BY 1`,
      [schema],
    )
    expect(columns.map((c) => [c.col, c.data_type, c.len])).toEqual([
      ['account.createdbyid', 'character varying', 18],
      ['account.health_score__c', 'double precision', null],
      ['account.tier__c', 'character varying', 40], // the picklist's length, as Heroku Connect
      ['contact.account__r__external_id__c', 'character varying', 255],
      ['project__c.createdbyid', 'character varying', 18],
      ['project__c.health__c', 'character varying', 1300],
      ['project__c.status__c', 'character varying', 40],
      ['task__c.project__r__code__c', 'character varying', 20],
    ])

    // The first sync loads every mapping, read-only fields included.
    await engine.syncOnce()
    expect(await sql('SELECT name, tier__c, createdbyid FROM $schema.account')).toEqual([
      { name: 'Acme', tier__c: 'Gold', createdbyid: org.get(accountId as string)?.CreatedById },
    ])
    expect(await sql('SELECT name, project__r__code__c FROM $schema.task__c')).toEqual([
      { name: 'Survey', project__r__code__c: 'P-1' },
    ])
    expect(await sql('SELECT subject, accountid FROM $schema.case')).toEqual([
      { subject: 'Broken pump', accountid: accountId },
    ])

    // A Salesforce change arrives.
    org.modify('Account', accountId as string, { Name: 'Acme Corp' })
    await engine.syncOnce()
    expect(await sql('SELECT name, _hc_lastop FROM $schema.account')).toEqual([
      { name: 'Acme Corp', _hc_lastop: 'SYNCED' },
    ])

    // Postgres changes are sent: a parent and its child in one transaction (the child refers to
    // it by external id), a contact linked to the account by the account's external id, and an
    // account edit beside a read-only column that is not sent.
    await sql(`BEGIN;
      INSERT INTO $schema.project__c (name, code__c, status__c, budget__c) VALUES ('Rollout', 'P-2', 'Planned', 50000);
      INSERT INTO $schema.task__c (name, task_key__c, project__r__code__c, due_on__c) VALUES ('Kick-off', 'T-9', 'P-2', '2026-12-01');
      INSERT INTO $schema.contact (lastname, external_id__c, account__r__external_id__c) VALUES ('Smith', 'C-1', 'ACC-1');
      UPDATE $schema.account SET tier__c = 'Silver', createdbyid = '005000000000009AAA';
      COMMIT;`)
    const pushed = await engine.syncOnce()
    expect(pushed.pushes.filter((p) => p.failed > 0)).toEqual([])
    const [rollout] = org.all('Project__c').filter((p) => p.Code__c === 'P-2')
    expect(rollout).toMatchObject({ Name: 'Rollout', Status__c: 'Planned', Budget__c: 50000 })
    expect(org.all('Task__c').find((t) => t.Task_Key__c === 'T-9')).toMatchObject({
      Name: 'Kick-off',
      Project__c: rollout?.Id,
      Due_On__c: '2026-12-01',
    })
    expect(org.all('Contact')).toEqual([
      expect.objectContaining({ LastName: 'Smith', AccountId: accountId }),
    ])
    expect(org.get(accountId as string)).toMatchObject({
      Tier__c: 'Silver',
      CreatedById: org.get(accountId as string)?.CreatedById,
    })
    // The next pull brings back what Salesforce set: lookup ids, and Salesforce's CreatedById.
    await engine.syncOnce()
    expect(
      await sql(
        'SELECT project__c, project__r__code__c FROM $schema.task__c WHERE task_key__c = $1',
        ['T-9'],
      ),
    ).toEqual([{ project__c: rollout?.Id, project__r__code__c: 'P-2' }])
    expect(await sql('SELECT accountid FROM $schema.contact')).toEqual([{ accountid: accountId }])

    // Export: the same configuration as the file it came from.
    const written = exportMappings(imported.mappings, imported)
    expect(configuration(written)).toEqual(configuration(exported))
    expect(mappingsFromHerokuConnect(JSON.parse(JSON.stringify(written))).mappings).toEqual(
      imported.mappings,
    )
  })
})
