// The query page: pick a shipped query or write one, run it against /query, show a table.
// All text from the server is put into the page with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let catalogue = [];

async function loadCatalogue() {
  const response = await fetch("queries");
  catalogue = await response.json();
  for (const query of catalogue) {
    const option = document.createElement("option");
    option.value = query.name;
    option.textContent = query.name + ": " + query.question;
    $("shipped").appendChild(option);
  }
}

function pick() {
  const query = catalogue.find((q) => q.name === $("shipped").value);
  $("header").textContent = query ? query.header : "";
  $("params").replaceChildren();
  if (!query) return;
  $("text").value = query.text;
  for (const p of query.parameters) {
    const label = document.createElement("label");
    label.textContent = p.name + " (" + p.type + (p.optional ? ", optional" : "") + ") ";
    const input = document.createElement("input");
    input.dataset.name = p.name;
    input.placeholder = p.doc;
    label.appendChild(input);
    $("params").appendChild(label);
    $("params").appendChild(document.createElement("br"));
  }
}

// A shipped query with parameters filled in: the server binds them with VALUES lines. Once the
// text is edited, it runs as written (the parameter fields no longer apply).
async function boundText() {
  const inputs = [...$("params").querySelectorAll("input")].filter((i) => i.value !== "");
  const query = catalogue.find((q) => q.name === $("shipped").value);
  if (!query || inputs.length === 0 || $("text").value !== query.text) return $("text").value;
  const params = new URLSearchParams(inputs.map((i) => [i.dataset.name, i.value]));
  const response = await fetch("queries/" + encodeURIComponent($("shipped").value) + "?" + params);
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  return text;
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  td.textContent = term.value;
  if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)) td.className = "number";
  if (term.type === "uri") td.title = "IRI";
  return td;
}

function show(results) {
  const head = $("table").tHead;
  const body = $("table").tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  if ("boolean" in results) {
    $("status").textContent = "answer: " + results.boolean;
    return;
  }
  const vars = results.head.vars;
  const row = head.insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    row.appendChild(th);
  }
  for (const binding of results.results.bindings) {
    const tr = body.insertRow();
    for (const v of vars) tr.appendChild(cell(binding[v]));
  }
  const n = results.results.bindings.length;
  $("status").textContent = n + (n === 1 ? " row" : " rows");
}

async function run() {
  $("status").className = "";
  $("status").textContent = "running…";
  $("run").disabled = true;
  try {
    const text = await boundText();
    const response = await fetch("query", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
      body: text,
    });
    if (!response.ok) throw new Error(response.status + ": " + (await response.text()));
    show(await response.json());
  } catch (error) {
    $("status").className = "error";
    $("status").textContent = String(error.message || error);
  } finally {
    $("run").disabled = false;
  }
}

$("shipped").addEventListener("change", pick);
$("run").addEventListener("click", run);
$("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
loadCatalogue().catch((error) => { $("status").textContent = "could not list the shipped queries: " + error; });
