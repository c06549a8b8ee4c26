/** The one launched server process (a real engine or the simulator): start, stop, restart, state, logs. */
import type { HandlerContext, Handlers } from './context';
import { withSimulatorEnv } from './context';
import { explainingPort } from './port-holder';

export function serverHandlers(ctx: HandlerContext): Pick<Handlers, 'server:state' | 'server:start' | 'server:stop' | 'server:restart' | 'server:logs'> {
  return {
    'server:state': async () => ctx.server.state(),
    'server:start': async (settings) => explainingPort(settings.host, settings.port, () => ctx.server.start(withSimulatorEnv(ctx, settings))),
    'server:stop': async () => ctx.server.stop(),
    'server:restart': async (settings) => explainingPort(settings.host, settings.port, () => ctx.server.restart(withSimulatorEnv(ctx, settings))),
    'server:logs': async () => ctx.server.logTail(),
  };
}
