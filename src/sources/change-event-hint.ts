import type { ChangeReason } from './change-source.js'

/** The `ChangeEventHeader` fields a streaming source reads, whichever transport brought it. @internal */
export interface ChangeEventHeaderFields {
  readonly changeType?: string
  readonly changeOrigin?: string
  readonly recordIds?: readonly string[]
}

/** What a Change Data Capture event asks of the pull. @internal */
export interface ChangeEventHint {
  /** `stream` (re-read the records), `gap` (re-read them and follow the cursor), `overflow`. */
  readonly reason: Extract<ChangeReason, 'stream' | 'gap' | 'overflow'>
  /** The records named (wildcard ids of bulk changes left out). */
  readonly recordIds: readonly string[]
}

/**
 * The pull a CDC event calls for, the same for CometD and the Pub/Sub API: none for pgforce's own
 * writes (`changeOrigin` carries `client=<originClient>`), `overflow` for `GAP_OVERFLOW`, `gap`
 * for the other `GAP_*` types and for events with a wildcard record id (records it does not name),
 * else `stream` with the record ids. @internal
 */
export function changeEventHint(
  header: ChangeEventHeaderFields,
  ownOrigin: string,
): ChangeEventHint | undefined {
  if (header.changeOrigin?.includes(ownOrigin)) return undefined
  const type = header.changeType ?? 'UPDATE'
  const ids = header.recordIds ?? []
  // A wildcard id (`001…*`) stands for records the event does not name: re-reading the named
  // ones is not enough, the pull follows the cursor too.
  const gap = type.startsWith('GAP_') || ids.some((id) => id.includes('*'))
  return {
    reason: type === 'GAP_OVERFLOW' ? 'overflow' : gap ? 'gap' : 'stream',
    recordIds: ids.filter((id) => !id.includes('*')),
  }
}
