import { describe, expect, it } from 'vitest'
import { escapeHtml, html } from '../../../src/dashboard/html.js'
import { mappingState, renderPanels } from '../../../src/dashboard/render-panels.js'
import type { MappingStatus } from '../../../src/engine/engine-status.js'

const mapping = (over: Partial<MappingStatus> = {}): MappingStatus => ({
  object: 'Account',
  table: 'account',
  access: 'read_write',
  state: 'synced',
  cursor: undefined,
  pending: 0,
  failed: 0,
  pullFailed: 0,
  oldestPendingAt: undefined,
  pushLagMs: 0,
  pullLeader: true,
  apiCallsToday: 12,
  lastPull: undefined,
  lastPush: undefined,
  missingFields: [],
  typeMismatches: [],
  lastError: undefined,
  ...over,
})
const evil = `<script>alert(1)</script>"'\`&`

describe('html', () => {
  it('escapes every interpolated value, and nests html fragments as they are', () => {
    expect(escapeHtml(evil)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&#96;&amp;')
    expect(html`<p title="${evil}">${[html`<b>${evil}</b>`, evil]}</p>`.text).toBe(
      `<p title="${escapeHtml(evil)}"><b>${escapeHtml(evil)}</b>${escapeHtml(evil)}</p>`,
    )
    expect(html`${undefined}${null}${false}${0}`.text).toBe('0')
  })
})

describe('renderPanels', () => {
  const now = new Date('2026-11-26T10:00:00Z')
  const view = (actions: boolean) => ({
    status: {
      state: 'running' as const,
      paused: false,
      mappings: [mapping({ object: evil, failed: 1, lastError: undefined })],
      apiUsage: { used: 10, max: 15_000 },
      apiBudget: { dailyCalls: 100, perMapping: { [evil]: 50 } },
      warnings: [],
    },
    failed: [
      {
        entryId: 7,
        mapping: evil,
        table: 'account',
        action: 'INSERT' as const,
        recordId: 3,
        sfid: null,
        values: { name: evil, industry: null },
        message: `FIELD_CUSTOM_VALIDATION_EXCEPTION: ${evil}`,
        failedAt: new Date('2026-11-26T09:59:00Z'),
      },
    ],
    runs: [],
    changes: [],
    actions,
    now,
  })

  it('shows user data only escaped', () => {
    const text = renderPanels(view(true)).text
    expect(text).not.toContain('<script>')
    expect(text).toContain(escapeHtml(evil))
    expect(text).toContain('12 / 50')
    expect(text).toContain('a budget of <strong>100</strong>')
    expect(text).toContain('1 min ago')
    expect(text).toContain('data-action="retry"')
  })

  it('has no buttons without actions', () => {
    const text = renderPanels(view(false)).text
    expect(text).not.toContain('<button')
    expect(text).toContain('read-only')
  })

  it('shows the engine’s state of each mapping, and what is failing or waiting beside it', () => {
    expect(mappingState(mapping())).toEqual({ state: 'synced' })
    expect(mappingState(mapping({ pending: 2 }))).toEqual({ state: 'synced', detail: 'sending' })
    expect(mappingState(mapping({ state: 'error', failed: 1, pending: 2 }))).toEqual({
      state: 'error',
      detail: 'failing records',
    })
    expect(mappingState(mapping({ state: 'paused', pullFailed: 1 }))).toEqual({
      state: 'paused',
      detail: 'failing records',
    })
    const text = renderPanels(view(true)).text
    expect(text).toContain('<span class="state synced">synced</span>')
  })
})
