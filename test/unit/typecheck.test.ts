// The type-check of connector code: SDK types, open event records, untyped packages as `any`, positions.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { typeCheckIntegration } from "../../src/platform/catalog/typecheck.js";

function packageWith(code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-typecheck-"));
  fs.mkdirSync(path.join(dir, "connectors"));
  fs.writeFileSync(path.join(dir, "connectors", "c.ts"), code);
  // A dependency without any type declarations, as npm would install it.
  fs.mkdirSync(path.join(dir, "node_modules", "untyped-lib"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "node_modules", "untyped-lib", "package.json"),
    JSON.stringify({ name: "untyped-lib", version: "1.0.0", main: "index.js" }),
  );
  fs.writeFileSync(path.join(dir, "node_modules", "untyped-lib", "index.js"), "module.exports = (x) => x * 2;\n");
  return dir;
}

const GOOD = `import double from "untyped-lib";
import { AlertInfo, ConnectorExecution, Priority } from "intake/sdk";
export default async function main(execution: ConnectorExecution): Promise<void> {
  const alert = new AlertInfo();
  alert.priority = Priority.CRITICAL;
  alert.events.push({ StartTime: 1, EndTime: 1, event_name: "e", device_product: "p", doubled: double(2), tags: ["a"] });
  execution.saveTimestamp(execution.fetchTimestamp() + 1);
  execution.setConnectorContext("k", execution.getConnectorContext("k") ?? "v");
  await execution.returnPackage([alert]);
}
`;

describe("type-checking connector code", () => {
  it("accepts extra event fields, the SDK's names and an untyped dependency", async () => {
    expect(await typeCheckIntegration({ dir: packageWith(GOOD) })).toEqual([]);
  });

  it("reports a type error and a missing SDK name with file, line and column", async () => {
    const dir = packageWith(
      GOOD.replace("alert.priority = Priority.CRITICAL;", 'alert.priority = "high";').replace(
        "execution.saveTimestamp(",
        "execution.saveTimestamps(",
      ),
    );
    const problems = await typeCheckIntegration({ dir });
    const file = path.join(dir, "connectors", "c.ts");
    expect(problems).toEqual([
      `${file}:5:3: TS2322: Type 'string' is not assignable to type 'number'.`,
      expect.stringMatching(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:7:13: ` +
            `TS2551: Property 'saveTimestamps' does not exist on type 'ConnectorExecution'`,
        ),
      ),
    ]);
  });
});
