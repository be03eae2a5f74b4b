import { html, SafeHtml } from './html.js'
import { changeItem, type DashboardView, renderPanels } from './render-panels.js'

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
header { background: #1d2430; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 1fr); gap: 16px; padding: 16px 20px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 14px; margin-bottom: 14px; }
h2 { font-size: 15px; margin: 6px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff3; vertical-align: top; }
th { font-weight: 600; color: #55606e; font-size: 12px; }
.muted { color: #7a8594; font-size: 12px; }
.err { color: #b42318; }
.state { white-space: nowrap; padding: 1px 7px; border-radius: 9px; background: #e7f6ec; color: #1e6b3a; font-size: 12px; }
.state.paused, .state.sending, .state.initial, .state.loading, .state.reloading, .state.resync { background: #fff4db; color: #8a5a00; }
.state.error, .state.schema-changed, .state.failing-records { background: #fde8e7; color: #b42318; }
.bar { display: flex; gap: 16px; align-items: center; margin-bottom: 14px; }
button { font: inherit; padding: 3px 12px; border-radius: 4px; border: 1px solid #9aa4b2; background: #fff; cursor: pointer; }
button:hover { background: #eef1f5; }
dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 0 8px; }
dt { color: #55606e; } dd { margin: 0; overflow-wrap: anywhere; } td.values { min-width: 16em; }
#feed { list-style: none; padding: 0; margin: 0; max-height: 70vh; overflow: auto; }
#feed li { border-bottom: 1px solid #eceff3; padding: 4px 0; }
#feed time { color: #7a8594; margin-right: 6px; } #feed .dir { font-size: 12px; color: #55606e; display: block; }
#notice:empty { display: none; } #notice { background: #eef4ff; border: 1px solid #b8cdf5; padding: 6px 10px; border-radius: 4px; margin-bottom: 12px; }
`

/** The browser side: the live feed (EventSource), panel refreshes, and the action buttons. */
const SCRIPT = `
const feed = document.getElementById('feed')
const panels = document.getElementById('panels')
const notice = document.getElementById('notice')
const status = document.getElementById('live')
async function refresh() {
  const res = await fetch('panels', { headers: { accept: 'text/html' } })
  if (res.ok) panels.innerHTML = await res.text()
}
function add(change) {
  const li = document.createElement('li')
  li.dataset.testid = 'change'
  const time = document.createElement('time')
  time.textContent = new Date().toISOString().slice(11, 19)
  const dir = document.createElement('span')
  dir.className = 'dir'
  dir.textContent = change.direction === 'pull' ? 'Salesforce → Postgres' : 'Postgres → Salesforce'
  const mapping = document.createElement('strong')
  mapping.textContent = change.mapping
  const id = document.createElement('code')
  id.textContent = change.sfid || 'row ' + change.recordId
  const columns = document.createElement('span')
  columns.className = 'muted'
  columns.textContent = (change.columns || []).join(', ')
  li.append(time, dir, mapping, ' ' + change.action + ' ', id, ' ', columns)
  if (change.values) {
    const values = document.createElement('div')
    values.className = 'muted'
    values.textContent = JSON.stringify(change.values)
    li.append(values)
  }
  feed.prepend(li)
  while (feed.children.length > 200) feed.lastElementChild.remove()
}
const events = new EventSource('events')
events.addEventListener('open', () => { status.textContent = 'live' })
events.addEventListener('error', () => { status.textContent = 'reconnecting…' })
events.addEventListener('change', (e) => add(JSON.parse(e.data)))
events.addEventListener('refresh', () => refresh())
setInterval(refresh, 10000)
document.addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-action]')
  if (!button) return
  button.disabled = true
  const body = { mapping: button.dataset.mapping, entryId: Number(button.dataset.entry) }
  try {
    const res = await fetch('actions/' + button.dataset.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pgforce-dashboard': '1' },
      body: JSON.stringify(body),
    })
    const answer = await res.json()
    notice.textContent = answer.message || answer.error || ''
  } catch (error) {
    notice.textContent = String(error)
  } finally {
    button.disabled = false
    await refresh()
  }
})
`

/** The whole page: panels, the live feed, the script (allowed by its nonce only). @internal */
export function renderPage(view: DashboardView, base: string, nonce: string): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="${base}">
<title>pgforce dashboard</title>
<style nonce="${nonce}">${new SafeHtml(STYLE)}</style></head>
<body><header><h1>pgforce</h1><span class="muted" id="live">connecting…</span></header>
<main><div><div id="notice" role="status"></div><div id="panels">${renderPanels(view)}</div></div>
<aside><section><h2>Live changes</h2><ul id="feed" data-testid="feed">${view.changes.map(changeItem)}</ul></section></aside></main>
<script nonce="${nonce}">${new SafeHtml(SCRIPT)}</script></body></html>`
}
