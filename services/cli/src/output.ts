/** Where the CLI talks: stderr only, progress redrawn on a terminal and every 10 s otherwise. */
export interface Output {
  info(line: string): void;
  progress(line: string): void;
  progressDone(): void;
}

export function makeOutput(stream: NodeJS.WriteStream, quiet: boolean): Output {
  const tty = stream.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    info(line) {
      if (!quiet) stream.write(`${line}\n`);
    },
    progress(line) {
      if (quiet) return;
      const now = Date.now();
      // A terminal gets one line redrawn; a log gets a line every 10 s of a long run.
      if (now - last < (tty ? 100 : 10_000)) return;
      if (last === 0 && !tty) {
        last = now;
        return;
      }
      last = now;
      if (!tty) return void stream.write(`${line}\n`);
      shown = true;
      stream.write(`\r\x1b[2K${line}`);
    },
    progressDone() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
