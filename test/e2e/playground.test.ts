/**
 * The playground in a real browser: Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run) driven
 * by playwright-core against the local server as `npm start` runs it. It uploads a document, asks a
 * question and sees a source, drops an image to caption, generates an image and sees it appear, uses
 * every other panel, and saves a screenshot of each panel under SCREENSHOT_DIR; then it opens /docs and
 * sees every route of the API rendered.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalServer, PROJECT_ROOT, startLocalServer } from '../../scripts/local-server';
import { DOCUMENTED_ROUTES } from '../../shared/http/openapi-document';
import { gradient } from '../helpers/images';

/** Where the screenshots of the panels are written, one PNG per panel. */
const SCREENSHOT_DIR = path.join(PROJECT_ROOT, '.tmp', 'playground-screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCUMENT_TEXT = 'The keeper lit the great lamp every evening before the sun went down.';

let server: LocalServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`,
    );
  await rm(SCREENSHOT_DIR, { recursive: true, force: true });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  [server, browser] = await Promise.all([
    startLocalServer({
      // Nothing listens there: the researcher fails fast, as it does offline.
      env: { WIKIPEDIA_API_URL: `http://127.0.0.1:${await freePort()}/w/api.php` },
      timeoutMs: 240_000,
    }),
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/`);
}, 250_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens a panel, submits its form, waits until it has answered, and saves its screenshot. */
async function run(panel: string, prepare?: (root: ReturnType<Page['locator']>) => Promise<void>) {
  await page.click(`#tabs button[data-panel="${panel}"]`);
  const root = page.locator(`.panel[data-panel="${panel}"]`);
  await expect(root.isVisible()).resolves.toBe(true);
  await prepare?.(root);
  await root.locator('button[type="submit"]').click();
  // Browser-side code as strings: this project's types have no DOM.
  await page.waitForFunction(
    `['done', 'failed'].includes(document.querySelector('.panel[data-panel="${panel}"]')?.dataset.state ?? '')`,
    undefined,
    { timeout: 60_000 },
  );
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${panel}.png`), fullPage: true });
  return root;
}

describe('the playground', () => {
  it('is served at / with no file from elsewhere', async () => {
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) outside.push(request.url());
    });
    await page.reload();
    await expect(page.locator('#tabs button').count()).resolves.toBe(10);
    expect(outside).toEqual([]);
  });

  it('uploads a document and lists it', async () => {
    const root = await run('documents', async (panel) => {
      await panel.locator('input[name="file"]').setInputFiles({
        name: 'keeper.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(DOCUMENT_TEXT),
      });
    });
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
    await expect(root.locator('[data-out="documents"] tbody').innerText()).resolves.toContain('keeper.txt');
    await expect(root.locator('.curl').innerText()).resolves.toContain('/documents');
  });

  it('asks a question and sees its source', async () => {
    const root = await run('rag', async (panel) => {
      await panel.locator('textarea[name="question"]').fill(DOCUMENT_TEXT);
    });
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
    await expect(root.locator('.source').first().innerText()).resolves.toContain('keeper.txt');
    await expect(root.locator('.raw').innerText()).resolves.toMatch(/^HTTP 200/);
  });

  it('generates an image, showing the progress, and sees it appear', async () => {
    const root = await run('image', async (panel) => {
      await panel.locator('input[name="steps"]').fill('4');
      await panel.locator('select[name="size"]').selectOption('64');
    });
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
    const image = root.locator('[data-out="images"] img');
    await image.waitFor();
    await page.waitForFunction(
      `(() => { const img = document.querySelector('[data-out="images"] img'); return Boolean(img?.complete && img.naturalWidth === 64); })()`,
    );
    await expect(root.locator('[data-out="progress"]').getAttribute('value')).resolves.toBe('1');
    await expect(root.locator('.curl').innerText()).resolves.toMatch(/generate-image[\s\S]*\/jobs\//);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'image.png'), fullPage: true });
  });

  it('captions an image dropped on the panel', async () => {
    const png = (await gradient('png', 64, 48)).toString('base64');
    const root = await run('caption', async (panel) => {
      const transfer = await page.evaluateHandle(
        `(() => { const data = new DataTransfer(); data.items.add(new File([Uint8Array.from(atob('${png}'), (c) => c.charCodeAt(0))], 'gradient.png', { type: 'image/png' })); return data; })()`,
      );
      await panel.locator('.drop').dispatchEvent('drop', { dataTransfer: transfer });
    });
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
    await expect(root.locator('[data-out="caption"]').innerText()).resolves.not.toBe('');
    await expect(root.locator('.curl').innerText()).resolves.toContain('-F');
  });

  it('answers a question about an uploaded image', async () => {
    const root = await run('vqa', async (panel) => {
      await panel.locator('input[name="image"]').setInputFiles({
        name: 'gradient.png',
        mimeType: 'image/png',
        buffer: await gradient('png', 64, 48),
      });
    });
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
  });

  it('streams generated text token by token', async () => {
    const root = await run('generate');
    await expect(root.getAttribute('data-state')).resolves.toBe('done');
    await expect(root.locator('.raw').innerText()).resolves.toContain('event: done');
  });

  it('summarizes, classifies, chats with its routing reasons, and shows the researcher', async () => {
    for (const panel of ['summarize', 'sentiment']) {
      const root = await run(panel);
      await expect(root.getAttribute('data-state')).resolves.toBe('done');
    }
    const chat = await run('chat');
    await expect(chat.getAttribute('data-state')).resolves.toBe('done');
    await expect(chat.locator('[data-out="route"]').innerText()).resolves.toMatch(/^Routed to \w+/);
    // Wikipedia cannot be reached here: the panel shows the error as the API answers it.
    const researcher = await run('researcher');
    await expect(researcher.locator('.raw').innerText()).resolves.toMatch(/^HTTP 50\d/);
  });

  it('has written a screenshot of every panel', async () => {
    const panels = await page
      .locator('#tabs button')
      .evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-panel')));
    for (const panel of panels)
      expect(existsSync(path.join(SCREENSHOT_DIR, `${panel}.png`)), String(panel)).toBe(true);
  });
});

describe('the API reference page', () => {
  it('renders every route of the API from /openapi.json', async () => {
    const docs = await browser.newPage();
    await docs.goto(`${server.url}/docs`);
    await docs.waitForFunction(
      `document.querySelectorAll('.opblock').length >= ${DOCUMENTED_ROUTES.length}`,
      undefined,
      {
        timeout: 60_000,
      },
    );
    const rendered = await docs
      .locator('.opblock-summary-path')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('data-path') ?? p.textContent));
    const expected = DOCUMENTED_ROUTES.map((route) => route.split(' ')[1]);
    expect(new Set(rendered)).toEqual(new Set(expected));
    await docs.screenshot({ path: path.join(SCREENSHOT_DIR, 'api-docs.png') });
    await docs.close();
  });
});
