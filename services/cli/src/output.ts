/** Where the CLI talks: one-line progress on a terminal, plain lines otherwise, never on stdout. */
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
      if (quiet || !tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${line}`);
    },
    progressDone() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
