import { html, useEffect, useRef, useState } from './html.js';
import { t } from './i18n.js';
import { toLocalInput } from './format.js';

const HOUR = 3_600_000;
export const presets = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

/** The window a range stands for, now: `{ from, to }` epoch ms. */
export function windowOf(range) {
  if (range.preset === 'custom') return { from: range.from, to: range.to };
  const to = Date.now();
  return { from: to - presets[range.preset], to };
}

export function RangePicker({ range, onChange, idPrefix }) {
  const [from, setFrom] = useState(toLocalInput(range.from ?? Date.now() - presets['24h']));
  const [to, setTo] = useState(toLocalInput(range.to ?? Date.now()));
  const choose = (preset) => {
    if (preset !== 'custom') return onChange({ preset });
    onChange({ preset, from: new Date(from).getTime(), to: new Date(to).getTime() });
  };
  return html`
    <fieldset class="range">
      <legend>${t('range.label')}</legend>
      <div class="segmented" role="group">
        ${[...Object.keys(presets), 'custom'].map(
          (preset) => html`<button type="button" aria-pressed=${range.preset === preset ? 'true' : 'false'} onClick=${() => choose(preset)}>${t(`range.${preset}`)}</button>`,
        )}
      </div>
      ${range.preset === 'custom' &&
      html`<div class="custom">
        <label for=${`${idPrefix}-from`}>${t('range.from')}</label>
        <input id=${`${idPrefix}-from`} type="datetime-local" value=${from} onInput=${(event) => setFrom(event.currentTarget.value)} />
        <label for=${`${idPrefix}-to`}>${t('range.to')}</label>
        <input id=${`${idPrefix}-to`} type="datetime-local" value=${to} onInput=${(event) => setTo(event.currentTarget.value)} />
        <button type="button" onClick=${() => choose('custom')}>${t('range.apply')}</button>
      </div>`}
    </fieldset>`;
}

/** Runs `load` when `dependencies` change (and every `refreshMs` when given); `{ data, error, loading, reload }`. */
export function useLoad(load, dependencies, refreshMs) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const inFlight = useRef(false);
  useEffect(() => {
    let live = true;
    inFlight.current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load()
      .then(
        (data) => live && setState({ data, error: undefined, loading: false, at: new Date() }),
        (error) => live && setState((previous) => ({ ...previous, error, loading: false })),
      )
      .finally(() => {
        inFlight.current = false;
      });
    return () => {
      live = false;
    };
  }, [...dependencies, tick]);
  useEffect(() => {
    if (!refreshMs) return undefined;
    // A refresh never overlaps the previous load (a slow aggregate must not pile up).
    const timer = setInterval(() => inFlight.current || setTick((value) => value + 1), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  return { ...state, reload: () => setTick((value) => value + 1) };
}

export function ErrorBox({ error }) {
  return error ? html`<p class="error" role="alert">${t('error.generic', { message: error.message })}</p>` : null;
}

export function StatusBadge({ status, reason }) {
  const label = reason ? t(`status.${reason}`) : t(`status.${status}`);
  return html`<span class=${`badge ${status}`}>${label}</span>`;
}
