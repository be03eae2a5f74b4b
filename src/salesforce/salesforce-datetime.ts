/**
 * Salesforce datetimes (`2024-01-31T12:34:56.000+0000`, `…Z`, `…+02:00`) as epoch milliseconds,
 * or `undefined` when the value is not one. Salesforce writes offsets without a colon, which
 * `Date.parse` does not read. The one parser of Salesforce datetimes in pgforce.
 */
export function parseSalesforceDatetime(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined
  const ms = Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * A Salesforce datetime as an ISO instant (`2024-01-31T12:34:56.000Z`), the form SOQL datetime
 * literals take and cursors are kept in; `undefined` when the value is not a datetime.
 */
export function toIsoInstant(value: unknown): string | undefined {
  const ms = parseSalesforceDatetime(value)
  return ms === undefined ? undefined : new Date(ms).toISOString()
}
