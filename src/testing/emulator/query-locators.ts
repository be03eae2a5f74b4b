import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { SObjectRecord } from '../../salesforce/salesforce-types.js'

interface Cursor {
  readonly records: readonly SObjectRecord[]
  readonly totalSize: number
  readonly batchSize: number
}

/**
 * Query results held between pages, as Salesforce holds a query cursor: the first page answers
 * with `nextRecordsUrl: /services/data/vXX.X/query/<id>-<offset>` and later pages read the same
 * snapshot. @internal
 */
export class QueryLocators {
  private readonly cursors = new Map<string, Cursor>()
  private next = 1

  /** The page at `offset` and the locator of the following one (if any). */
  page(
    records: readonly SObjectRecord[],
    totalSize: number,
    batchSize: number,
    version: string,
  ): Record<string, unknown> {
    const id = `01g${String(this.next++).padStart(12, '0')}AAA`
    this.cursors.set(id, { records, totalSize, batchSize })
    return this.answer(id, 0, version)
  }

  /** A later page, from `<id>-<offset>`; unknown → `INVALID_QUERY_LOCATOR`. */
  more(locator: string, version: string): Record<string, unknown> {
    const [id, offsetText] = locator.split('-')
    const offset = Number(offsetText)
    if (!id || !this.cursors.has(id) || !Number.isInteger(offset)) {
      throw new SalesforceApiError('invalid query locator', {
        errorCode: 'INVALID_QUERY_LOCATOR',
        statusCode: 400,
      })
    }
    return this.answer(id, offset, version)
  }

  private answer(id: string, offset: number, version: string): Record<string, unknown> {
    const cursor = this.cursors.get(id) as Cursor
    const end = offset + cursor.batchSize
    const done = end >= cursor.records.length
    if (done) this.cursors.delete(id)
    const body: Record<string, unknown> = {
      totalSize: cursor.totalSize,
      done,
      records: cursor.records.slice(offset, end),
    }
    if (!done) body.nextRecordsUrl = `/services/data/v${version}/query/${id}-${end}`
    return body
  }
}
