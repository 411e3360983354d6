/** Structured logging as the services use it: a context object, then a message. */
export interface Logger {
  info(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

type Level = "info" | "warn" | "error";

/**
 * One JSON object per line, with time, level, the `base` fields and the context: info on
 * stdout, warnings and errors on stderr. Callers pass no secrets (the config is `redact`ed).
 */
export function jsonLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, context: Record<string, unknown>, msg: string) => {
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      ...base,
      ...context,
      msg,
    });
    (level === "info" ? process.stdout : process.stderr).write(`${line}\n`);
  };
  return {
    info: (c, m) => write("info", c, m),
    warn: (c, m) => write("warn", c, m),
    error: (c, m) => write("error", c, m),
  };
}

/** Drops everything: the default where no logger is given, and for tests. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
