/**
 * The catalogue's renderer, run by @drove/static-export in every render child:
 * `setup` makes the products once per child, `render` turns one path into its
 * page. Each product page carries a price forecast drawn from a Monte Carlo
 * simulation, so rendering costs real CPU, as a real site's would.
 */
import { defineRenderer } from '@drove/static-export';
import { categoriesOf, makeProducts, random, slugify, type CatalogueOptions, type Product } from './products.js';

export interface CatalogueRendererOptions extends CatalogueOptions {
  /** Simulated price paths per product page (the CPU a page costs). */
  forecastPaths: number;
}

interface State {
  options: CatalogueRendererOptions;
  products: Product[];
  bySlug: Map<string, Product>;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const price = (cents: number): string => `€${(cents / 100).toFixed(2)}`;

function page(title: string, base: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Drove catalogue</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2330}a{color:#2456c7}
ul.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.5rem}
ul.grid li{border:1px solid #dde3ee;border-radius:6px;padding:.5rem .75rem}.muted{color:#667085}</style></head>
<body><nav><a href="${base}">Catalogue</a> · <a href="/">Front door</a></nav>
${body}
<p class="muted">Rendered by pid ${process.pid} with @drove/static-export.</p></body></html>
`;
}

/** Percentile bands (10, 50, 90) of simulated prices over 90 days. */
function forecast(product: Product, paths: number): { p10: number[]; p50: number[]; p90: number[] } {
  const days = 90;
  const next = random(product.priceCents * 7919 + product.stock);
  const sims = Array.from({ length: days }, () => new Float64Array(paths));
  for (let p = 0; p < paths; p++) {
    let value = product.priceCents;
    for (let d = 0; d < days; d++) {
      // A daily log-normal step: Box-Muller from two uniforms.
      const z = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
      value *= Math.exp(0.0004 + 0.02 * z);
      sims[d]![p] = value;
    }
  }
  const p10: number[] = [];
  const p50: number[] = [];
  const p90: number[] = [];
  for (const day of sims) {
    day.sort();
    p10.push(day[Math.floor(paths * 0.1)]!);
    p50.push(day[Math.floor(paths * 0.5)]!);
    p90.push(day[Math.floor(paths * 0.9)]!);
  }
  return { p10, p50, p90 };
}

/** Round steps for an axis: 1, 2 or 5 times a power of ten, about `count` of them over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
}

/** The forecast as an SVG chart: the 10-90 % band and the median, a price axis in euros and a time axis in days. */
function chart(today: number, bands: ReturnType<typeof forecast>): string {
  const [p10, p50, p90] = [bands.p10, bands.p50, bands.p90].map((series) => [today, ...series]) as [number[], number[], number[]];
  const width = 640;
  const height = 240;
  const left = 64;
  const right = 12;
  const top = 28;
  const bottom = 44;
  const step = niceStep((Math.max(...p90) - Math.min(...p10)) / 100, 4) * 100;
  const low = Math.floor(Math.min(...p10) / step) * step;
  const high = Math.ceil(Math.max(...p90) / step) * step;
  // Day 0 is today's price, where every path starts; the simulation's days follow.
  const days = p50.length;
  const x = (day: number) => (left + (day / days) * (width - left - right)).toFixed(1);
  const y = (cents: number) => (top + (1 - (cents - low) / (high - low || 1)) * (height - top - bottom)).toFixed(1);
  const line = (series: number[]) => series.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i)},${y(v)}`).join('');
  const band = `${line(p90)}${p10.map((_, i) => `L${x(p10.length - 1 - i)},${y(p10[p10.length - 1 - i]!)}`).join('')}Z`;
  const yTicks: string[] = [];
  for (let cents = low; cents <= high + step / 2; cents += step) {
    yTicks.push(`<line x1="${left}" x2="${width - right}" y1="${y(cents)}" y2="${y(cents)}" stroke="#e9eef6"/>`);
    yTicks.push(`<text x="${left - 6}" y="${(Number(y(cents)) + 4).toFixed(1)}" text-anchor="end">€${(cents / 100).toFixed(step >= 100 ? 0 : 2)}</text>`);
  }
  const xTicks: string[] = [];
  for (let day = 0; day <= days; day += 15) {
    xTicks.push(`<line x1="${x(day)}" x2="${x(day)}" y1="${height - bottom}" y2="${height - bottom + 4}" stroke="#98a2b3"/>`);
    xTicks.push(`<text x="${x(day)}" y="${height - bottom + 16}" text-anchor="middle">${day === 0 ? 'today' : `+${day} d`}</text>`);
  }
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="90-day price forecast: median and 10-90 % band" font-family="system-ui,sans-serif" font-size="12" fill="#667085">
<g class="y-axis">${yTicks.join('')}</g>
<path d="${band}" fill="#c9d8f5"/><path d="${line(p50)}" fill="none" stroke="#2456c7" stroke-width="2"/>
<g class="x-axis"><line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#98a2b3"/>${xTicks.join('')}</g>
<text class="x-label" x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">days from today</text>
<text class="y-label" x="4" y="14">price</text>
<g font-size="11" text-anchor="end"><text x="${width - right}" y="14">median</text><line x1="${width - right - 56}" x2="${width - right - 44}" y1="10" y2="10" stroke="#2456c7" stroke-width="2"/>
<text x="${width - right - 64}" y="14">10-90 % of paths</text><rect x="${width - right - 174}" y="6" width="12" height="8" fill="#c9d8f5"/></g></svg>`;
}

function productPage(product: Product, state: State): string {
  const base = state.options.basePath;
  const bands = forecast(product, state.options.forecastPaths);
  const median = bands.p50[bands.p50.length - 1]!;
  return page(
    product.name,
    base,
    `<h1>${escapeHtml(product.name)}</h1>
<p><strong>${price(product.priceCents)}</strong> · rated ${product.rating} · ${product.stock} in stock ·
<a href="${base}categories/${slugify(product.category)}/">${escapeHtml(product.category)}</a></p>
<p>${escapeHtml(product.description)}</p>
<h2>Price in 90 days</h2>${chart(product.priceCents, bands)}
<p class="muted">Median forecast ${price(Math.round(median))}, from ${state.options.forecastPaths} simulated paths.</p>`,
  );
}

function listPage(title: string, products: readonly Product[], state: State): string {
  const base = state.options.basePath;
  const items = products
    .map((p) => `<li><a href="${base}products/${p.slug}/">${escapeHtml(p.name)}</a><br><span class="muted">${price(p.priceCents)}</span></li>`)
    .join('\n');
  return page(title, base, `<h1>${escapeHtml(title)}</h1><ul class="grid">\n${items}\n</ul>`);
}

export default defineRenderer({
  setup: (options: CatalogueRendererOptions): State => {
    const products = makeProducts(options);
    return { options, products, bySlug: new Map(products.map((product) => [product.slug, product])) };
  },

  render: (path: string, ctx) => {
    const state = ctx.state as State;
    if (path === '/') {
      const base = state.options.basePath;
      const links = categoriesOf(state.products)
        .map((c) => `<li><a href="${base}categories/${slugify(c)}/">${escapeHtml(c)}</a></li>`)
        .join('\n');
      return page('Catalogue', base, `<h1>Catalogue</h1><p>${state.products.length} products.</p><ul class="grid">\n${links}\n</ul>`);
    }
    if (path === '/products.json') return `${JSON.stringify(state.products)}\n`;
    const category = /^\/categories\/([^/]+)\/$/.exec(path)?.[1];
    if (category !== undefined) {
      const name = categoriesOf(state.products).find((c) => slugify(c) === category);
      if (name === undefined) throw new Error(`no category ${category}`);
      return listPage(name, state.products.filter((p) => p.category === name), state);
    }
    const slug = /^\/products\/([^/]+)\/$/.exec(path)?.[1];
    const product = slug === undefined ? undefined : state.bySlug.get(slug);
    if (product === undefined) throw new Error(`no product at ${path}`);
    return productPage(product, state);
  },
});
