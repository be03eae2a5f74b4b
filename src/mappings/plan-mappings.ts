import { ConfigError, type ConfigProblem } from '../errors/config-error.js'
import type { FieldDescribe, SObjectDescribe } from '../salesforce/salesforce-types.js'
import { columnTypeFor, UNSUPPORTED_FIELD_TYPES } from './column-types.js'
import { type Mapping, SYSTEM_FIELDS } from './mapping.js'
import type { ColumnSpec, MappingSchema, MissingField } from './mapping-schema.js'

/** The fields `install()` made columns for, by table, as `_pgforce_mapping` records them. */
export type InstalledFields = ReadonlyMap<
  string,
  readonly { readonly field: string; readonly column: string }[]
>

/**
 * Checks mappings against the org's describes and returns their {@link MappingSchema}s, or
 * throws one `ConfigError` listing every problem of every mapping: unknown object or field, an
 * external id that is not an External ID field,
 * unsupported field types, a `Relationship.Field` that is not a lookup to a parent's External ID.
 *
 * A field Salesforce no longer has is a problem only when it was never installed: one whose
 * column `install()` created (`installed`) was deleted in Salesforce since, and is planned as
 * `missing` (not queried, not sent, its column kept; docs/guides/mappings.md, "When Salesforce
 * changes"), so a running engine or a restart goes on with the rest of the mapping.
 *
 * @param describes the describe of each mapping's object, or `undefined` when the org has no
 *   such object.
 */
export function planMappings(
  mappings: readonly Mapping[],
  describes: ReadonlyMap<string, SObjectDescribe | undefined>,
  installed: InstalledFields = new Map(),
): MappingSchema[] {
  const problems: ConfigProblem[] = []
  const schemas: MappingSchema[] = []
  for (const mapping of mappings) {
    const describe = describes.get(mapping.object)
    const at = (path: string) => `mappings.${mapping.object}.${path}`
    const recorded = installed.get(mapping.table) ?? []
    const wasInstalled = (field: string, column: string) =>
      recorded.some((r) => r.column === column && r.field.toLowerCase() === field.toLowerCase())
    const missing: MissingField[] = []
    if (!describe) {
      problems.push({
        path: at('object'),
        expected: 'an object that exists in the org',
        received: `"${mapping.object}" (not found)`,
      })
      continue
    }
    const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
    const columns: ColumnSpec[] = []
    for (const system of SYSTEM_FIELDS) {
      const field = byName.get(system.field.toLowerCase())
      if (field) columns.push(toColumn(field, system.column, true))
    }
    for (const { field: name, column } of mapping.fields) {
      if (name.includes('.')) {
        const resolved = lookupColumn(describe, describes, name, column)
        if (!('problem' in resolved)) columns.push(resolved.column)
        else if (wasInstalled(name, column)) missing.push({ field: name, column })
        else problems.push({ path: at(`fields.${name}`), ...resolved.problem })
        continue
      }
      const field = byName.get(name.toLowerCase())
      if (!field && wasInstalled(name, column)) {
        missing.push({ field: name, column })
        continue
      }
      if (!field) {
        problems.push({
          path: at(`fields.${name}`),
          expected: `a field of ${describe.name}`,
          received: `"${name}" (no such field)`,
        })
        continue
      }
      if (UNSUPPORTED_FIELD_TYPES.has(field.type)) {
        problems.push({
          path: at(`fields.${name}`),
          expected: 'a field type pgforce can sync (not base64, address or location compounds)',
          received: `a ${field.type} field`,
        })
        continue
      }
      // Read-only fields (formulas, auto-numbers, audit fields) are pulled like any field on a
      // read/write mapping too, and never sent: they are not among `writableColumns`.
      columns.push(toColumn(field, column, false))
    }
    let externalId: string | undefined
    if (mapping.externalId) {
      const field = byName.get(mapping.externalId.toLowerCase())
      const gone = missing.some((m) => m.field.toLowerCase() === mapping.externalId?.toLowerCase())
      if (!field && gone) {
        // Deleted in Salesforce since install: pushes create and update by Id meanwhile.
      } else if (!field?.externalId) {
        problems.push({
          path: at('externalId'),
          expected: `an External ID field of ${describe.name}`,
          received: field
            ? `"${field.name}" (not marked External ID)`
            : `"${mapping.externalId}" (no such field)`,
        })
      } else {
        externalId = field.name
      }
    }
    if (mapping.access === 'read_write' && !describe.createable && !describe.updateable) {
      problems.push({
        path: at('access'),
        expected: 'read_only for an object the org does not let you write',
        received: '"read_write"',
      })
    }
    const writableColumns = writable(columns)
    schemas.push({
      mapping,
      object: describe.name,
      columns,
      writableColumns,
      externalId,
      ...(missing.length > 0 ? { missing } : {}),
    })
  }
  if (problems.length > 0) throw new ConfigError(problems, 'mappings for this org')
  return schemas.map((schema) => linkParents(schema, schemas))
}

/** Points each lookup column at its parent's table and external id column when both are mapped. */
function linkParents(schema: MappingSchema, schemas: readonly MappingSchema[]): MappingSchema {
  if (!schema.columns.some((c) => c.lookup)) return schema
  const columns = schema.columns.map((column) => {
    const lookup = column.lookup
    if (!lookup) return column
    const parent = schemas.find(
      (s) =>
        s.object.toLowerCase() === lookup.parentObject.toLowerCase() &&
        s.mapping.access === 'read_write',
    )
    const parentColumn = parent?.columns.find((c) => c.field === lookup.parentField)
    if (!parent || !parentColumn) return column
    return {
      ...column,
      lookup: {
        ...lookup,
        parentRow: { table: parent.mapping.table, column: parentColumn.column },
      },
    }
  })
  return { ...schema, columns, writableColumns: writable(columns) }
}

/**
 * Orders plans so that a mapping comes after the mappings its lookup columns point at (parents
 * are pushed before children). Cycles keep their given order.
 */
export function parentsFirst(plans: readonly MappingSchema[]): MappingSchema[] {
  const ordered: MappingSchema[] = []
  const visiting = new Set<MappingSchema>()
  const visit = (plan: MappingSchema) => {
    if (ordered.includes(plan) || visiting.has(plan)) return
    visiting.add(plan)
    for (const column of plan.columns) {
      const parentTable = column.lookup?.parentRow?.table
      const parent = plans.find((p) => p.mapping.table === parentTable)
      if (parent && parent !== plan) visit(parent)
    }
    ordered.push(plan)
  }
  for (const plan of plans) visit(plan)
  return ordered
}

/** Resolves a `Relationship.Field` column: a lookup of the object, and an External ID of its parent. */
function lookupColumn(
  describe: SObjectDescribe,
  describes: ReadonlyMap<string, SObjectDescribe | undefined>,
  name: string,
  column: string,
): { column: ColumnSpec } | { problem: Omit<ConfigProblem, 'path'> } {
  const [relationshipName = '', fieldName = ''] = name.split('.')
  const reference = findRelationship(describe, relationshipName)
  const parentObject = reference?.referenceTo[0]
  if (!reference?.relationshipName || !parentObject) {
    return {
      problem: {
        expected: `a lookup relationship of ${describe.name} (e.g. Account, or Parent__r for Parent__c)`,
        received: `"${relationshipName}" (no such relationship)`,
      },
    }
  }
  const parent = findDescribe(describes, parentObject)
  const field = parent?.fields.find((f) => f.name.toLowerCase() === fieldName.toLowerCase())
  if (!field?.externalId) {
    return {
      problem: {
        expected: `an External ID field of ${parentObject}`,
        received: field
          ? `"${field.name}" (not marked External ID)`
          : `"${fieldName}" (no such field)`,
      },
    }
  }
  return {
    column: {
      ...toColumn(field, column, false),
      field: `${reference.relationshipName}.${field.name}`,
      createable: reference.createable,
      updateable: reference.updateable,
      lookup: {
        relationship: reference.relationshipName,
        referenceField: reference.name,
        parentObject,
        parentField: field.name,
      },
    },
  }
}

/**
 * The lookup field of `describe` whose relationship is `name` (`Account`, `Parent__r`); a
 * standard relationship spelled as Heroku Connect spells its column (`Account__r`, from
 * `account__r__external_id__c`) is found too.
 */
function findRelationship(describe: SObjectDescribe, name: string): FieldDescribe | undefined {
  const wanted = name.toLowerCase()
  const standard = wanted.endsWith('__r') ? wanted.slice(0, -3) : undefined
  return (
    describe.fields.find((f) => f.relationshipName?.toLowerCase() === wanted) ??
    describe.fields.find((f) => standard && f.relationshipName?.toLowerCase() === standard)
  )
}

function findDescribe(
  describes: ReadonlyMap<string, SObjectDescribe | undefined>,
  name: string,
): SObjectDescribe | undefined {
  const direct = describes.get(name)
  if (direct) return direct
  for (const describe of describes.values()) {
    if (describe?.name.toLowerCase() === name.toLowerCase()) return describe
  }
  return undefined
}

/** The parent objects a mapping's `Relationship.Field` columns need described. */
export function lookupParents(mapping: Mapping, describe: SObjectDescribe): string[] {
  const parents = new Set<string>()
  for (const { field } of mapping.fields) {
    const relationship = field.includes('.') ? field.split('.')[0] : undefined
    if (!relationship) continue
    const reference = findRelationship(describe, relationship)
    if (reference?.referenceTo[0]) parents.add(reference.referenceTo[0])
  }
  return [...parents]
}

/** The columns a push may send: mapped fields Salesforce lets the integration create or update. */
function writable(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => !c.system && (c.createable || c.updateable))
}

function toColumn(field: FieldDescribe, column: string, system: boolean): ColumnSpec {
  return {
    field: field.name,
    column,
    sfType: field.type,
    pgType: columnTypeFor(field),
    createable: field.createable,
    updateable: field.updateable,
    system,
    calculated: field.calculated || undefined,
    precision: field.precision || undefined,
    scale: field.scale || undefined,
    digits: field.digits || undefined,
  }
}
