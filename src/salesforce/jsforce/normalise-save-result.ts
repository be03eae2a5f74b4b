import type { SaveResult } from '../salesforce-types.js'

/**
 * jsforce's per-record result → ours (`errors[].statusCode`, never `undefined` arrays). @internal
 */
export function normaliseSaveResult(result: SaveResult): SaveResult {
  const errors = (result.errors ?? []).map((e) => {
    const raw = e as unknown as {
      statusCode?: string
      errorCode?: string
      message?: string
      fields?: string[]
    }
    return {
      statusCode: raw.statusCode ?? raw.errorCode ?? 'UNKNOWN_EXCEPTION',
      message: raw.message ?? '',
      fields: raw.fields ?? [],
    }
  })
  return { id: result.id, success: result.success, created: result.created, errors }
}
