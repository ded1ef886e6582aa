// Runs the test API server as its own process, for tests that start several app processes:
//   node --import tsx test/kube-api/main.ts <dir>   -> writes <dir>/kubeconfig.yaml, prints "ready <url>"
import { startTestApiServer } from "./server";

const server = await startTestApiServer();
const file = server.writeKubeconfig(process.argv[2] ?? ".");
console.log(`ready ${server.url} ${file}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
