import { html, useMemo, useState } from '../html.js';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { compact, count, dateTime, ms, percent, usd } from '../format.js';
import { ErrorBox, RangePicker, useLoad, windowOf } from '../components.js';
import { Chart } from '../chart.js';

const groupOrder = ['user', 'key', 'model_requested', 'model_served', 'provider', 'error_type', 'fallback'];

function Card({ label, value, detail, tone }) {
  return html`<div class=${`stat card ${tone ?? ''}`}><div class="label">${label}</div><div class="value">${value}</div>${detail && html`<div class="detail">${detail}</div>`}</div>`;
}

function Cards({ stats }) {
  const { totals } = stats;
  const pair = (value) => (value ? `${ms(value.p50)} / ${ms(value.p95)}` : '–');
  return html`
    <section class="cards" aria-label=${t('nav.dashboard')}>
      <${Card} label=${t('card.requests')} value=${count(totals.requests)} />
      <${Card} label=${t('card.success')} value=${percent(totals.success_rate)} tone=${totals.success_rate !== null && totals.success_rate < 0.95 ? 'warn' : ''} />
      <${Card} label=${t('card.errors')} value=${count(totals.errors)} tone=${totals.errors > 0 ? 'warn' : ''} />
      <${Card} label=${t('card.cost')} value=${usd(totals.cost_usd)} />
      <${Card} label=${t('card.latency')} value=${pair(stats.latency_ms)} />
      <${Card} label=${t('card.ttfb')} value=${pair(stats.ttfb_ms)} />
      <${Card} label=${t('card.tokens_in')} value=${compact(totals.input_tokens)} />
      <${Card} label=${t('card.tokens_out')} value=${compact(totals.output_tokens)} />
      <${Card} label=${t('card.cache_read')} value=${compact(totals.cache_read_tokens)} />
      <${Card} label=${t('card.cache_write')} value=${compact(totals.cache_write_tokens)} />
    </section>`;
}

function GroupTable({ dimension, rows, keyNames }) {
  const label = (key) => (dimension === 'key' && keyNames[key] ? keyNames[key] : key);
  return html`
    <section class="card group">
      <h2>${t(`group.${dimension}`)}</h2>
      ${rows.length === 0
        ? html`<p class="muted">${t('empty.none')}</p>`
        : html`<div class="table-wrap"><table>
            <thead><tr><th scope="col">${t('col.name')}</th><th scope="col" class="num">${t('col.requests')}</th><th scope="col" class="num">${t('col.errors')}</th><th scope="col" class="num">${t('col.tokens')}</th><th scope="col" class="num">${t('col.cost')}</th></tr></thead>
            <tbody>${rows.map((row) => html`<tr>
              <td class="name" title=${label(row.key)}>${label(row.key)}</td><td class="num">${count(row.requests)}</td><td class="num">${count(row.errors)}</td>
              <td class="num">${compact(row.input_tokens)} / ${compact(row.output_tokens)}</td><td class="num">${usd(row.cost_usd)}</td></tr>`)}
            </tbody></table></div>`}
    </section>`;
}

const zero = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };

/** The series with a zero point for every empty bucket of the window, so the time axis spans it all. */
function filledSeries(data) {
  if (!data) return [];
  const step = data.bucket_seconds * 1000;
  const byStart = new Map(data.series.map((point) => [Date.parse(point.start), point]));
  const points = [];
  for (let start = Math.floor(Date.parse(data.from) / step) * step; start < Date.parse(data.to); start += step) {
    points.push({ ...(byStart.get(start) ?? zero), start: new Date(start).toISOString() });
  }
  return points;
}

export function Dashboard({ session }) {
  const [range, setRange] = useState({ preset: '24h' });
  const [live, setLive] = useState(true);
  const stats = useLoad(() => {
    const { from, to } = windowOf(range);
    return api('GET', `/admin/usage/stats${query({ from, to })}`);
  }, [range], live && (range.preset === '1h' || range.preset === '24h') ? 15_000 : 0);
  const keys = useLoad(() => api('GET', '/admin/keys'), []);
  const keyNames = useMemo(() => Object.fromEntries((keys.data?.data ?? []).map((key) => [key.id, `${key.name} (${key.prefix}…)`])), [keys.data]);
  const series = useMemo(() => {
    const points = filledSeries(stats.data);
    return {
      times: points.map((point) => Date.parse(point.start) / 1000),
      requests: [{ label: t('series.requests'), values: points.map((point) => point.requests) }, { label: t('series.errors'), values: points.map((point) => point.errors) }],
      cost: [{ label: t('series.cost'), values: points.map((point) => point.cost_usd) }],
      tokens: [{ label: t('series.input'), values: points.map((point) => point.input_tokens) }, { label: t('series.output'), values: points.map((point) => point.output_tokens) }],
    };
  }, [stats.data]);
  const data = stats.data;
  return html`
    <div class="toolbar">
      <${RangePicker} range=${range} onChange=${setRange} idPrefix="dashboard" />
      <div class="live">
        <label><input type="checkbox" checked=${live} onChange=${(event) => setLive(event.currentTarget.checked)} /> ${t('live.label')}</label>
        <button type="button" class="secondary" onClick=${stats.reload}>${t('action.refresh')}</button>
        ${stats.at && html`<span class="muted" aria-live="polite">${t('live.updated', { time: dateTime(stats.at.toISOString()) })}</span>`}
      </div>
    </div>
    <${ErrorBox} error=${stats.error} />
    ${data && html`
      <${Cards} stats=${data} />
      ${data.totals.requests === 0 && html`<p class="muted empty">${t('empty.none')}</p>`}
      ${series.times.length > 0 && html`<section class="charts">
        <${Chart} title=${t('chart.requests')} times=${series.times} series=${series.requests} format=${compact} />
        <${Chart} title=${t('chart.cost')} times=${series.times} series=${series.cost} format=${usd} />
        <${Chart} title=${t('chart.tokens')} times=${series.times} series=${series.tokens} format=${compact} />
      </section>`}
      <section class="groups">
        ${groupOrder.filter((dimension) => session.role === 'admin' || dimension !== 'user').map((dimension) => html`<${GroupTable} dimension=${dimension} rows=${data.groups[dimension]} keyNames=${keyNames} />`)}
      </section>`}`;
}
