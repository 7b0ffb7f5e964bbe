import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSite } from '../src/generate.js';
import { loadSiteConfig } from '../src/config.js';
import { BuildDatabase } from '../src/internal/build-db.js';
import { planRoutes, type RoutePlan } from '../src/internal/route-planner.js';
import { indexSite, type SiteIndex } from '../src/internal/site-index.js';
import { loadSite, type LoadedSite } from '../src/internal/site-loader.js';
import { tempDir } from './helpers.js';

/** A generated site read, indexed and planned as a build does, by the engine's modules themselves (no workers). */
export interface PlannedSite {
  site: string;
  loaded: LoadedSite;
  index: SiteIndex;
  plan: RoutePlan;
}

/**
 * Generates a site (`posts`, `seed`), then loads, indexes and plans it; the database is closed before this returns.
 * From src/, the loader looks for the default theme beside src/internal: the site gets the package's theme as its own.
 */
export async function plannedSite(posts: number, seed: number): Promise<PlannedSite> {
  const site = tempDir();
  await generateSite({ out: site, posts, seed });
  cpSync(fileURLToPath(new URL('../theme/', import.meta.url)), site, { recursive: true });
  const config = await loadSiteConfig(site);
  const db = await BuildDatabase.open(pathToFileURL(join(tempDir(), 'build.db')).href);
  try {
    const loaded = await loadSite(site, db);
    const index = indexSite(config, loaded, new Map(), false, { now: new Date(), future: false, expired: false, unpublished: false });
    const plan = planRoutes(config, loaded, index, '0.0.0');
    return { site, loaded, index, plan };
  } finally {
    db.close();
  }
}
