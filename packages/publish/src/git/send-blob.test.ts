import { describe, expect, it } from "vitest";
import { storeWith } from "../../test/contract.ts";
import { sendBlob } from "./git.ts";

async function send(text: string, announced: number) {
  const written: string[] = [];
  const store = await storeWith({ "f.sql": text });
  const run = sendBlob(
    async (d) => void written.push(Buffer.from(d).toString()),
    store,
    7,
    "f.sql",
    announced,
  );
  return { run, written };
}

describe("sendBlob", () => {
  it("streams a blob with its mark and exact size", async () => {
    const { run, written } = await send("hello\n", 6);
    await run;
    expect(written.join("")).toBe("blob\nmark :7\ndata 6\nhello\n\n");
  });

  it("never writes the surplus of a file larger than announced, and fails", async () => {
    const { run, written } = await send("hello\nM 100644 inline evil\n", 6);
    await expect(run).rejects.toThrow(/larger than the 6 bytes the manifest says/);
    expect(written.join("")).toBe("blob\nmark :7\ndata 6\n");
  });

  it("fails on a file smaller than announced", async () => {
    const { run } = await send("hi\n", 6);
    await expect(run).rejects.toThrow(/has 3 bytes, the manifest says 6/);
  });
});
