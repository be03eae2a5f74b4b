import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

const STATUS_BY_CODE: Record<string, number> = {
  INVALID_SESSION_ID: 401,
  REQUEST_LIMIT_EXCEEDED: 403,
  NOT_FOUND: 404,
  MULTIPLE_CHOICES: 300,
}

/**
 * Turns whatever jsforce or undici threw into a `SalesforceApiError`: `errorCode` from
 * jsforce's `errorCode`/`name` (e.g. `INVALID_FIELD`, `ERROR_HTTP_503`) or the socket error code
 * (`ECONNREFUSED`), the HTTP status where it can be known, fields, and `retryable` from the retry
 * table. Messages never contain credentials: jsforce's messages are Salesforce's.
 */
export function toSalesforceApiError(error: unknown, context?: string): SalesforceApiError {
  if (error instanceof SalesforceApiError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    errorCode?: unknown
    name?: unknown
    code?: unknown
    message?: unknown
    data?: { fields?: unknown }
    cause?: { code?: unknown }
  }
  const named =
    typeof e.name === 'string' && e.name !== 'Error' && /^[A-Z_0-9]+$/.test(e.name)
      ? e.name
      : undefined
  const socket =
    typeof e.code === 'string'
      ? e.code
      : typeof e.cause?.code === 'string'
        ? e.cause.code
        : undefined
  const errorCode =
    (typeof e.errorCode === 'string' ? e.errorCode : undefined) ??
    named ??
    socket ??
    'UNKNOWN_ERROR'
  const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(errorCode)?.[1]
  const message = typeof e.message === 'string' ? e.message : String(error)
  return new SalesforceApiError(context ? `${context}: ${message}` : message, {
    errorCode,
    statusCode: httpStatus ? Number(httpStatus) : STATUS_BY_CODE[errorCode],
    fields: Array.isArray(e.data?.fields) ? (e.data.fields as string[]) : undefined,
    cause: error,
  })
}
