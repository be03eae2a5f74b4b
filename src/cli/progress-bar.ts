/** Where progress goes: a stream with `write` and, for terminals, `isTTY` and `columns`. */
export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/**
 * A one-line progress bar for long loads: redrawn in place on a terminal, printed at every 10 %
 * otherwise (so CI logs stay short).
 */
export class ProgressBar {
  private readonly stream: ProgressStream
  private readonly label: string
  private lastTenth = -1

  constructor(stream: ProgressStream, label: string) {
    this.stream = stream
    this.label = label
  }

  /** Shows `done` of `total`. */
  update(done: number, total: number): void {
    const share = total > 0 ? Math.min(1, done / total) : 1
    const percent = Math.floor(share * 100)
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 30))
      const filled = Math.round(share * width)
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}`,
      )
      if (share === 1) this.stream.write('\n')
      return
    }
    const tenth = Math.floor(share * 10)
    if (tenth === this.lastTenth) return
    this.lastTenth = tenth
    this.stream.write(`${this.label} ${percent}% (${done}/${total})\n`)
  }
}
