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

  it("infers ctx.state from init, in unannotated handlers too", () => {
    const inferred = defineWorker({
      init: (initData) => ({ rounds: Number(initData), started: new Date() }),
      handlers: {
        default: (text, ctx) => {
          expectTypeOf(text).toEqualTypeOf<unknown>();
          expectTypeOf(ctx.state).toEqualTypeOf<{ rounds: number; started: Date }>();
          return String(text).repeat(ctx.state.rounds);
        },
        count: (text: string, ctx) => {
          expectTypeOf(ctx.state.rounds).toEqualTypeOf<number>();
          return text.length;
        },
      },
      onMessage: (_message, ctx) => void expectTypeOf(ctx.state.started).toEqualTypeOf<Date>(),
      destroy: (state) => void expectTypeOf(state.rounds).toEqualTypeOf<number>(),
    });
    expectTypeOf(inferred.handlers.count).parameters.toEqualTypeOf<[string, TaskContext<{ rounds: number; started: Date }>]>();
    // @ts-expect-error the state has no such field
    defineWorker({ init: () => ({ rounds: 1 }), handlers: { default: (_: unknown, ctx) => ctx.state.missing } });

    const run = (pool: Pool<(typeof inferred)['handlers']>) => ({ hashed: pool.run('x'), counted: pool.run('a b', { handler: 'count' }) });
    expectTypeOf(run).returns.toEqualTypeOf<{ hashed: Promise<string>; counted: Promise<number> }>();
    // @ts-expect-error count takes a string
    void ((pool: Pool<(typeof inferred)['handlers']>) => pool.run(1, { handler: 'count' }));
  });

  it('types initData from an annotated init, sync or async', () => {
    const typed = defineWorker({
      init: async (data: { prefix: string }) => ({ prefix: data.prefix }),
      handlers: { default: async (n: number, ctx) => ctx.state.prefix.repeat(n) },
    });
    expectTypeOf(typed.init).toEqualTypeOf<((initData: { prefix: string }, worker: { workerId: number }) => { prefix: string } | Promise<{ prefix: string }>) | undefined>();
    expectTypeOf(typed.handlers.default).returns.toEqualTypeOf<Promise<string>>();
    const stateless = defineWorker({ handlers: { default: (n: number) => n * 2 } });
    expectTypeOf(stateless.handlers.default).toEqualTypeOf<(n: number) => number>();
  });

  it('types map() results by handler name', () => {
    const mapped = (pool: Pool<(typeof definition)['handlers']>) => pool.map([1, 2], { handler: 'scale' });
    expectTypeOf(mapped).returns.toEqualTypeOf<AsyncIterable<number>>();
  });
});
