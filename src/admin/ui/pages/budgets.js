import { html, useState } from '../html.js';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { percent, usd } from '../format.js';
import { ErrorBox, StatusBadge, useLoad } from '../components.js';

function monthsBack(count) {
  const now = new Date();
  return Array.from({ length: count }, (_, index) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - index, 1)).toISOString().slice(0, 7));
}

export function Budgets() {
  const months = monthsBack(12);
  const [month, setMonth] = useState(months[0]);
  const budgets = useLoad(() => api('GET', `/admin/budgets${query({ month })}`), [month]);
  const rows = budgets.data?.data ?? [];
  const disabled = rows.filter((row) => row.disabled_by_budget);
  return html`
    <div class="toolbar">
      <div class="field inline"><label for="budget-month">${t('budgets.month')}</label>
        <select id="budget-month" value=${month} onChange=${(event) => setMonth(event.currentTarget.value)}>${months.map((value) => html`<option value=${value}>${value}</option>`)}</select></div>
    </div>
    <${ErrorBox} error=${budgets.error} />
    ${disabled.length > 0 && html`<section class="card warn-card"><h2>${t('budgets.disabled')}</h2>
      <ul>${disabled.map((row) => html`<li><span class="mono">${row.key.prefix}…</span> ${row.key.name} (${row.key.user_id}) · ${usd(row.spent_usd)} / ${usd(row.limit_usd)}</li>`)}</ul></section>`}
    <section class="card table-card">
      <h2>${t('budgets.title')}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('col.key')}</th><th scope="col">${t('col.user')}</th><th scope="col">${t('col.state')}</th><th scope="col" class="num">${t('col.budget')}</th>
          <th scope="col" class="num">${t('col.spent')}</th><th scope="col" class="num">${t('col.reserved')}</th><th scope="col" class="num">${t('col.remaining')}</th><th scope="col">${t('col.use')}</th></tr></thead>
        <tbody>${rows.map((row) => {
          const share = row.limit_usd ? Math.min(1, (row.spent_usd + row.reserved_usd) / row.limit_usd) : null;
          return html`<tr>
            <td><span class="mono">${row.key.prefix}…</span> ${row.key.name}</td><td>${row.key.user_id}</td>
            <td><${StatusBadge} status=${row.key.status} reason=${row.key.disabled_reason} /></td>
            <td class="num">${row.limit_usd === null ? t('budgets.no_budget') : usd(row.limit_usd)}</td>
            <td class="num">${usd(row.spent_usd)}</td><td class="num">${usd(row.reserved_usd)}</td><td class="num">${usd(row.remaining_usd)}</td>
            <td>${share === null ? '–' : html`<meter min="0" max="1" low="0.7" high="0.9" optimum="0" value=${share} aria-label=${percent(share)}></meter> ${percent(share)}`}</td>
          </tr>`;
        })}</tbody>
      </table></div>
      ${rows.length === 0 && !budgets.loading && html`<p class="muted empty">${t('budgets.empty')}</p>`}
    </section>`;
}
