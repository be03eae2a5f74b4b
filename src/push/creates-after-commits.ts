import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

/**
 * The Salesforce door a push round hands its write strategy. Calls that may create records
 * (`create`, and Bulk 2.0 `insert` jobs) first wait for `settled()`: every commit queued before
 * them has landed, and none failed (it throws otherwise, and the call does not go out). Records
 * created without an external id are duplicated if their call is sent twice, so none goes out
 * while an earlier outcome might still be given back, and a crash resends at most the one call of
 * creates in flight. Every other call (updates, upserts on an external id, deletes: harmless to
 * repeat) goes out at once, its predecessors' commits running meanwhile
 * (docs/concepts/delivery-guarantees.md).
 * @internal
 */
export function createsAfterCommits(
  salesforce: SalesforceAdapter,
  settled: () => Promise<void>,
): SalesforceAdapter {
  const create: SalesforceAdapter['create'] = async (...args) => {
    await settled()
    return salesforce.create(...args)
  }
  const bulkIngest: SalesforceAdapter['bulkIngest'] = async (request) => {
    if (request.operation === 'insert') await settled()
    return salesforce.bulkIngest(request)
  }
  return new Proxy(salesforce, {
    get(target, name) {
      if (name === 'create') return create
      if (name === 'bulkIngest') return bulkIngest
      const value: unknown = Reflect.get(target, name, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
