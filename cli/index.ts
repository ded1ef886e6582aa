#!/usr/bin/env node
/**
 * `npm run cli -- <command>`: the management API from a shell. A thin client: every rule
 * lives in the server, so the CLI and the UI cannot disagree.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { type ParseArgsConfig, parseArgs } from "node:util";

const HELP = `MCP Orchestrator CLI

Usage: npm run cli -- <command> [options]

  login --email <email> [--password <pw>] [--url <url>]
                                   exchange email and password for a personal token
                                   (saved to ~/.config/mcp-orchestrator/cli.json, mode 0600)
  logout                           forget the saved token
  whoami                           the account behind the token, and its teams
  users list                       (admins)
  users create --email <e> --name <n> --password <pw> [--role admin|member]
  teams list
  teams show <team>                a team (id or slug) and its members
  teams create --name <name>       (admins)
  teams rename <team> --name <name>
  teams invitations                your team invitations waiting for an answer
  teams accept <team>              accept an invitation: you join the team
  teams decline <team>             decline an invitation
  members add <team> --email <e> [--role admin|member] [--invite]
                                   team admins invite: the person joins when they accept;
                                   admins add at once (or invite, with --invite)
  members invited <team>           the team's pending invitations (team admins)
  members cancel <team> <email>    withdraw a pending invitation (team admins)
  members remove <team> <email>
  credentials list                 your credentials and your teams', with team use
  credentials team-use <id> on|off let your teams' tokens use your personal credential, or not
  credentials calls <id>           the latest calls made with a credential, and by whom
  tokens list [--team <team> | --org]
                                   your tokens; a team's (team admins) or the organisation's (admins)
  tokens create --name <name> [--expires-days <n>] [--team <team> | --org]
  tokens rotate <token-id>         a new token in place of this one (same owner, name, lifetime)
  tokens revoke <token-id>
  gateways list
  gateways show <gateway>          its MCP URL, tools and any name clashes
  keys reencrypt                   re-seal stored secrets under the newest key version (admins)
  oauth-clients list               OAuth clients registered for sign-in to gateways (admins)
  oauth-clients add --name <n> --redirect-uri <uri> [--redirect-uri <uri>]...
                                   register a client that neither registers itself nor
                                   publishes a metadata document (admins)
  oauth-clients remove <client-id> remove it; everyone who connected it is disconnected
  catalog list
  catalog add --name <n> (--command <cmd> [--arg <a>]... | --image <img> | --remote-url <url>)
              [--env NAME]... [--secret-env NAME]... [--transport stdio|http] [--http-path /mcp]
                                   add a server to the registry (admins); --secret-env values are
                                   secret and required at install
  catalog import <server.json>     add a server from an MCP Registry server.json file (admins)
  catalog export <server>          print a server as server.json
  install <server> [--set NAME=VALUE]... [--team <team>]
                                   install a server with your values (or your team's, as team admin)
  instances list
  instances logs <id> [--tail <n>]
  instances restart|stop|start <id>
  connect <gateway URL>            a stdio bridge to a gateway for clients that only launch commands
                                   (uses ARCHESTRA_TOKEN or the saved token; run with npm run --silent)

Options: --json prints the raw JSON answer. --url (or ARCHESTRA_URL) picks the server,
default http://localhost:3000. ARCHESTRA_TOKEN overrides the saved token.`;

const CONFIG = path.join(os.homedir(), ".config", "mcp-orchestrator", "cli.json");

interface Saved {
  url?: string;
  token?: string;
}

function readSaved(): Saved {
  try {
    return JSON.parse(fs.readFileSync(CONFIG, "utf8")) as Saved;
  } catch {
    return {};
  }
}

function save(saved: Saved): void {
  fs.mkdirSync(path.dirname(CONFIG), { recursive: true, mode: 0o700 });
  fs.writeFileSync(CONFIG, JSON.stringify(saved, null, 2), { mode: 0o600 });
}

class CliError extends Error {}

const OPTIONS = {
  url: { type: "string" },
  email: { type: "string" },
  password: { type: "string" },
  name: { type: "string" },
  role: { type: "string" },
  "expires-days": { type: "string" },
  command: { type: "string" },
  arg: { type: "string", multiple: true },
  image: { type: "string" },
  "remote-url": { type: "string" },
  env: { type: "string", multiple: true },
  "secret-env": { type: "string", multiple: true },
  transport: { type: "string" },
  "http-path": { type: "string" },
  set: { type: "string", multiple: true },
  "redirect-uri": { type: "string", multiple: true },
  team: { type: "string" },
  tail: { type: "string" },
  org: { type: "boolean", default: false },
  invite: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} satisfies ParseArgsConfig["options"];

/**
 * `--arg -y` becomes `--arg=-y`: an option that takes a value takes the next word even when it
 * starts with "-" (`catalog add` passes flags through to the server's command), unless that word
 * is one of this CLI's own options, which parseArgs then reports as a missing value.
 */
function joinOptionValues(args: string[]): string[] {
  const options: Record<string, { type: string }> = OPTIONS;
  const name = (word: string) => (word.startsWith("--") ? (word.slice(2).split("=")[0] ?? "") : "");
  const takesValue = (word: string) => !word.includes("=") && options[name(word)]?.type === "string";
  const isOwnOption = (word: string) => word === "-h" || Object.hasOwn(options, name(word));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? "";
    const next = args[i + 1];
    if (word === "--") return [...joined, ...args.slice(i)];
    if (takesValue(word) && next?.startsWith("-") && !isOwnOption(next)) {
      joined.push(`${word}=${next}`);
      i++;
    } else joined.push(word);
  }
  return joined;
}

/** Every failure ends the same way: one line on stderr and exit code 1, never a stack trace. */
function exitWithError(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`Error: ${message.replace(/\s*\n\s*/g, " ")}`);
  process.exit(1);
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({ args: joinOptionValues(args), allowPositionals: true, options: OPTIONS });
  } catch (err) {
    // An unknown option needs none of parseArgs's advice about positionals; a missing value keeps its hint.
    const { code, message } = err as Error & { code?: string };
    const problem = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? (message.split(". ")[0] ?? message) : message;
    return exitWithError(`${problem.replace(/\.?$/, ".")} See: npm run cli -- help`);
  }
}

const { values: opts, positionals } = parseCommandLine(process.argv.slice(2));

const saved = readSaved();
const baseUrl = (opts.url ?? process.env.ARCHESTRA_URL ?? saved.url ?? "http://localhost:3000").replace(/\/+$/, "");

async function call(method: string, route: string, body?: unknown, auth = true): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (auth) {
    const token = process.env.ARCHESTRA_TOKEN ?? saved.token;
    if (!token) throw new CliError("Not signed in: run `npm run cli -- login --email you@example.com` first.");
    headers.authorization = `Bearer ${token}`;
  }
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/v1${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`Cannot reach ${baseUrl}. Is the app running (npm start)? Use --url to point elsewhere.`);
  }
  if (response.status === 204) return null;
  const data = (await response.json().catch(() => ({}))) as {
    error?: { message?: string; fields?: Record<string, string> };
  };
  if (!response.ok) {
    // One line: the message, then any field problems it does not already name.
    const message = data.error?.message ?? `HTTP ${response.status}`;
    const more = Object.entries(data.error?.fields ?? {})
      .filter(([, problem]) => !message.includes(problem))
      .map(([field, problem]) => `${field}: ${problem}`);
    throw new CliError([message, ...more].join("; "));
  }
  return data;
}

function need(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`Missing ${flag}. See: npm run cli -- help`);
  return value;
}

async function promptPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8").trim();
  }
  // readline echoes what is typed through its output; a muted output keeps the password off the screen.
  process.stdout.write("Password: ");
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.on("SIGINT", () => reject(new CliError("Cancelled.")));
      rl.question("").then(resolve, reject);
    });
  } finally {
    rl.close();
    process.stdout.write("\n");
  }
}

function table(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    console.log("(none)");
    return;
  }
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => p.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(columns));
  for (const row of cells) console.log(line(row));
}

function print(data: unknown, human: () => void): void {
  if (opts.json) console.log(JSON.stringify(data, null, 2));
  else human();
}

/** A team's id from its id or slug (the API's install takes an id). */
async function teamId(team: string): Promise<string> {
  const data = (await call("GET", `/teams/${encodeURIComponent(team)}`)) as { team: { id: string } };
  return data.team.id;
}

/** Where tokens of the chosen owner live: yours, a team's (--team) or the organisation's (--org). */
function tokensRoute(): string {
  if (opts.team && opts.org) throw new CliError("Choose --team or --org, not both.");
  if (opts.org) return "/org/tokens";
  return opts.team ? `/teams/${encodeURIComponent(opts.team)}/tokens` : "/tokens";
}

async function main(): Promise<void> {
  const [group, verb, arg1, arg2] = positionals;
  if (!group || opts.help || group === "help") {
    console.log(HELP);
    return;
  }
  // Single-word commands take positional arguments of their own.
  const single = ["login", "logout", "whoami", "install", "connect"].includes(group);
  switch (single ? group : `${group} ${verb ?? ""}`.trim()) {
    case "login": {
      const email = need(opts.email, "--email");
      const password = opts.password ?? (await promptPassword());
      const data = (await call("POST", "/auth/token", { email, password, name: `CLI on ${os.hostname()}` }, false)) as {
        token: string;
        prefix: string;
        user: { email: string };
      };
      save({ url: baseUrl, token: data.token });
      console.log(`Signed in to ${baseUrl} as ${data.user.email} (token ${data.prefix}…, saved to ${CONFIG}).`);
      return;
    }
    case "logout":
      save({ url: saved.url });
      console.log("Forgot the saved token. Revoke it on the Tokens page if it may have leaked.");
      return;
    case "whoami": {
      const data = (await call("GET", "/me")) as { user: Record<string, unknown>; teams: Record<string, unknown>[] };
      return print(data, () => {
        console.log(`${data.user.name} <${data.user.email}> (${data.user.role})`);
        table(data.teams, ["slug", "name", "role"]);
      });
    }
    case "users list": {
      const data = (await call("GET", "/users")) as { users: Record<string, unknown>[] };
      return print(data, () => table(data.users, ["id", "email", "name", "role"]));
    }
    case "users create": {
      const data = (await call("POST", "/users", {
        email: need(opts.email, "--email"),
        name: need(opts.name, "--name"),
        password: need(opts.password, "--password"),
        role: opts.role ?? "member",
      })) as { user: Record<string, unknown> };
      return print(data, () => console.log(`Created ${data.user.email} (${data.user.role}), id ${data.user.id}.`));
    }
    case "teams list": {
      const data = (await call("GET", "/teams")) as { teams: Record<string, unknown>[] };
      return print(data, () => table(data.teams, ["id", "slug", "name", "member_count", "my_role"]));
    }
    case "teams show": {
      const data = (await call("GET", `/teams/${encodeURIComponent(need(arg1, "<team>"))}`)) as {
        team: Record<string, unknown>;
        members: Record<string, unknown>[];
      };
      return print(data, () => {
        console.log(`${data.team.name} (${data.team.slug})`);
        table(data.members, ["user_id", "email", "name", "role"]);
      });
    }
    case "teams create": {
      const data = (await call("POST", "/teams", { name: need(opts.name, "--name") })) as {
        team: Record<string, unknown>;
      };
      return print(data, () => console.log(`Created team ${data.team.name} (${data.team.slug}), id ${data.team.id}.`));
    }
    case "teams rename": {
      const data = (await call("PATCH", `/teams/${encodeURIComponent(need(arg1, "<team>"))}`, {
        name: need(opts.name, "--name"),
      })) as { team: Record<string, unknown> };
      return print(data, () => console.log(`Renamed to ${data.team.name}.`));
    }
    case "members add": {
      const team = encodeURIComponent(need(arg1, "<team>"));
      const data = (await call("POST", `/teams/${team}/members`, {
        email: need(opts.email, "--email"),
        role: opts.role ?? "member",
        ...(opts.invite ? { invite: true } : {}),
      })) as { invitation?: unknown; changed?: string };
      return print(data, () => {
        const role = opts.role ?? "member";
        if (data.invitation) {
          console.log(`Invited ${opts.email} as ${role}. They join the team when they accept the invitation:`);
          console.log(`on their Teams page, or with: npm run cli -- teams accept ${arg1}`);
        } else if (data.changed === "role") console.log(`${opts.email} is now ${role}.`);
        else if (data.changed === "unchanged") console.log(`${opts.email} is already in the team as ${role}.`);
        else console.log(`Added ${opts.email} as ${role}.`);
      });
    }
    case "members invited": {
      const team = encodeURIComponent(need(arg1, "<team>"));
      const data = (await call("GET", `/teams/${team}/invitations`)) as { invitations: Record<string, unknown>[] };
      return print(data, () => table(data.invitations, ["email", "name", "role", "invited_by_name", "expires_at"]));
    }
    case "members cancel": {
      const team = encodeURIComponent(need(arg1, "<team>"));
      const email = need(arg2, "<email>").toLowerCase();
      const { invitations } = (await call("GET", `/teams/${team}/invitations`)) as {
        invitations: { id: string; email: string }[];
      };
      const invitation = invitations.find((i) => i.email.toLowerCase() === email);
      if (!invitation) throw new CliError(`${email} has no pending invitation to that team.`);
      await call("DELETE", `/teams/${team}/invitations/${invitation.id}`);
      console.log(`Withdrew the invitation of ${email}.`);
      return;
    }
    case "teams invitations": {
      const data = (await call("GET", "/invitations")) as { invitations: Record<string, unknown>[] };
      return print(data, () => {
        table(data.invitations, ["team_slug", "team_name", "role", "invited_by_name", "expires_at"]);
        if (data.invitations.length)
          console.log("You are not in these teams until you accept: npm run cli -- teams accept <team>");
      });
    }
    case "teams accept":
    case "teams decline": {
      const team = need(arg1, "<team>").toLowerCase();
      const { invitations } = (await call("GET", "/invitations")) as {
        invitations: { id: string; team_id: string; team_slug: string; team_name: string }[];
      };
      const invitation = invitations.find(
        (i) => i.team_slug === team || i.team_id === team || i.team_name.toLowerCase() === team,
      );
      if (!invitation)
        throw new CliError(`You have no pending invitation to ${arg1}. See: npm run cli -- teams invitations`);
      const data = await call("POST", `/invitations/${invitation.id}/${verb}`);
      return print(data, () =>
        console.log(
          verb === "accept"
            ? `You joined ${invitation.team_name}. Its tokens may now use your personal credentials, unless you turn team use off (credentials team-use <id> off).`
            : `Declined the invitation to ${invitation.team_name}.`,
        ),
      );
    }
    case "credentials list": {
      const data = (await call("GET", "/credentials")) as { credentials: Record<string, unknown>[] };
      return print(data, () =>
        table(data.credentials, [
          "id",
          "server_slug",
          "scope",
          "owner_name",
          "team_name",
          "status",
          "team_use",
          "last_used_at",
        ]),
      );
    }
    case "credentials team-use": {
      const id = encodeURIComponent(need(arg1, "<id>"));
      const choice = need(arg2, "on|off");
      if (choice !== "on" && choice !== "off") throw new CliError("Say on or off.");
      const data = await call("PATCH", `/credentials/${id}`, { teamUse: choice === "on" });
      return print(data, () =>
        console.log(
          choice === "on"
            ? "Team use allowed: your teams' tokens may use this credential when the team has none of its own."
            : "Team use off: only your own token uses this credential.",
        ),
      );
    }
    case "credentials calls": {
      const id = encodeURIComponent(need(arg1, "<id>"));
      const data = (await call("GET", `/credentials/${id}/calls`)) as { calls: Record<string, unknown>[] };
      return print(data, () =>
        table(
          data.calls.map((c) => ({
            ...c,
            by:
              c.token_kind === "team"
                ? `team ${c.caller_team_name} token`
                : c.token_kind === "org"
                  ? "org token"
                  : c.caller_email,
          })),
          ["at", "gateway_slug", "tool_name", "by", "outcome"],
        ),
      );
    }
    case "members remove": {
      const team = encodeURIComponent(need(arg1, "<team>"));
      const email = need(arg2, "<email>").toLowerCase();
      const { members } = (await call("GET", `/teams/${team}`)) as { members: { user_id: string; email: string }[] };
      const member = members.find((m) => m.email.toLowerCase() === email);
      if (!member) throw new CliError(`${email} is not in that team.`);
      await call("DELETE", `/teams/${team}/members/${member.user_id}`);
      console.log(`Removed ${email}.`);
      return;
    }
    case "tokens list": {
      const data = (await call("GET", tokensRoute())) as { tokens: Record<string, unknown>[] };
      return print(data, () =>
        table(data.tokens, ["id", "name", "kind", "prefix", "created_at", "last_used_at", "revoked_at"]),
      );
    }
    case "tokens create": {
      const days = opts["expires-days"];
      const data = (await call("POST", tokensRoute(), {
        name: need(opts.name, "--name"),
        ...(days ? { expiresInDays: Number(days) } : {}),
      })) as { token: string; id: string };
      return print(data, () => console.log(`${data.token}\n(shown once; id ${data.id})`));
    }
    case "tokens rotate": {
      const id = encodeURIComponent(need(arg1, "<token-id>"));
      const data = (await call("POST", `/tokens/${id}/rotate`)) as { token: string; id: string };
      return print(data, () =>
        console.log(`${data.token}\n(shown once; id ${data.id}; the old token no longer works)`),
      );
    }
    case "tokens revoke":
      await call("DELETE", `/tokens/${encodeURIComponent(need(verb === "revoke" ? arg1 : undefined, "<token-id>"))}`);
      console.log("Revoked.");
      return;
    case "keys reencrypt": {
      const data = (await call("POST", "/admin/reencrypt")) as {
        keyVersion: number;
        scanned: number;
        resealed: number;
      };
      return print(data, () =>
        console.log(
          `Checked ${data.scanned} sealed values; re-sealed ${data.resealed} under key version ${data.keyVersion}.`,
        ),
      );
    }
    case "oauth-clients list": {
      const data = (await call("GET", "/admin/oauth-clients")) as { clients: Record<string, unknown>[] };
      return print(data, () =>
        table(
          data.clients.map((c) => ({ ...c, redirectUris: (c.redirectUris as string[]).join(" ") })),
          ["clientId", "name", "redirectUris"],
        ),
      );
    }
    case "oauth-clients add": {
      const data = (await call("POST", "/admin/oauth-clients", {
        name: need(opts.name, "--name"),
        redirectUris: opts["redirect-uri"] ?? [],
      })) as { client: { clientId: string } };
      return print(data, () =>
        console.log(`Registered: client_id ${data.client.clientId} (a public client: PKCE, no secret)`),
      );
    }
    case "oauth-clients remove":
      await call("DELETE", `/admin/oauth-clients/${encodeURIComponent(need(arg1, "<client-id>"))}`);
      console.log("Removed; its connected apps are disconnected.");
      return;
    case "connect": {
      const { connect } = await import("./connect.mjs");
      await connect(need(verb, "<gateway URL>"), process.env.ARCHESTRA_TOKEN ?? saved.token);
      return;
    }
    case "gateways list": {
      const data = (await call("GET", "/gateways")) as { gateways: Record<string, unknown>[] };
      return print(data, () => table(data.gateways, ["slug", "name", "owner_team_id"]));
    }
    case "gateways show": {
      const data = (await call("GET", `/gateways/${encodeURIComponent(need(arg1, "<gateway>"))}`)) as {
        gateway: { name: string };
        url: string;
        tools: Record<string, unknown>[];
        clashes: { name: string; kept: string; hidden: string }[];
      };
      return print(data, () => {
        console.log(`${data.gateway.name}: ${data.url}`);
        table(data.tools, ["name", "server", "tool", "mode"]);
        for (const c of data.clashes) console.log(`clash: ${c.name} of ${c.hidden} is hidden (${c.kept} keeps it)`);
      });
    }
    case "catalog list": {
      const data = (await call("GET", "/catalog")) as { items: Record<string, unknown>[] };
      return print(data, () => table(data.items, ["slug", "name", "kind", "command", "url"]));
    }
    case "catalog add": {
      const env = [
        ...(opts.env ?? []).map((name) => ({ name, secret: false, required: false, prompt: true })),
        ...(opts["secret-env"] ?? []).map((name) => ({ name, secret: true, required: true, prompt: true })),
      ];
      const body = opts["remote-url"]
        ? { kind: "remote", name: need(opts.name, "--name"), url: opts["remote-url"] }
        : {
            kind: "local",
            name: need(opts.name, "--name"),
            ...(opts.command ? { command: opts.command } : {}),
            ...(opts.image ? { image: opts.image } : {}),
            args: opts.arg ?? [],
            transport: opts.transport ?? "stdio",
            ...(opts["http-path"] ? { httpPath: opts["http-path"] } : {}),
            env,
          };
      const data = (await call("POST", "/catalog", body)) as { item: Record<string, unknown> };
      return print(data, () => console.log(`Added ${data.item.name} (${data.item.slug}).`));
    }
    case "catalog import": {
      const file = need(arg1, "<server.json>");
      let doc: unknown;
      try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch (err) {
        throw new CliError(`could not read ${file} as JSON: ${(err as Error).message}`);
      }
      const data = (await call("POST", "/catalog/import", doc)) as { item: Record<string, unknown> };
      return print(data, () => console.log(`Added ${data.item.name} (${data.item.slug}).`));
    }
    case "catalog export": {
      const server = need(arg1, "<server>");
      console.log(JSON.stringify(await call("GET", `/catalog/${encodeURIComponent(server)}/server.json`), null, 2));
      return;
    }
    case "install": {
      const server = need(verb, "<server>");
      const values: Record<string, string> = {};
      for (const pair of opts.set ?? []) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new CliError(`--set takes NAME=VALUE, got "${pair}"`);
        values[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const data = (await call("POST", `/catalog/${encodeURIComponent(server)}/credentials`, {
        scope: opts.team ? "team" : "personal",
        ...(opts.team ? { teamId: await teamId(opts.team) } : {}),
        env: values,
      })) as { credential: { id: string; replaced: boolean } };
      return print(data, () =>
        console.log(
          `${data.credential.replaced ? "Updated" : "Installed"} ${server}; credential ${data.credential.id}. See: npm run cli -- instances list`,
        ),
      );
    }
    case "instances list": {
      const data = (await call("GET", "/instances")) as { instances: Record<string, unknown>[] };
      return print(data, () =>
        table(data.instances, ["id", "server_slug", "name", "status", "restart_count", "status_reason"]),
      );
    }
    case "instances logs": {
      const tail = opts.tail ? `?tail=${encodeURIComponent(opts.tail)}` : "";
      const data = (await call("GET", `/instances/${encodeURIComponent(need(arg1, "<id>"))}/logs${tail}`)) as {
        lines: string[];
      };
      return print(data, () => console.log(data.lines.join("\n")));
    }
    case "instances restart":
    case "instances stop":
    case "instances start": {
      const data = (await call("POST", `/instances/${encodeURIComponent(need(arg1, "<id>"))}/${verb}`)) as {
        instance: Record<string, unknown>;
      };
      return print(data, () => console.log(`${data.instance.name}: ${data.instance.status}`));
    }
    default:
      throw new CliError(`Unknown command "${positionals.join(" ")}". See: npm run cli -- help`);
  }
}

main().catch(exitWithError);
