import { html, useState } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';

export function Login({ notice, onLogin }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await api('POST', '/admin/session', { key }));
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login">
      <form class="card" onSubmit=${submit}>
        <h1><span class="logo" aria-hidden="true">◆</span> ${t('login.title')}</h1>
        ${notice && html`<p class="notice" role="status">${notice}</p>`}
        <label for="login-key">${t('login.key')}</label>
        <input id="login-key" type="password" autocomplete="current-password" required value=${key} onInput=${(event) => setKey(event.currentTarget.value)} />
        <p class="hint">${t('login.hint')}</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${t('login.submit')}</button>
      </form>
    </main>`;
}
