/**
 * The collector's web view: traces with filters and a waterfall per trace, the service map, the
 * violations and the instances. One self-contained page (no build step, nothing fetched but the
 * collector's own JSON API) that polls the API to stay live; every value from the network goes
 * into the page as text (textContent, setAttribute), never as markup.
 */
import { COMPONENT_NAMES } from '@otel-skywalking/core';
import { CLIENT_CORE } from './client-core';
import { CLIENT_MAP } from './client-map';
import { CLIENT_PANELS } from './client-panels';
import { CLIENT_TRACES } from './client-traces';
import { STYLE } from './style';

const START = String.raw`
window.addEventListener('hashchange', () => refresh(true));
refresh(true);
setInterval(() => { if (!document.hidden && loading === 0) refresh(false); }, POLL_MS);
`;

/** The page, with the component names the OAP shows. */
export function webPage(): string {
  // JSON is valid JavaScript; '<' is escaped so that no name can end the script element.
  const components = JSON.stringify(COMPONENT_NAMES).replace(/</g, '\\u003c');
  const script = `const COMPONENTS = ${components};\n${CLIENT_CORE}${CLIENT_TRACES}${CLIENT_MAP}${CLIENT_PANELS}${START}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>otel-skywalking collector</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header><span class="title">otel-skywalking collector: what the OAP would see</span>
<nav><a href="#/traces" data-view="traces">Traces</a><a href="#/map" data-view="map">Service map</a><a href="#/violations" data-view="violations">Violations <span id="violation-count" class="count" hidden></span></a><a href="#/instances" data-view="instances">Instances</a></nav>
<span id="status" class="status">connecting…</span></header><main id="main">loading…</main>
<script>${script}</script></body></html>`;
}
