/** A round that runs every `everyMs`, never overlapping itself, and at once on `wake()`. */
export interface Loop {
  wake(): void;
  /** Waits for the round in progress; no round starts afterwards. */
  stop(): Promise<void>;
}

/** Starts the first round immediately. A failing round is passed to `onError`; the next still runs. */
export function startLoop(
  round: () => Promise<void>,
  everyMs: number,
  onError: (error: unknown) => void,
): Loop {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const run = (): void => {
    if (stopped) return;
    if (current !== undefined) {
      again = true; // woken mid-round: go again as soon as it ends
      return;
    }
    clearTimeout(timer);
    current = round()
      .catch(onError)
      .finally(() => {
        current = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(run);
        } else {
          timer = setTimeout(run, everyMs);
        }
      });
  };

  run();
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
