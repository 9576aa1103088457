import { html, useState } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { ErrorBox, useLoad } from '../components.js';

const price = (value) => (value === null || value === undefined ? '–' : `$${Number(value.toPrecision(6))}`);

function chain(targets) {
  return targets.map((target) => `${target.provider}${target.region ? ` (${target.region})` : ''}: ${target.model}`).join(' → ');
}

function Routing() {
  const routing = useLoad(() => api('GET', '/admin/routing'), [], 15_000);
  if (routing.error) return html`<${ErrorBox} error=${routing.error} />`;
  const data = routing.data;
  if (!data) return null;
  return html`
    <section class="card table-card">
      <h2>${t('models.routes')}</h2>
      ${data.routes.length === 0
        ? html`<p class="muted empty">${t('models.no_routes')}</p>`
        : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('models.match')}</th><th scope="col">${t('models.targets')}</th></tr></thead>
          <tbody>${data.routes.map((route) => html`<tr><td class="mono">${route.match}</td><td>${route.targets.map((target) => `${target.provider}${target.region ? ` (${target.region})` : ''}${target.model ? `: ${target.model}` : ''}`).join(' → ')}</td></tr>`)}</tbody></table></div>`}
    </section>
    <section class="card table-card">
      <h2>${t('models.cooldowns')}</h2>
      ${data.cooldowns.length === 0
        ? html`<p class="muted empty">${t('models.no_cooldowns')}</p>`
        : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('models.target')}</th><th scope="col">${t('models.reason')}</th><th scope="col" class="num">${t('models.remaining')}</th></tr></thead>
          <tbody>${data.cooldowns.map((entry) => html`<tr><td class="mono">${entry.target}</td><td>${entry.reason}</td><td class="num">${entry.remaining_seconds} s</td></tr>`)}</tbody></table></div>`}
    </section>`;
}

export function Models({ session }) {
  const models = useLoad(() => api('GET', '/admin/models'), []);
  const [search, setSearch] = useState('');
  const rows = (models.data?.data ?? []).filter((model) => search === '' || `${model.id} ${model.display_name} ${model.aliases.join(' ')}`.toLowerCase().includes(search.toLowerCase()));
  const multipliers = models.data?.tier_multipliers;
  return html`
    <div class="toolbar">
      <div class="field inline"><label for="model-search">${t('models.search')}</label><input id="model-search" type="search" value=${search} onInput=${(event) => setSearch(event.currentTarget.value)} /></div>
      ${multipliers && html`<p class="muted">${t('models.tiers')}: ${Object.entries(multipliers).map(([tier, factor]) => `${tier} ×${factor}`).join(' · ')}</p>`}
    </div>
    <p class="hint">${t('models.hint')}</p>
    <${ErrorBox} error=${models.error} />
    <section class="card table-card">
      <h2>${t('models.pricing')}</h2>
      <div class="table-wrap"><table class="models">
        <thead><tr><th scope="col">${t('models.model')}</th><th scope="col">${t('models.status')}</th>
          <th scope="col" class="num">${t('models.input')}</th><th scope="col" class="num">${t('models.output')}</th><th scope="col" class="num">${t('models.cache_read')}</th>
          <th scope="col" class="num">${t('models.cache_write_5m')}</th><th scope="col" class="num">${t('models.cache_write_1h')}</th><th scope="col">${t('models.chain')}</th></tr></thead>
        <tbody>${rows.map((model) => html`<tr>
          <td><div>${model.display_name}</div><div class="muted mono small">${model.id}</div></td>
          <td><span class=${`badge ${model.status === 'active' ? 'active' : model.status === 'retired' ? 'revoked' : ''}`}>${model.status}</span></td>
          <td class="num">${price(model.pricing?.input)}</td><td class="num">${price(model.pricing?.output)}</td><td class="num">${price(model.pricing?.cache_read)}</td>
          <td class="num">${price(model.pricing?.cache_write_5m)}</td><td class="num">${price(model.pricing?.cache_write_1h)}</td>
          <td class="small">${model.targets.length > 0 ? chain(model.targets) : html`<span class="muted" title=${model.unavailable}>${t('models.unavailable')}</span>`}</td></tr>`)}
        </tbody></table></div>
    </section>
    ${session.role === 'admin' && html`<${Routing} />`}`;
}
