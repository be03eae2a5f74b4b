import {
  BaseWriteStrategy,
  type ChangeEntry,
  type EntryResult,
  OrderedWriteStrategy,
  type WriteContext,
} from 'pgforce'

/**
 * A custom write strategy: rows flagged as archived (`is_archived__c = 'true'`) are never
 * deleted in Salesforce, they are updated with `Status__c = 'Archived'` instead; everything else
 * goes through the ordered strategy. Extending `BaseWriteStrategy` keeps it short: `send()` does
 * the calls of ≤ 200 records and turns each result into an entry outcome.
 */
export class ArchiveInsteadOfDeleteStrategy extends BaseWriteStrategy {
  readonly name = 'archive-instead-of-delete'
  private readonly ordered = new OrderedWriteStrategy()

  async write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]> {
    const deletes = entries.filter((e) => e.action === 'DELETE' && e.sfid)
    const rest = entries.filter((e) => !deletes.includes(e))
    const archived = await this.send(
      {
        kind: 'update',
        entries: deletes,
        records: deletes.map((e) => ({ Id: e.sfid as string, Status__c: 'Archived' })),
      },
      context,
    )
    const others = rest.length > 0 ? await this.ordered.write(rest, context) : []
    return this.complete(entries, [...archived, ...others], 'ignored')
  }
}
