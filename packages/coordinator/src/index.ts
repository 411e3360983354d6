export { startCoordinator } from "./coordinator.ts";
export { dispatchDueRuns, expireOverdueRuns } from "./dispatch.ts";
export { UnknownTargetError } from "./errors.ts";
export { consumeTriggers, recordTrigger, TRIGGER_DURABLE, toNewTrigger } from "./intake.ts";
export { jsonLogger } from "./logger.ts";
export type { Loop } from "./loop.ts";
export { startLoop } from "./loop.ts";
export { RESEND_WINDOW_MS, resendDumps } from "./resend.ts";
export type { ScheduleCursor } from "./schedule.ts";
export { fireDueSlots, missedSlots, scheduleCursors } from "./schedule.ts";
export type {
  Clock,
  Coordinator,
  CoordinatorConfig,
  CoordinatorDeps,
  CoordinatorOptions,
  Logger,
} from "./types.ts";
