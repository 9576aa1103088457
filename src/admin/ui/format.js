import { language } from './i18n.js';

const locale = () => (language() === 'zh' ? 'zh-CN' : 'en-US');

export function count(value) {
  return value === null || value === undefined ? '–' : new Intl.NumberFormat(locale()).format(value);
}

/** 1234567 -> 1.23M */
export function compact(value) {
  return value === null || value === undefined ? '–' : new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

export function usd(value) {
  if (value === null || value === undefined) return '–';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 6 : 2;
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(value);
}

export function percent(value) {
  return value === null || value === undefined ? '–' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

export function ms(value) {
  if (value === null || value === undefined) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function dateTime(iso) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso));
}

/** A `datetime-local` input's value for an epoch-ms time, in local time. */
export function toLocalInput(epoch) {
  const date = new Date(epoch - new Date(epoch).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}
