/**
 * The least a Node.js gateway can do: a reverse proxy that passes every request to one upstream
 * over keep-alive connections and pipes the answer back, reading nothing. The gateway benchmark
 * puts it in front of the same upstream as the gateway, so the latency it adds is the floor that
 * the extra process hop and the two HTTP exchanges set on this machine before any gateway work.
 *
 *   node bench/bare-proxy.mjs <port> <upstream origin>
 */
import http from "node:http";

const [port, origin] = process.argv.slice(2);
const upstream = new URL(origin);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

http
  .createServer((req, res) => {
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  })
  .listen(Number(port), "127.0.0.1");
