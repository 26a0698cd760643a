import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
}

export interface TimeChartProps {
  /** What the chart shows, for screen readers (the canvas itself says nothing). */
  readonly label: string;
  /** Unix seconds, ascending. */
  readonly times: readonly number[];
  readonly series: readonly Series[];
  readonly height?: number;
  readonly bars?: boolean;
}

// Mid-tone colours that read on the light and the dark background alike.
const PALETTE = ['#2f81f7', '#e5534b', '#3fb950', '#d29922', '#a371f7', '#db61a2', '#39c5cf', '#f0883e'];

function options(props: TimeChartProps, width: number): uPlot.Options {
  const text = getComputedStyle(document.body).color;
  const grid = 'rgba(128, 128, 128, 0.2)';
  const axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
  return {
    width,
    height: props.height ?? 240,
    legend: { show: props.series.length > 1 || !props.bars },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 56 }],
    series: [
      {},
      ...props.series.map((series, index) => {
        const colour = PALETTE[index % PALETTE.length] ?? '#2f81f7';
        return {
          label: series.label,
          stroke: colour,
          width: 2,
          spanGaps: true,
          points: { show: props.times.length < 80 },
          ...(props.bars ? { fill: `${colour}55`, paths: uPlot.paths.bars?.({ size: [0.8, 40] }) } : {}),
        };
      }),
    ],
  };
}

const dataOf = (props: TimeChartProps): uPlot.AlignedData => [
  [...props.times],
  ...props.series.map((series) => [...series.values]),
];

/** A time-series chart drawn by uPlot, as wide as its container. */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${props.bars ? 'bars' : 'lines'}:${props.series.map((series) => series.label).join('\u0000')}`;

  // A new set of series (or a change of colour scheme) draws a new chart, keyed by `shape`;
  // new data reuses it.
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const create = () => {
      plot.current?.destroy();
      plot.current = new uPlot(options(props, Math.max(200, element.clientWidth)), dataOf(props), element);
    };
    create();
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: props.height ?? 240 }),
    );
    resize.observe(element);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', create);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', create);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(dataOf(props));
  });

  return <div class="chart" ref={host} role="img" aria-label={props.label} />;
}
