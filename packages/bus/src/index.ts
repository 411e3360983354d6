export type { CatalogEntry, Message, MessageInput, MessageKind } from "./catalog.ts";
export {
  catalog,
  dumpSchema,
  EVENT_KINDS,
  eventSchema,
  filterSubject,
  jobSchema,
  MESSAGE_KINDS,
  runSchema,
  streamName,
  triggerSchema,
} from "./catalog.ts";
export {
  BusUnavailableError,
  InvalidMessageError,
  PublishRejectedError,
  RetryLaterError,
} from "./errors.ts";
export type { MemoryBusOptions } from "./memory/memory-bus.ts";
export { MemoryBus } from "./memory/memory-bus.ts";
export type { NatsBusOptions } from "./nats/nats-bus.ts";
export { NatsBus } from "./nats/nats-bus.ts";
export type * from "./types.ts";
