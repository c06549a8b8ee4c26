/**
 * The main window's size and position across launches, in
 * `<userData>/window-state.json`. A saved position on a monitor that is no
 * longer attached is ignored, so the window never opens off-screen.
 */
import Conf from 'conf';
import { z } from 'zod';

const BoundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
});
export type Bounds = z.infer<typeof BoundsSchema>;

const WindowStateSchema = z.object({ bounds: BoundsSchema.optional(), maximized: z.boolean().default(false) });
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_SIZE = { width: 1280, height: 860 };

export class WindowStateStore {
  private readonly conf: Conf<Record<string, unknown>>;

  constructor(dataDir: string) {
    this.conf = new Conf({ cwd: dataDir, configName: 'window-state', clearInvalidConfig: true, watch: false });
  }

  /** Saved state, or the defaults when nothing valid was saved or it would be off-screen. */
  load(workAreas: readonly Bounds[]): WindowState {
    const r = WindowStateSchema.safeParse(this.conf.store);
    if (!r.success || !r.data.bounds) return { maximized: r.success ? r.data.maximized : false };
    return isVisible(r.data.bounds, workAreas) ? r.data : { maximized: r.data.maximized };
  }

  save(state: WindowState): void {
    const r = WindowStateSchema.safeParse(state);
    if (r.success) this.conf.store = r.data as Record<string, unknown>;
  }
}

/** At least a 100×50 px corner of the title bar area lies on some display. */
function isVisible(b: Bounds, workAreas: readonly Bounds[]): boolean {
  return workAreas.some((a) => {
    const w = Math.min(b.x + b.width, a.x + a.width) - Math.max(b.x, a.x);
    const h = Math.min(b.y + b.height, a.y + a.height) - Math.max(b.y, a.y);
    return w >= 100 && h >= 50;
  });
}
