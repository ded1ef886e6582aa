import { describe, expect, it } from "vitest";
import { type CatalogItemInput, catalogItemSchema } from "./schemas";
import { SEED_ENTRIES } from "./seed-catalog";
import { fromServerJson, toServerJson } from "./server-json";

const asItem = (input: CatalogItemInput) => {
  const data = catalogItemSchema.parse(input);
  return data.kind === "local"
    ? {
        kind: "local" as const,
        slug: data.slug ?? "",
        name: data.name,
        description: data.description,
        command: data.command ?? null,
        args: data.args,
        image: data.image ?? null,
        transport: data.transport,
        http_port: null,
        http_path: null,
        env_schema: data.env,
        url: null,
        auth_kind: null,
        auth_config: {},
      }
    : {
        kind: "remote" as const,
        slug: data.slug ?? "",
        name: data.name,
        description: data.description,
        command: null,
        args: [],
        image: null,
        transport: null,
        http_port: null,
        http_path: null,
        env_schema: [],
        url: data.url,
        auth_kind: data.authKind,
        // As insertCatalogItem stores it.
        auth_config: {
          ...(data.headerName ? { headerName: data.headerName } : {}),
          ...(data.oauthClientId ? { clientId: data.oauthClientId } : {}),
          ...(data.scopes ? { scopes: data.scopes } : {}),
        },
      };
};

/** Exported, renamed (so it does not collide with itself) and imported again. */
const roundTrip = (item: ReturnType<typeof asItem>) =>
  fromServerJson({ ...toServerJson(item, "com.example"), name: "com.example/copy", title: "Copy" });

describe("server.json", () => {
  it("imports an npm package with variables and arguments, and exports it back", () => {
    const doc = {
      name: "io.github.modelcontextprotocol/filesystem",
      title: "Filesystem",
      description: "Files",
      version: "1.0.2",
      packages: [
        {
          registryType: "npm",
          identifier: "@modelcontextprotocol/server-filesystem",
          version: "1.0.2",
          transport: { type: "stdio" },
          packageArguments: [{ type: "positional", value: "/data" }],
          environmentVariables: [
            { name: "API_KEY", description: "Key", isRequired: true, isSecret: true },
            { name: "LOG_LEVEL", default: "info" },
          ],
        },
      ],
    };
    const imported = fromServerJson(doc);
    expect(imported).toMatchObject({
      kind: "local",
      name: "Filesystem",
      slug: "filesystem",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem@1.0.2", "/data"],
      env: [
        { name: "API_KEY", secret: true, required: true, description: "Key", prompt: true },
        { name: "LOG_LEVEL", secret: false, required: false, default: "info", prompt: true },
      ],
    });
    const exported = toServerJson(asItem(imported), "com.example") as { packages: Record<string, unknown>[] };
    expect(exported.packages[0]).toMatchObject({
      registryType: "npm",
      identifier: "@modelcontextprotocol/server-filesystem",
      version: "1.0.2",
      packageArguments: [{ type: "positional", value: "/data" }],
    });
    // The round trip gives the same entry.
    expect(fromServerJson(exported)).toMatchObject({
      command: "npx",
      args: imported.kind === "local" ? imported.args : [],
    });
  });

  it("reads the older snake_case names, PyPI with uvx and OCI images", () => {
    expect(
      fromServerJson({
        name: "io.github.example/weather",
        packages: [
          {
            registry_type: "pypi",
            identifier: "weather-mcp",
            version: "0.5.0",
            environment_variables: [{ name: "WEATHER_API_KEY", is_required: true, is_secret: true }],
          },
        ],
      }),
    ).toMatchObject({ command: "uvx", args: ["weather-mcp@0.5.0"], env: [{ name: "WEATHER_API_KEY", secret: true }] });
    expect(
      fromServerJson({
        name: "x/db",
        packages: [{ registryType: "oci", identifier: "example/db-mcp", version: "3.1" }],
      }),
    ).toMatchObject({ kind: "local", image: "example/db-mcp:3.1" });
  });

  it("imports a streamable HTTP remote, with its secret header as the credential", () => {
    expect(
      fromServerJson({
        name: "com.example/analytics",
        remotes: [
          { type: "sse", url: "https://a.example.com/sse" },
          {
            type: "streamable-http",
            url: "https://a.example.com/mcp",
            headers: [{ name: "X-API-Key", isRequired: true, isSecret: true }],
          },
        ],
      }),
    ).toEqual({
      kind: "remote",
      name: "com.example/analytics",
      slug: "analytics",
      description: "",
      url: "https://a.example.com/mcp",
      authKind: "header",
      headerName: "X-API-Key",
    });
  });

  it("keeps a remote server's sign-in through export and import: OAuth, its client id and scopes, a header", () => {
    const linear = SEED_ENTRIES.find((e) => e.slug === "linear");
    expect(roundTrip(asItem(linear as CatalogItemInput))).toEqual({
      kind: "remote",
      name: "Copy",
      slug: "copy",
      description: linear?.description,
      url: "https://mcp.linear.app/mcp",
      authKind: "oauth",
    });

    const configured = asItem({
      kind: "remote",
      name: "Acme",
      url: "https://mcp.acme.example/mcp",
      authKind: "oauth",
      oauthClientId: "acme-client",
      oauthClientSecret: "never-exported",
      scopes: ["read", "write"],
    });
    // What the app registered for itself at an authorization server is not the entry's to give away.
    const registered = {
      ...configured,
      auth_config: {
        ...configured.auth_config,
        registrations: [{ issuer: "https://as.example", clientId: "dyn-1", clientSecret: "dyn-s" }],
      },
    };
    const exported = JSON.stringify(toServerJson(registered, "com.example"));
    expect(exported).not.toMatch(/never-exported|dyn-1|dyn-s|registrations/);
    expect(roundTrip(registered)).toMatchObject({
      authKind: "oauth",
      oauthClientId: "acme-client",
      scopes: ["read", "write"],
    });
    expect(roundTrip(configured)).not.toHaveProperty("oauthClientSecret");

    const header = asItem({
      kind: "remote",
      name: "Keyed",
      url: "https://k.example/mcp",
      authKind: "header",
      headerName: "X-Api-Key",
    });
    expect(roundTrip(header)).toMatchObject({ authKind: "header", headerName: "X-Api-Key" });
    const open = asItem({ kind: "remote", name: "Open", url: "https://o.example/mcp" });
    expect(roundTrip(open)).toMatchObject({ authKind: "none" });
    expect(toServerJson(open, "com.example")).not.toHaveProperty("_meta");
  });

  it("refuses a package whose variables would steer the loader, naming the variable", () => {
    const doc = (name: string) => ({
      name: "io.github.evil/helper",
      packages: [
        {
          registryType: "npm",
          identifier: "evil-helper",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "API_KEY", isSecret: true }, { name }],
        },
      ],
    });
    for (const name of ["NODE_OPTIONS", "LD_PRELOAD", "PYTHONPATH", "npm_config_registry"]) {
      expect(() => fromServerJson(doc(name))).toThrow(`server.json sets the variable ${name}: this name is reserved`);
    }
    expect(fromServerJson(doc("HELPER_MODE"))).toMatchObject({
      kind: "local",
      env: [{ name: "API_KEY" }, { name: "HELPER_MODE" }],
    });
  });

  it("refuses what it cannot run, with a reason", () => {
    expect(() => fromServerJson({})).toThrow(/needs a name|expected string/);
    expect(() => fromServerJson({ name: "x/y", packages: [{ registryType: "nuget", identifier: "A" }] })).toThrow(
      /npm, PyPI or OCI/,
    );
    expect(() => fromServerJson({ name: "x/y", remotes: [{ type: "sse", url: "https://e.com/sse" }] })).toThrow(
      /streamable HTTP remote/,
    );
  });
});
