import { ConfigError, type ConfigProblem } from '../errors/config-error.js'
import { columnTypeFor, UNSUPPORTED_FIELD_TYPES } from '../postgres/column-types.js'
import type { FieldDescribe, SObjectDescribe } from '../salesforce/salesforce-types.js'
import { type Mapping, SYSTEM_FIELDS } from './mapping.js'
import type { ColumnSpec, MappingSchema } from './mapping-schema.js'

/**
 * Checks mappings against the org's describes and returns their {@link MappingSchema}s, or
 * throws one `ConfigError` listing every problem of every mapping: unknown object or field, a
 * field a read/write mapping cannot write, an external id that is not an External ID field,
 * unsupported field types.
 *
 * @param describes the describe of each mapping's object, or `undefined` when the org has no
 *   such object.
 */
export function planMappings(
  mappings: readonly Mapping[],
  describes: ReadonlyMap<string, SObjectDescribe | undefined>,
): MappingSchema[] {
  const problems: ConfigProblem[] = []
  const schemas: MappingSchema[] = []
  for (const mapping of mappings) {
    const describe = describes.get(mapping.object)
    const at = (path: string) => `mappings.${mapping.object}.${path}`
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
      const field = byName.get(name.toLowerCase())
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
      if (mapping.access === 'read_write' && !field.createable && !field.updateable) {
        problems.push({
          path: at(`fields.${name}`),
          expected:
            'a createable or updateable field on a read_write mapping (map read-only fields in a read_only mapping)',
          received: `a read-only ${field.calculated ? 'formula ' : ''}field`,
        })
        continue
      }
      columns.push(toColumn(field, column, false))
    }
    let externalId: string | undefined
    if (mapping.externalId) {
      const field = byName.get(mapping.externalId.toLowerCase())
      if (!field?.externalId) {
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
    const writableColumns = columns.filter((c) => !c.system && (c.createable || c.updateable))
    schemas.push({ mapping, object: describe.name, columns, writableColumns, externalId })
  }
  if (problems.length > 0) throw new ConfigError(problems, 'mappings for this org')
  return schemas
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
  }
}
