/** Where the demo keeps what it generates and builds, under its data folder. */
import { join } from 'node:path';

export interface DataLayout {
  /** The generated blog: its posts, its config, its build database. */
  blogSite: string;
  /** The built blog, served by the `blog` tenant. */
  blogOut: string;
  /** The exported catalogue, served by the `catalogue` tenant; `products.json` in it feeds the `api` tenant. */
  catalogueOut: string;
}

export function dataLayout(dataDir: string): DataLayout {
  return {
    blogSite: join(dataDir, 'blog'),
    blogOut: join(dataDir, 'blog', '_site'),
    catalogueOut: join(dataDir, 'catalogue'),
  };
}
