/** The sample product catalogue: deterministic products, and the paths the export renders. */

export interface Product {
  slug: string;
  name: string;
  category: string;
  priceCents: number;
  rating: number;
  stock: number;
  description: string;
}

export interface CatalogueOptions {
  /** Products to make. */
  products: number;
  /** Seed of the generator: the same seed, the same catalogue. */
  seed: number;
  /** Where the catalogue is served, for links (`/catalogue/`). */
  basePath: string;
}

/** mulberry32: a small, fast, seedable generator (deterministic across runs and machines). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const categories = ['Lamps', 'Chairs', 'Kettles', 'Bicycles', 'Backpacks', 'Keyboards', 'Plants', 'Clocks'];
const adjectives = ['Quiet', 'Brisk', 'Amber', 'Nordic', 'Folding', 'Tidy', 'Copper', 'Patient', 'Sturdy', 'Lucid'];
const nouns = ['Harbor', 'Meadow', 'Summit', 'Lantern', 'Orbit', 'Willow', 'Anchor', 'Atlas', 'Comet', 'Pebble'];
const traits = ['easy to repair', 'made to last', 'light enough to carry', 'quiet in use', 'built from recycled parts'];

export function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The catalogue for these options (the same on every call). */
export function makeProducts({ products, seed }: CatalogueOptions): Product[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: products }, (_, i) => {
    const category = pick(categories);
    const name = `${pick(adjectives)} ${pick(nouns)} ${category.slice(0, -1)} ${i + 1}`;
    return {
      slug: slugify(name),
      name,
      category,
      priceCents: 990 + Math.floor(next() * 40_000),
      rating: Math.round((2.5 + next() * 2.5) * 10) / 10,
      stock: Math.floor(next() * 120),
      description: `A ${name.toLowerCase()}, ${pick(traits)} and ${pick(traits)}.`,
    };
  });
}

export function categoriesOf(products: readonly Product[]): string[] {
  return [...new Set(products.map((product) => product.category))].sort();
}

/** Every path of the catalogue: the index, one page per category and per product, and the JSON feed of the API tenant. */
export function* cataloguePaths(products: readonly Product[]): Generator<string> {
  yield '/';
  yield '/products.json';
  for (const category of categoriesOf(products)) yield `/categories/${slugify(category)}/`;
  for (const product of products) yield `/products/${product.slug}/`;
}

/** How many paths {@link cataloguePaths} yields. */
export function countPaths(products: readonly Product[]): number {
  return 2 + categoriesOf(products).length + products.length;
}
