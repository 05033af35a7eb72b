/**
 * A clock for Berth's authentication that moves only when a test says so (startBerth's
 * `authClock`), so lock lengths and expiries are checked exactly, however busy the machine is.
 */
export class ManualClock {
  private ms: number;

  constructor(start = Date.now()) {
    this.ms = start;
  }

  /** Pass as `authClock`. */
  readonly now = (): number => this.ms;

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** The clock's time as an ISO 8601 string, `secondsAhead` from now. */
  isoIn(secondsAhead: number): string {
    return new Date(this.ms + secondsAhead * 1000).toISOString();
  }
}
