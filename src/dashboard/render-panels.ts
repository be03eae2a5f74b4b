import type { EngineStatus, MappingStatus } from '../engine/engine-status.js'
import type { ChangeEvent } from '../runs/change-event.js'
import type { FailedWrite } from '../store/failed-entries.js'
import type { RecentRun } from './activity-feed.js'
import { html, type SafeHtml } from './html.js'

/** What the panels show, read fresh for each page or refresh. @internal */
export interface DashboardView {
  readonly status: EngineStatus
  readonly failed: readonly FailedWrite[]
  readonly runs: readonly RecentRun[]
  readonly changes: readonly (ChangeEvent & { at: Date })[]
  /** Buttons that change things are shown (`actions: true`). */
  readonly actions: boolean
  readonly now: Date
}

/**
 * The dashboard's panels, server-rendered (every value escaped by `html`): the engine's state,
 * the mappings, API use, the failed writes with their actions, and recent runs. The page's script
 * swaps them for a fresh copy (`GET …/panels`) when the engine reports something.
 * @internal
 */
export function renderPanels(view: DashboardView): SafeHtml {
  return html`${engineBar(view)}
<section><h2>Mappings</h2>${mappingsTable(view)}</section>
<section><h2>API use today</h2>${apiUse(view)}</section>
<section><h2>Failed writes</h2>${failedTable(view)}</section>
<section><h2>Recent runs</h2>${runsTable(view)}</section>`
}

function engineBar({ status, actions }: DashboardView): SafeHtml {
  const state = status.paused ? 'paused' : status.state
  return html`<div class="bar">
  <span>Engine: <strong data-testid="engine-state" class="state ${state}">${state}</strong></span>
  ${
    actions
      ? status.paused
        ? html`<button data-action="resume" data-testid="resume">Resume</button>`
        : html`<button data-action="pause" data-testid="pause">Pause</button>`
      : html`<span class="muted">read-only</span>`
  }
</div>`
}

/**
 * What the dashboard shows for a mapping: the engine's state (`status().mappings[i].state`, the
 * one vocabulary, mapped to Heroku Connect's in docs/guides/monitoring.md), and beside it what an
 * operator looks at next: records failing, or changes waiting to be sent.
 */
export function mappingState(mapping: MappingStatus): { state: string; detail?: string } {
  if (mapping.failed > 0 || mapping.pullFailed > 0)
    return { state: mapping.state, detail: 'failing records' }
  if (mapping.pending > 0) return { state: mapping.state, detail: 'sending' }
  return { state: mapping.state }
}

function mappingsTable({ status, now }: DashboardView): SafeHtml {
  const budget = status.apiBudget.perMapping ?? {}
  const rows = status.mappings.map((m) => {
    const limit = Object.entries(budget).find(([o]) => o.toLowerCase() === m.object.toLowerCase())
    const { state, detail } = mappingState(m)
    return html`<tr data-mapping="${m.object}">
  <td>${m.object}</td><td>${m.table}</td><td>${m.access}</td>
  <td><span class="state ${state}">${state}</span>${
    detail ? html` <span class="state ${detail.replace(' ', '-')}">${detail}</span>` : ''
  }${m.lastError ? html`<div class="err">${m.lastError.message}</div>` : ''}</td>
  <td>${m.lastPull ? ago(now, m.lastPull.at) : '—'}${
    m.cursor ? html`<div class="muted">data as of ${m.cursor.systemModstamp}</div>` : ''
  }</td>
  <td>${m.pending > 0 ? duration(m.pushLagMs) : '—'}</td>
  <td data-testid="backlog">${m.pending}</td>
  <td>${m.failed}${m.pullFailed > 0 ? html` <span class="muted">(+${m.pullFailed} refused by Postgres)</span>` : ''}</td>
  <td>${m.apiCallsToday}${limit ? html` / ${limit[1]}` : ''}</td>
</tr>`
  })
  return html`<table><thead><tr><th>Object</th><th>Table</th><th>Access</th><th>State</th>
<th>Last pull</th><th>Push lag</th><th>Backlog</th><th>Failed</th><th>API calls today</th></tr></thead>
<tbody>${rows}</tbody></table>`
}

function apiUse({ status }: DashboardView): SafeHtml {
  const used = status.mappings.reduce((sum, m) => sum + m.apiCallsToday, 0)
  const daily = status.apiBudget.dailyCalls
  const org = status.apiUsage
  return html`<p><strong data-testid="api-used">${used}</strong> calls by pgforce today${
    daily !== undefined
      ? html` of a budget of <strong>${daily}</strong> (${Math.round((used / Math.max(daily, 1)) * 100)} %)`
      : ' (no budget set)'
  }.${org ? html` The org as a whole: ${org.used} of ${org.max} in the last 24 hours.` : ''}</p>`
}

function failedTable({ failed, actions, now }: DashboardView): SafeHtml {
  if (failed.length === 0)
    return html`<p class="muted" data-testid="no-failed">No failed writes.</p>`
  const rows = failed.map(
    (f) => html`<tr data-entry="${f.entryId}" data-testid="failed-write">
  <td>${f.mapping}</td><td>${f.action}</td>
  <td>row ${f.recordId}${f.sfid ? html`<div class="muted">${f.sfid}</div>` : ''}</td>
  <td class="values"><dl>${Object.entries(f.values).map(
    ([column, value]) =>
      html`<dt>${column}</dt><dd>${value === null ? html`<em>null</em>` : value}</dd>`,
  )}</dl></td>
  <td class="err" data-testid="failed-message">${f.message}</td>
  <td>${ago(now, f.failedAt)}</td>
  ${
    actions
      ? html`<td class="actions"><button data-action="retry" data-mapping="${f.mapping}" data-entry="${f.entryId}">Retry</button>
<button data-action="ignore" data-mapping="${f.mapping}" data-entry="${f.entryId}">Ignore</button></td>`
      : ''
  }
</tr>`,
  )
  return html`<table><thead><tr><th>Mapping</th><th>Action</th><th>Record</th><th>Values sent</th>
<th>Salesforce said</th><th>When</th>${actions ? html`<th></th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table>`
}

function runsTable({ runs, status, now }: DashboardView): SafeHtml {
  const known: RecentRun[] =
    runs.length > 0
      ? [...runs]
      : status.mappings.flatMap((m) =>
          [m.lastPull, m.lastPush].flatMap((r) =>
            r
              ? [
                  {
                    at: r.at,
                    direction: r.direction,
                    mapping: r.mapping,
                    records:
                      r.direction === 'pull' ? r.inserted + r.updated + r.deleted : r.succeeded,
                    failed: r.failed,
                    durationMs: r.durationMs,
                    error: undefined,
                  },
                ]
              : [],
          ),
        )
  if (known.length === 0) return html`<p class="muted">No runs yet.</p>`
  return html`<table><thead><tr><th>When</th><th>Direction</th><th>Mapping</th><th>Records</th>
<th>Failed</th><th>Took</th></tr></thead><tbody>${known.map(
    (r) => html`<tr><td>${ago(now, r.at)}</td><td>${r.direction}</td><td>${r.mapping}</td>
<td>${r.error ? html`<span class="err">${r.error}</span>` : r.records}</td><td>${r.failed}</td>
<td>${r.durationMs === undefined ? '—' : duration(r.durationMs)}</td></tr>`,
  )}</tbody></table>`
}

/** A change as one line of the live feed (the page's script builds the same from events). */
export function changeItem(change: ChangeEvent & { at: Date }): SafeHtml {
  return html`<li><time>${change.at.toISOString().slice(11, 19)}</time>
<span class="dir">${change.direction === 'pull' ? 'Salesforce → Postgres' : 'Postgres → Salesforce'}</span>
<strong>${change.mapping}</strong> ${change.action} <code>${change.sfid ?? `row ${change.recordId}`}</code>
<span class="muted">${change.columns.join(', ')}</span></li>`
}

function ago(now: Date, at: Date): string {
  return `${duration(Math.max(0, now.getTime() - at.getTime()))} ago`
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
