// Column widths of the official tables come from projects/layouts.py as data attributes:
// the CSP forbids inline style attributes, so they are applied here.
document.querySelectorAll("col[data-width]").forEach(function (col) {
  col.style.width = col.dataset.width + "%";
});
