// The services share one logger (@tablesnap/core).
export { jsonLogger } from "@tablesnap/core";
