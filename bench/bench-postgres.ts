import { providePostgres } from '../test/support/postgres-provider.js'

/**
 * A PostgreSQL for a benchmark: `DATABASE_URL` when set, else a throwaway embedded server (the
 * same order as the tests; Docker is skipped to keep numbers comparable).
 */
export async function benchPostgres(): Promise<{
  url: string
  kind: string
  stop(): Promise<void>
}> {
  return providePostgres({ ...process.env, PGFORCE_TEST_NO_DOCKER: '1' })
}

/** Formats a table of rows for the terminal. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? []
  return rows
    .map((r) => r.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  '))
    .join('\n')
}
