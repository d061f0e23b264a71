import { readFileSync } from 'node:fs';

/** A plotly figure: traces and layout as plotly.js takes them. */
export interface Figure {
  readonly data: readonly Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
}

let plotlySource: string | undefined;

/** The plotly.js bundle from the `plotly.js-dist` package, for offline HTML (no CDN). */
export function plotlyScript(): string {
  plotlySource ??= readFileSync(require.resolve('plotly.js-dist/plotly.js'), 'utf8');
  return plotlySource;
}

let divCounter = 0;

/**
 * An HTML fragment drawing `figure` into its own div. The script waits for `window.Plotly`,
 * so a page (or notebook) needs the plotly bundle once, from `plotlyScript()`.
 */
export function figureDiv(figure: Figure, options: { height?: number } = {}): string {
  const id = `stocklab-plot-${process.pid}-${++divCounter}`;
  const spec = JSON.stringify({ data: figure.data, layout: figure.layout }).replace(/</g, '\\u003c');
  return (
    `<div id="${id}" class="stocklab-plot" style="width:100%;height:${options.height ?? 450}px"></div>` +
    `<script>(function(){var s=${spec};function draw(){if(window.Plotly){window.Plotly.newPlot('${id}',s.data,s.layout,{responsive:true});}else{setTimeout(draw,50);}}draw();})();</script>`
  );
}

let notebookHasPlotly = false;

/**
 * Show a figure inline in a tslab notebook: one display bundle with plotly's own MIME type
 * (rendered natively by JupyterLab's plotly renderer and VS Code) and an HTML fallback for
 * the classic notebook, which carries the plotly bundle with the first figure of a session.
 * Outside a notebook it does nothing.
 */
export function showFigure(figure: Figure): void {
  notebookWriter()?.(figureBundle(figure, {}), false);
}

let liveCounter = 0;

/**
 * A figure that redraws in place in a tslab notebook (one output, updated), e.g. loss curves
 * during training: call the returned function with each new version of the figure.
 */
export function liveFigure(): (figure: Figure) => void {
  const displayId = `stocklab-live-${process.pid}-${++liveCounter}`;
  let shown = false;
  return (figure) => {
    const write = notebookWriter();
    if (!write) return;
    write(figureBundle(figure, { display_id: displayId }), shown);
    shown = true;
  };
}

function figureBundle(figure: Figure, transient: Record<string, string>): Record<string, unknown> {
  const html = (notebookHasPlotly ? '' : `<script>${plotlyScript()}</script>`) + figureDiv(figure);
  notebookHasPlotly = true;
  return {
    data: {
      'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout },
      'text/html': html,
      'text/plain': `<plotly figure: ${String((figure.layout.title as { text?: string } | undefined)?.text ?? figure.data.length + ' traces')}>`,
    },
    metadata: {},
    transient,
  };
}

type DisplayWriter = (msg: Record<string, unknown>, update: boolean) => void;

/** tslab's display channel when running inside its kernel, else undefined. */
function notebookWriter(): DisplayWriter | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: DisplayWriter | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}
