/**
 * An object's Change Data Capture channel: `/data/AccountChangeEvent`, `/data/Foo__ChangeEvent`
 * for `Foo__c` (CometD and the Pub/Sub API name it alike). @internal
 */
export function cdcChannel(object: string): string {
  return `/data/${object.replace(/__c$/i, '__')}ChangeEvent`
}
