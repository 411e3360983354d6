import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/**
 * A trigger names a target this installation does not configure. Not retriable: the message is
 * terminated (and logged) rather than retried, since waiting does not make the target appear.
 */
export class UnknownTargetError extends TablesnapError {
  constructor(target: string, options: TablesnapErrorOptions = {}) {
    super("unknown_target", `trigger for unknown target "${target}": check the configuration`, {
      ...options,
      context: { target, ...options.context },
      retriable: false,
    });
  }
}
