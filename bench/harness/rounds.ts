/**
 * Interleaved rounds and their summary: each round runs every variant once, in an order rotated
 * from round to round (so no variant always runs first, on a cold or a warm machine), and ratios
 * are taken within a round, where the machine's load was the same for both sides.
 */

/** One variant of a benchmark; `run` measures one trial. */
export interface Variant<M> {
  readonly name: string
  run(round: number): Promise<M>
}

/** Runs `rounds` rounds of every variant; results by variant name, one per round. */
export async function interleave<M>(
  rounds: number,
  variants: readonly Variant<M>[],
  onTrial?: (round: number, name: string, measured: M) => void,
): Promise<Map<string, M[]>> {
  const results = new Map<string, M[]>(variants.map((v) => [v.name, []]))
  for (let round = 0; round < rounds; round += 1) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant<M>)
    for (const variant of order) {
      const measured = await variant.run(round)
      results.get(variant.name)?.push(measured)
      onTrial?.(round, variant.name, measured)
    }
  }
  return results
}

/** `median [min–max]` of `values`, with `digits` decimals. */
export function spread(values: readonly number[], digits = 0): string {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return '–'
  const mid = sorted.length / 2
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  const f = (n: number) => n.toFixed(digits)
  return `${f(median)} [${f(sorted[0] as number)}–${f(sorted.at(-1) as number)}]`
}

/** Per-round ratios `a[i] / b[i]`. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / (b[i] as number))
}
