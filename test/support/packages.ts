// Writes integration package folders (docs/interfaces.md's format) for tests.
import fs from "node:fs";
import path from "node:path";

export interface ConnectorFiles {
  /** connectors/NAME.json (the defaults below are merged in). */
  json?: Record<string, unknown>;
  /** connectors/NAME.ts */
  code: string;
}

export function writePackage(
  dir: string,
  integration: Record<string, unknown>,
  connectors: Record<string, ConnectorFiles>,
  extraFiles: Record<string, string> = {},
): string {
  fs.mkdirSync(path.join(dir, "connectors"), { recursive: true });
  fs.writeFileSync(path.join(dir, "integration.json"), JSON.stringify({ description: "a test integration", ...integration }, null, 2));
  for (const [name, files] of Object.entries(connectors)) {
    const json = {
      name,
      description: `connector ${name}`,
      parameters: [],
      productFieldName: "device_product",
      eventFieldName: "event_name",
      intervalSeconds: 60,
      timeoutSeconds: 30,
      ...files.json,
    };
    fs.writeFileSync(path.join(dir, "connectors", `${name}.json`), JSON.stringify(json, null, 2));
    fs.writeFileSync(path.join(dir, "connectors", `${name}.ts`), files.code);
  }
  for (const [file, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A connector body that returns one alert with one event carrying `fields` (a TypeScript expression). */
export function oneAlertConnector(id: string, fieldsExpression: string, prelude = "", imports = ""): string {
  return (
    `import { AlertInfo, ConnectorExecution, Priority } from "intake/sdk";
${imports}
export default async function main(execution: ConnectorExecution): Promise<void> {
  ${prelude}
  const alert = new AlertInfo();
  alert.display_id = ${id};
  alert.name = "test alert";
  alert.rule_generator = "test rule";
  alert.start_time = Date.now();
  alert.end_time = alert.start_time;
  alert.priority = Priority.HIGH;
  alert.device_vendor = "Tests";
  alert.device_product = "Test Product";
  alert.events.push({ StartTime: alert.start_time, EndTime: alert.end_time, event_name: "test event", ` +
    `device_product: "Test Product", ...(${fieldsExpression}) });
  await execution.returnPackage([alert]);
}
`
  );
}
