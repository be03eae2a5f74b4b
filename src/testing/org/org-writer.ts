import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type {
  RecordError,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
} from '../../salesforce/salesforce-types.js'
import type { ChangeType } from './change-event-payloads.js'
import type { FaultInjector } from './fault-injector.js'
import type { OrgClock } from './org-clock.js'
import type { RecordStore, StoredRecord } from './record-store.js'
import { type LookupResolver, prepareRecord } from './record-validator.js'
import { isSalesforceId, makeId, to18 } from './salesforce-id.js'

/** Options of the org's write calls. */
export interface OrgWriteOptions {
  /** Roll everything back when one record fails (sObject Collections `allOrNone`). */
  readonly allOrNone?: boolean
  /** `changeOrigin` of the change events, e.g. `com/salesforce/api/rest/60.0;client=pgforce`. */
  readonly origin?: string
  /** User the change is made as (default: the org's integration user). */
  readonly userId?: string
}

/** A change the writer made, for the event log. */
export interface AppliedChange {
  readonly objectName: string
  readonly changeType: ChangeType
  readonly record: SObjectRecord
  readonly changedFields: readonly string[]
}

/** What the writer needs from the org. @internal */
export interface WriterContext {
  readonly store: RecordStore
  readonly clock: OrgClock
  readonly faults: FaultInjector
  readonly lookups: LookupResolver
  readonly userId: string
  describe(objectName: string): SObjectDescribe
  nextSequence(): number
  /** Sets the fields the org computes (formulas, auto-numbers) on a record being written. */
  computeFields(objectName: string, record: SObjectRecord, operation: 'create' | 'update'): void
}

type Step = { result: SaveResult; apply?: () => AppliedChange }

const MAX_RECORDS = 200

/**
 * The org's DML: validates a batch of records, then applies all of it or, with `allOrNone`,
 * nothing when one record fails. Returns Salesforce's per-record results (in request order) and
 * the changes applied, for the event log.
 * @internal
 */
export class OrgWriter {
  private readonly context: WriterContext

  constructor(context: WriterContext) {
    this.context = context
  }

  write(
    operation: 'create' | 'update' | 'upsert' | 'delete' | 'undelete',
    objectName: string | undefined,
    inputs: readonly (SObjectRecord | string)[],
    options: OrgWriteOptions & { externalIdField?: string; enforceLimit?: boolean },
  ): { results: SaveResult[]; changes: AppliedChange[] } {
    if (options.enforceLimit !== false && inputs.length > MAX_RECORDS) {
      throw new SalesforceApiError(
        'record limit reached. cannot submit more than 200 records into this call',
        {
          errorCode: 'EXCEEDED_ID_LIMIT',
          statusCode: 400,
        },
      )
    }
    const describe = objectName ? this.context.describe(objectName) : undefined
    const userId = options.userId ?? this.context.userId
    const claimed = new Map<string, string>()
    const steps: Step[] = inputs.map((input) =>
      this.step(operation, describe, input, options.externalIdField ?? '', userId, claimed),
    )
    if (options.allOrNone && steps.some((s) => !s.result.success)) {
      return {
        results: steps.map((s) =>
          s.result.success
            ? failedResult({
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: [],
              })
            : s.result,
        ),
        changes: [],
      }
    }
    const changes: AppliedChange[] = []
    for (const step of steps) {
      const change = step.apply?.()
      if (change) changes.push(change)
    }
    return { results: steps.map((s) => s.result), changes }
  }

  private step(
    operation: 'create' | 'update' | 'upsert' | 'delete' | 'undelete',
    describe: SObjectDescribe | undefined,
    input: SObjectRecord | string,
    externalIdField: string,
    userId: string,
    claimed: Map<string, string>,
  ): Step {
    const name = describe?.name ?? this.objectOfInput(input)
    const fault = this.context.faults.takeRecordFault(
      name,
      operation === 'undelete' ? 'update' : operation,
    )
    if (fault) return failed(fault)
    switch (operation) {
      case 'create':
        return this.create(describe as SObjectDescribe, input as SObjectRecord, userId, claimed)
      case 'update':
        return this.update(describe as SObjectDescribe, input as SObjectRecord, userId, claimed)
      case 'upsert':
        return this.upsert(
          describe as SObjectDescribe,
          input as SObjectRecord,
          externalIdField,
          userId,
          claimed,
        )
      case 'delete':
        return this.remove(String(input), userId)
      case 'undelete':
        return this.undelete(String(input), userId)
    }
  }

  private objectOfInput(input: SObjectRecord | string): string {
    return typeof input === 'string' ? (this.context.store.get(to18(input))?.objectName ?? '') : ''
  }

  private create(
    describe: SObjectDescribe,
    input: SObjectRecord,
    userId: string,
    claimed: Map<string, string>,
  ): Step {
    const prepared = prepareRecord(describe, input, 'create', this.context.lookups)
    if ('error' in prepared) return failed(prepared.error)
    const id = makeId(describe.keyPrefix ?? '000', this.context.nextSequence())
    const duplicate = this.checkUnique(describe, prepared.values, undefined, claimed, id)
    if (duplicate) return failed(duplicate)
    const stamp = this.context.clock.stamp()
    const record: SObjectRecord = {}
    for (const field of describe.fields) {
      record[field.name] = field.defaultValue ?? null
      if (field.type === 'boolean') record[field.name] = field.defaultValue === true
    }
    Object.assign(record, prepared.values, {
      Id: id,
      IsDeleted: false,
      CreatedDate: stamp,
      CreatedById: userId,
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
    })
    if ('OwnerId' in record && !record.OwnerId) record.OwnerId = userId
    computeName(describe, record)
    this.context.computeFields(describe.name, record, 'create')
    return {
      result: { id, success: true, errors: [] },
      apply: () => {
        this.context.store.add(describe.name, record)
        return { objectName: describe.name, changeType: 'CREATE', record, changedFields: [] }
      },
    }
  }

  private update(
    describe: SObjectDescribe,
    input: SObjectRecord,
    userId: string,
    claimed: Map<string, string>,
  ): Step {
    const rawId = String(input.Id ?? input.id ?? '')
    const found = this.findLive(rawId, describe.name)
    if ('error' in found) return failed(found.error)
    const prepared = prepareRecord(describe, input, 'update', this.context.lookups)
    if ('error' in prepared) return failed(prepared.error)
    const stored = found.stored
    const duplicate = this.checkUnique(
      describe,
      prepared.values,
      stored.record.Id as string,
      claimed,
      stored.record.Id as string,
    )
    if (duplicate) return failed(duplicate)
    return {
      result: { id: stored.record.Id as string, success: true, errors: [] },
      apply: () => this.applyUpdate(describe, stored, prepared.values, userId),
    }
  }

  private upsert(
    describe: SObjectDescribe,
    input: SObjectRecord,
    externalIdField: string,
    userId: string,
    claimed: Map<string, string>,
  ): Step {
    const field = describe.fields.find(
      (f) => f.name.toLowerCase() === externalIdField.toLowerCase(),
    )
    if (!field || !(field.externalId || field.idLookup)) {
      throw new SalesforceApiError(
        `Provided external ID field does not exist or is not accessible: ${externalIdField}`,
        {
          errorCode: 'NOT_FOUND',
          statusCode: 404,
        },
      )
    }
    const key = Object.keys(input).find((k) => k.toLowerCase() === field.name.toLowerCase())
    const value = key ? input[key] : undefined
    if (value === undefined || value === null || value === '') {
      return failed({
        statusCode: 'MISSING_ARGUMENT',
        message: `${field.name} not specified`,
        fields: [field.name],
      })
    }
    const matches =
      field.name === 'Id'
        ? [to18(String(value))].filter((id) => this.context.store.get(id))
        : this.context.store.findByField(describe.name, field.name, value)
    if (matches.length > 1) {
      return failed({
        statusCode: 'DUPLICATE_EXTERNAL_ID',
        message: `${field.name}: more than one record found for external id field: [${matches.join(', ')}]`,
        fields: [field.name],
      })
    }
    const claimKey = `${field.name}:${String(value).toLowerCase()}`
    if (claimed.has(claimKey)) {
      return failed({
        statusCode: 'DUPLICATE_EXTERNAL_ID',
        message: `${field.name}: duplicate value in this request: ${String(value)}`,
        fields: [field.name],
      })
    }
    const match = matches[0]
    if (match === undefined) {
      const step = this.create(describe, input, userId, claimed)
      if (!step.result.success) return step
      claimed.set(claimKey, step.result.id as string)
      return { ...step, result: { ...step.result, created: true } }
    }
    const { [key as string]: _, ...rest } = input
    const step = this.update(describe, { ...rest, Id: match }, userId, claimed)
    claimed.set(claimKey, match)
    return step.result.success ? { ...step, result: { ...step.result, created: false } } : step
  }

  private remove(rawId: string, userId: string): Step {
    const found = this.findLive(rawId, undefined)
    if ('error' in found) return failed(found.error)
    const stored = found.stored
    return {
      result: { id: stored.record.Id as string, success: true, errors: [] },
      apply: () => {
        const stamp = this.context.clock.stamp()
        this.context.store.replace(stored, {
          ...stored.record,
          IsDeleted: true,
          SystemModstamp: stamp,
          LastModifiedById: userId,
        })
        this.context.store.recordDeletion(stored.objectName, {
          id: stored.record.Id as string,
          deletedDate: stamp,
        })
        return {
          objectName: stored.objectName,
          changeType: 'DELETE',
          record: stored.record,
          changedFields: [],
        }
      },
    }
  }

  private undelete(rawId: string, userId: string): Step {
    const stored = isSalesforceId(rawId) ? this.context.store.get(to18(rawId)) : undefined
    if (!stored || stored.purged || stored.record.IsDeleted !== true) {
      return failed({
        statusCode: 'UNDELETE_FAILED',
        message: 'Entity is not in the recycle bin',
        fields: [],
      })
    }
    return {
      result: { id: stored.record.Id as string, success: true, errors: [] },
      apply: () => {
        const stamp = this.context.clock.stamp()
        this.context.store.replace(stored, {
          ...stored.record,
          IsDeleted: false,
          SystemModstamp: stamp,
          LastModifiedDate: stamp,
          LastModifiedById: userId,
        })
        return {
          objectName: stored.objectName,
          changeType: 'UNDELETE',
          record: stored.record,
          changedFields: [],
        }
      },
    }
  }

  private applyUpdate(
    describe: SObjectDescribe,
    stored: StoredRecord,
    values: Record<string, unknown>,
    userId: string,
  ): AppliedChange {
    const stamp = this.context.clock.stamp()
    const changedFields = Object.keys(values).filter((name) => stored.record[name] !== values[name])
    const record: SObjectRecord = {
      ...stored.record,
      ...values,
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
    }
    computeName(describe, record)
    this.context.computeFields(describe.name, record, 'update')
    this.context.store.replace(stored, record)
    return { objectName: describe.name, changeType: 'UPDATE', record, changedFields }
  }

  private findLive(
    rawId: string,
    objectName: string | undefined,
  ): { stored: StoredRecord } | { error: RecordError } {
    if (!isSalesforceId(rawId))
      return { error: { statusCode: 'MALFORMED_ID', message: `malformed id ${rawId}`, fields: [] } }
    const stored = this.context.store.get(to18(rawId))
    if (stored && objectName && stored.objectName !== objectName) {
      return {
        error: {
          statusCode: 'MALFORMED_ID',
          message: `${objectName} ID: id value of incorrect type: ${rawId}`,
          fields: ['Id'],
        },
      }
    }
    if (!stored || stored.purged)
      return {
        error: {
          statusCode: 'INVALID_CROSS_REFERENCE_KEY',
          message: 'invalid cross reference id',
          fields: [],
        },
      }
    if (stored.record.IsDeleted === true)
      return {
        error: { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] },
      }
    return { stored }
  }

  /** DUPLICATE_VALUE for a unique field already taken by another record (or earlier in the batch). */
  private checkUnique(
    describe: SObjectDescribe,
    values: Record<string, unknown>,
    selfId: string | undefined,
    claimed: Map<string, string>,
    newId: string,
  ): RecordError | undefined {
    for (const field of describe.fields) {
      if (!field.unique) continue
      const value = values[field.name]
      if (value === null || value === undefined) continue
      const key = `${field.name}:${String(value).toLowerCase()}`
      const owner =
        claimed.get(key) ??
        this.context.store.findByField(describe.name, field.name, value).find((id) => id !== selfId)
      if (owner && owner !== selfId) {
        return {
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: ${field.name} duplicates value on record with id: ${owner}`,
          fields: [field.name],
        }
      }
      claimed.set(key, newId)
    }
    return undefined
  }
}

function failed(error: RecordError): Step {
  return { result: failedResult(error) }
}

function failedResult(error: RecordError): SaveResult {
  return { success: false, errors: [error] }
}

/** Compound names Salesforce computes: `Name` = FirstName + LastName on Contact, Lead, User. */
function computeName(describe: SObjectDescribe, record: SObjectRecord): void {
  const name = describe.fields.find((f) => f.name === 'Name')
  if (!name || name.createable || !('LastName' in record)) return
  record.Name =
    [record.FirstName, record.LastName]
      .filter((p) => p !== null && p !== undefined && p !== '')
      .join(' ') || null
}
