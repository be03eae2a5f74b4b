import type pg from 'pg'
import { defineMapping, type MappingOptions } from '../../../src/mappings/define-mapping.js'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { planMappings } from '../../../src/mappings/plan-mappings.js'
import { SchemaInstaller } from '../../../src/postgres/install/schema-installer.js'
import { accountDescribe } from '../../fixtures/describe-fixture.js'

/** Plans mappings of the fixture Account describe. */
export function planAccount(options: Partial<MappingOptions> = {}): MappingSchema {
  const mapping = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees'],
    externalId: 'External_Id__c',
    ...options,
  } as MappingOptions & { fields: readonly string[] })
  return planMappings([mapping], new Map([['Account', accountDescribe]]))[0] as MappingSchema
}

export function install(pool: pg.Pool, plans: MappingSchema[], schema = 'salesforce') {
  return new SchemaInstaller(pool, schema).install(plans)
}

/** Everything install() creates, as text, to compare two catalogs. */
export async function catalog(pool: pg.Pool, schema = 'salesforce'): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') || ' default ' || coalesce(column_default, '-') AS line
       FROM information_schema.columns WHERE table_schema = $1
     UNION ALL
     SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = $1
     UNION ALL
     SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal
     UNION ALL
     SELECT 'function ' || p.proname || ' ' || md5(pg_get_functiondef(p.oid)) FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
     UNION ALL
     SELECT 'row ' || table_name || ' ' || object_name || ' ' || access || ' ' || columns::text FROM salesforce._pgforce_mapping
     ORDER BY 1`,
    [schema],
  )
  return rows.map((r) => r.line)
}

export interface LogRow {
  action: string
  state: string
  table_name: string
  record_id: number
  sfid: string | null
  values: string | null
  old: string | null
}

export async function triggerLog(pool: pg.Pool, schema = 'salesforce'): Promise<LogRow[]> {
  const { rows } = await pool.query<LogRow>(
    `SELECT action, state, table_name, record_id, sfid, "values", old FROM "${schema}"._trigger_log ORDER BY id`,
  )
  return rows
}
