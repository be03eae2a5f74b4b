import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

/** A 400 error shaped as Salesforce answers a bad query. */
export function soqlError(errorCode: string, message: string): SalesforceApiError {
  return new SalesforceApiError(message, { errorCode, statusCode: 400 })
}
