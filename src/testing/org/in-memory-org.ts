import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type {
  DeletedResult,
  DescribeGlobalResult,
  OrgLimits,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
  UpdatedResult,
} from '../../salesforce/salesforce-types.js'
import { executeSoql, type SoqlResult } from '../soql/execute-soql.js'
import type { SoqlDataSource } from '../soql/soql-data-source.js'
import { ApiUsageCounter } from './api-usage-counter.js'
import { ChangeEventLog } from './change-event-log.js'
import {
  type ChangeType,
  cdcChannel,
  cdcData,
  gapData,
  newTransactionKey,
  pushTopicData,
} from './change-event-payloads.js'
import { ComputedFields } from './computed-fields.js'
import { FaultInjector } from './fault-injector.js'
import {
  type FieldDefinition,
  objectDescribe,
  type SObjectDefinition,
} from './object-definition.js'
import { formatDatetime, OrgClock } from './org-clock.js'
import { type AppliedChange, type OrgWriteOptions, OrgWriter } from './org-writer.js'
import { compileTopic } from './pushtopic-matcher.js'
import { RecordStore } from './record-store.js'
import { makeId, to18 } from './salesforce-id.js'
import { SessionStore } from './session-store.js'
import { STANDARD_OBJECTS } from './standard-objects.js'

/** Options of {@link InMemoryOrg}. */
export interface InMemoryOrgOptions {
  /** Custom objects (or replacements of standard ones by name). */
  readonly objects?: readonly SObjectDefinition[]
  /** Start with Account, Contact, Opportunity, Lead, Case, User, PushTopic. @default true */
  readonly standardObjects?: boolean
  readonly clock?: OrgClock
  /** `DailyApiRequests` limit. @default 15000 */
  readonly dailyApiLimit?: number
  /** Change events kept for replay. @default 10000 */
  readonly eventRetention?: number
  /** API version of URLs in results. @default '60.0' */
  readonly apiVersion?: string
}

const DAY = 86_400_000

/**
 * A Salesforce org in memory, for tests: objects with realistic describes, server-set Ids and
 * timestamps from a controllable {@link OrgClock}, validation answered the way Salesforce answers
 * it, a recycle bin, SOQL, getUpdated/getDeleted, a change-event bus for PushTopic and Change Data
 * Capture, API limits, and fault injection. Serve it over HTTP with `SalesforceEmulator`, or use
 * it directly through `InMemorySalesforceAdapter`.
 *
 * @example
 * ```ts
 * const org = new InMemoryOrg()
 * const [id] = org.insert('Account', [{ Name: 'Acme' }])
 * org.modify('Account', id, { Industry: 'Energy' })
 * org.query("SELECT Name FROM Account WHERE Industry = 'Energy'").records
 * ```
 */
export class InMemoryOrg {
  readonly clock: OrgClock
  readonly orgId = '00D000000000001AAA'
  readonly userId: string
  readonly apiVersion: string
  readonly api: ApiUsageCounter
  readonly events: ChangeEventLog
  readonly faults = new FaultInjector()
  readonly sessions: SessionStore
  private readonly definitions = new Map<string, SObjectDefinition>()
  private readonly describes = new Map<string, SObjectDescribe>()
  private readonly store = new RecordStore()
  private readonly writer: OrgWriter
  private readonly createdAt: number
  private sequence = 0
  /** Custom change-event channels (`/data/<Name>__chn`) → the objects (lower case) they carry. */
  private readonly customChannels = new Map<string, Set<string>>()
  private commitNumber = 0

  constructor(options: InMemoryOrgOptions = {}) {
    this.clock = options.clock ?? new OrgClock()
    this.apiVersion = options.apiVersion ?? '60.0'
    this.api = new ApiUsageCounter(options.dailyApiLimit ?? 15_000)
    this.sessions = new SessionStore(this.orgId)
    this.events = new ChangeEventLog(options.eventRetention ?? 10_000, (channel) =>
      this.channelExists(channel),
    )
    this.createdAt = this.clock.now().getTime()
    for (const definition of options.standardObjects === false ? [] : STANDARD_OBJECTS)
      this.defineObject(definition)
    for (const definition of options.objects ?? []) this.defineObject(definition)
    // The integration user is the first record: its id is known before it exists.
    const userId = makeId('005', 1)
    this.userId = userId
    const computed = new ComputedFields((name) => this.definitions.get(name.toLowerCase()))
    this.writer = new OrgWriter({
      store: this.store,
      clock: this.clock,
      faults: this.faults,
      get userId() {
        return userId
      },
      describe: (name) => this.describe(name),
      nextSequence: () => ++this.sequence,
      computeFields: (name, record, operation) => computed.apply(name, record, operation),
      lookups: {
        objectOf: (id) => {
          const stored = this.store.get(id)
          return stored && !stored.purged && stored.record.IsDeleted === false
            ? stored.objectName
            : undefined
        },
        findByField: (object, field, value) => this.store.findByField(object, field, value),
      },
    })
    this.userId = this.describes.has('user')
      ? (this.insert('User', [integrationUser()])[0] as string)
      : makeId('005', 0)
    Object.assign(this.writer, {
      context: { ...(this.writer as unknown as { context: object }).context, userId: this.userId },
    })
  }

  /** Adds (or replaces) an object. */
  defineObject(definition: SObjectDefinition): void {
    this.definitions.set(definition.name.toLowerCase(), definition)
    this.rebuildDescribes()
  }

  /** Adds a field to an object (existing records get `null`). */
  addField(objectName: string, field: FieldDefinition): void {
    const definition = this.definitions.get(objectName.toLowerCase())
    if (!definition) throw notFound()
    this.defineObject({ ...definition, fields: [...definition.fields, field] })
  }

  /**
   * Changes a field as an admin would in Setup (a longer text, a number that becomes a decimal, a
   * picklist that grows…): the describe answers the new definition at once, and writes are checked
   * against it. Stored values stay as they are. `NOT_FOUND` for an unknown object or field (system
   * fields cannot be changed).
   */
  changeField(
    objectName: string,
    fieldName: string,
    changes: Partial<Omit<FieldDefinition, 'name'>>,
  ): void {
    const definition = this.definitions.get(objectName.toLowerCase())
    const index = definition?.fields.findIndex(
      (f) => f.name.toLowerCase() === fieldName.toLowerCase(),
    )
    const field = index === undefined ? undefined : definition?.fields[index]
    if (!definition || index === undefined || !field) throw notFound()
    const fields = [...definition.fields]
    fields[index] = { ...field, ...changes, name: field.name } as FieldDefinition
    this.defineObject({ ...definition, fields })
  }

  /**
   * Deletes a field as an admin would: it leaves the describe, SOQL that names it fails with
   * `INVALID_FIELD` ("No such column"), so does a write that sets it, and records lose its values.
   * `NOT_FOUND` for an unknown object or field (system fields cannot be deleted).
   */
  removeField(objectName: string, fieldName: string): void {
    const definition = this.definitions.get(objectName.toLowerCase())
    const field = definition?.fields.find((f) => f.name.toLowerCase() === fieldName.toLowerCase())
    if (!definition || !field) throw notFound()
    this.defineObject({ ...definition, fields: definition.fields.filter((f) => f !== field) })
    for (const record of [...this.store.records(definition.name, true)]) {
      const stored = this.store.get(record.Id as string)
      if (!stored || !(field.name in stored.record)) continue
      const { [field.name]: _, ...rest } = stored.record
      this.store.replace(stored, rest)
    }
  }

  /** `describeGlobal()`: every object. */
  describeGlobal(): DescribeGlobalResult {
    const sobjects = [...this.describes.values()].map(
      ({ fields: _, childRelationships: __, ...summary }) => summary,
    )
    return { encoding: 'UTF-8', maxBatchSize: 200, sobjects }
  }

  /** One object's describe; `NOT_FOUND` (404) for an unknown object. */
  describe(objectName: string): SObjectDescribe {
    const describe = this.describes.get(objectName.toLowerCase())
    if (!describe) throw notFound()
    return describe
  }

  /** Creates records (≤ 200): one result per record. */
  create(
    objectName: string,
    records: readonly SObjectRecord[],
    options: OrgWriteOptions = {},
  ): SaveResult[] {
    return this.commit('create', objectName, records, options)
  }

  /** Updates records by `Id` (≤ 200). */
  update(
    objectName: string,
    records: readonly SObjectRecord[],
    options: OrgWriteOptions = {},
  ): SaveResult[] {
    return this.commit('update', objectName, records, options)
  }

  /** Inserts or updates records matched on an External ID field (≤ 200). */
  upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options: OrgWriteOptions = {},
  ): SaveResult[] {
    return this.commit('upsert', objectName, records, { ...options, externalIdField })
  }

  /** Deletes records to the recycle bin (≤ 200). */
  delete(objectName: string, ids: readonly string[], options: OrgWriteOptions = {}): SaveResult[] {
    return this.commit('delete', objectName, ids, options)
  }

  /** Restores records from the recycle bin. */
  undelete(ids: readonly string[], options: OrgWriteOptions = {}): SaveResult[] {
    return this.commit('undelete', undefined, ids, options)
  }

  /** Empties the recycle bin (all, or the given ids): gone from `queryAll`, still in `getDeleted`. */
  emptyRecycleBin(ids?: readonly string[]): void {
    const wanted = ids ? new Set(ids.map(to18)) : undefined
    for (const describe of this.describes.values()) {
      for (const record of [...this.store.records(describe.name, true)]) {
        if (record.IsDeleted === true && (!wanted || wanted.has(record.Id as string))) {
          const stored = this.store.get(record.Id as string)
          if (stored) stored.purged = true
        }
      }
    }
  }

  /** Runs SOQL; the whole result (callers page it). `includeDeleted` is `queryAll`. */
  query(soql: string, options: { includeDeleted?: boolean } = {}): SoqlResult {
    return executeSoql(soql, this.soqlSource, options)
  }

  /** Ids of records created or updated in `[start, end)` (minute precision, last 30 days). */
  getUpdated(objectName: string, start: Date, end: Date): UpdatedResult {
    const describe = this.describe(objectName)
    const [from, to] = this.replicationWindow(start, end)
    const ids: string[] = []
    for (const record of this.store.records(describe.name, false)) {
      const stamp = Date.parse(String(record.SystemModstamp).replace('+0000', 'Z'))
      if (stamp >= from && stamp < to) ids.push(record.Id as string)
    }
    return { ids, latestDateCovered: formatDatetime(to) }
  }

  /** Records deleted in `[start, end)`, including those purged from the recycle bin since. */
  getDeleted(objectName: string, start: Date, end: Date): DeletedResult {
    const describe = this.describe(objectName)
    const [from, to] = this.replicationWindow(start, end)
    const deletedRecords = this.store.deletionsOf(describe.name).filter((d) => {
      const ms = Date.parse(d.deletedDate.replace('+0000', 'Z'))
      return ms >= from && ms < to
    })
    return {
      deletedRecords,
      earliestDateAvailable: formatDatetime(
        Math.max(this.createdAt, this.clock.now().getTime() - 15 * DAY),
      ),
      latestDateCovered: formatDatetime(to),
    }
  }

  /** The org's limits (`/limits`). */
  limits(): OrgLimits {
    const unlimited = { Max: 10_000, Remaining: 10_000 }
    return {
      DailyApiRequests: {
        Max: this.api.limit,
        Remaining: Math.max(0, this.api.limit - this.api.used),
      },
      DailyBulkApiBatches: { Max: 15_000, Remaining: 15_000 },
      DailyBulkV2QueryJobs: unlimited,
      DailyBulkV2QueryFileStorageMB: { Max: 976_562, Remaining: 976_562 },
      DailyStreamingApiEvents: { Max: 1_000_000, Remaining: 1_000_000 },
      DataStorageMB: { Max: 1024, Remaining: 1024 },
    }
  }

  /**
   * Test convenience: creates records as a user in the UI would (no API usage, no faults), any
   * number at once. Returns the new ids; throws the first record error.
   */
  insert(objectName: string, records: readonly SObjectRecord[]): string[] {
    const { results } = this.writeUnlimited('create', objectName, records)
    return results.map((r) => r.id as string)
  }

  /** Test convenience: changes one record as another user would. */
  modify(objectName: string, id: string, changes: SObjectRecord): void {
    this.writeUnlimited('update', objectName, [{ ...changes, Id: id }])
  }

  /**
   * Test convenience: sets fields of one record the way Salesforce recalculates formula and
   * roll-up fields — the stored value changes, and nothing else does: no SystemModstamp or
   * LastModifiedDate bump, no change event, no API call, no validation (any field, writable or
   * not). For tests of drift that polls cannot see (`engine.verify()`).
   */
  recalculate(objectName: string, id: string, values: SObjectRecord): void {
    const stored = this.store.get(to18(id))
    const describe = this.describe(objectName)
    if (!stored || stored.purged || stored.objectName !== describe.name) throw notFound()
    const fields = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f.name]))
    const changes: SObjectRecord = {}
    for (const [name, value] of Object.entries(values)) {
      const field = fields.get(name.toLowerCase())
      if (!field) throw new RangeError(`${describe.name} has no field ${name}`)
      changes[field] = value
    }
    this.store.replace(stored, { ...stored.record, ...changes })
  }

  /** Test convenience: deletes one record (to the recycle bin). */
  remove(objectName: string, id: string): void {
    this.writeUnlimited('delete', objectName, [id])
  }

  /** Any record by id, deleted ones included (with `IsDeleted: true`). */
  get(id: string): SObjectRecord | undefined {
    const stored = this.store.get(to18(id))
    return stored && !stored.purged ? { ...stored.record } : undefined
  }

  /** Every record of an object (copies). */
  all(objectName: string, options: { includeDeleted?: boolean } = {}): SObjectRecord[] {
    return [
      ...this.store.records(this.describe(objectName).name, options.includeDeleted ?? false),
    ].map((r) => ({ ...r }))
  }

  /**
   * Defines a custom Change Data Capture channel (`/data/<Name>__chn`, as a
   * `PlatformEventChannel` with its members): from now on, the changes (and gap events) of the
   * objects named are published to it too, with their own replay ids, like `/data/ChangeEvents`.
   */
  defineChangeChannel(channel: string, objectNames: readonly string[]): void {
    if (!/^\/data\/[A-Za-z][A-Za-z0-9_]*__chn$/.test(channel))
      throw new SalesforceApiError(`Invalid channel name ${channel}: expected /data/<Name>__chn`, {
        errorCode: 'INVALID_INPUT',
        statusCode: 400,
      })
    const members = this.customChannels.get(channel) ?? new Set<string>()
    for (const name of objectNames) members.add(this.describe(name).name.toLowerCase())
    this.customChannels.set(channel, members)
  }

  /** Publishes a gap event (header only) for records, as Salesforce does for oversized changes. */
  publishGap(
    objectName: string,
    recordIds: readonly string[],
    changeType: ChangeType = 'GAP_UPDATE',
  ): void {
    const name = this.describe(objectName).name
    const at = this.clock.now().getTime()
    const ids = [...recordIds] // the payload is built when first read
    for (const channel of this.changeChannels(name)) {
      this.events.publish(channel, (replayId) => gapData(name, changeType, ids, at, replayId), name)
    }
  }

  /** Publishes a `GAP_OVERFLOW` event (no record ids): consumers must resync the object. */
  publishOverflow(objectName: string): void {
    this.publishGap(objectName, [], 'GAP_OVERFLOW')
  }

  /** The SOQL engine's view of this org. */
  get soqlSource(): SoqlDataSource {
    return {
      describe: (name) => this.describes.get(name.toLowerCase()),
      records: (name, includeDeleted) => this.store.records(name, includeDeleted),
      recordsInIdOrder: (name, includeDeleted, range, descending) =>
        this.store.inIdOrder(name, includeDeleted, range, descending),
      recordById: (id) => {
        const stored = this.store.get(to18(id))
        return stored && !stored.purged
          ? { objectName: stored.objectName, record: stored.record }
          : undefined
      },
      now: () => this.clock.now(),
      apiVersion: this.apiVersion,
    }
  }

  private writeUnlimited(
    operation: 'create' | 'update' | 'delete',
    objectName: string,
    inputs: readonly (SObjectRecord | string)[],
  ) {
    const outcome = this.writer.write(operation, objectName, inputs, {
      enforceLimit: false,
      origin: '',
    })
    const failed = outcome.results.find((r) => !r.success)
    this.publishChanges(outcome.changes, '', this.userId)
    if (failed) {
      const error = failed.errors[0]
      throw new SalesforceApiError(error?.message ?? 'record rejected', {
        errorCode: error?.statusCode ?? 'UNKNOWN_EXCEPTION',
        statusCode: 400,
        fields: error?.fields,
      })
    }
    return outcome
  }

  private commit(
    operation: 'create' | 'update' | 'upsert' | 'delete' | 'undelete',
    objectName: string | undefined,
    inputs: readonly (SObjectRecord | string)[],
    options: OrgWriteOptions & { externalIdField?: string },
  ): SaveResult[] {
    const { results, changes } = this.writer.write(operation, objectName, inputs, options)
    this.publishChanges(changes, options.origin ?? '', options.userId ?? this.userId)
    return results
  }

  private publishChanges(changes: readonly AppliedChange[], origin: string, userId: string): void {
    if (changes.length === 0) return
    const transactionKey = newTransactionKey()
    const commitTimestamp = this.clock.now().getTime()
    const commitNumber = ++this.commitNumber
    const topics = [...this.store.records('PushTopic', false)]
      .filter((t) => t.IsActive !== false)
      .flatMap((t) => compileTopic(t, this.soqlSource) ?? [])
    changes.forEach((change, index) => {
      const full = {
        ...change,
        origin,
        userId,
        transactionKey,
        sequenceNumber: index + 1,
        commitTimestamp,
        commitNumber,
      }
      for (const channel of this.changeChannels(change.objectName)) {
        this.events.publish(channel, (replayId) => cdcData(full, replayId), change.objectName)
      }
      for (const topic of topics) {
        const kind = change.changeType as 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE'
        if (
          topic.objectName !== change.objectName ||
          !topic.notify[kind] ||
          !topic.matches(change.record)
        )
          continue
        this.events.publish(`/topic/${topic.name}`, (replayId) =>
          pushTopicData(full, topic.fields, replayId),
        )
      }
    })
  }

  /** The channels an object's change events go to: its own, `/data/ChangeEvents`, custom ones. */
  private changeChannels(objectName: string): string[] {
    const custom = [...this.customChannels]
      .filter(([, members]) => members.has(objectName.toLowerCase()))
      .map(([channel]) => channel)
    return [cdcChannel(objectName), '/data/ChangeEvents', ...custom]
  }

  private channelExists(channel: string): boolean {
    if (channel === '/data/ChangeEvents' || this.customChannels.has(channel)) return true
    if (channel.startsWith('/data/'))
      return [...this.describes.values()].some((d) => cdcChannel(d.name) === channel)
    if (channel.startsWith('/topic/')) {
      const name = channel.slice('/topic/'.length)
      return [...this.store.records('PushTopic', false)].some(
        (t) => t.Name === name && t.IsActive !== false,
      )
    }
    return false
  }

  private replicationWindow(start: Date, end: Date): [number, number] {
    const floor = (d: Date) => Math.floor(d.getTime() / 60_000) * 60_000
    const from = floor(start)
    const to = Math.min(floor(end), this.clock.now().getTime())
    if (from < this.clock.now().getTime() - 30 * DAY || to <= from) {
      throw new SalesforceApiError('startDate must be within the last 30 days and before endDate', {
        errorCode: 'INVALID_REPLICATION_DATE',
        statusCode: 400,
      })
    }
    return [from, to]
  }

  private rebuildDescribes(): void {
    this.describes.clear()
    const definitions = [...this.definitions.values()]
    for (const definition of definitions) {
      const children = definitions.flatMap((child) =>
        child.fields
          .filter(
            (f) =>
              f.type === 'reference' &&
              f.childRelationshipName &&
              f.referenceTo?.includes(definition.name),
          )
          .map((f) => ({
            childSObject: child.name,
            field: f.name,
            relationshipName: f.childRelationshipName ?? null,
            cascadeDelete: false,
            restrictedDelete: false,
            deprecatedAndHidden: false,
          })),
      )
      const describe = objectDescribe(definition, children, this.apiVersion)
      this.describes.set(definition.name.toLowerCase(), describe)
      this.store.indexFields(describe)
    }
  }
}

function notFound(): SalesforceApiError {
  return new SalesforceApiError('The requested resource does not exist', {
    errorCode: 'NOT_FOUND',
    statusCode: 404,
  })
}

function integrationUser(): SObjectRecord {
  return {
    Username: 'integration@pgforce.test',
    LastName: 'Integration',
    FirstName: 'pgforce',
    Email: 'integration@pgforce.test',
    Alias: 'pgforce',
  }
}
