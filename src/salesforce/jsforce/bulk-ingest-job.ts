import { stringify } from 'csv-stringify/sync'
import type { Connection } from 'jsforce'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { BulkIngestRequest, BulkIngestResult } from '../salesforce-adapter.js'
import type { SaveResult } from '../salesforce-types.js'

interface JobInfo {
  id: string
  state: string
  errorMessage?: string
  numberRecordsProcessed?: number
  numberRecordsFailed?: number
}

type ResultRow = Record<string, string>

/** Job failures with no record processed: nothing reached Salesforce, sending again is safe. */
const NOTHING_PROCESSED = new WeakSet<Error>()

/**
 * Runs a Bulk 2.0 ingest job to the end (create → upload CSV → close → poll → results) and maps
 * every result row back to its input record. Results are not in upload order, so rows are matched
 * on `Id` (update, delete), on the external id (upsert), or on the uploaded row itself (insert;
 * identical rows get distinct results). @internal
 */
export async function runBulkIngest(
  conn: Connection,
  request: BulkIngestRequest,
): Promise<BulkIngestResult> {
  const { columns, rows } = toCsvRows(request)
  const base = `/services/data/v${conn.version}/jobs/ingest`
  const job = await conn.request<JobInfo>({
    method: 'POST',
    url: base,
    body: JSON.stringify({
      object: request.object,
      operation: request.operation,
      externalIdFieldName: request.externalIdFieldName,
      lineEnding: 'LF',
      contentType: 'CSV',
    }),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  })
  let uploaded = false
  try {
    await conn.request({
      method: 'PUT',
      url: `${base}/${job.id}/batches`,
      body: stringify([columns, ...rows]),
      headers: { 'Content-Type': 'text/csv' },
    })
    const closed = await closeUpload(conn, `${base}/${job.id}`)
    uploaded = true
    if (closed !== true) throw closed.error
    const info = await poll(conn, `${base}/${job.id}`, request)
    const [ok, failed] = await Promise.all(
      ['successfulResults', 'failedResults'].map((results) =>
        // Reading results changes nothing: a failed read is tried again, a few times.
        again(() =>
          conn.request<ResultRow[] | string>({
            method: 'GET',
            url: `${base}/${job.id}/${results}`,
            headers: { Accept: 'text/csv' },
          }),
        ),
      ),
    )
    return {
      jobId: job.id,
      results: mapBack(request, columns, rows, asRows(ok ?? []), asRows(failed ?? [])),
      numberRecordsProcessed: info.numberRecordsProcessed ?? rows.length,
      numberRecordsFailed: info.numberRecordsFailed ?? 0,
    }
  } catch (error) {
    if (
      !uploaded ||
      (error instanceof Error && NOTHING_PROCESSED.has(error)) ||
      request.signal?.aborted
    ) {
      await conn.request({ method: 'DELETE', url: `${base}/${job.id}` }).catch(() => {})
      throw error
    }
    // The job ran, or may still run: some of its records may be in Salesforce. Sent again, they
    // would be created twice (or an older value land after a newer one): the caller must not.
    await conn
      .request({
        method: 'PATCH',
        url: `${base}/${job.id}`,
        body: JSON.stringify({ state: 'Aborted' }),
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
      })
      .catch(() => {})
    throw new SalesforceApiError(
      `Bulk ingest job ${job.id} ran, but its outcome could not be read (${error instanceof Error ? error.message : String(error)}): its records may be in Salesforce; check the job before retryFailed(), which sends them again`,
      { errorCode: 'BULK_JOB_OUTCOME_UNKNOWN', retryable: false, cause: error },
    )
  }
}

/**
 * Marks the job's upload complete, after which Salesforce runs it. A close whose answer was lost
 * (a reset socket, a proxy's 5xx) may have closed the job all the same: its state says. `true`
 * when it is closed (it runs: its results are read as usual); the close's error is thrown when
 * the job is still `Open` (nothing runs: it is deleted and sent again); `{ error }` when its state
 * cannot be read (it may run: its outcome is unknown, and it is never sent again).
 */
async function closeUpload(conn: Connection, url: string): Promise<true | { error: unknown }> {
  try {
    await conn.request({
      method: 'PATCH',
      url,
      body: JSON.stringify({ state: 'UploadComplete' }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    return true
  } catch (error) {
    const state = await again(() => conn.request<JobInfo>({ method: 'GET', url })).then(
      (info) => info.state,
      () => undefined,
    )
    if (state === 'Open') throw error
    return state === undefined ? { error } : true
  }
}

/** `read()`, tried up to three times, 200 ms then 400 ms apart. */
async function again<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read()
    } catch (error) {
      if (attempt >= 3) throw error
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
    }
  }
}

async function poll(conn: Connection, url: string, request: BulkIngestRequest): Promise<JobInfo> {
  const deadline = Date.now() + (request.timeoutMs ?? 600_000)
  for (;;) {
    request.signal?.throwIfAborted()
    // Asking for the job's state changes nothing: a failed ask is tried again.
    const info = await again(() => conn.request<JobInfo>({ method: 'GET', url }))
    if (info.state === 'JobComplete') return info
    if (info.state === 'Failed' || info.state === 'Aborted') {
      const error = new SalesforceApiError(
        `Bulk ingest job ${info.id} ${info.state.toLowerCase()}: ${info.errorMessage ?? ''}`,
        { errorCode: info.state === 'Failed' ? 'BULK_JOB_FAILED' : 'BULK_JOB_ABORTED' },
      )
      if ((info.numberRecordsProcessed ?? 0) === 0) NOTHING_PROCESSED.add(error)
      throw error
    }
    if (Date.now() > deadline)
      throw new SalesforceApiError(`Bulk ingest job ${info.id} did not finish in time`, {
        errorCode: 'BULK_JOB_TIMEOUT',
        retryable: true,
      })
    await new Promise((resolve) => setTimeout(resolve, request.pollIntervalMs ?? 1000))
  }
}

/**
 * Columns (the union of the records' keys, `Id` first) and cells (`#N/A` for null). A parent
 * reference by external id, `{ Account: { External_Id__c: 'A-1' } }`, becomes the column
 * `Account.External_Id__c`, as Bulk 2.0 expects.
 */
function toCsvRows(request: BulkIngestRequest): { columns: string[]; rows: string[][] } {
  const columns: string[] = []
  const seen = new Set<string>()
  const records = request.records.map(flattenParents)
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (key === 'attributes' || seen.has(key)) continue
      if (request.operation === 'insert' && key === 'Id') continue
      if ((request.operation === 'delete' || request.operation === 'hardDelete') && key !== 'Id')
        continue
      seen.add(key)
      key === 'Id' ? columns.unshift(key) : columns.push(key)
    }
  }
  const rows = records.map((record) => columns.map((c) => cell(record[c])))
  return { columns, rows }
}

function flattenParents(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const flat: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (
      key !== 'attributes' &&
      typeof value === 'object' &&
      value !== null &&
      !(value instanceof Date)
    ) {
      for (const [field, inner] of Object.entries(value)) {
        if (field !== 'attributes') flat[`${key}.${field}`] = inner
      }
    } else {
      flat[key] = value
    }
  }
  return flat
}

/**
 * A value as a Bulk 2.0 CSV cell. An empty cell leaves the field as it is (on insert, its default
 * applies), so null and the empty string, which a collections call also takes for null, are
 * `#N/A`, Bulk's null (salesforce-wire.md): a cleared field is cleared in Salesforce too.
 */
function cell(value: unknown): string {
  if (value === null || value === '') return '#N/A'
  if (value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  return typeof value === 'object'
    ? JSON.stringify(value)
    : String(value as string | number | boolean)
}

function asRows(value: ResultRow[] | string): ResultRow[] {
  return Array.isArray(value) ? value : []
}

function mapBack(
  request: BulkIngestRequest,
  columns: string[],
  rows: string[][],
  ok: ResultRow[],
  failed: ResultRow[],
): SaveResult[] {
  const keyColumns =
    request.operation === 'upsert' && request.externalIdFieldName
      ? [request.externalIdFieldName]
      : request.operation === 'insert'
        ? columns
        : ['Id']
  const keyOfRow = (row: string[]) =>
    keyColumns.map((c) => row[columns.indexOf(c)] ?? '').join('\u0000')
  const keyOfResult = (row: ResultRow) => keyColumns.map((c) => row[c] ?? '').join('\u0000')
  const pending = new Map<string, SaveResult[]>()
  const add = (key: string, result: SaveResult) =>
    pending.set(key, [...(pending.get(key) ?? []), result])
  for (const row of ok)
    add(keyOfResult(row), {
      id: row.sf__Id,
      success: true,
      created: row.sf__Created === 'true',
      errors: [],
    })
  for (const row of failed)
    add(keyOfResult(row), { success: false, errors: [parseError(row.sf__Error ?? '')] })
  return rows.map((row) => {
    const results = pending.get(keyOfRow(row))
    return (
      results?.shift() ?? {
        success: false,
        errors: [
          {
            statusCode: 'NO_RESULT',
            message: 'The job reported no result for this record',
            fields: [],
          },
        ],
      }
    )
  })
}

/** `STATUS_CODE:message:Field1,Field2 --` → a record error. */
function parseError(text: string): { statusCode: string; message: string; fields: string[] } {
  const body = text.replace(/\s*--\s*$/, '')
  const first = body.indexOf(':')
  const last = body.lastIndexOf(':')
  const statusCode = first > 0 ? body.slice(0, first) : 'UNKNOWN_EXCEPTION'
  const message = first > 0 && last > first ? body.slice(first + 1, last) : body.slice(first + 1)
  const fields =
    last > first
      ? body
          .slice(last + 1)
          .split(',')
          .filter(Boolean)
      : []
  return { statusCode, message, fields }
}
