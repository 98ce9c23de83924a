/** How far back the pace of a bar looks: long enough to smooth bursts, short enough to follow a change. */
const WINDOW_MS = 10_000;
/** A pace measured over less than this is noise: the bar shows no time left until then. */
const MIN_SPAN_MS = 1_000;

/**
 * The pace of a progress bar from its recent values, and the time left at that pace. Nothing is
 * known until the value has moved over at least a second: a bar shows no time left rather than a
 * guess (or an infinite one) before then.
 */
export class BarPace {
  private readonly samples: { at: number; value: number }[] = [];

  add(value: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.value === value) return;
    this.samples.push({ at, value });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
  }

  /** Units per second, or null while not yet known. */
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < MIN_SPAN_MS || last.value <= first.value) return null;
    return ((last.value - first.value) * 1000) / (last.at - first.at);
  }

  /** Seconds until `value` reaches `total` at the current pace, or null while the pace is unknown. */
  secondsLeft(value: number, total: number): number | null {
    const pace = this.perSecond();
    return pace === null ? null : Math.max(0, total - value) / pace;
  }
}
