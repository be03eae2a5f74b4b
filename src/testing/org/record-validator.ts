import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import { parseSalesforceDatetime } from '../../salesforce/salesforce-datetime.js'
import type {
  FieldDescribe,
  RecordError,
  SObjectDescribe,
  SObjectRecord,
} from '../../salesforce/salesforce-types.js'
import { formatDatetime } from './org-clock.js'
import { isSalesforceId, to18 } from './salesforce-id.js'

/** How the validator looks up records for lookups. */
export interface LookupResolver {
  /** The object a record id belongs to, if the record exists (deleted ones excluded). */
  objectOf(id: string): string | undefined
  /** Ids of live records of `objectName` whose `field` equals `value`. */
  findByField(objectName: string, field: string, value: unknown): string[]
}

/** Values ready to store, or the record-level error Salesforce would answer. */
export type Prepared =
  | { readonly values: Record<string, unknown> }
  | { readonly error: RecordError }

const fail = (
  statusCode: string,
  message: string,
  fields: string[] = [],
): { error: RecordError } => ({
  error: { statusCode, message, fields },
})

/**
 * Checks and converts a record sent to create or update as Salesforce does: canonical field names,
 * typed values, length and picklist limits, createable/updateable, lookups (by Id or by the
 * parent's external id, `{ Account: { External_Id__c: 'A-1' } }`), and required fields on create.
 * An unknown field fails the whole request (`INVALID_FIELD`, thrown); everything else is a
 * record-level error.
 */
export function prepareRecord(
  describe: SObjectDescribe,
  input: SObjectRecord,
  operation: 'create' | 'update',
  lookups: LookupResolver,
): Prepared {
  const values: Record<string, unknown> = {}
  const byName = fieldIndex(describe)
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'attributes' || (key.toLowerCase() === 'id' && operation === 'update')) continue
    const field = byName.get(key.toLowerCase())
    if (!field) {
      const relation = describe.fields.find(
        (f) => f.relationshipName?.toLowerCase() === key.toLowerCase(),
      )
      if (relation && typeof raw === 'object' && raw !== null) {
        const resolved = resolveParent(relation, raw as Record<string, unknown>, lookups)
        if ('error' in resolved) return resolved
        values[relation.name] = resolved.id
        continue
      }
      throw new SalesforceApiError(`No such column '${key}' on sobject of type ${describe.name}`, {
        errorCode: 'INVALID_FIELD',
        statusCode: 400,
        fields: [key],
      })
    }
    if (operation === 'create' ? !field.createable : !field.updateable) {
      return fail(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${operation} fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [field.name],
      )
    }
    const converted = convert(field, raw, lookups)
    if ('error' in converted) return converted
    values[field.name] = converted.value
  }
  if (operation === 'create') {
    const missing = describe.fields
      .filter(
        (f) =>
          f.createable && !f.nillable && !f.defaultedOnCreate && (values[f.name] ?? null) === null,
      )
      .map((f) => f.name)
    if (missing.length > 0)
      return fail(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      )
  } else {
    const nulled = Object.keys(values).filter(
      (name) => values[name] === null && !byName.get(name.toLowerCase())?.nillable,
    )
    if (nulled.length > 0)
      return fail(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${nulled.join(', ')}]`,
        nulled,
      )
  }
  return { values }
}

const indexes = new WeakMap<SObjectDescribe, Map<string, FieldDescribe>>()
function fieldIndex(describe: SObjectDescribe): Map<string, FieldDescribe> {
  let index = indexes.get(describe)
  if (!index) {
    index = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
    indexes.set(describe, index)
  }
  return index
}

function resolveParent(
  relation: FieldDescribe,
  value: Record<string, unknown>,
  lookups: LookupResolver,
): { id: string } | { error: RecordError } {
  const target = relation.referenceTo[0] ?? ''
  const [key, extValue] = Object.entries(value).find(([k]) => k !== 'attributes') ?? []
  if (!key)
    return fail('INVALID_FIELD', `No external ID given for ${relation.relationshipName}`, [
      relation.name,
    ])
  const ids = lookups.findByField(target, key, extValue)
  if (ids.length === 0) {
    return fail(
      'INVALID_FIELD',
      `Foreign key external ID: ${String(extValue)} not found for field ${key} in entity ${target}`,
      [relation.name],
    )
  }
  if (ids.length > 1) {
    return fail(
      'INVALID_FIELD',
      `More than 1 record found for external id field ${key} with value ${String(extValue)}`,
      [relation.name],
    )
  }
  return { id: ids[0] as string }
}

function convert(
  field: FieldDescribe,
  raw: unknown,
  lookups: LookupResolver,
): { value: unknown } | { error: RecordError } {
  if (raw === null || raw === undefined || raw === '') return { value: null }
  const wrongType = () =>
    fail(
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      `${field.label}: value not of required type: ${String(raw)}`,
      [field.name],
    )
  switch (field.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw }
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' }
      return wrongType()
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN
      if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) return wrongType()
      return { value: n }
    }
    case 'date': {
      const text = String(raw)
      if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text.slice(0, 10))))
        return wrongType()
      return { value: text.slice(0, 10) }
    }
    case 'datetime': {
      const ms = typeof raw === 'number' ? raw : (parseSalesforceDatetime(raw) ?? Number.NaN)
      if (Number.isNaN(ms)) return wrongType()
      return { value: formatDatetime(ms) }
    }
    case 'id':
    case 'reference': {
      const id = String(raw)
      if (!isSalesforceId(id))
        return fail('MALFORMED_ID', `${field.label}: id value of incorrect type: ${id}`, [
          field.name,
        ])
      const object = lookups.objectOf(to18(id))
      if (!object || (field.referenceTo.length > 0 && !field.referenceTo.includes(object))) {
        return fail('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name])
      }
      return { value: to18(id) }
    }
    default: {
      if (typeof raw === 'object') return wrongType()
      const text = String(raw as string | number | boolean)
      if (field.length > 0 && text.length > field.length) {
        return fail(
          'STRING_TOO_LONG',
          `${field.label}: data value too large: ${text.slice(0, 80)} (max length=${field.length})`,
          [field.name],
        )
      }
      if (
        field.restrictedPicklist &&
        field.type === 'picklist' &&
        !field.picklistValues.some((p) => p.active && p.value === text)
      ) {
        return fail(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${text}`,
          [field.name],
        )
      }
      return { value: text }
    }
  }
}
