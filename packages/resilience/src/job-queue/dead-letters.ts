import type { JobDeadLetter } from './types.js';

/** The dead-letter list, oldest first, keeping at most `max` letters (the oldest are dropped). */
export class DeadLetterList {
  private readonly letters: JobDeadLetter[] = [];

  constructor(private readonly max: number) {}

  add(letter: JobDeadLetter): void {
    this.letters.push(letter);
    if (this.letters.length > this.max) this.letters.shift();
  }

  /** Copies of the letters, oldest first. */
  list(): JobDeadLetter[] {
    return this.letters.map((letter) => ({ ...letter }));
  }

  /** Removes the letters `accept` picks, one at a time, handing each out before looking at the next. */
  *take(accept: (letter: JobDeadLetter) => boolean): Generator<JobDeadLetter> {
    for (let index = 0; index < this.letters.length;) {
      const letter = this.letters[index]!;
      if (!accept(letter)) {
        index++;
        continue;
      }
      this.letters.splice(index, 1);
      yield letter;
    }
  }
}
