import { parseArgs } from "node:util";
import { startEmulator } from "./index.ts";

/** `pnpm github-emulator --port N --data DIR [--token T]… [--host H]`: prints the URL. */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    data: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    token: { type: "string", multiple: true, default: [] },
  },
});
const port = Number(values.port);
if (!values.data || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("usage: github-emulator --data DIR [--port N] [--host H] [--token T]...");
  process.exit(2);
}
const emulator = await startEmulator({
  dataDir: values.data,
  port,
  hostname: values.host,
  tokens: values.token.map((token) => ({ token })),
});
console.log(emulator.url);
const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
