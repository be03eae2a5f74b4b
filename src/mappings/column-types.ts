import type { FieldDescribe, FieldType } from '../salesforce/salesforce-types.js'

/**
 * Postgres column type for a Salesforce field, as Heroku Connect maps it (reference
 * heroku-connect.md §1.8): ids and lookups `varchar(18)`, text and picklists `varchar(n)` with
 * the field's length (`Industry` is `varchar(40)`, custom picklists `varchar(255)`),
 * multi-select picklists `varchar(4099)` (Salesforce's length for every one of them), numbers
 * `double precision`, datetimes `timestamp` (UTC, no time zone), and so on.
 */
export function columnTypeFor(field: Pick<FieldDescribe, 'type' | 'length'>): string {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'varchar(18)'
    case 'string':
    case 'encryptedstring':
    case 'combobox':
    case 'picklist':
      return `varchar(${Math.max(1, field.length || 255)})`
    case 'multipicklist':
      return 'varchar(4099)'
    case 'textarea':
      return field.length > 255 ? 'text' : 'varchar(255)'
    case 'email':
      return 'varchar(80)'
    case 'phone':
      return 'varchar(40)'
    case 'url':
      return 'varchar(255)'
    case 'boolean':
      return 'boolean'
    case 'int':
      return 'integer'
    case 'double':
    case 'currency':
    case 'percent':
      return 'double precision'
    case 'date':
      return 'date'
    case 'datetime':
      return 'timestamp'
    case 'time':
      return 'time'
    case 'anyType':
      return 'text'
    case 'base64':
    case 'address':
    case 'location':
      throw new RangeError(
        `Salesforce type ${field.type} has no column type; validate mappings first`,
      )
  }
}

/** Salesforce types pgforce cannot sync (compound and binary fields). */
export const UNSUPPORTED_FIELD_TYPES: ReadonlySet<FieldType> = new Set([
  'base64',
  'address',
  'location',
])
