import { describe, expectTypeOf, it } from 'vitest';
import { createPool, defineWorker, move, type Pool, type TaskContext } from '@drove/pool';

// A definition whose init returns state, as most real workers do.
const definition = defineWorker({
  init: () => ({ factor: 2 }),
  handlers: {
    scale: (n: number, ctx: TaskContext<{ factor: number }>) => n * ctx.state.factor,
    label: async (item: { id: string }) => `#${item.id}`,
    pixels: () => {
      const buffer = new ArrayBuffer(4);
      return move(buffer, [buffer]);
    },
  },
  destroy: (state) => void state.factor,
});

describe('types', () => {
  it("types run() by handler name from a definition's type", () => {
    // Compile-time only: the pool is never started.
    const run = (pool: Pool<(typeof definition)['handlers']>) => ({
      scaled: pool.run(3, { handler: 'scale' }),
      labelled: pool.run({ id: 'a' }, { handler: 'label' }),
      moved: pool.run(undefined, { handler: 'pixels' }),
    });
    expectTypeOf(definition.handlers.scale).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(createPool<typeof definition>).returns.toEqualTypeOf<Pool<(typeof definition)['handlers']>>();
    expectTypeOf(run).returns.toEqualTypeOf<{ scaled: Promise<number>; labelled: Promise<string>; moved: Promise<ArrayBuffer> }>();
    // @ts-expect-error a string is not the payload `scale` takes
    void ((pool: Pool<(typeof definition)['handlers']>) => pool.run('3', { handler: 'scale' }));
    // @ts-expect-error no handler of that name
    void ((pool: Pool<(typeof definition)['handlers']>) => pool.run(3, { handler: 'missing' }));
  });

  it('leaves an untyped pool open to any payload', () => {
    expectTypeOf(createPool).returns.toEqualTypeOf<Pool>();
    expectTypeOf<Parameters<Pool['run']>[0]>().toEqualTypeOf<unknown>();
  });
});
