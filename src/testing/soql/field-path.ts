import type {
  FieldDescribe,
  SObjectDescribe,
  SObjectRecord,
} from '../../salesforce/salesforce-types.js'
import type { SoqlDataSource } from './soql-data-source.js'
import { soqlError } from './soql-error.js'

/** A resolved field path such as `Name` or `Account.Owner.Name`. */
export interface FieldPath {
  /** Canonical names of the path's parts, e.g. `['Account', 'Owner', 'Name']`. */
  readonly names: readonly string[]
  /** Describe of the last field. */
  readonly field: FieldDescribe
  /** Reads the value from a record of the query's object (`null` when a lookup on the way is empty). */
  read(record: SObjectRecord): unknown
  /** The parent records on the way (for nesting in results): one entry per relationship hop. */
  readonly hops: readonly { readonly relationship: string; readonly referenceField: string }[]
}

/**
 * Resolves a dotted field path against an object's describe, following lookups by relationship
 * name (`Owner` → `OwnerId` → the User record). Unknown names are refused the way Salesforce
 * refuses them (`INVALID_FIELD`).
 */
export function resolveFieldPath(
  source: SoqlDataSource,
  describe: SObjectDescribe,
  path: string,
): FieldPath {
  const parts = path.split('.')
  const names: string[] = []
  const hops: { relationship: string; referenceField: string }[] = []
  let current = describe
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1
    if (last) {
      const field = current.fields.find((f) => f.name.toLowerCase() === part.toLowerCase())
      if (!field) {
        throw soqlError(
          'INVALID_FIELD',
          `No such column '${part}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        )
      }
      names.push(field.name)
      const getters = hops.map((h) => h.referenceField)
      const name = field.name
      return {
        names,
        field,
        hops,
        read: (record) => {
          let target: SObjectRecord | undefined = record
          for (const reference of getters) {
            const id: unknown = target?.[reference]
            target = typeof id === 'string' ? source.recordById(id)?.record : undefined
            if (!target) return null
          }
          return target[name] ?? null
        },
      }
    }
    const reference = current.fields.find(
      (f) => f.relationshipName?.toLowerCase() === part.toLowerCase(),
    )
    const target = reference?.referenceTo[0] ? source.describe(reference.referenceTo[0]) : undefined
    if (!reference || !target) {
      throw soqlError(
        'INVALID_FIELD',
        `Didn't understand relationship '${part}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      )
    }
    names.push(reference.relationshipName as string)
    hops.push({
      relationship: reference.relationshipName as string,
      referenceField: reference.name,
    })
    current = target
  }
  throw soqlError('MALFORMED_QUERY', `empty field path`)
}
