import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ConfigError, defineMapping, exportMappings } from '../../../src/index.js'
import { mappingsFromHerokuConnect } from '../../../src/mappings/mappings-from-heroku-connect.js'

const fixture = (name: string) =>
  readFile(new URL(`../../fixtures/heroku-connect/${name}`, import.meta.url), 'utf8').then(
    JSON.parse,
  )
const exported = await fixture('export.json')
const fieldService = await fixture('field-service-export.json')

describe('mappingsFromHerokuConnect', () => {
  it('turns a Heroku Connect export into mappings and engine choices', () => {
    const result = mappingsFromHerokuConnect(exported)
    expect(
      result.mappings.map((m) => [m.object, m.table, m.access, m.externalId, m.pollIntervalMs]),
    ).toEqual([
      ['Account', 'account', 'read_write', 'External_Id__c', 600_000],
      ['Contact', 'contact', 'read_only', undefined, 120_000],
    ])
    expect(result.mappings[0]?.fields.map((f) => f.column)).toEqual([
      'name',
      'industry',
      'annualrevenue',
      'external_id__c',
    ])
    expect(result).toMatchObject({
      writeAlgorithm: 'ordered',
      bulkWrites: true,
      streamingObjects: ['Account'],
      dailyApiCalls: { Account: 30000, Contact: 30000 },
    })
  })

  it('reads merged writes from poll_db_no_merge = false', () => {
    const merged = { ...exported, connection: { features: { poll_db_no_merge: false } } }
    expect(mappingsFromHerokuConnect(merged)).toMatchObject({
      writeAlgorithm: 'merged',
      bulkWrites: false,
    })
  })

  it('takes ordered writes, Heroku Connect’s default, when the export does not say', () => {
    const silent = { ...exported, connection: { features: {} } }
    expect(mappingsFromHerokuConnect(silent)).toMatchObject({
      writeAlgorithm: 'ordered',
      bulkWrites: true,
    })
  })

  it('lists every mapping it cannot convert', () => {
    const bad = {
      mappings: [
        { object_name: 'Account', config: { access: 'write', fields: {} } },
        { object_name: 'Contact', config: { fields: { LastName: {} }, sf_polling_seconds: 0 } },
      ],
    }
    let error: unknown
    try {
      mappingsFromHerokuConnect(bad)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.map((p) => p.path)).toEqual([
      'mappings[0] (Account).access',
      'mappings[0] (Account).fields',
      'mappings[1] (Contact).pollIntervalMs',
    ])
  })

  it('keeps indexes, the API version and both spellings of parent external ids', () => {
    const result = mappingsFromHerokuConnect(fieldService)
    expect(result.apiVersion).toBe('57.0')
    expect(result.notes).toEqual([])
    const byObject = new Map(result.mappings.map((m) => [m.object, m]))
    const contact = byObject.get('Contact')
    // Heroku Connect's column spelling becomes pgforce's Relationship.Field, with the same column.
    expect(contact?.fields).toContainEqual({
      field: 'Account__r.External_Id__c',
      column: 'account__r__external_id__c',
    })
    expect(byObject.get('Task__c')?.fields).toContainEqual({
      field: 'Project__r.Code__c',
      column: 'project__r__code__c',
    })
    // Id, SystemModstamp and the upsert field are indexed on every table; the rest are kept.
    expect(byObject.get('Account')?.indexes).toEqual([
      { field: 'Name', column: 'name', unique: false },
      { field: 'CreatedDate', column: 'createddate', unique: false },
    ])
    expect(byObject.get('Project__c')?.indexes).toEqual([
      { field: 'Status__c', column: 'status__c', unique: false },
      { field: 'Project_Number__c', column: 'project_number__c', unique: true },
    ])
    // Read-only fields stay in a read/write mapping: pulled, never sent.
    expect(byObject.get('Account')?.fields.map((f) => f.field)).toEqual(
      expect.arrayContaining(['CreatedById', 'LastModifiedDate', 'Health_Score__c']),
    )
    expect(result).toMatchObject({
      writeAlgorithm: 'ordered',
      bulkWrites: true,
      streamingObjects: ['Account', 'Project__c'],
      dailyApiCalls: { Account: 30000, Contact: 30000, Project__c: 20000, Case: 5000 },
    })
  })

  it('lists what it cannot carry instead of dropping it silently', () => {
    const result = mappingsFromHerokuConnect({
      version: 1,
      exported_by: 'someone',
      connection: {
        api_version: '58.0',
        logplex_log_enabled: true,
        region: 'eu',
        features: {
          poll_db_no_merge: true,
          rest_count_only: true,
          ucs_basic_collation_index: false,
          shiny_new_thing: true,
        },
      },
      mappings: [
        {
          object_name: 'Account',
          config: {
            access: 'read_write',
            fields: { Id: {}, Name: { indexed: true }, External_Id__c: {} },
            indexes: {
              Industry: { unique: false },
              SystemModstamp: { unique: true },
              External_Id__c: { unique: false },
            },
            upsert_field: 'External_Id__c',
            sf_row_filter: "Type = 'Customer'",
          },
        },
      ],
    })
    expect(result.notes.map((n) => n.path)).toEqual([
      'exported_by',
      'connection.region',
      'connection.logplex_log_enabled',
      'connection.features.rest_count_only',
      'connection.features.shiny_new_thing',
      'mappings[0] (Account).config.sf_row_filter',
      'mappings[0] (Account).config.fields.Name',
      'mappings[0] (Account).config.indexes.Industry',
      'mappings[0] (Account).config.indexes.SystemModstamp',
      'mappings[0] (Account).config.indexes.External_Id__c',
    ])
    expect(result.notes[3]?.message).toMatch(/not implemented/)
    expect(result.mappings[0]?.indexes).toEqual([])
  })
})

describe('exportMappings', () => {
  it("writes Heroku Connect's export shape, which reads back to the same mappings and choices", () => {
    const imported = mappingsFromHerokuConnect(fieldService)
    const written = exportMappings(imported.mappings, {
      ...imported,
      exportedAt: new Date('2026-11-01T00:00:00Z'),
    })
    expect(written.connection).toEqual({
      exported_at: '2026-11-01T00:00:00.000Z',
      api_version: '57.0',
      logplex_log_enabled: false,
      features: {
        disable_bulk_writes: false,
        poll_db_no_merge: true,
        poll_external_ids: false,
        rest_count_only: false,
        ucs_basic_collation_index: false,
      },
    })
    expect(written.mappings[2]).toEqual({
      object_name: 'Project__c',
      config: {
        access: 'read_write',
        sf_notify_enabled: true,
        sf_polling_seconds: 300,
        sf_max_daily_api_calls: 20000,
        fields: {
          Id: {},
          SystemModstamp: {},
          IsDeleted: {},
          CreatedDate: {},
          Budget__c: {},
          Code__c: {},
          CreatedById: {},
          Health__c: {},
          LastModifiedDate: {},
          Name: {},
          Project_Number__c: {},
          Status__c: {},
        },
        indexes: {
          Id: { unique: true },
          SystemModstamp: { unique: false },
          Code__c: { unique: true },
          Status__c: { unique: false },
          Project_Number__c: { unique: true },
        },
        upsert_field: 'Code__c',
      },
    })
    const again = mappingsFromHerokuConnect(JSON.parse(JSON.stringify(written)))
    expect(again.mappings).toEqual(imported.mappings)
    expect({ ...again, mappings: [] }).toEqual({ ...imported, mappings: [] })
  })

  it("keeps pgforce's own options in a pgforce key, and names what lives in code", () => {
    const mapping = defineMapping({
      object: 'Invoice__c',
      table: 'invoices',
      access: 'read_write',
      fields: {
        Amount__c: 'amount',
        Account__c: 'account__c',
        'Account__r.Code__c': 'account_code',
      },
      pollIntervalMs: 1_500,
      where: "Status__c = 'Open'",
      deleteMode: 'soft',
      conflictPolicy: 'salesforce-wins',
      indexes: ['Account__c'],
    })
    const written = exportMappings([mapping], { apiVersion: '61.0', streamingObjects: [] })
    expect(written.mappings[0]?.config).toMatchObject({
      sf_notify_enabled: false,
      sf_polling_seconds: 2,
      sf_max_daily_api_calls: 30000,
      pgforce: {
        table: 'invoices',
        columns: { Amount__c: 'amount', 'Account__r.Code__c': 'account_code' },
        where: "Status__c = 'Open'",
        deleteMode: 'soft',
        conflictPolicy: 'salesforce-wins',
        pollIntervalMs: 1_500,
      },
    })
    const back = mappingsFromHerokuConnect(JSON.parse(JSON.stringify(written)))
    expect(back.mappings).toEqual([mapping])
    expect(back.notes).toEqual([])

    const coded = defineMapping({
      object: 'Account',
      fields: ['Name'],
      conflictPolicy: () => 'salesforce',
    })
    const fromCode = mappingsFromHerokuConnect(exportMappings([coded]))
    expect(fromCode.notes.map((n) => n.path)).toEqual([
      'mappings[0] (Account).config.pgforce.conflictPolicy',
    ])
    expect(fromCode.mappings[0]?.conflictPolicy).toBe('last-writer-wins')
  })
})
