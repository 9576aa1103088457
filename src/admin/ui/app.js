import { html, render, useEffect, useState } from './html.js';
import { api, setCsrfToken, whenSessionLost } from './api.js';
import { languages, language, setLanguage, t } from './i18n.js';
import { Login } from './pages/login.js';
import { Dashboard } from './pages/dashboard.js';
import { History } from './pages/history.js';
import { Keys } from './pages/keys.js';
import { Budgets } from './pages/budgets.js';
import { Models } from './pages/models.js';

const pages = { dashboard: Dashboard, history: History, keys: Keys, budgets: Budgets, models: Models };

function currentPage() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return name in pages ? name : 'dashboard';
}

function Header({ session, page, onLogout, onLanguage }) {
  return html`
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true">◆</span> ${t('app.title')}</div>
      <nav aria-label=${t('nav.main')}>
        ${Object.keys(pages).map((name) => html`<a href=${`#/${name}`} aria-current=${page === name ? 'page' : undefined}>${t(`nav.${name}`)}</a>`)}
      </nav>
      <div class="who">
        <span class="role">${session.role === 'admin' ? t('role.admin') : t('role.viewer', { user: session.user_id })}</span>
        <label class="visually-hidden" for="language">${t('nav.language')}</label>
        <select id="language" value=${language()} onChange=${(event) => onLanguage(event.currentTarget.value)}>
          ${languages.map(([code, label]) => html`<option value=${code}>${label}</option>`)}
        </select>
        <button type="button" class="secondary" onClick=${onLogout}>${t('nav.logout')}</button>
      </div>
    </header>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  const [page, setPage] = useState(currentPage());
  const [, setLanguageTick] = useState(0);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    api('GET', '/admin/session').then(
      (found) => {
        setCsrfToken(found.csrf_token);
        setSession(found);
      },
      () => setSession(null),
    );
    whenSessionLost(() => {
      setCsrfToken(null);
      setSession(null);
      setNotice(t('login.expired'));
    });
    const onHash = () => setPage(currentPage());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.title = `${t(`nav.${page}`)} · ${t('app.title')}`;
  });

  if (session === undefined) return html`<p class="boot">…</p>`;
  if (session === null) {
    return html`<${Login} notice=${notice} onLogin=${(found) => {
      setCsrfToken(found.csrf_token);
      setNotice('');
      setSession(found);
    }} />`;
  }
  const Page = pages[page];
  const logout = async () => {
    await api('DELETE', '/admin/session').catch(() => null);
    setCsrfToken(null);
    setSession(null);
  };
  const changeLanguage = (code) => {
    setLanguage(code);
    setLanguageTick((tick) => tick + 1);
  };
  return html`
    <${Header} session=${session} page=${page} onLogout=${logout} onLanguage=${changeLanguage} />
    <main id="main"><${Page} session=${session} key=${page} /></main>`;
}

setLanguage(language());
render(html`<${App} />`, document.getElementById('app'));
