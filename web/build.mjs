// Builds the page medchat serve shows at / into src/medchat/server/web/ (committed, so the Python package never
// needs Node): `cd web && npm ci && npm run build`. The banner names the sha256 of web/src, which a test checks
// against the sources, so an edit without a rebuild fails CI.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { build } from "esbuild";

const OUT = "../src/medchat/server/web";
const digest = createHash("sha256");
for (const name of readdirSync("src").sort()) {
  digest.update(name);
  digest.update(readFileSync(`src/${name}`));
}
const banner = `/* medchat web app, built from web/src (sha256 ${digest.digest("hex")}): cd web && npm ci && npm run build */`;
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: ["src/main.js"], bundle: true, minify: true, format: "esm", target: "es2020",
  outfile: `${OUT}/app.js`, banner: { js: banner }, legalComments: "eof",
});
await build({ entryPoints: ["src/style.css"], bundle: true, minify: true, outfile: `${OUT}/app.css`, banner: { css: banner } });
copyFileSync("src/index.html", `${OUT}/index.html`);
