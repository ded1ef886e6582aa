import { setLogLevel } from "@/lib/log";

// Tests assert on behaviour, not log lines; keep the output readable.
setLogLevel(process.env.ARCHESTRA_LOG_LEVEL ?? "warn");
