// Column widths of the official tables come from projects/layouts.py as data attributes:
// the CSP forbids inline style attributes, so they are applied here.
document.querySelectorAll("col[data-width]").forEach(function (col) {
  col.style.width = col.dataset.width + "%";
});

// Controls that need JavaScript show only when it runs.
document.documentElement.classList.add("js");

// Rows copied from Excel and pasted into a 三级指标 cell: the category's paste box posts them
// (htmx) and the rows come back, read as a save reads them, for the filer to check and save.
document.addEventListener("paste", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches(".indicator-row input[name$='-name']")) {
    return;
  }
  var text = (event.clipboardData || window.clipboardData).getData("text");
  if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) {
    return;
  }
  event.preventDefault();
  var box = input.closest(".indicator-group").querySelector(".paste-box");
  box.value = text;
  htmx.trigger(box, "pasted");
});
document.addEventListener("htmx:afterRequest", function (event) {
  var box = event.detail.elt;
  if (box.classList && box.classList.contains("paste-box") && event.detail.successful) {
    box.value = "";
  }
});

// Each save from the editor says when the page sent it, so that a background save arriving
// after a later save of the same page cannot overwrite it (see save_draft).
document.addEventListener("htmx:configRequest", function (event) {
  if (event.detail.elt.id === "editor") {
    event.detail.parameters.edit_seq = String(Date.now());
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.id === "editor" && form.elements.edit_seq) {
    form.elements.edit_seq.value = String(Date.now());
  }
});

// The queue's "select all" box ticks every form on the page for a batch decision.
document.addEventListener("change", function (event) {
  if (event.target.id !== "queue-all") {
    return;
  }
  document.querySelectorAll(".queue-pick").forEach(function (box) {
    box.checked = event.target.checked;
  });
});
