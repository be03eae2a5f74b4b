/** Markup that is already safe to send: made by {@link html}, never from user data. @internal */
export class SafeHtml {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Text as HTML text or attribute value: every character markup could use is an entity. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c)
}

/**
 * A tagged template for HTML: every interpolated value is escaped unless it is {@link SafeHtml}
 * (made by another `html` template); arrays are joined. Values shown on the dashboard are user
 * data, so nothing reaches the page any other way (docs/guides/dashboard.md, "Security").
 * @internal
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += piece(value) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

function piece(value: unknown): string {
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return value.map(piece).join('')
  if (value === undefined || value === null || value === false) return ''
  return escapeHtml(value)
}
