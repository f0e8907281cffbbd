// The playground: one panel per capability, each calling the API with fetch and showing the equivalent
// curl command and the raw response. Plain JavaScript with no dependencies, so the folder deploys as static
// files; the API is this page's origin unless `?api=URL` or the field at the top says otherwise.

const $ = (root, selector) => root.querySelector(selector);
const params = new URLSearchParams(location.search);
const apiInput = document.getElementById('api-base');
apiInput.value = params.get('api') ?? '';
const apiBase = () => (apiInput.value.trim() || location.origin).replace(/\/+$/, '');

for (const link of ['docs-link', 'spec-link']) {
  const a = document.getElementById(link);
  const path = a.getAttribute('href');
  const update = () => {
    a.href = `${apiBase()}/${path}`;
  };
  apiInput.addEventListener('input', update);
  update();
}

const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The curl command equivalent to a call. */
function curlOf(method, path, { json, form, stream } = {}) {
  const parts = [`curl -s${stream ? 'N' : ''}`];
  if (method !== 'GET') parts.push(`-X ${method}`);
  parts.push(shellQuote(`${apiBase()}${path}`));
  if (json !== undefined)
    parts.push("-H 'content-type: application/json'", `-d ${shellQuote(JSON.stringify(json))}`);
  for (const [name, value] of form ?? []) {
    parts.push(`-F ${shellQuote(value instanceof File ? `${name}=@${value.name}` : `${name}=${value}`)}`);
  }
  return parts.join(' \\\n  ');
}

/** The exchange area (curl and raw response) of a panel. */
function exchangeOf(panel) {
  let exchange = $(panel, '.exchange');
  if (!exchange) {
    exchange = document.getElementById('exchange').content.firstElementChild.cloneNode(true);
    panel.append(exchange);
  }
  return { curl: $(exchange, '.curl'), raw: $(exchange, '.raw') };
}

/** Calls the API, showing the curl command and the raw response in the panel; answers the parsed JSON. */
async function call(panel, method, path, { json, form } = {}) {
  const { curl, raw } = exchangeOf(panel);
  curl.textContent = curlOf(method, path, { json, form });
  raw.textContent = '…';
  raw.classList.remove('error');
  let body;
  if (json !== undefined) body = JSON.stringify(json);
  if (form) {
    body = new FormData();
    for (const [name, value] of form) body.append(name, value);
  }
  const response = await fetch(`${apiBase()}${path}`, {
    method,
    ...(json !== undefined ? { headers: { 'content-type': 'application/json' } } : {}),
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
    raw.textContent = `HTTP ${response.status}\n${JSON.stringify(parsed, null, 2)}`;
  } catch {
    raw.textContent = `HTTP ${response.status}\n${text}`;
  }
  if (!response.ok) {
    raw.classList.add('error');
    throw new Error(parsed?.error?.message ?? `HTTP ${response.status}`);
  }
  return parsed;
}

/** Reads a server-sent event stream, handing each event's name and data on as it arrives. */
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const event of events) {
      const name = /^event: (.*)$/m.exec(event)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(event)?.[1] ?? '';
      onEvent(name, data, event);
    }
  }
}

const formValues = (form) => Object.fromEntries(new FormData(form).entries());
const numberOr = (value, fallback) => (value === '' || value === undefined ? fallback : Number(value));

function showError(panel, error) {
  const out = $(panel, '.result .text') ?? $(panel, '.result .status');
  if (out) {
    out.textContent = error.message;
    out.classList.add('error');
  }
}

/** A drop zone and file input pair: the dropped or chosen file, shown in the preview when it is an image. */
function fileInput(panel, name) {
  const input = $(panel, `input[name="${name}"]`);
  const zone = $(panel, '.drop');
  const preview = $(panel, '.preview');
  let file;
  const take = (chosen) => {
    file = chosen;
    zone.firstChild.textContent = `${chosen.name} (${chosen.size} bytes) — drop another to replace it, or `;
    if (preview && chosen.type.startsWith('image/')) {
      preview.src = URL.createObjectURL(chosen);
      preview.hidden = false;
    }
  };
  input.addEventListener('change', () => input.files[0] && take(input.files[0]));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer.files[0]) take(event.dataTransfer.files[0]);
  });
  return () => file;
}

const handlers = {
  async generate(panel, form) {
    const v = formValues(form);
    const json = {
      prompt: v.prompt,
      max_new_tokens: numberOr(v.max_new_tokens, 40),
      ...(v.do_sample ? { do_sample: true } : {}),
      ...(v.seed ? { seed: Number(v.seed) } : {}),
    };
    const out = $(panel, '[data-out="text"]');
    if (!v.stream) {
      const result = await call(panel, 'POST', '/hello-llm', { json });
      out.textContent = result.generated_text;
      return;
    }
    const streamed = { ...json, stream: true };
    const { curl, raw } = exchangeOf(panel);
    curl.textContent = curlOf('POST', '/hello-llm', { json: streamed, stream: true });
    raw.textContent = '';
    out.textContent = v.prompt;
    const response = await fetch(`${apiBase()}/hello-llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(streamed),
    });
    if (!response.ok) {
      raw.textContent = `HTTP ${response.status}\n${await response.text()}`;
      throw new Error(`HTTP ${response.status}`);
    }
    await readEvents(response, (name, data, event) => {
      raw.textContent += `${event}\n\n`;
      if (name === 'token') out.textContent += JSON.parse(data).text;
      if (name === 'error') throw new Error(JSON.parse(data).error?.message ?? 'the stream failed');
    });
  },

  async summarize(panel, form) {
    const v = formValues(form);
    const result = await call(panel, 'POST', '/summarize', {
      json: { text: v.text, max_length: numberOr(v.max_length, 60), min_length: 5 },
    });
    $(panel, '[data-out="summary"]').textContent = result.summary;
  },

  async sentiment(panel, form) {
    const texts = formValues(form)
      .texts.split('\n')
      .map((t) => t.trim())
      .filter(Boolean);
    const result = await call(panel, 'POST', '/sentiment', { json: { texts } });
    const list = $(panel, '[data-out="labels"]');
    list.replaceChildren(
      ...result.results.map((r, i) => {
        const li = document.createElement('li');
        li.textContent = `${r.label} (${r.score.toFixed(3)}): ${texts[i]}`;
        return li;
      }),
    );
  },

  async caption(panel) {
    const file = panel.imageFile();
    if (!file) throw new Error('drop or choose an image first');
    const result = await call(panel, 'POST', '/caption-image', { form: [['image', file]] });
    $(panel, '[data-out="caption"]').textContent = result.caption;
  },

  async vqa(panel, form) {
    const file = panel.imageFile();
    if (!file) throw new Error('drop or choose an image first');
    const { question } = formValues(form);
    const result = await call(panel, 'POST', '/qa-image-text', {
      form: [
        ['image', file],
        ['question', question],
      ],
    });
    $(panel, '[data-out="answer"]').textContent = `${result.answer} (${result.provider}, ${result.model})`;
  },

  async image(panel, form) {
    const v = formValues(form);
    const size = Number(v.size);
    const json = {
      prompt: v.prompt,
      steps: numberOr(v.steps, 8),
      width: size,
      height: size,
      seed: numberOr(v.seed, 42),
    };
    const job = await call(panel, 'POST', '/generate-image', { json });
    const bar = $(panel, '[data-out="progress"]');
    const status = $(panel, '[data-out="status"]');
    const images = $(panel, '[data-out="images"]');
    images.replaceChildren();
    bar.hidden = false;
    bar.value = 0;
    let view = job;
    while (view.status === 'queued' || view.status === 'running') {
      status.textContent = `${view.status}${view.progress ? `: step ${view.progress.step} of ${view.progress.steps}` : ''}`;
      if (view.progress) bar.value = view.progress.step / view.progress.steps;
      await new Promise((resolve) => setTimeout(resolve, 250));
      view = await call(panel, 'GET', `/jobs/${view.job_id}`);
    }
    exchangeOf(panel).curl.textContent =
      `${curlOf('POST', '/generate-image', { json })}\n\n# then, until its status is "succeeded" or "failed":\n` +
      curlOf('GET', `/jobs/${view.job_id}`);
    bar.value = view.status === 'succeeded' ? 1 : bar.value;
    status.textContent =
      view.status === 'succeeded'
        ? `done, seed ${view.seed}`
        : `${view.status}: ${view.error?.message ?? ''}`;
    for (const image of view.images ?? []) {
      const img = document.createElement('img');
      img.src = image.url;
      img.alt = v.prompt;
      img.width = image.width;
      img.height = image.height;
      images.append(img);
    }
  },

  async documents(panel, form) {
    const v = formValues(form);
    const file = panel.documentFile();
    const text = file ? await file.text() : v.text;
    if (!text) throw new Error('drop or choose a file, or paste text');
    const name = file?.name ?? 'pasted';
    const type = /\.html?$/i.test(name)
      ? 'text/html'
      : /\.(md|markdown)$/i.test(name)
        ? 'text/markdown'
        : 'text/plain';
    const id = v.id || name.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'document';
    await call(panel, 'POST', '/documents', { json: { id, text, content_type: type, source: name } });
    await listDocuments(panel, false);
  },

  async rag(panel, form) {
    const v = formValues(form);
    const topK = numberOr(v.top_k, 4);
    const result =
      v.store === 'faiss'
        ? await call(panel, 'POST', '/rag-faiss-query', { json: { question: v.question, top_k: topK } })
        : await call(panel, 'POST', '/rag-query', {
            json: { question: v.question, top_k: topK, store: v.store },
          });
    $(panel, '[data-out="answer"]').textContent = result.answer;
    $(panel, '[data-out="sources"]').replaceChildren(
      ...result.sources.map((s) => {
        const li = document.createElement('li');
        li.className = 'source';
        li.innerHTML = '<strong></strong> <span class="score"></span><br><span class="passage"></span>';
        $(li, 'strong').textContent = `${s.document_id} #${s.chunk_index}`;
        $(li, '.score').textContent = `score ${s.score.toFixed(3)}, ${s.source}`;
        $(li, '.passage').textContent = s.text;
        return li;
      }),
    );
  },

  async researcher(panel, form) {
    const result = await call(panel, 'POST', '/researcher', { json: { topic: formValues(form).topic } });
    $(panel, '[data-out="summary"]').textContent =
      `${result.title} (${result.url})\n\n${result.summary}\n\nSentiment: ${result.sentiment.label} (${result.sentiment.score.toFixed(3)})`;
    $(panel, '[data-out="trace"] tbody').replaceChildren(
      ...result.trace.map((t) => row([t.state, t.ms, t.status, t.retries ?? '—'])),
    );
  },

  async chat(panel, form) {
    const v = formValues(form);
    const result = await call(panel, 'POST', '/chat', {
      json: { message: v.message, session_id: 'playground', ...(v.dry_run ? { dry_run: true } : {}) },
    });
    $(panel, '[data-out="reply"]').textContent = result.reply ?? '(dry run: nothing was sent to the route)';
    $(panel, '[data-out="route"]').textContent =
      `Routed to ${result.route.name} (${result.route.stage}, confidence ${result.route.confidence.toFixed(3)}): ${result.route.reason}`;
    $(panel, '[data-out="candidates"]').replaceChildren(
      ...result.route.candidates.map((c) => {
        const li = document.createElement('li');
        li.textContent = `${c.name}: ${c.score}`;
        return li;
      }),
    );
  },
};

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.append(cell);
    else td.textContent = String(cell);
    tr.append(td);
  }
  return tr;
}

async function listDocuments(panel, showExchange = true) {
  const list = showExchange
    ? await call(panel, 'GET', '/documents')
    : await (await fetch(`${apiBase()}/documents`)).json();
  $(panel, '[data-out="documents"] tbody').replaceChildren(
    ...list.documents.map((d) => {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.addEventListener('click', async () => {
        await call(panel, 'DELETE', `/documents/${encodeURIComponent(d.document_id)}`);
        await listDocuments(panel, false);
      });
      return row([d.document_id, d.version, d.chunks, d.stores.join(', '), remove]);
    }),
  );
}

// Tabs: one panel shown at a time; the hash names it, so a panel can be linked to.
const panels = [...document.querySelectorAll('.panel')];
const tabs = document.getElementById('tabs');
function show(name) {
  for (const panel of panels) panel.hidden = panel.dataset.panel !== name;
  for (const tab of tabs.children) tab.setAttribute('aria-selected', String(tab.dataset.panel === name));
}
for (const panel of panels) {
  const tab = document.createElement('button');
  tab.type = 'button';
  tab.dataset.panel = panel.dataset.panel;
  tab.textContent = panel.dataset.title;
  tab.addEventListener('click', () => {
    history.replaceState(null, '', `#${panel.dataset.panel}`);
    show(panel.dataset.panel);
  });
  tabs.append(tab);

  const form = $(panel, 'form');
  if (panel.dataset.panel === 'caption' || panel.dataset.panel === 'vqa')
    panel.imageFile = fileInput(panel, 'image');
  if (panel.dataset.panel === 'documents') {
    panel.documentFile = fileInput(panel, 'file');
    $(panel, '[data-action="refresh"]').addEventListener('click', () =>
      listDocuments(panel).catch((e) => showError(panel, e)),
    );
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $(form, 'button[type="submit"]');
    button.disabled = true;
    panel.dataset.state = 'busy';
    for (const out of panel.querySelectorAll('.error')) out.classList.remove('error');
    try {
      await handlers[panel.dataset.panel](panel, form);
      panel.dataset.state = 'done';
    } catch (error) {
      showError(panel, error);
      panel.dataset.state = 'failed';
    } finally {
      button.disabled = false;
    }
  });
}
show(location.hash.slice(1) || 'generate');
