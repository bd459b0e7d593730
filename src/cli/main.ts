/**
 * The `patron` command. Each file in src/cli/commands/ exports `register(program)`; this file
 * finds and loads them, so adding a command never touches this file. Command modules keep
 * heavy imports inside their actions (dynamic import) so that `patron --help` stays fast.
 */
import { Command } from "commander";
import { readdirSync } from "node:fs";
import { routeWarningsToStderr } from "./output.ts";

export interface CommandModule {
  register(program: Command): void;
}

const program = new Command()
  .name("patron")
  .description("Customer intelligence for e-commerce: whom to contact, with what, and how much it is worth.")
  .showHelpAfterError()
  .enablePositionalOptions();

const commandsDir = new URL("./commands/", import.meta.url);
const files = readdirSync(commandsDir).filter((f) => f.endsWith(".ts")).sort();
for (const file of files) {
  const module = (await import(new URL(file, commandsDir).href)) as CommandModule;
  module.register(program);
}

routeWarningsToStderr();
await program.parseAsync(process.argv);
