import { parseQuery } from '@jetstreamapp/soql-parser-js'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { SaveResult, SObjectRecord } from '../../salesforce/salesforce-types.js'
import type { InMemoryOrg } from '../org/in-memory-org.js'
import type { HttpExchange } from './http-exchange.js'

interface IngestJob {
  readonly id: string
  readonly object: string
  readonly operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete'
  readonly externalIdFieldName?: string
  state: 'Open' | 'UploadComplete' | 'JobComplete' | 'Aborted' | 'Failed'
  csv: string
  rows: Record<string, string>[]
  results: SaveResult[]
  columns: string[]
}

interface QueryJob {
  readonly id: string
  readonly object: string
  readonly operation: string
  readonly header: string[]
  /** One CSV line per record (no line end), written when the job is created. */
  readonly rows: string[]
  /** Status requests still answered `InProgress` (`org.faults.slowBulkQueries`). */
  inProgressPolls: number
}

/** What the Bulk 2.0 routes need. @internal */
export interface BulkContext {
  readonly org: InMemoryOrg
  readonly version: string
  readonly origin: string
}

/**
 * Bulk API 2.0 ingest and query jobs. A closed ingest job is processed at once (in chunks of 200
 * through the org, so validation and results are exactly those of collections); a query job runs
 * at creation and serves its CSV in pages (`maxRecords`, `locator`, `Sforce-Locator: null` on the
 * last page). @internal
 */
export class BulkJobs {
  private readonly ingest = new Map<string, IngestJob>()
  private readonly queries = new Map<string, QueryJob>()
  private next = 1

  async handle(x: HttpExchange, c: BulkContext, path: string): Promise<boolean> {
    const [, kind, id, part] =
      /^\/jobs\/(ingest|query)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path) ?? []
    if (kind === 'ingest') return this.handleIngest(x, c, id, part)
    if (kind === 'query') return this.handleQuery(x, c, id, part)
    return false
  }

  private async handleIngest(
    x: HttpExchange,
    c: BulkContext,
    id: string | undefined,
    part: string | undefined,
  ): Promise<boolean> {
    if (!id) return x.method === 'POST' && this.createIngest(x, c)
    const job = this.ingestJob(id)
    if (part === 'batches' && x.method === 'PUT') {
      if (job.state !== 'Open') {
        throw new SalesforceApiError('Job is not open', {
          errorCode: 'INVALIDJOBSTATE',
          statusCode: 409,
        })
      }
      job.csv += (job.csv ? '\n' : '') + (await x.text())
      x.sendEmpty(201)
      return true
    }
    if (
      part &&
      ['successfulResults', 'failedResults', 'unprocessedrecords'].includes(part) &&
      x.method === 'GET'
    ) {
      x.send(200, 'text/csv', results(job, part))
      return true
    }
    if (part) return false
    if (x.method === 'PATCH') {
      const { state } = await x.json<{ state: string }>()
      if (state === 'UploadComplete') this.process(job, c)
      else if (state === 'Aborted') job.state = 'Aborted'
    } else if (x.method === 'DELETE') {
      this.ingest.delete(job.id)
      x.sendEmpty(204)
      return true
    }
    x.sendJson(200, ingestInfo(job, c.version))
    return true
  }

  private async handleQuery(
    x: HttpExchange,
    c: BulkContext,
    id: string | undefined,
    part: string | undefined,
  ): Promise<boolean> {
    if (!id) return x.method === 'POST' && this.createQuery(x, c)
    const job = this.queryJob(id)
    if (part === 'results' && x.method === 'GET') {
      this.queryResults(x, job)
      return true
    }
    if (part) return false
    if (x.method === 'DELETE') {
      this.queries.delete(job.id)
      x.sendEmpty(204)
      return true
    }
    if (job.inProgressPolls > 0) {
      job.inProgressPolls -= 1
      x.sendJson(200, { ...queryInfo(job, c.version), state: 'InProgress' })
      return true
    }
    x.sendJson(200, { ...queryInfo(job, c.version), numberRecordsProcessed: job.rows.length })
    return true
  }

  private async createIngest(x: HttpExchange, c: BulkContext): Promise<boolean> {
    const body = await x.json<{
      object: string
      operation: IngestJob['operation']
      externalIdFieldName?: string
    }>()
    c.org.describe(body.object)
    const job: IngestJob = {
      id: this.id(),
      object: body.object,
      operation: body.operation,
      externalIdFieldName: body.externalIdFieldName,
      state: 'Open',
      csv: '',
      rows: [],
      results: [],
      columns: [],
    }
    this.ingest.set(job.id, job)
    x.sendJson(200, ingestInfo(job, c.version))
    return true
  }

  private process(job: IngestJob, c: BulkContext): void {
    const parsed = parse(job.csv, {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Record<string, string>[]
    job.rows = parsed
    job.columns = parsed[0] ? Object.keys(parsed[0]) : []
    const options = { origin: c.origin, allOrNone: false }
    for (let start = 0; start < parsed.length; start += 200) {
      const chunk = parsed.slice(start, start + 200).map(toRecord)
      switch (job.operation) {
        case 'insert':
          job.results.push(...c.org.create(job.object, chunk, options))
          break
        case 'update':
          job.results.push(...c.org.update(job.object, chunk, options))
          break
        case 'upsert':
          job.results.push(
            ...c.org.upsert(job.object, job.externalIdFieldName ?? '', chunk, options),
          )
          break
        default: {
          const ids = chunk.map((r) => String(r.Id))
          job.results.push(...c.org.delete(job.object, ids, options))
          if (job.operation === 'hardDelete') c.org.emptyRecycleBin(ids)
        }
      }
    }
    job.state = 'JobComplete'
  }

  private async createQuery(x: HttpExchange, c: BulkContext): Promise<boolean> {
    const body = await x.json<{ query: string; operation?: string }>()
    const result = c.org.query(body.query, { includeDeleted: body.operation === 'queryAll' })
    const first = result.records[0]
    const header = first ? Object.keys(flatten(first)) : queryFields(body.query)
    // Records without parent fields are read as they are; flattened when one has any (a first
    // record with an empty lookup gives a header without the parent's columns, as before).
    const nested = header.some((h) => h.includes('.'))
    const rows = result.records.map((record) => {
      const values: Record<string, unknown> = nested || hasObject(record) ? flatten(record) : record
      return header.map((h) => csvCell(values[h])).join(',')
    })
    const job: QueryJob = {
      id: this.id(),
      object: parseQuery(body.query).sObject ?? '',
      operation: body.operation ?? 'query',
      header,
      rows,
      inProgressPolls: c.org.faults.bulkQueryPollsInProgress,
    }
    this.queries.set(job.id, job)
    x.sendJson(200, { ...queryInfo(job, c.version), state: 'UploadComplete' })
    return true
  }

  private queryResults(x: HttpExchange, job: QueryJob): void {
    const offset = Number(x.url.searchParams.get('locator') ?? 0)
    const max = Number(x.url.searchParams.get('maxRecords') ?? 50_000)
    const page = job.rows.slice(offset, offset + max)
    const end = offset + page.length
    x.setHeader('Sforce-Locator', end < job.rows.length ? String(end) : 'null')
    x.setHeader('Sforce-NumberOfRecords', String(page.length))
    x.send(200, 'text/csv', queryCsv(job.header, page))
  }

  private ingestJob(id: string | undefined): IngestJob {
    const job = this.ingest.get(id ?? '')
    if (!job)
      throw new SalesforceApiError('The requested resource does not exist', {
        errorCode: 'NOT_FOUND',
        statusCode: 404,
      })
    return job
  }

  private queryJob(id: string | undefined): QueryJob {
    const job = this.queries.get(id ?? '')
    if (!job)
      throw new SalesforceApiError('The requested resource does not exist', {
        errorCode: 'NOT_FOUND',
        statusCode: 404,
      })
    return job
  }

  private id(): string {
    return `750${String(this.next++).padStart(12, '0')}AAA`
  }
}

/** A CSV row as a record: `#N/A` sets null, an empty cell sets nothing, `Parent.Ext__c` nests. */
function toRecord(row: Record<string, string>): SObjectRecord {
  const record: SObjectRecord = {}
  for (const [column, value] of Object.entries(row)) {
    if (value === '') continue
    const v = value === '#N/A' ? null : value
    const dot = column.indexOf('.')
    if (dot > 0) record[column.slice(0, dot)] = { [column.slice(dot + 1)]: v }
    else record[column] = v
  }
  return record
}

function results(job: IngestJob, kind: string): string {
  const pairs = job.rows.map((row, i) => [row, job.results[i]] as const)
  if (kind === 'successfulResults') {
    const ok = pairs.filter(([, r]) => r?.success)
    return stringify([
      ['sf__Id', 'sf__Created', ...job.columns],
      ...ok.map(([row, r]) => [
        r?.id ?? '',
        String(r?.created ?? job.operation === 'insert'),
        ...job.columns.map((c) => row[c] ?? ''),
      ]),
    ])
  }
  if (kind === 'failedResults') {
    const failed = pairs.filter(([, r]) => r && !r.success)
    return stringify([
      ['sf__Id', 'sf__Error', ...job.columns],
      ...failed.map(([row, r]) => {
        const e = r?.errors[0]
        return [
          '',
          `${e?.statusCode}:${e?.message}:${(e?.fields ?? []).join(',')} --`,
          ...job.columns.map((c) => row[c] ?? ''),
        ]
      }),
    ])
  }
  return stringify([job.columns])
}

function ingestInfo(job: IngestJob, version: string): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    state: job.state,
    externalIdFieldName: job.externalIdFieldName,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(version),
    jobType: 'V2Ingest',
    lineEnding: 'LF',
    columnDelimiter: 'COMMA',
    contentUrl: `services/data/v${version}/jobs/ingest/${job.id}/batches`,
    numberRecordsProcessed: job.results.length,
    numberRecordsFailed: job.results.filter((r) => !r.success).length,
  }
}

function queryInfo(job: QueryJob, version: string): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    state: 'JobComplete',
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(version),
    jobType: 'V2Query',
    lineEnding: 'LF',
    columnDelimiter: 'COMMA',
  }
}

/** Whether a record has a nested value other than `attributes` (a parent's fields). */
function hasObject(record: SObjectRecord): boolean {
  for (const key in record) {
    const value = record[key]
    if (value !== null && typeof value === 'object' && key !== 'attributes') return true
  }
  return false
}

function flatten(
  record: SObjectRecord,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue
    if (value !== null && typeof value === 'object')
      flatten(value as SObjectRecord, `${prefix}${key}.`, out)
    else out[`${prefix}${key}`] = value
  }
  return out
}

/**
 * A query result page as Bulk 2.0 writes it: a header row, then one row per record, every value in
 * double quotes (`""` for a quote inside), a null as an empty field, LF line ends. Written by hand
 * rather than with csv-stringify, which took most of the emulator's time on large loads.
 */
function queryCsv(header: readonly string[], rows: readonly string[]): string {
  const lines = [header.map(csvCell).join(','), ...rows]
  return `${lines.join('\n')}\n`
}

/** One CSV field: quoted, empty for null; datetimes as Bulk 2.0 writes them (`…Z`). */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (text === '') return ''
  if (text.endsWith('+0000') && DATETIME.test(text)) text = `${text.slice(0, -5)}Z`
  return `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T.*\+0000$/

function queryFields(soql: string): string[] {
  return (parseQuery(soql).fields ?? []).flatMap((f) =>
    f.type === 'Field' ? [f.field] : f.type === 'FieldRelationship' ? [f.rawValue ?? f.field] : [],
  )
}
