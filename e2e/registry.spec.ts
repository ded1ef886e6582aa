import { expect, test } from "@playwright/test";
import { ADMIN, signIn, snap } from "./support";

// The registry a newcomer finds, and how an admin adds to it: by hand, or from a server.json.
test("a new registry has example servers; an admin adds one in the UI, with errors beside their fields", async ({
  page,
}, testInfo) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Registry" }).click();
  for (const name of ["Everything (MCP reference)", "Memory", "Filesystem", "Fetch", "Linear"])
    await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await snap(page, testInfo, "30-registry-seeded");

  await page.getByRole("link", { name: "Add server" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Clock");
  await page.getByLabel("Command", { exact: true }).fill("npx");
  await page.getByLabel("Arguments (one per line)").fill("-y\nclock-mcp");
  await page.getByLabel("Environment variables").fill("TZ =UTC # Time zone\nCLOCK_TOKEN secrett");
  await page.getByRole("button", { name: "Add server" }).click();
  await expect(
    page.getByText("Line 2: use NAME [secret] [required] [hidden] [=default] [# description]."),
  ).toBeVisible();
  await page.getByLabel("Environment variables").fill("TZ =UTC # Time zone\nCLOCK_TOKEN secret required");
  await page.getByRole("button", { name: "Add server" }).click();
  await expect(page).toHaveURL(/\/registry\/clock$/);
  await expect(page.getByRole("heading", { name: "Clock" })).toBeVisible();

  // A remote OAuth server asks for the client settings only when OAuth is chosen.
  await page.goto("/registry/new");
  await page.getByLabel("Kind").selectOption("remote");
  await expect(page.getByLabel("OAuth client id")).toHaveCount(0);
  await page.getByLabel("Authentication").selectOption("oauth");
  await expect(page.getByLabel("OAuth client id")).toBeVisible();
  await snap(page, testInfo, "31-add-remote-server");
});

test("server.json imports into the registry and exports back out", async ({ baseURL }) => {
  const base = baseURL ?? "";
  const login = await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password, name: "registry e2e" }),
  });
  const { token } = (await login.json()) as { token: string };
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const doc = {
    $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
    name: "io.github.example/weather",
    title: "Weather",
    description: "Forecasts",
    version: "0.5.0",
    packages: [
      {
        registryType: "pypi",
        identifier: "weather-mcp",
        version: "0.5.0",
        transport: { type: "stdio" },
        environmentVariables: [{ name: "WEATHER_API_KEY", isRequired: true, isSecret: true }],
      },
    ],
  };
  const imported = await fetch(`${base}/api/v1/catalog/import`, { method: "POST", headers, body: JSON.stringify(doc) });
  expect(imported.status).toBe(201);
  expect(((await imported.json()) as { item: { slug: string; command: string } }).item).toMatchObject({
    slug: "weather",
    command: "uvx",
  });
  const exported = (await (await fetch(`${base}/api/v1/catalog/weather/server.json`, { headers })).json()) as {
    title: string;
    packages: unknown[];
  };
  expect(exported.title).toBe("Weather");
  expect(exported.packages[0]).toMatchObject({
    registryType: "pypi",
    identifier: "weather-mcp",
    version: "0.5.0",
    environmentVariables: [{ name: "WEATHER_API_KEY", isRequired: true, isSecret: true }],
  });
  // Something it cannot run is refused with the reason, and nothing is added.
  const refused = await fetch(`${base}/api/v1/catalog/import`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: "x/nuget", packages: [{ registryType: "nuget", identifier: "A" }] }),
  });
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("npm, PyPI or OCI");
});
