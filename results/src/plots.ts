// SVG plots: the training-loss curves of each experiment's runs (one line per run, lossCurveSvg from
// @lorats/experiment) and a grouped bar chart of throughput per workload (lorats against PEFT).
import { lossCurveSvg } from '@lorats/experiment';
import type { ThroughputEntry } from './bench.js';
import type { LoadedRecord } from './records.js';

/** One SVG per experiment with at least one loss curve: path under results/ → SVG text. */
export function lossPlots(records: readonly LoadedRecord[]): Map<string, string> {
  const groups = new Map<string, LoadedRecord[]>();
  for (const r of records) {
    if (!r.record.training || r.record.training.lossCurve.length === 0) continue;
    const key = `${r.record.app}/${r.record.experiment}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out = new Map<string, string>();
  for (const [key, runs] of groups) {
    const series = runs.map((r) => ({
      name: `seed ${r.record.seed}${r.kind === 'paper' ? '' : ` (${r.kind})`}`,
      points: r.record.training?.lossCurve ?? [],
    }));
    out.set(`plots/loss/${key}.svg`, lossCurveSvg(series, { title: `${key}: training loss`, xLabel: 'update', yLabel: 'loss' }));
  }
  return out;
}

const COLORS: Record<string, string> = { peft: '#d62728', lorats: '#1f77b4' };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Horizontal bars, grouped by workload: tokens/s of each implementation. */
export function throughputSvg(entries: readonly ThroughputEntry[]): string {
  const width = 760;
  const barH = 16;
  const groupGap = 30;
  const left = 180;
  const right = 90;
  const top = 36;
  const workloads = [...new Set(entries.map((e) => e.workload))];
  const max = Math.max(1, ...entries.map((e) => e.tokensPerSecond));
  const height = top + 20 + workloads.reduce((h, w) => h + groupGap + barH * entries.filter((e) => e.workload === w).length, 0);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="13">LoRA training step: tokens per second (longer is faster)</text>`,
  ];
  if (entries.length === 0) out.push(`<text x="${width / 2}" y="${top + 10}" text-anchor="middle">no benchmark results in results/bench/</text>`);
  let y = top;
  for (const w of workloads) {
    out.push(`<text x="8" y="${y + 12}" font-weight="bold">${escapeXml(w)}</text>`);
    y += 18;
    for (const e of entries.filter((x) => x.workload === w)) {
      const len = ((width - left - right) * e.tokensPerSecond) / max;
      const color = /peft/i.test(e.implementation) ? COLORS.peft : COLORS.lorats;
      out.push(`<text x="${left - 6}" y="${y + barH / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(e.implementation)}</text>`);
      out.push(`<rect x="${left}" y="${y + 2}" width="${len.toFixed(1)}" height="${barH - 4}" fill="${color}"><title>${escapeXml(e.file)}</title></rect>`);
      out.push(`<text x="${(left + len + 4).toFixed(1)}" y="${y + barH / 2}" dominant-baseline="middle">${Math.round(e.tokensPerSecond).toLocaleString('en-US')}</text>`);
      y += barH;
    }
    y += groupGap - 18;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
