import { html, useEffect, useRef } from './html.js';
import uPlot from './vendor/uplot.mjs';

const palette = ['#4f46e5', '#dc2626', '#0891b2', '#ca8a04'];

/** A uPlot line chart of `series` ([{ label, values }]) over `times` (epoch s), sized to its box. */
export function Chart({ title, times, series, format }) {
  const box = useRef(null);
  useEffect(() => {
    const element = box.current;
    if (element === null || times.length === 0) return undefined;
    const options = {
      width: Math.max(280, element.clientWidth),
      height: 220,
      series: [{}, ...series.map((line, index) => ({ label: line.label, stroke: palette[index % palette.length], width: 2, fill: index === 0 ? 'rgba(79,70,229,0.08)' : undefined, value: (_, value) => (value === null ? '–' : format(value)) }))],
      axes: [{}, { values: (_, ticks) => ticks.map(format), size: 70 }],
      scales: { x: { time: true } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(options, [times, ...series.map((line) => line.values)], element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: 220 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series]);
  return html`<figure class="chart card"><figcaption>${title}</figcaption><div ref=${box} role="img" aria-label=${title}></div></figure>`;
}
