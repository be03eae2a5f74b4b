/**
 * The Accounts every benchmark works on: nine fields, the same values in the emulator's seed
 * (bench/harness/emulator-main.ts) and in the machine-limit baselines, so every variant moves
 * the same bytes.
 */
export const ACCOUNT_FIELDS = [
  'Name',
  'Industry',
  'AnnualRevenue',
  'NumberOfEmployees',
  'Phone',
  'Website',
  'BillingCity',
  'BillingCountry',
  'Description',
] as const

/** Account number `i` of the seed. */
export function accountRow(i: number): Record<(typeof ACCOUNT_FIELDS)[number], string | number> {
  return {
    Name: `Account ${i}`,
    Industry: 'Energy',
    AnnualRevenue: i,
    NumberOfEmployees: i % 1000,
    Phone: '555-0100',
    Website: 'https://example.com',
    BillingCity: 'Lyon',
    BillingCountry: 'France',
    Description: 'A description long enough to weigh something in memory and on the wire.',
  }
}
