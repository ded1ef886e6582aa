import { INSTANCE_DIR_VAR } from "./instance-dir";

/**
 * Variables a catalog entry may not name: the runtime sets them itself (`PATH`, `HOME`,
 * `MCP_INSTANCE_DIR`), or they make a loader, an interpreter, a shell or a package manager run
 * code or fetch it from elsewhere before the server's own code runs. The value of a catalog
 * variable may come from any person who installs the server, so `NODE_OPTIONS=--require …`
 * or `LD_PRELOAD=…` would be code execution chosen by them (or by a server.json someone imported).
 */
const EXACT = new Set(
  [
    "PATH",
    "HOME",
    INSTANCE_DIR_VAR,
    // Shells
    "BASH_ENV",
    "ENV",
    "SHELL",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "CDPATH",
    // Node.js
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_REPL_EXTERNAL_MODULE",
    // Perl, Ruby, Java, .NET
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "PERL5DB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "DOTNET_STARTUP_HOOKS",
    "CORECLR_PROFILER_PATH",
    // glibc
    "GCONV_PATH",
    "GLIBC_TUNABLES",
    "HOSTALIASES",
    "LOCPATH",
    "MALLOC_TRACE",
    "RESOLV_HOST_CONF",
  ].map((n) => n.toUpperCase()),
);

/** Whole families: the dynamic loaders, Python's interpreter settings, npm's and uv's configuration, git's hooks. */
const PREFIXES = ["LD_", "DYLD_", "PYTHON", "NPM_CONFIG_", "UV_", "PIP_", "GIT_", "BASH_FUNC_"];

/** Python variables that only change output buffering or encoding. */
const HARMLESS = new Set(["PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE", "PYTHONUTF8"]);

/** Pure: whether a variable name is reserved (compared without regard to case). */
export function isReservedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  if (HARMLESS.has(upper)) return false;
  return EXACT.has(upper) || PREFIXES.some((p) => upper.startsWith(p));
}

export const RESERVED_ENV_MESSAGE =
  "this name is reserved: the runtime sets it, or it changes how programs are loaded (PATH, HOME, LD_*, NODE_OPTIONS, PYTHONPATH, npm_config_* and the like). Give the variable the name the server itself reads.";

/** Pure: `env` without reserved names, and which names were dropped. */
export function withoutReservedEnv(env: Record<string, string>): { env: Record<string, string>; dropped: string[] } {
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (isReservedEnvName(name)) dropped.push(name);
    else kept[name] = value;
  }
  return { env: kept, dropped };
}
