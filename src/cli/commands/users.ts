// `intake users add|list`: console users; the password comes from INTAKE_PASSWORD or a prompt.
import type { Command } from "commander";
import readline from "node:readline";
import { Writable } from "node:stream";
import { UserPasswordInvalid } from "../../platform/errors.js";
import { listUsers, saveUser } from "../../platform/users/index.js";
import type { WithStore } from "../context.js";
import { formatTime, table } from "../output.js";

/** Reads a password from the terminal without echoing it. */
async function promptPassword(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

export function register(program: Command, withStore: WithStore): void {
  const users = program.command("users").description("console users (sign-in to intake serve)");
  users
    .command("add <name>")
    .description("create a user, or change an existing user's role and password")
    .requiredOption("--role <role>", "admin (changes integrations and connectors) or analyst (works cases)")
    .action(async (name: string, options: { role: string }) => {
      let password = process.env.INTAKE_PASSWORD;
      if (password === undefined || password === "") {
        if (!process.stdin.isTTY) throw new UserPasswordInvalid("set the password in INTAKE_PASSWORD (no terminal to ask on)");
        password = await promptPassword(`Password for ${name}: `);
        const again = await promptPassword("Again: ");
        if (again !== password) throw new UserPasswordInvalid("the two passwords differ");
      }
      await withStore(async (store) => {
        const { created } = await saveUser(store, name, options.role, password);
        console.log(`${created ? "created" : "updated"} user ${name} (${options.role})`);
      });
    });
  users
    .command("list")
    .description("the console's users")
    .action(async () => {
      await withStore(async (store) => {
        const rows = await listUsers(store);
        console.log(
          table(
            rows.map((u) => ({ ...u, created: formatTime(u.createdAt) })),
            ["name", "role", "created"],
          ),
        );
      });
    });
}
