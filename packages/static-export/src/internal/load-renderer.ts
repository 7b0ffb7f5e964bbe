import { StaticExportError } from '../errors.js';
import type { Renderer } from '../renderer.js';
import type { LoadedRenderer } from './render-task.js';

/** Imports a renderer module (named exports or a `defineRenderer` default) and runs its `setup(options)`. */
export async function loadRenderer(init: { renderer: string; rendererOptions: unknown }): Promise<LoadedRenderer> {
  const module = (await import(init.renderer)) as Partial<Renderer> & { default?: Partial<Renderer> };
  const source = typeof module.render === 'function' ? module : module.default;
  if (typeof source?.render !== 'function') {
    throw new StaticExportError(
      'ERR_EXPORT_INVALID_OPTION',
      `The renderer module ${init.renderer} exports no \`render\` function (export \`render\` and optionally \`setup\`, or a default made with defineRenderer)`,
    );
  }
  const state = typeof source.setup === 'function' ? await source.setup(init.rendererOptions) : undefined;
  return { render: source.render.bind(source), teardown: source.teardown?.bind(source), state };
}

