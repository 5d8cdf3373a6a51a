// Vite builds the admin app into dist/, which the gateway serves: dist/index.html at "/" and dist/assets/* at
// "/assets/". Everything is bundled; the page loads nothing from another host.
import { defineConfig } from "vite";

declare const process: { env: Record<string, string | undefined> }; // Node's, without @types/node

// `npm run dev` proxies the API to a running gateway (`make demo`), WebSocket included.
const gateway = process.env.BOKBRO_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    proxy: {
      "/graphql": { target: gateway, ws: true, changeOrigin: true },
      "/sandbox": { target: gateway, changeOrigin: true },
    },
  },
});
