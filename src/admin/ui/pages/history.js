import { html, useState } from '../html.js';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { count, dateTime, ms, usd } from '../format.js';
import { ErrorBox, RangePicker, useLoad, windowOf } from '../components.js';

const emptyFilters = { user_id: '', key_id: '', model: '', provider: '', outcome: '', error_type: '' };

function Filters({ session, filters, onApply }) {
  const [draft, setDraft] = useState(filters);
  const field = (name, label) =>
    html`<div class="field"><label for=${`filter-${name}`}>${label}</label><input id=${`filter-${name}`} value=${draft[name]} onInput=${(event) => setDraft({ ...draft, [name]: event.currentTarget.value })} /></div>`;
  return html`
    <form class="filters" onSubmit=${(event) => {
      event.preventDefault();
      onApply(draft);
    }}>
      ${session.role === 'admin' && field('user_id', t('filter.user'))}
      ${field('key_id', t('filter.key'))}
      ${field('model', t('filter.model'))}
      ${field('provider', t('filter.provider'))}
      <div class="field"><label for="filter-outcome">${t('filter.outcome')}</label>
        <select id="filter-outcome" value=${draft.outcome} onChange=${(event) => setDraft({ ...draft, outcome: event.currentTarget.value })}>
          <option value="">${t('filter.any')}</option><option value="ok">${t('filter.ok')}</option><option value="error">${t('filter.error')}</option>
        </select></div>
      ${field('error_type', t('filter.error_type'))}
      <div class="field actions">
        <button type="submit">${t('filter.apply')}</button>
        <button type="button" class="secondary" onClick=${() => {
          setDraft(emptyFilters);
          onApply(emptyFilters);
        }}>${t('filter.clear')}</button>
      </div>
    </form>`;
}

function Detail({ record, onClose }) {
  const rows = Object.entries(record);
  return html`
    <aside class="detail card" aria-label=${t('history.detail', { id: record.request_id })}>
      <div class="detail-head"><h2>${t('history.detail', { id: record.request_id })}</h2><button type="button" class="secondary" onClick=${onClose}>${t('history.close')}</button></div>
      <dl>${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value === null ? '–' : String(value)}</dd>`)}</dl>
      <p class="muted">${t('history.no_content')}</p>
    </aside>`;
}

function statusCell(record) {
  if (record.state === 'in_progress') return html`<span class="badge">${t('in_progress')}</span>`;
  const failed = record.status === null || record.status >= 400;
  return html`<span class=${`badge ${failed ? 'failed' : 'ok'}`}>${record.status ?? '–'}</span>`;
}

export function History({ session }) {
  const [range, setRange] = useState({ preset: '24h' });
  const [filters, setFilters] = useState(emptyFilters);
  const [cursors, setCursors] = useState([null]);
  const [selected, setSelected] = useState(null);
  const [span, setSpan] = useState(() => windowOf(range));
  const cursor = cursors[cursors.length - 1];
  const parameters = { ...span, ...filters };
  const page = useLoad(() => api('GET', `/admin/usage${query({ ...parameters, limit: 50, cursor })}`), [span, filters, cursor]);
  const restart = (next) => {
    setCursors([null]);
    setSelected(null);
    setSpan(windowOf(next.range ?? range));
    if (next.range) setRange(next.range);
    if (next.filters) setFilters(next.filters);
  };
  const records = page.data?.data ?? [];
  return html`
    <div class="toolbar">
      <${RangePicker} range=${range} onChange=${(next) => restart({ range: next })} idPrefix="history" />
      <a class="button secondary" href=${`/admin/usage.csv${query(parameters)}`} download>${t('history.csv')}</a>
    </div>
    <${Filters} session=${session} filters=${filters} onApply=${(next) => restart({ filters: next })} />
    <${ErrorBox} error=${page.error} />
    <div class=${selected ? 'history with-detail' : 'history'}>
      <div class="card table-card">
        <div class="table-wrap"><table class="requests">
          <thead><tr>
            <th scope="col">${t('col.time')}</th><th scope="col">${t('col.request_id')}</th><th scope="col">${t('col.user')}</th><th scope="col">${t('col.key')}</th>
            <th scope="col">${t('col.model')}</th><th scope="col">${t('col.provider')}</th><th scope="col">${t('col.region')}</th><th scope="col">${t('col.tier')}</th>
            <th scope="col">${t('col.stream')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.error')}</th><th scope="col">${t('col.fallback')}</th>
            <th scope="col" class="num">${t('col.tokens')}</th><th scope="col" class="num">${t('col.cache')}</th><th scope="col" class="num">${t('col.cost')}</th>
            <th scope="col" class="num">${t('col.latency')}</th><th scope="col" class="num">${t('col.ttfb')}</th>
          </tr></thead>
          <tbody>
            ${records.map((record) => html`<tr class=${selected?.request_id === record.request_id ? 'selected' : ''}>
              <td class="nowrap">${dateTime(record.started_at)}</td>
              <td><button type="button" class="link mono" onClick=${() => setSelected(record)}>${record.request_id}</button></td>
              <td>${record.user_id}</td><td class="mono">${record.key_id ?? '–'}</td>
              <td>${record.model_requested ?? '–'}${record.model_served && record.model_served !== record.model_requested ? html` → ${record.model_served}` : ''}</td>
              <td>${record.provider ?? '–'}</td><td>${record.region ?? '–'}</td><td>${record.service_tier ?? '–'}</td>
              <td>${record.stream ? t('yes') : t('no')}</td><td>${statusCell(record)}</td><td>${record.error_type ?? ''}</td><td>${record.fallback ?? ''}</td>
              <td class="num">${count(record.input_tokens)} / ${count(record.output_tokens)}</td>
              <td class="num">${count(record.cache_read_tokens)} / ${count(record.cache_write_5m_tokens + record.cache_write_1h_tokens)}</td>
              <td class="num">${usd(record.cost_usd)}</td><td class="num">${ms(record.latency_ms)}</td><td class="num">${ms(record.ttfb_ms)}</td>
            </tr>`)}
          </tbody>
        </table></div>
        ${records.length === 0 && !page.loading && html`<p class="muted empty">${t('empty.none')}</p>`}
        <div class="pager">
          <button type="button" class="secondary" disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>${t('history.newer')}</button>
          <span class="muted">${t('history.page', { page: cursors.length })}</span>
          <button type="button" class="secondary" disabled=${!page.data?.next_cursor} onClick=${() => setCursors([...cursors, page.data.next_cursor])}>${t('history.older')}</button>
        </div>
      </div>
      ${selected && html`<${Detail} record=${selected} onClose=${() => setSelected(null)} />`}
    </div>`;
}
