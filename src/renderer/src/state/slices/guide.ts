/**
 * The guided first screen: the engine picked, what the user gave for it, the engine's own model
 * lists, its demo, and one click. Every difference between engines comes from their descriptors.
 */
import { addressError, EMPTY_GUIDE, guideFor, guidePlan, type GuideErrors, type GuideValues } from '../guide';
import { settingsToForm, wordsToText } from '../forms';
import { launchedDemo } from '../demo';
import { startRun } from '../run';
import { IDLE, runTask, type Task, type Tools } from '../tools';
import { guideEngine, guideFormErrors } from '../validation';

export interface GuideState {
  values: GuideValues;
  /** After the first "Find the best setting": errors are shown, and recomputed on every change so fixed ones go away. */
  tried: boolean;
  errors: GuideErrors;
  /** The engine's own lists at the URL (engines:models). */
  models: string[];
  draftCandidates: string[];
}

export interface GuideSlice {
  guide: GuideState;
  /** The guided screen's requests: its demo, the engine's model lists. */
  guideTask: Task;
  pickEngine(id: string): void;
  setGuide(patch: Partial<GuideValues>): void;
  /** Fill the flow with the engine's demo: the simulator command (launched), or its simulated server (attached). */
  useGuideDemo(): Promise<void>;
  /** From anywhere (the Servers screen): pick the engine here, open this screen and start its demo. */
  tryDemo(engineId: string): Promise<void>;
  loadGuideModels(): Promise<void>;
  runGuided(): Promise<boolean>;
}

const FRESH: GuideState = { values: EMPTY_GUIDE, tried: false, errors: {}, models: [], draftCandidates: [] };

/** Refusals about the command itself: the services checked it with the engine's own detection before the run. */
const COMMAND_REFUSALS = new Set(['COMMAND_NOT_FOUND', 'VERSION_UNKNOWN']);

/** A run refused for its command: back on this screen, the message on the Command box (the demo link sits beside it). */
function backToCommand({ set, get }: Tools): void {
  const e = get().sweep.error;
  if (!e || !COMMAND_REFUSALS.has(e.code)) return;
  const said = e.hint ? `${e.message}: ${e.hint}.` : e.message;
  set((st) => ({ screen: 'start', sweep: { ...st.sweep, error: null }, guide: { ...st.guide, errors: { ...st.guide.errors, command: said.charAt(0).toUpperCase() + said.slice(1) } } }));
}

export function guideSlice(tools: Tools): GuideSlice {
  const { set, get } = tools;

  /** New values; once the user has tried to run, the errors follow them. */
  function setValues(values: GuideValues, extra: Partial<GuideState> = {}): void {
    set((st) => ({ guide: { ...st.guide, ...extra, values } }));
    if (get().guide.tried) set((st) => ({ guide: { ...st.guide, errors: guideFormErrors(get()) } }));
  }

  async function attachedDemo(): Promise<void> {
    const d = guideEngine(get());
    if (!d) return;
    const r = await runTask(tools, 'guideTask', () => get().api['demo:start']({ engine: d.id }));
    if (!r) return;
    setValues({ ...get().guide.values, demo: true, url: r.url, model: d.demo.model, draftModels: d.draftPerRequest ? [...d.demo.draftModels] : [] });
    await get().loadGuideModels();
  }

  return {
    guide: FRESH,
    guideTask: IDLE,
    pickEngine(id) {
      const d = get().engines.find((e) => e.id === id);
      if (!d) return;
      const running = get().statuses.find((s) => s.running && s.kind === id) ?? null;
      set({ guide: { ...FRESH, values: guideFor(d, running), models: running?.models ?? [] }, guideTask: IDLE });
      if (d.lifecycle === 'attached' && running) void get().loadGuideModels();
    },
    setGuide(patch) {
      // Before a run was tried, an error the user asked for (List its models) goes once its field changes.
      const { tried, errors } = get().guide;
      const kept = tried ? errors : Object.fromEntries(Object.entries(errors).filter(([f]) => !(f in patch)));
      setValues({ ...get().guide.values, ...patch }, { errors: kept });
    },
    async useGuideDemo() {
      const d = guideEngine(get());
      if (d?.lifecycle === 'attached') return attachedDemo();
      const demo = d ? await launchedDemo(tools, d, 'guideTask') : null;
      if (!demo) return;
      setValues({ ...get().guide.values, demo: true, command: wordsToText(demo.command), model: demo.model, draftModel: demo.draftModel, method: demo.method });
      if (demo.note) get().notify('ok', `Using ${demo.note}`);
    },
    async tryDemo(engineId) {
      get().pickEngine(engineId);
      get().setScreen('start');
      await get().useGuideDemo();
    },
    async loadGuideModels() {
      const d = guideEngine(get());
      if (!d) return;
      const url = get().guide.values.url.trim();
      const wrong = addressError(url, d);
      if (wrong) return set((st) => ({ guide: { ...st.guide, errors: { ...st.guide.errors, url: wrong } } }));
      const r = await runTask(tools, 'guideTask', () => get().api['engines:models']({ engine: d.id, url }));
      if (!r) return;
      set((st) => ({ guide: { ...st.guide, models: r.models, draftCandidates: r.draftCandidates } }));
      if (!get().guide.values.model && r.models.length) get().setGuide({ model: r.models[0] });
    },
    async runGuided() {
      const d = guideEngine(get());
      const built = d ? guidePlan(get().guide.values, d, get().sweepForm) : { ok: false as const, errors: guideFormErrors(get()) };
      if (!built.ok) {
        set((st) => ({ guide: { ...st.guide, tried: true, errors: built.errors } }));
        return false;
      }
      const plan = built.plan;
      // Launched engines restart on the winner; SpecTune did not start an attached one, so it measures and recommends.
      const started = await startRun(tools, plan.mode === 'managed' ? 'optimize' : 'sweep', plan, {
        oneClick: true,
        guide: { ...get().guide, tried: true, errors: {} },
        guideTask: IDLE,
        // The Servers form shows what one click launches, and then what it restarted on.
        ...(plan.server ? { serverForm: settingsToForm(plan.server) } : {}),
        screen: 'oneclick',
      });
      if (!started) backToCommand(tools);
      return started;
    },
  };
}
