// The run's timeline as a chart: one row per host, one bar per step from its start to its end,
// coloured by step, a failed step outlined in red. Drawn as an SVG string in Node with vega-lite
// and vega (no browser, no canvas, no network: the data is inline and the loader refuses to
// load anything), so the HTML report embeds it and works offline.
import { type TimelineStep } from './run-timeline.js';

// Every step a run journals, in the order a host takes them, each with its colour.
const STEPS: readonly (readonly [string, string])[] = [
  ['connect', '#9e9e9e'],
  ['lockHost', '#bdbdbd'],
  ['capture', '#78909c'],
  ['stage', '#5c6bc0'],
  ['bind', '#1e88e5'],
  ['verify', '#43a047'],
  ['restart', '#8e24aa'],
  ['rollback', '#fb8c00'],
  ['verifyRollback', '#f4511e'],
  ['cleanup', '#26a69a'],
  ['release', '#cfd8dc'],
  ['approve', '#fdd835'],
  ['soak', '#a1887f'],
  ['rollbackHost', '#d81b60'],
];

/** A vega-lite spec of the timeline (exported for the test that reads what it encodes). */
export function timelineSpec(steps: readonly TimelineStep[]): Record<string, unknown> {
  const taken = new Set(steps.map((s) => s.step));
  const known = STEPS.filter(([s]) => taken.has(s));
  const other = [...taken].filter((s) => !STEPS.some(([k]) => k === s));
  const values = steps.map((s) => ({
    row: s.env !== undefined && s.env !== s.host ? `${s.env} / ${s.host}` : s.host,
    step: s.step,
    start: s.start,
    // A step done within the same millisecond still gets a visible sliver.
    end: s.end === s.start ? new Date(Date.parse(s.end) + 5).toISOString() : s.end,
    failed: !s.ok,
    binding: s.binding ?? '',
  }));
  const rows = [...new Set(values.map((v) => v.row))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720,
    height: Math.max(60, rows.length * 28),
    data: { values },
    mark: { type: 'bar', cornerRadius: 2, height: 16 },
    encoding: {
      y: { field: 'row', type: 'nominal', sort: rows, title: null },
      x: { field: 'start', type: 'temporal', title: 'time (UTC)', axis: { format: '%H:%M:%S' } },
      x2: { field: 'end' },
      color: {
        field: 'step',
        type: 'nominal',
        title: 'step',
        scale: {
          domain: [...known.map(([s]) => s), ...other],
          range: [...known.map(([, c]) => c), ...other.map(() => '#607d8b')],
        },
      },
      stroke: {
        condition: { test: 'datum.failed', value: '#c62828' },
        value: null,
      },
      strokeWidth: { condition: { test: 'datum.failed', value: 2 }, value: 0 },
    },
    config: { font: 'sans-serif', legend: { orient: 'bottom', columns: 7 } },
  };
}

/** The timeline as a standalone SVG element (an empty string when no step finished). */
export async function timelineSvg(steps: readonly TimelineStep[]): Promise<string> {
  if (steps.length === 0) return '';
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(timelineSpec(steps) as unknown as Parameters<typeof vl.compile>[0]);
  const refuse = () => Promise.reject(new Error('the report loads nothing: its data is inline'));
  const view = new vega.View(vega.parse(compiled.spec), {
    renderer: 'none',
    loader: { load: refuse, sanitize: refuse, http: refuse, file: refuse },
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
