// The services share one logger (@tablesnap/core).
export { jsonLogger, silentLogger } from "@tablesnap/core";
