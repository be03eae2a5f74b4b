import { randomUUID } from 'node:crypto'
import type { SObjectRecord } from '../../salesforce/salesforce-types.js'

/** Change Data Capture change types. */
export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW'

/** One committed change of one record, as the org describes it to the event builders. */
export interface RecordChange {
  readonly objectName: string
  readonly changeType: ChangeType
  /** The record after the change (before it, for deletes). */
  readonly record: SObjectRecord
  /** Fields whose value changed (updates), in canonical casing. */
  readonly changedFields: readonly string[]
  readonly origin: string
  readonly userId: string
  readonly transactionKey: string
  readonly sequenceNumber: number
  readonly commitTimestamp: number
  readonly commitNumber: number
}

/** CDC channel of an object: `/data/AccountChangeEvent`, `/data/Foo__ChangeEvent` for `Foo__c`. */
export function cdcChannel(objectName: string): string {
  return `/data/${objectName.replace(/__c$/, '__')}ChangeEvent`
}

/** A transaction key for one write call. */
export function newTransactionKey(): string {
  return randomUUID()
}

const SKIP_ON_CREATE = new Set(['attributes', 'Id', 'IsDeleted', 'SystemModstamp'])

/** The CDC `data` of a change: header plus changed (UPDATE) or all non-null (CREATE) fields. */
export function cdcData(change: RecordChange, replayId: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  const nulledFields: string[] = []
  if (change.changeType === 'CREATE') {
    for (const [key, value] of Object.entries(change.record)) {
      if (!SKIP_ON_CREATE.has(key) && value !== null && value !== undefined) fields[key] = value
    }
  } else if (change.changeType === 'UPDATE') {
    for (const key of change.changedFields) {
      const value = change.record[key] ?? null
      if (value === null) nulledFields.push(key)
      else fields[key] = value
    }
    fields.LastModifiedDate = change.record.LastModifiedDate
  }
  return {
    schema: `pgforce-${change.objectName}`,
    payload: {
      ChangeEventHeader: {
        entityName: change.objectName,
        recordIds: [change.record.Id],
        changeType: change.changeType,
        changeOrigin: change.origin,
        transactionKey: change.transactionKey,
        sequenceNumber: change.sequenceNumber,
        commitTimestamp: change.commitTimestamp,
        commitNumber: change.commitNumber,
        commitUser: change.userId,
        nulledFields,
        diffFields: [],
        changedFields:
          change.changeType === 'UPDATE' ? [...change.changedFields, 'LastModifiedDate'] : [],
      },
      ...fields,
    },
    event: { replayId },
  }
}

/** The CDC `data` of a gap or overflow event: a header only. */
export function gapData(
  objectName: string,
  changeType: ChangeType,
  recordIds: readonly string[],
  commitTimestamp: number,
  replayId: number,
): Record<string, unknown> {
  return {
    schema: `pgforce-${objectName}`,
    payload: {
      ChangeEventHeader: {
        entityName: objectName,
        recordIds,
        changeType,
        changeOrigin: '',
        transactionKey: newTransactionKey(),
        sequenceNumber: 1,
        commitTimestamp,
        commitNumber: 0,
        commitUser: '',
        nulledFields: [],
        diffFields: [],
        changedFields: [],
      },
    },
    event: { replayId },
  }
}

/** The PushTopic `data` of a change: event type plus the topic's selected fields. */
export function pushTopicData(
  change: RecordChange,
  fields: readonly string[],
  replayId: number,
): Record<string, unknown> {
  const type = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' }[
    change.changeType as 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE'
  ]
  const sobject: Record<string, unknown> = { Id: change.record.Id }
  if (change.changeType !== 'DELETE')
    for (const field of fields) sobject[field] = change.record[field] ?? null
  return {
    event: { createdDate: new Date(change.commitTimestamp).toISOString(), replayId, type },
    sobject,
  }
}
