import { html, useState } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { count, dateTime, usd } from '../format.js';
import { ErrorBox, StatusBadge, useLoad } from '../components.js';

const tiers = ['', 'default', 'flex', 'priority', 'reserved'];

/** A number input's value as the API wants it: a number, or null when blank (cleared). */
function numberOrNull(text) {
  const trimmed = String(text).trim();
  return trimmed === '' ? null : Number(trimmed);
}

function KeyForm({ initial, creating, onSubmit, onCancel, idPrefix }) {
  const [form, setForm] = useState(initial);
  const [error, setError] = useState(null);
  const input = (name, label, type = 'text', extra = {}) => html`
    <div class="field"><label for=${`${idPrefix}-${name}`}>${label}</label>
      <input id=${`${idPrefix}-${name}`} type=${type} value=${form[name]} onInput=${(event) => setForm({ ...form, [name]: event.currentTarget.value })} ...${extra} /></div>`;
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    const body = {
      name: form.name,
      service_tier: form.service_tier === '' ? null : form.service_tier,
      rpm_limit: numberOrNull(form.rpm_limit),
      tpm_limit: numberOrNull(form.tpm_limit),
      monthly_budget_usd: numberOrNull(form.monthly_budget_usd),
    };
    if (creating) {
      body.user_id = form.user_id;
      for (const name of Object.keys(body)) if (body[name] === null) delete body[name];
    }
    try {
      await onSubmit(body);
    } catch (failure) {
      setError(failure);
    }
  };
  return html`
    <form class="key-form" onSubmit=${submit}>
      ${creating && input('user_id', t('keys.user'), 'text', { required: true, maxLength: 128 })}
      ${input('name', t('keys.name'), 'text', { required: true, maxLength: 200 })}
      <div class="field"><label for=${`${idPrefix}-tier`}>${t('keys.tier')}</label>
        <select id=${`${idPrefix}-tier`} value=${form.service_tier} onChange=${(event) => setForm({ ...form, service_tier: event.currentTarget.value })}>
          ${tiers.map((tier) => html`<option value=${tier}>${tier === '' ? t('keys.default_tier') : tier}</option>`)}
        </select></div>
      ${input('rpm_limit', t('keys.rpm'), 'number', { min: 1, step: 1 })}
      ${input('tpm_limit', t('keys.tpm'), 'number', { min: 1, step: 1 })}
      ${input('monthly_budget_usd', t('keys.budget'), 'number', { min: 0.000001, step: 'any' })}
      ${!creating && html`<p class="hint">${t('keys.blank_clears')}</p>`}
      <${ErrorBox} error=${error} />
      <div class="field actions">
        <button type="submit">${creating ? t('keys.create') : t('keys.save')}</button>
        ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>${t('keys.cancel')}</button>`}
      </div>
    </form>`;
}

function CreatedKey({ created, onDone }) {
  const [copied, setCopied] = useState(false);
  return html`
    <section class="card created" role="status">
      <p><strong>${t('keys.created_once')}</strong></p>
      <div class="secret"><code id="created-key">${created.key}</code>
        <button type="button" onClick=${async () => {
          await navigator.clipboard.writeText(created.key).catch(() => undefined);
          setCopied(true);
        }}>${copied ? t('keys.copied') : t('keys.copy')}</button></div>
      <button type="button" class="secondary" onClick=${onDone}>${t('keys.done')}</button>
    </section>`;
}

function KeyUsage({ id }) {
  const usage = useLoad(() => api('GET', `/admin/keys/${encodeURIComponent(id)}/usage`), [id]);
  if (usage.error) return html`<${ErrorBox} error=${usage.error} />`;
  if (!usage.data) return html`<p class="muted">…</p>`;
  const { this_month: month, months } = usage.data;
  return html`
    <div class="key-usage">
      <p><strong>${t('keys.this_month')}:</strong> ${count(month.requests)} ${t('col.requests')} · ${usd(month.cost_usd)} · ${count(month.input_tokens)} / ${count(month.output_tokens)} tokens</p>
      <table class="compact"><caption>${t('keys.by_month')}</caption>
        <thead><tr><th scope="col">${t('col.month')}</th><th scope="col" class="num">${t('col.spent')}</th><th scope="col" class="num">${t('col.reserved')}</th></tr></thead>
        <tbody>${months.map((row) => html`<tr><td>${row.month}</td><td class="num">${usd(row.spent_usd)}</td><td class="num">${usd(row.reserved_usd)}</td></tr>`)}</tbody>
      </table>
    </div>`;
}

function KeyRow({ item, admin, onChanged, onError }) {
  const [mode, setMode] = useState(null);
  const change = async (body) => {
    try {
      await api('PATCH', `/admin/keys/${encodeURIComponent(item.id)}`, body);
      setMode(null);
      onChanged();
    } catch (failure) {
      onError(failure);
    }
  };
  const revoke = async () => {
    if (!confirm(t('keys.confirm_revoke', { prefix: item.prefix }))) return;
    await api('POST', `/admin/keys/${encodeURIComponent(item.id)}/revoke`).then(onChanged, onError);
  };
  const limits = `${item.rpm_limit ?? t('keys.none')} / ${item.tpm_limit ?? t('keys.none')}`;
  return html`
    <tr>
      <td class="mono nowrap">${item.prefix}…</td>
      <td>${item.name}</td><td>${item.user_id}</td>
      <td><${StatusBadge} status=${item.status} reason=${item.disabled_reason} /></td>
      <td>${item.service_tier ?? '–'}</td><td>${limits}</td><td class="num">${item.monthly_budget_usd === null ? t('keys.none') : usd(item.monthly_budget_usd)}</td>
      <td class="nowrap">${dateTime(item.created_at)}</td>
      <td class="row-actions">
        <button type="button" class="secondary" aria-expanded=${mode === 'usage'} onClick=${() => setMode(mode === 'usage' ? null : 'usage')}>${t('keys.usage')}</button>
        ${admin && item.status !== 'revoked' && html`
          <button type="button" class="secondary" aria-expanded=${mode === 'edit'} onClick=${() => setMode(mode === 'edit' ? null : 'edit')}>${t('keys.edit')}</button>
          ${item.status === 'active'
            ? html`<button type="button" class="secondary" onClick=${() => change({ status: 'disabled' })}>${t('keys.disable')}</button>`
            : html`<button type="button" class="secondary" onClick=${() => change({ status: 'active' })}>${t('keys.enable')}</button>`}
          <button type="button" class="danger" onClick=${revoke}>${t('keys.revoke')}</button>`}
      </td>
    </tr>
    ${mode !== null && html`<tr class="expanded"><td colspan="9">
      ${mode === 'usage' ? html`<${KeyUsage} id=${item.id} />` : html`
        <h3>${t('keys.editing', { prefix: item.prefix })}</h3>
        <${KeyForm} idPrefix=${`edit-${item.id}`} creating=${false} onSubmit=${change} onCancel=${() => setMode(null)} initial=${{
          name: item.name, service_tier: item.service_tier ?? '', rpm_limit: item.rpm_limit ?? '', tpm_limit: item.tpm_limit ?? '', monthly_budget_usd: item.monthly_budget_usd ?? '',
        }} />`}
    </td></tr>`}`;
}

export function Keys({ session }) {
  const admin = session.role === 'admin';
  const keys = useLoad(() => api('GET', '/admin/keys'), []);
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const [formKey, setFormKey] = useState(0);
  const items = (keys.data?.data ?? []).slice().reverse();
  return html`
    ${admin && html`<details class="card create" open=${items.length === 0}>
      <summary><h2>${t('keys.create')}</h2></summary>
      <${KeyForm} key=${formKey} idPrefix="create" creating=${true} initial=${{ user_id: '', name: '', service_tier: '', rpm_limit: '', tpm_limit: '', monthly_budget_usd: '' }} onSubmit=${async (body) => {
        setCreated(await api('POST', '/admin/keys', body));
        setFormKey(formKey + 1);
        keys.reload();
      }} />
    </details>`}
    ${created && html`<${CreatedKey} created=${created} onDone=${() => setCreated(null)} />`}
    <${ErrorBox} error=${error ?? keys.error} />
    <section class="card table-card">
      <div class="table-wrap"><table class="keys">
        <thead><tr>
          <th scope="col">${t('col.prefix')}</th><th scope="col">${t('col.name')}</th><th scope="col">${t('col.user')}</th><th scope="col">${t('col.state')}</th>
          <th scope="col">${t('col.tier')}</th><th scope="col">${t('col.limits')}</th><th scope="col" class="num">${t('col.budget')}</th><th scope="col">${t('col.created')}</th><th scope="col">${t('col.actions')}</th>
        </tr></thead>
        <tbody>${items.map((item) => html`<${KeyRow} key=${item.id} item=${item} admin=${admin} onChanged=${() => {
          setError(null);
          keys.reload();
        }} onError=${setError} />`)}</tbody>
      </table></div>
      ${items.length === 0 && !keys.loading && html`<p class="muted empty">${t('keys.empty')}</p>`}
    </section>`;
}
