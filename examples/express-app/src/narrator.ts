/**
 * Terminal narration for the demo: numbered steps, indented details and a
 * progress line. Colour only on a TTY without NO_COLOR; without a TTY (CI)
 * progress is printed as plain occasional lines instead of being redrawn.
 */
export function createNarrator(stream: NodeJS.WriteStream = process.stdout) {
  const interactive = stream.isTTY === true;
  const colour = interactive && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const started = Date.now();
  let step = 0;
  let progressShown = false;
  let lastPlainProgress = 0;

  const clearProgress = () => {
    if (interactive && progressShown) stream.write('\r\u001b[2K');
    progressShown = false;
  };
  const elapsed = () => paint('2', `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`);

  return {
    paint,
    step(title: string) {
      clearProgress();
      step++;
      stream.write(`\n${elapsed()} ${paint('1;36', `Step ${step}.`)} ${paint('1', title)}\n`);
    },
    info(text: string) {
      clearProgress();
      stream.write(`${elapsed()}   ${text}\n`);
    },
    ok(text: string) {
      clearProgress();
      stream.write(`${elapsed()}   ${paint('32', '✔')} ${text}\n`);
    },
    warn(text: string) {
      clearProgress();
      stream.write(`${elapsed()}   ${paint('33', '!')} ${text}\n`);
    },
    /** A redrawn progress bar on a TTY; at most one plain line every 5 s otherwise. */
    progress(label: string, done: number, total: number) {
      const width = 24;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const line = `${label} ${bar} ${done}/${total}`;
      if (interactive) {
        stream.write(`\r\u001b[2K  ${paint('2', line)}`);
        progressShown = true;
      } else if (Date.now() - lastPlainProgress > 5_000 || done === total) {
        lastPlainProgress = Date.now();
        stream.write(`  ${line}\n`);
      }
    },
    done() {
      clearProgress();
    },
  };
}

export type Narrator = ReturnType<typeof createNarrator>;
