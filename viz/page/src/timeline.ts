// The round scrubber: play/pause, a slider over evaluation rounds, speed, and a Live
// button that makes the view follow the newest round of a running experiment.

export interface TimelineState {
  frames: number;
  index: number;
  round: number | null;
  lastRound: number | null;
  playing: boolean;
  follow: boolean;
  finished: boolean;
}

export interface TimelineActions {
  seek(index: number): void;
  togglePlay(): void;
  follow(): void;
  speed(roundsPerSecond: number): void;
}

export class Timeline {
  private readonly play: HTMLButtonElement;
  private readonly range: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly live: HTMLButtonElement;
  private readonly speedSelect: HTMLSelectElement;

  constructor(root: HTMLElement, actions: TimelineActions) {
    this.play = root.querySelector('#tl-play')!;
    this.range = root.querySelector('#tl-range')!;
    this.label = root.querySelector('#tl-label')!;
    this.live = root.querySelector('#tl-live')!;
    this.speedSelect = root.querySelector('#tl-speed')!;
    this.play.addEventListener('click', () => actions.togglePlay());
    this.range.addEventListener('input', () => actions.seek(Number(this.range.value)));
    this.live.addEventListener('click', () => actions.follow());
    this.speedSelect.addEventListener('change', () => actions.speed(Number(this.speedSelect.value)));
  }

  setSpeed(roundsPerSecond: number): void {
    const options = [...this.speedSelect.options].map((o) => Number(o.value));
    const nearest = options.reduce((a, b) => (Math.abs(b - roundsPerSecond) < Math.abs(a - roundsPerSecond) ? b : a));
    this.speedSelect.value = String(nearest);
  }

  update(s: TimelineState): void {
    this.range.max = String(Math.max(0, s.frames - 1));
    this.range.value = String(Math.max(0, s.index));
    this.range.disabled = s.frames < 2;
    this.range.style.setProperty('--fill', s.frames > 1 ? `${(100 * s.index) / (s.frames - 1)}%` : '0%');
    this.play.textContent = s.playing ? '❚❚' : '▶';
    this.play.title = s.playing ? 'Pause (space)' : 'Play (space)';
    this.play.setAttribute('aria-label', s.playing ? 'Pause' : 'Play');
    this.play.disabled = s.frames < 2;
    this.label.textContent = s.round === null ? 'waiting for round 0…' : `round ${s.round} / ${s.lastRound ?? s.round}`;
    this.live.hidden = s.finished;
    this.live.classList.toggle('on', s.follow);
    this.live.title = s.follow ? 'Following the newest round' : 'Jump to the newest round and follow it (L)';
  }
}
