/**
 * The search: which candidate (a setting: k, on an arm of method, draft model and
 * cut-off) to measure next, for how many rounds of the prompt matrix, at which
 * load level — and when to stop. Pure: the sweep executes its steps (switching the
 * server to the candidate, measuring whole rounds) and reports back.
 *
 * In order of priority, the next step is:
 * 1. the running candidate's initial rounds at its remaining levels (a launch
 *    measures every level before it is left);
 * 2. every contender measured before any extra round is spent: exhaustive, every
 *    candidate; adaptive, the baseline and each arm's largest k, then whatever the
 *    predicted k-curve says could still overturn the pick at some level (the
 *    predicted best first), until none could — no contender is left unmeasured
 *    while the caps allow, and the pick is always a measured one;
 * 3. while the pick and a rival are not separated and differ by 1% or more (decide.ts),
 *    more rounds: on engines where a switch is a restart or a reload, the running
 *    candidate's rounds first, as many as the gap says it needs (taken even while
 *    contenders wait, from requests their first rounds do not need: a relaunch to come
 *    back later may be beyond the launch cap), and a relaunch only for a candidate
 *    whose own sample keeps the decision open; where a switch is free
 *    (k per request), the open candidates alternate round by round so drift hits all.
 * Without any acceptance to predict from, an adaptive search measures every k with
 * one round and lets the decision drop what is clearly behind.
 * Caps: rounds per candidate per level (--max-repeats), launches and requests.
 */
import { acceptanceModel, type AcceptanceEvidence, type AcceptanceModel } from './acceptance';
import { blockedMean, roundsToSeparate, scatter, sharedStrata, type Comparison, type Sample } from './compare';
import { cheaper, decideLevel, TIE_SHARE, type LevelCandidate, type Verdict } from './decide';
import { predictCurve, type KPrediction } from './predict';

/** What moving the server to another candidate costs. */
export type SwitchCost = 'restart' | 'reload' | 'free';
export type AcceptanceKind = 'per-position' | 'totals' | 'none';

export interface SearchCandidate {
  key: string;
  /** The arm (method, draft model, cut-off) whose k-curve it is on; '' for a single arm. */
  arm: string;
  k: number;
  baseline: boolean;
}

export interface SearchCaps {
  /** Server launches (a relaunch counts); null: no cap (free switching never launches). */
  launches: number | null;
  requests: number;
  /** Rounds one candidate may get at one level (--max-repeats). */
  roundsPerLevel: number;
}

export interface SearchInput {
  candidates: readonly SearchCandidate[];
  levels: readonly number[];
  strategy: 'adaptive' | 'exhaustive';
  switchCost: SwitchCost;
  acceptance: AcceptanceKind;
  /** Rounds a candidate gets when first measured (--repeats). */
  repeats: number;
  caps: SearchCaps;
  /** Measured requests one round sends at a level. */
  requestsPerRound(level: number): number;
}

export interface SearchStep {
  candidate: number;
  level: number;
  /** Index of the first round to measure (rounds already measured at this level). */
  fromRound: number;
  rounds: number;
  why: string;
}

export interface StepResult {
  /** The step's samples: per request with its prompt cell (level 1), one per round's aggregate (above). */
  samples: Sample[];
  requests: number;
  /** The candidate cannot be measured (refused, crashed, drafted nothing): it leaves the search. */
  failed: boolean;
  /** The candidate's acceptance counters so far, where the engine keeps any. */
  acceptance?: AcceptanceEvidence | null;
  /** Drafted tokens per step measured so far, where known. */
  draftPerStep?: number | null;
}

export type StopReason = 'separated' | 'tie' | 'cap' | 'budget' | 'single' | 'none';

interface LevelState {
  samples: Sample[];
  rounds: number;
}

interface CandidateState {
  c: SearchCandidate;
  at: Map<number, LevelState>;
  attempted: boolean;
  failed: boolean;
  acceptance: AcceptanceEvidence | null;
  draftPerStep: number | null;
}

export class Search {
  private readonly cs: CandidateState[];
  private running: number | null = null;
  launches = 0;
  requests = 0;
  /** Levels whose decision a cap cut short, and contenders a budget left unmeasured. */
  private readonly capped = new Set<number>();
  private budgetNote: string | null = null;
  private done = false;

  constructor(private readonly input: SearchInput) {
    this.cs = input.candidates.map((c) => ({ c, at: new Map(), attempted: false, failed: false, acceptance: null, draftPerStep: null }));
  }

  /** Rounds a candidate gets at first: one where nothing predicts and k is cheap to try (the decision drops what is behind). */
  get initialRounds(): number {
    const measureAll = this.input.strategy === 'adaptive' && this.input.acceptance === 'none' && this.input.switchCost !== 'restart';
    return measureAll ? 1 : this.input.repeats;
  }

  /** Looks a level's decision may take: the first, then one per extra round a candidate may get. */
  get looks(): number {
    return Math.max(1, this.input.caps.roundsPerLevel - this.initialRounds + 1);
  }

  next(): SearchStep | null {
    if (this.done) return null;
    const step = this.runningStep() ?? this.contenderStep() ?? this.openStep();
    if (!step) this.done = true;
    return step;
  }

  observe(step: SearchStep, r: StepResult): void {
    const s = this.cs[step.candidate];
    s.attempted = true;
    if (this.input.switchCost !== 'free' && this.running !== step.candidate) this.launches++;
    this.running = r.failed ? null : step.candidate;
    this.requests += r.requests;
    if (r.acceptance) s.acceptance = r.acceptance;
    if (r.draftPerStep != null) s.draftPerStep = r.draftPerStep;
    if (r.failed) {
      s.failed = true;
      return;
    }
    const lv = this.level(s, step.level);
    lv.samples.push(...r.samples);
    lv.rounds += step.rounds;
  }

  /** A failed launch or a candidate the sweep could not bring up: it leaves the search, nothing measured. */
  fail(candidate: number): void {
    const s = this.cs[candidate];
    if (this.input.switchCost !== 'free' && this.running !== candidate) this.launches++;
    s.attempted = true;
    s.failed = true;
    if (this.running === candidate) this.running = null;
  }

  private level(s: CandidateState, level: number): LevelState {
    let lv = s.at.get(level);
    if (!lv) s.at.set(level, (lv = { samples: [], rounds: 0 }));
    return lv;
  }

  private roundsAt(i: number, level: number): number {
    return this.cs[i].at.get(level)?.rounds ?? 0;
  }

  private requestsLeft(): number {
    return this.input.caps.requests - this.requests;
  }

  /** Rounds affordable now for candidate i at a level, at most `want`; 0 when a cap forbids any. */
  private affordable(i: number, level: number, want: number): number {
    if (this.input.switchCost !== 'free' && this.running !== i && this.input.caps.launches !== null && this.launches >= this.input.caps.launches) return 0;
    const byRequests = Math.floor(this.requestsLeft() / this.input.requestsPerRound(level));
    const byRounds = this.input.caps.roundsPerLevel - this.roundsAt(i, level);
    return Math.max(0, Math.min(want, byRequests, byRounds));
  }

  private step(i: number, level: number, want: number, why: string): SearchStep | null {
    const rounds = this.affordable(i, level, want);
    if (rounds <= 0) return null;
    return { candidate: i, level, fromRound: this.roundsAt(i, level), rounds, why };
  }

  private alive(i: number): boolean {
    return !this.cs[i].failed;
  }

  // 1. The running candidate's first rounds at the levels it has not been measured at yet.
  private runningStep(): SearchStep | null {
    const r = this.running;
    if (r === null || this.input.switchCost === 'free' || !this.alive(r)) return null;
    for (const level of this.input.levels) {
      const missing = this.initialRounds - this.roundsAt(r, level);
      if (missing > 0) return this.step(r, level, missing, `${this.describe(r)}: first rounds at ${level} in flight`);
    }
    return this.extraForRunning(r, this.contenders());
  }

  /**
   * Extra rounds while contenders wait may only use what their first rounds do not need: the requests of
   * every contender's first rounds at every level stay reserved (a launch cap never counts rounds taken in place).
   */
  private reservedFor(contenders: readonly number[]): number {
    const perCandidate = this.input.levels.reduce((n, level) => n + this.initialRounds * this.input.requestsPerRound(level), 0);
    return contenders.length * perCandidate;
  }

  private extraForRunning(r: number, waiting: readonly number[]): SearchStep | null {
    const spare = this.requestsLeft() - this.reservedFor(waiting);
    for (const level of this.input.levels) {
      const v = this.verdict(level);
      if (v?.status !== 'open') continue;
      const pair = [v.leader, v.rival].map((k) => this.indexOf(k!));
      if (!pair.includes(r)) continue;
      const other = pair[0] === r ? pair[1] : pair[0];
      const need = Math.min(this.roundsNeeded(v.comparison!, r, other, level), Math.floor(spare / this.input.requestsPerRound(level)));
      const step = need > 0 ? this.step(r, level, need, this.extraWhy(v, level)) : null;
      if (step) return step;
    }
    return null;
  }

  /** Rounds of `me` that would separate the pair at the measured gap, the other side fixed; else balance the two. */
  private roundsNeeded(c: Comparison, me: number, other: number, level: number): number {
    // compareSamples(leader, rival): the sample that grows is the second side's in roundsToSeparate.
    const oriented: Comparison = this.indexOf(this.verdict(level)!.leader) === me ? { ...c, n: [c.n[1], c.n[0]] } : c;
    const need = roundsToSeparate(oriented);
    if (Number.isFinite(need)) return Math.max(1, need);
    return Math.max(1, this.roundsAt(other, level) - this.roundsAt(me, level) + 1);
  }

  // 2. Contenders: what must be measured before any extra round.
  private contenderStep(): SearchStep | null {
    const first = this.input.levels[0];
    if (this.input.switchCost === 'free') return this.interleavedFirstRounds();
    for (const i of this.contenders()) {
      const step = this.step(i, first, this.initialRounds, this.contenderWhy(i));
      if (step) return step;
      this.noteBudget(i);
      return null;
    }
    return null;
  }

  /** Free switching: every candidate's first rounds one round at a time, the candidate with the fewest first. */
  private interleavedFirstRounds(): SearchStep | null {
    for (const level of this.input.levels) {
      const behind = this.cs
        .map((s, i) => i)
        .filter((i) => this.alive(i) && this.roundsAt(i, level) < this.initialRounds && this.wanted(i))
        .sort((a, b) => this.roundsAt(a, level) - this.roundsAt(b, level) || a - b);
      if (!behind.length) continue;
      const step = this.step(behind[0], level, 1, `${this.describe(behind[0])}: round ${this.roundsAt(behind[0], level) + 1} of its first ${this.initialRounds}, interleaved`);
      if (step) return step;
      this.noteBudget(behind[0]);
      return null;
    }
    return null;
  }

  /** Is a not-yet-measured candidate worth its first rounds (free switching: all in exhaustive, contenders in adaptive)? */
  private wanted(i: number): boolean {
    return this.cs[i].attempted || this.input.strategy === 'exhaustive' || this.initialRounds === 1 || this.contenders().includes(i);
  }

  /** Unmeasured candidates that must be measured, most promising first. */
  contenders(): number[] {
    const fresh = this.cs.map((s, i) => i).filter((i) => !this.cs[i].attempted && this.alive(i));
    if (!fresh.length) return [];
    if (this.input.strategy === 'exhaustive' || this.initialRounds === 1) return fresh;
    const anchors = fresh.filter((i) => this.isAnchor(i));
    if (anchors.length) return anchors;
    const scored = new Map<number, number>();
    for (const level of this.input.levels) {
      const v = this.verdict(level);
      if (!v) continue;
      const lead = this.figure(this.indexOf(v.leader), level);
      const leaderC = this.levelCandidate(this.indexOf(v.leader), level);
      for (const [i, p] of this.predictions(level)) {
        if (!fresh.includes(i) || lead === null) continue;
        const mine = this.levelCandidate(i, level);
        const beats = p.interval[1] > lead * (1 + TIE_SHARE) || (cheaper(mine, leaderC) < 0 && p.interval[1] >= lead * (1 - TIE_SHARE));
        if (!beats) continue;
        // Predicted to win outright first, then by how high it could go.
        const priority = (p.tokensPerSecond > lead * (1 + TIE_SHARE) ? 1e6 : 0) + p.interval[1] / lead;
        scored.set(i, Math.max(scored.get(i) ?? -Infinity, priority));
      }
    }
    return [...scored.entries()].sort((a, b) => b[1] - a[1]).map(([i]) => i);
  }

  /** The baseline and each arm's largest k: measured first, for the curve. */
  private isAnchor(i: number): boolean {
    const c = this.cs[i].c;
    if (c.baseline) return true;
    const armKs = this.cs.filter((s) => s.c.arm === c.arm && !s.c.baseline && !s.failed).map((s) => s.c.k);
    return c.k === Math.max(...armKs) && !this.cs.some((s) => s.c.arm === c.arm && !s.c.baseline && s.attempted && !s.failed);
  }

  // 3. More rounds where the pick and a rival are not separated yet.
  private openStep(): SearchStep | null {
    for (const level of this.input.levels) {
      const v = this.verdict(level);
      if (v?.status !== 'open') continue;
      const step = this.input.switchCost === 'free' ? this.alternateOpen(v, level) : this.relaunchFor(v, level);
      if (step) return step;
      this.capped.add(level);
    }
    return null;
  }

  private alternateOpen(v: Verdict, level: number): SearchStep | null {
    const open = [v.leader, ...[...v.versusLeader].filter(([, r]) => !r.settled).map(([k]) => k)].map((k) => this.indexOf(k));
    const order = open.filter((i) => this.affordable(i, level, 1) > 0).sort((a, b) => this.roundsAt(a, level) - this.roundsAt(b, level) || a - b);
    return order.length ? this.step(order[0], level, 1, this.extraWhy(v, level)) : null;
  }

  private relaunchFor(v: Verdict, level: number): SearchStep | null {
    const [a, b] = [this.indexOf(v.leader), this.indexOf(v.rival!)];
    const options = [a, b]
      .filter((i) => this.affordable(i, level, 1) > 0)
      .map((i) => ({ i, need: this.roundsNeeded(v.comparison!, i, i === a ? b : a, level) }))
      .sort((x, y) => Number(y.i === this.running) - Number(x.i === this.running) || x.need - y.need);
    return options.length ? this.step(options[0].i, level, options[0].need, this.extraWhy(v, level)) : null;
  }

  private noteBudget(i: number): void {
    if (!this.budgetNote) this.budgetNote = `${this.describe(i)} could still overturn the pick but the search's caps (${this.capWords()}) leave no room to measure it`;
  }

  private capWords(): string {
    const c = this.input.caps;
    return `${c.launches !== null ? `${c.launches} launches, ` : ''}${c.requests} requests, ${c.roundsPerLevel} rounds per setting`;
  }

  private indexOf(key: string): number {
    return this.cs.findIndex((s) => s.c.key === key);
  }

  private describe(i: number): string {
    const c = this.cs[i].c;
    return c.baseline ? 'no speculation' : `${c.arm ? `${c.arm} ` : ''}k=${c.k}`;
  }

  private contenderWhy(i: number): string {
    if (this.isAnchor(i)) return `${this.describe(i)}: measured first (${this.cs[i].c.baseline ? 'every setting is compared with it' : 'its counters give the whole curve'})`;
    return this.input.strategy === 'exhaustive' || this.initialRounds === 1 ? `${this.describe(i)}: in the plan` : `${this.describe(i)}: its predicted interval could overturn the pick`;
  }

  private extraWhy(v: Verdict, level: number): string {
    const iv = v.comparison?.interval;
    const words = iv ? `${pct(iv[0])} … ${pct(iv[1])}` : 'unknown';
    return `at ${level} in flight ${this.describe(this.indexOf(v.leader))} and ${this.describe(this.indexOf(v.rival!))} are not separated yet (interval ${words})`;
  }

  levelCandidate(i: number, level: number): LevelCandidate {
    const s = this.cs[i];
    const lv = s.at.get(level);
    const atCap = this.affordable(i, level, 1) === 0;
    return { key: s.c.key, baseline: s.c.baseline, draftPerStep: s.c.baseline ? 0 : (s.draftPerStep ?? s.c.k), k: s.c.k, samples: lv?.samples ?? [], rounds: lv?.rounds ?? 0, atCap };
  }

  verdict(level: number): Verdict | null {
    const measured = this.cs.map((s, i) => i).filter((i) => this.alive(i) && this.roundsAt(i, level) > 0);
    return decideLevel(
      measured.map((i) => this.levelCandidate(i, level)),
      { looks: this.looks },
    );
  }

  /** A measured candidate's blocked figure at a level (on the strata every measured candidate shares). */
  figure(i: number, level: number): number | null {
    const sets = this.cs.filter((s) => !s.failed && (s.at.get(level)?.rounds ?? 0) > 0).map((s) => s.at.get(level)!.samples);
    return blockedMean(this.cs[i].at.get(level)?.samples ?? [], sharedStrata(sets))?.value ?? null;
  }

  /** A measured candidate's median sample at a level (the report's per-configuration figure at level 1). */
  median(i: number, level: number): number | null {
    const xs = (this.cs[i].at.get(level)?.samples ?? []).map((x) => x.value).sort((a, b) => a - b);
    if (!xs.length) return null;
    const h = xs.length >> 1;
    return xs.length % 2 ? xs[h] : (xs[h - 1] + xs[h]) / 2;
  }

  /** Each arm's predicted curve at a level, for the candidates never measured (index → prediction). */
  predictions(level: number): Map<number, KPrediction> {
    const out = new Map<number, KPrediction>();
    const sets = this.cs.filter((s) => !s.failed && (s.at.get(level)?.rounds ?? 0) > 0).map((s) => s.at.get(level)!.samples);
    const strata = sharedStrata(sets);
    const pooled = scatter(sets);
    const baseline = this.cs.findIndex((s) => s.c.baseline);
    for (const arm of new Set(this.cs.filter((s) => !s.c.baseline).map((s) => s.c.arm))) {
      const members = this.cs.map((s, i) => i).filter((i) => this.cs[i].c.arm === arm || i === baseline);
      const measured = members.flatMap((i) => {
        const lv = this.cs[i].at.get(level);
        const b = lv && lv.rounds > 0 && !this.cs[i].failed ? blockedMean(lv.samples, strata, pooled) : null;
        return b ? [{ k: this.cs[i].c.k, tokensPerSecond: b.value, interval: b.interval }] : [];
      });
      const curve = predictCurve(members.map((i) => this.cs[i].c.k), measured, this.model(arm));
      for (const i of members) {
        const p = curve.points.find((x) => x.k === this.cs[i].c.k);
        if (p && !p.measured) out.set(i, p);
      }
    }
    return out;
  }

  private model(arm: string): AcceptanceModel | null {
    if (this.input.acceptance === 'none') return null;
    const members = this.cs.filter((s) => s.c.arm === arm && !s.c.baseline);
    const evidence = members.flatMap((s) => (s.acceptance && !s.failed ? [{ ...s.acceptance, k: s.c.k }] : []));
    return acceptanceModel(evidence, Math.max(0, ...members.map((s) => s.c.k)));
  }

  /** Why the search stopped at a level. */
  stopReason(level: number): StopReason {
    const v = this.verdict(level);
    if (!v) return 'none';
    if (v.status === 'open' || v.status === 'cap') return 'cap';
    if (this.budgetNote && this.contenders().length) return 'budget';
    return v.status;
  }

  get budget(): string | null {
    return this.contenders().length ? this.budgetNote : null;
  }

  /** Rounds beyond the first ones, per candidate, at a level. */
  extraRounds(level: number): { candidate: number; rounds: number }[] {
    return this.cs.flatMap((s, i) => {
      const extra = (s.at.get(level)?.rounds ?? 0) - this.initialRounds;
      return extra > 0 ? [{ candidate: i, rounds: extra }] : [];
    });
  }

  measured(level: number): number[] {
    return this.cs.map((s, i) => i).filter((i) => this.roundsAt(i, level) > 0 && this.alive(i));
  }

  /**
   * Why a candidate was never measured, at the first level: the caps left a contender out, its whole
   * arm is behind the pick (the arm was dropped: even its best predicted k cannot reach the pick), or
   * its own predicted interval stays below the pick. `p`: the first level's predictions, when the caller has them.
   */
  whyUnmeasured(i: number, p: Map<number, KPrediction> = this.predictions(this.input.levels[0])): string | null {
    if (this.cs[i].attempted) return null;
    if (this.budget && this.contenders().includes(i)) return `${this.describe(i)} could still overturn the pick, but the search's caps (${this.capWords()}) left no room to measure it`;
    const level = this.input.levels[0];
    const v = this.verdict(level);
    const lead = v ? this.figure(this.indexOf(v.leader), level) : null;
    const mine = p.get(i);
    if (!v || lead === null || !mine) return null;
    // The rule contenders() applies: a prediction whose upper bound is not above the fastest measured by more than 1%.
    const against = (hi: number) => `${hi < lead ? 'behind' : 'within 1% of'} the fastest measured (${this.describe(this.indexOf(v.leader))}, ${lead.toFixed(1)} tok/s)`;
    const arm = this.cs[i].c.arm;
    const armHi = Math.max(0, ...[...p.entries()].filter(([j]) => this.cs[j].c.arm === arm && !this.cs[j].c.baseline).map(([, x]) => x.interval[1]));
    const armLeads = [v.leader, v.pick].some((key) => this.cs[this.indexOf(key)].c.arm === arm);
    if (arm && !armLeads && armHi > 0) return `arm dropped: its best predicted k reaches at most ${armHi.toFixed(1)} tok/s, ${against(armHi)}`;
    return `predicted ${mine.tokensPerSecond.toFixed(1)} tok/s (at most ${mine.interval[1].toFixed(1)}), ${against(mine.interval[1])}: not worth a measurement`;
  }

  state(i: number): { attempted: boolean; failed: boolean } {
    return { attempted: this.cs[i].attempted, failed: this.cs[i].failed };
  }
}

const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
