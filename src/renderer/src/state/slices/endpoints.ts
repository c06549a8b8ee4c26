/** Which servers answer: the services probe their usual addresses plus the ones the user watches (kept in the browser). */
import type { Endpoint, EndpointStatus } from '../../../../shared/schemas';
import { loadJson, saveJson } from '../local';
import { IDLE, runTask, type Task, type Tools } from '../tools';

const ENDPOINTS_KEY = 'spectune.endpoints';

export interface EndpointsSlice {
  customEndpoints: Endpoint[];
  statuses: EndpointStatus[];
  probeTask: Task;
  addEndpoint(e: Endpoint): void;
  removeEndpoint(name: string): void;
  probe(): Promise<void>;
}

export function endpointsSlice(tools: Tools): EndpointsSlice {
  const { set, get } = tools;
  const keep = (customEndpoints: Endpoint[]) => {
    saveJson(ENDPOINTS_KEY, customEndpoints);
    set({ customEndpoints });
  };
  return {
    customEndpoints: loadJson<Endpoint[]>(ENDPOINTS_KEY, []),
    statuses: [],
    probeTask: IDLE,
    addEndpoint(e) {
      keep([...get().customEndpoints.filter((x) => x.name !== e.name), e]);
      void get().probe();
    },
    removeEndpoint(name) {
      keep(get().customEndpoints.filter((x) => x.name !== name));
      set((st) => ({ statuses: st.statuses.filter((s) => s.name !== name) }));
    },
    async probe() {
      const statuses = await runTask(tools, 'probeTask', () => get().api['status:probe']({ endpoints: get().customEndpoints }));
      if (statuses) set({ statuses });
    },
  };
}
