/** Named server settings: list, save, rename, delete, and apply (restart the server on them). */
import type { HandlerContext, Handlers } from './context';
import { withSimulatorEnv } from './context';
import { explainingPort } from './port-holder';

export function presetHandlers(
  ctx: HandlerContext,
): Pick<Handlers, 'presets:list' | 'presets:save' | 'presets:rename' | 'presets:delete' | 'presets:apply'> {
  const changed = () => ctx.emit('presets:changed', ctx.presets.list());
  return {
    'presets:list': async () => ctx.presets.list(),
    'presets:save': async (args) => {
      const saved = ctx.presets.save(args);
      changed();
      return saved;
    },
    'presets:rename': async ({ id, name }) => {
      const renamed = ctx.presets.rename(id, name);
      changed();
      return renamed;
    },
    'presets:delete': async ({ id }) => {
      const deleted = ctx.presets.delete(id);
      changed();
      return { deleted };
    },
    'presets:apply': async ({ id }) => {
      const settings = withSimulatorEnv(ctx, ctx.presets.get(id).settings);
      const phase = ctx.server.state().phase;
      return explainingPort(settings.host, settings.port, () => (phase === 'ready' || phase === 'starting' ? ctx.server.restart(settings) : ctx.server.start(settings)));
    },
  };
}
