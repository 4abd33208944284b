/**
 * The report's chart: status calls per job (x) against p95 completion latency (y), one point per
 * strategy, as a self-contained SVG a browser shows without any library.
 */
import type { StrategyResult } from './simulate.js';

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 30, top: 30, bottom: 55 };
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders the chart; axes start at zero and leave 10% headroom over the largest value. */
export function pollingChartSvg(results: readonly StrategyResult[]): string {
  const finite = results.filter((r) => Number.isFinite(r.completion.p95));
  const maxX = Math.max(...finite.map((r) => r.callsPerJob)) * 1.1;
  const maxY = Math.max(...finite.map((r) => r.completion.p95 / 1000)) * 1.1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number): number => MARGIN.left + (v / maxX) * plotW;
  const y = (v: number): number => MARGIN.top + plotH - (v / maxY) * plotH;
  const points = finite.map((r, i) => {
    const cx = x(r.callsPerJob).toFixed(1);
    const cy = y(r.completion.p95 / 1000).toFixed(1);
    const colour = COLOURS[i % COLOURS.length] as string;
    const label = `${r.strategy}: ${r.callsPerJob.toFixed(1)} calls, p95 ${Math.round(r.completion.p95 / 1000)} s`;
    return [
      `<circle cx="${cx}" cy="${cy}" r="6" fill="${colour}"><title>${escapeXml(label)}</title></circle>`,
      `<text x="${cx}" y="${(Number(cy) - 10).toFixed(1)}" font-size="12" text-anchor="middle">${escapeXml(r.strategy)}</text>`,
    ].join('\n');
  });
  const bottom = MARGIN.top + plotH;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 15}" font-size="13" text-anchor="middle">Status calls per job</text>`,
    `<text x="18" y="${MARGIN.top + plotH / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">p95 completion latency (s)</text>`,
    `<text x="${MARGIN.left}" y="${bottom + 18}" font-size="11" text-anchor="middle">0</text>`,
    `<text x="${x(maxX / 1.1).toFixed(1)}" y="${bottom + 18}" font-size="11" text-anchor="middle">${(maxX / 1.1).toFixed(0)}</text>`,
    `<text x="${MARGIN.left - 8}" y="${y(maxY / 1.1).toFixed(1)}" font-size="11" text-anchor="end">${(maxY / 1.1).toFixed(0)}</text>`,
    ...points,
    '</svg>',
    '',
  ].join('\n');
}
