/**
 * Module hooks of the warm node:test worker (registered by `node-test-worker.mjs`, after the project's own
 * loaders such as tsx). Every module of the project (outside node_modules) resolves to a URL that carries
 * the current generation, so each candidate's run imports the project afresh: the patched module and all
 * that import it, while the framework and dependencies stay loaded.
 */
let generation = 0;
let rootUrl = '';

export async function initialize(data) {
  rootUrl = data.rootUrl;
  data.port.on('message', (message) => {
    generation = message.generation;
    data.port.postMessage({ generation });
  });
  data.port.unref();
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (generation > 0 && typeof result.url === 'string' && result.url.startsWith(rootUrl) && !result.url.includes('/node_modules/')) {
    const url = new URL(result.url);
    url.searchParams.set('revise-gen', String(generation));
    return { ...result, url: url.href };
  }
  return result;
}
