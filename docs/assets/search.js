// Search, fed by Pagefind's static indexes (built by `demarche build`): the header's box on every page,
// and the search page with filters (/search/), whose state is the page's query string. Nothing is
// fetched until a reader uses search; nothing is fetched from any other host.
// Two bundles (build/demarche/index.py): /pagefind/ indexes the pages, and is all the header's box loads;
// /pagefind/statements/ holds a record per statement with its filters, merged in by the search page only.

const root = new URL("../", import.meta.url); // this file is <site>/assets/search.js
const FILTERS = ["speaker", "demand", "stance", "year", "kind", "publisher"];
const SHOWN = 8; // results in the header's list
const PAGE = 20; // results per step on the search page
const SHORTEST = 2; // characters typed before the header's box searches (one letter would load most of the index)
const DEBOUNCE_MS = 250; // the box searches once typing pauses, so it loads no index chunk for each letter

// The search page merges the statements' bundle in, so its filters have statements to narrow (and its
// header box searches them too); every other page loads the pages' bundle only.
const WITH_STATEMENTS = document.getElementById("dm-search-form") !== null;

let engine = null;

async function languages(bundle) {
  const entry = await fetch(new URL(`${bundle}pagefind-entry.json`, root));
  return entry.ok ? Object.entries((await entry.json()).languages) : [];
}

// Pagefind keeps one index per language and searches the page's own (its <html lang>): merge the others,
// so a search from any page finds every page and statement. Pagefind skips a merge of its own bundle by
// its path (it cannot tell the language apart), so the same folder is named as "pagefind/./".
function pagefind() {
  engine ??= import(new URL("pagefind/pagefind.js", root).href).then(async (pf) => {
    await pf.options({ baseUrl: root.pathname, excerptLength: 24 });
    await pf.init();
    const names = await languages("pagefind/");
    const lang = document.documentElement.lang;
    const own = names.some(([name]) => name === lang)
      ? lang
      : [...names].sort(([, a], [, b]) => b.page_count - a.page_count)[0]?.[0];
    for (const [language] of names.filter(([name]) => name !== own)) {
      await pf.mergeIndex(new URL("pagefind/", root).pathname + "./", { language });
    }
    if (WITH_STATEMENTS) {
      for (const [language] of await languages("pagefind/statements/")) {
        await pf.mergeIndex(new URL("pagefind/statements/", root).pathname, { language });
      }
    }
    return pf;
  });
  return engine;
}

// Where a result leads. A source's text marks each quote (<mark id="q-<statement>">, whose words Pagefind
// counts from the mark's location): when one quote holds as many different words found as the query has
// words, the result leads to that statement's entry on the page (to the quote holding the most, if several).
function landing(data, query) {
  const wanted = new Set(tokens(query).map(bare).filter(Boolean)).size;
  const content = tokens(data.content);
  let best = null;
  for (const anchor of data.anchors || []) {
    if (!anchor.id.startsWith("q-")) continue;
    const end = anchor.location + tokens(anchor.text).length;
    const hits = (data.locations || []).filter((at) => anchor.location <= at && at < end);
    const found = new Set(hits.map((at) => bare(content[at] || ""))).size;
    if (found > 0 && found >= wanted && (!best || found > best.found)) best = { id: anchor.id.slice(2), found };
  }
  return best ? `${data.url.split("#")[0]}#${best.id}` : data.url;
}

// Text split as Pagefind counts its words (at white space), and a word without the punctuation around it.
const tokens = (text) => (text || "").split(/\s+/).filter(Boolean);
const bare = (word) => word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");

// An excerpt as nodes: Pagefind marks the words found with <mark>; nothing else is taken as markup.
function excerptNodes(excerpt) {
  const parts = [];
  const decode = document.createElement("textarea");
  excerpt.split(/(<mark>.*?<\/mark>)/s).forEach((part) => {
    const marked = part.startsWith("<mark>");
    decode.innerHTML = marked ? part.slice(6, -7) : part;
    const text = document.createTextNode(decode.value);
    if (marked) {
      const mark = document.createElement("mark");
      mark.append(text);
      parts.push(mark);
    } else {
      parts.push(text);
    }
  });
  return parts;
}

function resultItem(data, id, query) {
  const li = document.createElement("li");
  li.className = "dm-search__result";
  li.setAttribute("role", "option");
  li.id = id;
  const a = document.createElement("a");
  a.href = landing(data, query);
  const title = document.createElement("span");
  title.className = "dm-search__title";
  title.textContent = data.meta.title || data.url;
  a.append(title);
  if (data.meta.source) {
    const source = document.createElement("span");
    source.className = "dm-search__source";
    source.textContent = data.meta.source;
    a.append(source);
  }
  const excerpt = document.createElement("span");
  excerpt.className = "dm-search__excerpt";
  excerpt.append(...excerptNodes(data.excerpt || ""));
  a.append(excerpt);
  li.append(a);
  return li;
}

function editing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

// -- the header's box ---------------------------------------------------------------------------------

function headerBox() {
  const input = document.getElementById("dm-search-input");
  const panel = document.getElementById("dm-search-panel");
  const list = document.getElementById("dm-search-results");
  const meta = document.getElementById("dm-search-meta");
  const more = document.getElementById("dm-search-more");
  if (!input || !panel || !list || !meta || !more) return;
  let active = -1;

  const items = () => [...list.querySelectorAll(".dm-search__result")];
  const open = (shown) => {
    panel.hidden = !shown;
    input.setAttribute("aria-expanded", String(shown));
  };
  const select = (index) => {
    const all = items();
    active = all.length ? (index + all.length) % all.length : -1;
    all.forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  let pending = null;

  function typed() {
    const query = input.value.trim();
    more.href = new URL("search/", root).pathname + (query ? "?" + new URLSearchParams({ q: query }) : "");
    clearTimeout(pending);
    if (query.length < SHORTEST) {
      list.replaceChildren();
      delete list.dataset.shown;
      open(false);
      return;
    }
    pending = setTimeout(() => update(query), DEBOUNCE_MS);
  }

  async function update(query) {
    const pf = await pagefind();
    if (input.value.trim() !== query) return; // a newer query replaced this one
    const search = await pf.search(query);
    if (input.value.trim() !== query) return;
    const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
    if (input.value.trim() !== query) return;
    list.replaceChildren(...found.map((data, i) => resultItem(data, `dm-search-result-${i}`, query)));
    list.dataset.shown = query; // the query these results answer (a slower, earlier one never lands here)
    const n = search.results.length;
    meta.textContent = n === 0 ? "No matching pages or statements" : n === 1 ? "1 result" : `${n} results`;
    open(true);
    select(found.length ? 0 : -1);
  }

  input.addEventListener("focus", () => pagefind()); // start loading while the reader types
  input.addEventListener("input", () => typed());
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      const target = items()[active];
      const link = target ? target.querySelector("a") : more;
      window.location.assign(link.href);
    } else if (event.key === "Escape") {
      open(false);
      input.blur();
    }
  });
  document.addEventListener("keydown", (event) => {
    if ((event.key === "/" || event.key === "s") && !event.ctrlKey && !event.metaKey && !event.altKey && !editing(event.target)) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
  document.addEventListener("click", (event) => {
    if (event.target instanceof Node && !panel.parentElement.contains(event.target)) open(false);
  });
}

// -- the search page ----------------------------------------------------------------------------------

function searchPage() {
  const form = document.getElementById("dm-search-form");
  const list = document.getElementById("dm-search-page-results");
  const meta = document.getElementById("dm-search-page-meta");
  const more = document.getElementById("dm-search-page-more");
  if (!form || !list || !meta || !more) return;
  const params = new URLSearchParams(window.location.search);
  form.elements.q.value = params.get("q") || "";
  let results = [];
  let shown = 0;
  let generation = 0;
  let asked = ""; // the words of the search the results answer

  async function fillFilters(pf) {
    const available = await pf.filters();
    for (const name of FILTERS) {
      const select = form.elements[name];
      const wanted = params.get(name) || "";
      const values = Object.keys(available[name] || {}).sort((a, b) => a.localeCompare(b));
      if (wanted && !values.includes(wanted)) values.unshift(wanted);
      for (const value of values) {
        const count = available[name] && available[name][value];
        select.append(new Option(count ? `${value} (${count})` : value, value));
      }
      select.value = wanted;
    }
  }

  function state() {
    const query = form.elements.q.value.trim();
    const filters = {};
    for (const name of FILTERS) {
      const value = form.elements[name].value;
      if (value) filters[name] = value;
    }
    return { query, filters };
  }

  async function showMore() {
    const mine = generation;
    const next = await Promise.all(results.slice(shown, shown + PAGE).map((r) => r.data()));
    if (mine !== generation) return;
    list.append(...next.map((data, i) => resultItem(data, `dm-search-page-result-${shown + i}`, asked)));
    shown += next.length;
    more.hidden = shown >= results.length;
  }

  async function run() {
    const { query, filters } = state();
    const url = new URLSearchParams();
    if (query) url.set("q", query);
    for (const [name, value] of Object.entries(filters)) url.set(name, value);
    const search = url.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    const mine = ++generation;
    if (!query && !Object.keys(filters).length) {
      list.replaceChildren();
      meta.textContent = "Type words to search for, or choose a filter.";
      more.hidden = true;
      return;
    }
    const pf = await pagefind();
    const found = await pf.search(query || null, { filters, sort: query ? {} : { date: "asc" } });
    if (mine !== generation) return;
    results = found.results;
    asked = query;
    shown = 0;
    list.replaceChildren();
    const n = results.length;
    meta.textContent = n === 0 ? "Nothing matches." : n === 1 ? "1 result" : `${n} results`;
    await showMore();
    if (mine === generation) list.dataset.shown = search; // the search these results answer
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  form.addEventListener("input", () => run());
  form.addEventListener("change", () => run());
  more.addEventListener("click", () => showMore());
  pagefind()
    .then(fillFilters)
    .then(run);
}

headerBox();
searchPage();
document.documentElement.dataset.search = "ready"; // the box and the search page listen (tests wait on this)
