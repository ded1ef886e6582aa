export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { ConfigError } = await import("./lib/env");
  const { KeyringError } = await import("./lib/crypto");
  try {
    const { startServer } = await import("./lib/startup");
    await startServer();
  } catch (err) {
    // A configuration a person must fix: say what is wrong and stop, rather than serve errors.
    if (err instanceof ConfigError || err instanceof KeyringError) {
      console.error(`\n${err.message}\n\nSee the Configuration section of README.md.\n`);
      process.exit(1);
    }
    throw err;
  }
}
