// Column widths of the official tables come from projects/layouts.py as data attributes:
// the CSP forbids inline style attributes, so they are applied here.
document.querySelectorAll("col[data-width]").forEach(function (col) {
  col.style.width = col.dataset.width + "%";
});

// Controls that need JavaScript show only when it runs.
document.documentElement.classList.add("js");

// A field's limit (maxlength) no longer cuts what is typed or pasted: the browser would drop
// the rest without a word. The limit moves to data-maxlength and the field says, as it is
// typed, how far over it is; the server refuses a text that is too long, in the same words,
// and keeps it on the page. Characters are counted as the server counts them (𠀀 is one).
(function () {
  function length(text) {
    return Array.from(text).length;
  }
  function check(field) {
    var limit = parseInt(field.dataset.maxlength, 10);
    var over = length(field.value) - limit;
    var note = field.nextElementSibling;
    if (!note || !note.classList.contains("limit-note")) {
      if (over <= 0) return;
      note = document.createElement("div");
      note.className = "limit-note small text-danger";
      note.setAttribute("role", "status");
      field.insertAdjacentElement("afterend", note);
    }
    if (over > 0) {
      note.textContent = "最多 " + limit + " 个字（现在 " + length(field.value) + " 个），" +
        "请删减 " + over + " 个字后再保存。";
      note.hidden = false;
      field.setAttribute("aria-invalid", "true");
    } else {
      note.hidden = true;
      note.textContent = "";
      field.removeAttribute("aria-invalid");
    }
  }
  function unlimit(root) {
    root.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (field) {
      var limit = parseInt(field.getAttribute("maxlength"), 10);
      if (!(limit > 0)) return;
      field.removeAttribute("maxlength");
      field.dataset.maxlength = String(limit);
      check(field);
    });
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field && field.dataset && field.dataset.maxlength) check(field);
  });
  unlimit(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    unlimit(event.target);
  });
})();

// Rows copied from Excel and pasted into a 三级指标 cell: the category's paste box posts them
// (htmx) and the rows come back, read as a save reads them, and are saved like typed rows.
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

// The editor saves itself: a moment after each change (htmx, hx-trigger on the form), at once
// before a link of the page is followed, and by a beacon when the page is hidden or left.
// What the server cannot read stays in its field, marked, and listed in the bar at the top
// (#save-problems); while anything is unsaved or unsavable, leaving the page asks first.
(function () {
  var editor = document.getElementById("editor");
  if (!editor) {
    return;
  }
  var pending = false; // typed since the last save was sent
  var inflight = 0; // saves sent, not answered
  var failed = false; // the last save was refused or did not arrive
  var submitting = false; // the 保存 button posts the page
  var waiters = [];

  function values() {
    // what a save sends: every input, with when the page sent it; the paste boxes are sent
    // to their own address (their rows come back into the page and are saved from there)
    var data = new FormData(editor);
    Array.from(data.keys()).forEach(function (name) {
      if (/-paste$/.test(name)) {
        data.delete(name);
      }
    });
    data.set("edit_seq", String(Date.now()));
    data.set("background", "1");
    return data;
  }

  function unsavable() {
    var bar = document.getElementById("save-problems");
    return failed || (bar !== null && !bar.hidden);
  }

  function idle() {
    return new Promise(function (resolve) {
      if (inflight === 0) {
        resolve();
      } else {
        waiters.push(resolve);
      }
    });
  }

  // Send what is pending now (after any save on its way), and resolve when it is answered.
  function flush() {
    return idle().then(function () {
      if (!pending) {
        return null;
      }
      return htmx
        .ajax("POST", editor.getAttribute("hx-post"), {
          source: editor,
          target: "#save-status",
          swap: "outerHTML",
        })
        .then(idle, idle);
    });
  }

  function beacon() {
    if (!pending && !inflight) {
      return true;
    }
    var sent = false;
    try {
      sent = navigator.sendBeacon(editor.getAttribute("hx-post"), values());
    } catch (error) {
      sent = false;
    }
    if (sent) {
      pending = false;
    }
    return sent;
  }

  // the reasons the server gave, beside each input (the same list as the bar's)
  function markFields() {
    var bar = document.getElementById("save-problems");
    editor.querySelectorAll(".is-invalid").forEach(function (input) {
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
    });
    editor.querySelectorAll(".invalid-feedback").forEach(function (note) {
      note.remove();
    });
    if (bar === null) {
      return;
    }
    bar.querySelectorAll("li[data-input]").forEach(function (item) {
      var name = item.dataset.input;
      var input = name ? editor.querySelector("[name='" + CSS.escape(name) + "']") : null;
      if (input === null) {
        return;
      }
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      var note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.textContent = item.dataset.message;
      input.insertAdjacentElement("afterend", note);
    });
  }

  function refused(message) {
    failed = true;
    pending = true; // sent again with the next save
    var bar = document.getElementById("save-problems");
    if (bar !== null) {
      bar.hidden = false;
      var said = bar.querySelector(".save-refused");
      if (said === null) {
        said = document.createElement("p");
        said.className = "mb-1 fw-bold save-refused";
        bar.prepend(said);
      }
      said.textContent = message;
    }
    var status = document.getElementById("save-status");
    if (status !== null) {
      status.textContent = message;
      status.className = "small text-danger";
    }
  }

  function mine(event) {
    return event.detail.elt === editor;
  }

  editor.addEventListener("input", function (event) {
    if (!event.target.classList.contains("paste-box")) {
      pending = true;
    }
  });
  editor.addEventListener("change", function (event) {
    if (!event.target.classList.contains("paste-box")) {
      pending = true;
    }
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (!mine(event)) {
      return;
    }
    pending = false; // what is typed from now on is for the next save
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      if (/-paste$/.test(name)) {
        delete parameters[name];
      }
    });
    // each save says when the page sent it, so that a save arriving after a later save of
    // the same page cannot overwrite it (see save_draft)
    parameters.edit_seq = String(Date.now());
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (mine(event)) {
      inflight += 1;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // a save answered by another page (the sign-in page, after a session ran out) saved nothing
    var path = event.detail.pathInfo && event.detail.pathInfo.responsePath;
    if (mine(event) && path && path.split("?")[0] !== editor.getAttribute("hx-post")) {
      event.detail.shouldSwap = false;
      refused("没有保存：登录已过期。请在另一个窗口重新登录后，回到本页再改动一处（本页内容仍在）。");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!mine(event)) {
      var elt = event.detail.elt;
      var rows = event.detail.xhr && event.detail.xhr.responseText.indexOf("indicator-row") >= 0;
      if (elt.classList && elt.classList.contains("paste-box") && event.detail.successful && rows) {
        elt.value = ""; // its rows are in the page now: save them like typed rows
        pending = true;
        flush();
      }
      return;
    }
    inflight = Math.max(0, inflight - 1);
    if (event.detail.successful) {
      failed = false;
      markFields();
    } else if (event.detail.xhr && event.detail.xhr.status) {
      refused("没有保存：服务器拒绝了这次保存（" + event.detail.xhr.status + "）。本页内容仍在，请不要关闭，稍后点“保存”重试。");
    } else {
      refused("没有保存：连不上服务器。本页内容仍在，请不要关闭，网络恢复后点“保存”重试。");
    }
    if (inflight === 0) {
      var resolve;
      while ((resolve = waiters.shift())) {
        resolve();
      }
    }
  });

  // a link of the page waits for the save of what was just typed
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (
      link === null ||
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      link.target ||
      link.hasAttribute("download") ||
      link.hasAttribute("data-discard") ||
      link.origin !== window.location.origin ||
      link.getAttribute("href").charAt(0) === "#" ||
      (!pending && !inflight)
    ) {
      return;
    }
    event.preventDefault();
    flush().then(function () {
      window.location.href = link.href;
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[data-discard]")) {
      pending = false;
      failed = false;
      submitting = true; // the filer chose to drop what the page holds
    }
  });
  editor.addEventListener("submit", function () {
    submitting = true;
    editor.elements.edit_seq.value = String(Date.now());
  });

  // leaving: what is pending is sent at once; the page asks while anything is not saved
  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return;
    }
    if (pending) {
      flush();
    }
    if (pending || inflight || unsavable()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("pagehide", function () {
    if (!submitting) {
      beacon();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && pending) {
      beacon();
    }
  });
  markFields();
})();

// The queue's "select all" box ticks every form on the page for a batch decision.
document.addEventListener("change", function (event) {
  if (event.target.id !== "queue-all") {
    return;
  }
  document.querySelectorAll(".queue-pick").forEach(function (box) {
    box.checked = event.target.checked;
  });
});

// The review workspace (the form page): a click on a row or a field of the official table opens
// the one comment box under it, with the quick picks; keys move through the queue (j, k), comment
// on the focused row (c), grade (1–4; with Shift all four alike) and open a decision (a, r),
// which acts only once confirmed (Enter, or Ctrl+Enter under a reason; Esc cancels). Grading and
// commenting are posted by htmx, which swaps the panel or the table in place.
(function () {
  var lastTarget = "";

  function workspace() {
    return document.getElementById("workspace");
  }

  function applyWidths(root) {
    root.querySelectorAll("col[data-width]").forEach(function (col) {
      col.style.width = col.dataset.width + "%";
    });
  }

  function boxRow() {
    return document.getElementById("comment-box-row");
  }

  function setBox(target, label) {
    var form = document.getElementById("comment-form");
    var input = document.getElementById("comment-target");
    if (input.value !== target) {
      document.getElementById("comment-pick").value = "";
      form.querySelectorAll(".quick-pick").forEach(function (button) {
        button.setAttribute("aria-pressed", "false");
        button.classList.replace("btn-secondary", "btn-outline-secondary");
      });
      var error = document.getElementById("comment-error");
      if (error) {
        error.remove();
      }
    }
    input.value = target;
    document.getElementById("comment-on").textContent = label;
    return form;
  }

  function openComment(cell) {
    var form = document.getElementById("comment-form");
    var space = workspace();
    if (!form || !space) {
      return;
    }
    var target = cell.dataset.commentTarget;
    setBox(target, cell.dataset.label || "");
    // the row's slot: the hidden row drawn under it (after its threads) for the box
    var slot = cell.closest("tr").nextElementSibling;
    while (slot && slot.classList.contains("thread-row")) {
      slot = slot.nextElementSibling;
    }
    if (!slot || !slot.classList.contains("comment-slot")) {
      return;
    }
    var holder = boxRow();
    if (holder !== null && holder !== slot) {
      holder.classList.add("closed");
      holder.removeAttribute("id");
      holder.classList.remove("comment-box-row");
    }
    slot.classList.remove("closed");
    slot.id = "comment-box-row";
    slot.classList.add("comment-box-row");
    slot.querySelector(".thread-box").appendChild(form);
    holder = slot;
    lastTarget = target;
    var text = document.getElementById("comment-text");
    text.focus({ preventScroll: true });
    holder.scrollIntoView({ block: "nearest" });
  }

  function closeComment() {
    var form = document.getElementById("comment-form");
    var home = document.getElementById("comment-box-home");
    var holder = boxRow();
    if (!form || !home || holder === null) {
      return false;
    }
    setBox("", "整张表");
    home.appendChild(form);
    holder.classList.add("closed");
    holder.removeAttribute("id");
    holder.classList.remove("comment-box-row");
    focusTarget(lastTarget);
    return true;
  }

  function focusTarget(target) {
    if (!target) {
      return;
    }
    var cell = document.querySelector(
      ".official-table [data-comment-target='" + CSS.escape(target) + "'][tabindex]"
    );
    if (cell) {
      cell.focus({ preventScroll: true });
    }
  }

  function commentable(cell) {
    return cell !== null && cell.closest(".official-table.commentable") !== null;
  }

  document.addEventListener("click", function (event) {
    var el = event.target;
    if (!el.closest || el.closest("a, button, input, textarea, select, label")) {
      if (el.closest && el.closest("[data-close-comment]")) {
        closeComment();
      } else if (el.closest && el.closest("[data-comment-whole]")) {
        closeComment();
        var text = document.getElementById("comment-text");
        if (text) {
          text.focus();
        }
      } else if (el.closest && el.closest("[data-decide]")) {
        openDecision(el.closest("[data-decide]").dataset.decide);
      } else if (el.closest && el.closest("[data-cancel-decision]")) {
        closeDecisions(true);
      }
      return;
    }
    var cell = el.closest("[data-comment-target]");
    if (commentable(cell)) {
      openComment(cell);
    }
  });

  // --------------------------------------------------------------- decisions

  function openDecision(verb) {
    var button = document.querySelector("[data-decide='" + verb + "']");
    var box = document.getElementById("confirm-" + verb);
    if (!button || button.disabled || !box) {
      return;
    }
    closeDecisions(false);
    box.hidden = false;
    var reason = box.querySelector("textarea");
    (reason || box.querySelector(".confirm-decision")).focus();
    box.scrollIntoView({ block: "nearest" });
  }

  function closeDecisions(refocus) {
    var open = null;
    document.querySelectorAll(".decision-confirm").forEach(function (box) {
      if (!box.hidden) {
        open = box;
      }
      box.hidden = true;
    });
    if (open && refocus) {
      var button = document.querySelector("[data-decide='" + open.dataset.verb + "']");
      if (button) {
        button.focus();
      }
    }
    return open !== null;
  }

  // --------------------------------------------------------------- grading

  function checks() {
    return Array.from(document.querySelectorAll("#grading .graded-check"));
  }

  function graded(fieldset) {
    return fieldset.querySelector("input[type=radio]:checked") !== null;
  }

  function markCurrent() {
    var all = checks();
    var current = all.find(function (fieldset) {
      return !graded(fieldset);
    });
    all.forEach(function (fieldset) {
      fieldset.classList.toggle("current", fieldset === current);
    });
  }

  function choose(fieldset, index) {
    var radio = fieldset.querySelectorAll("input[type=radio]")[index];
    if (radio && !radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function gradeByKey(index, all) {
    var sets = checks();
    if (!sets.length) {
      return;
    }
    if (all) {
      sets.forEach(function (fieldset) {
        choose(fieldset, index);
      });
    } else {
      var focused = document.activeElement && document.activeElement.closest(".graded-check");
      var current =
        focused ||
        sets.find(function (fieldset) {
          return !graded(fieldset);
        }) ||
        sets[sets.length - 1];
      choose(current, index);
    }
    markCurrent();
  }

  var saving = null;
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("#grading input[type=radio]")) {
      return;
    }
    markCurrent();
    // all four graded: saved a moment later (the keys set four at once: one save)
    if (checks().every(graded)) {
      clearTimeout(saving);
      saving = setTimeout(function () {
        var save = document.getElementById("grade-save");
        if (save) {
          save.click();
        }
      }, 250);
    }
  });

  // --------------------------------------------------------------- keys

  function typing(el) {
    return el && el.matches && el.matches("input:not([type=radio]), textarea, select, [contenteditable]");
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) {
      window.location.href = link.href;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!workspace()) {
      return;
    }
    if (event.key === "Escape") {
      if (closeDecisions(true) || closeComment()) {
        event.preventDefault();
      }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var box = event.target.closest && event.target.closest(".decision-confirm");
      if (box) {
        event.preventDefault();
        box.querySelector(".confirm-decision").click();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var cell = event.target.closest ? event.target.closest("[data-comment-target]") : null;
    var digit = /^Digit([1-4])$/.exec(event.code || "");
    if (digit && document.getElementById("grading")) {
      event.preventDefault();
      gradeByKey(Number(digit[1]) - 1, event.shiftKey);
      return;
    }
    if (event.shiftKey) {
      return;
    }
    switch (event.key) {
      case "j":
        follow("queue-next");
        break;
      case "k":
        follow("queue-prev");
        break;
      case "a":
      case "r":
        var decide = document.querySelector("[data-key='" + event.key + "']");
        if (!decide) {
          return;
        }
        openDecision(decide.dataset.decide);
        break;
      case "c":
      case "Enter":
        if (event.key === "Enter" && !cell) {
          return;
        }
        cell = cell || document.querySelector(".official-table.commentable [data-comment-target][tabindex]");
        if (!commentable(cell)) {
          return;
        }
        openComment(cell);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // a refusal (400) comes back with what was typed: swapped in like an answer. A decision
  // being confirmed while the grades are saved stays open, with its reason as typed.
  var keep = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status === 400 && elt.closest && elt.closest("#workspace, #review")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // what the panel holds now is the newest: a grade chosen or a note typed while the
    // grades were being saved is kept through the swap
    var panel = document.getElementById("review");
    if (panel && event.detail.target === panel && event.detail.shouldSwap) {
      var open = panel.querySelector(".decision-confirm:not([hidden])");
      keep = { verb: open ? open.dataset.verb : "", values: {}, checked: [] };
      panel.querySelectorAll("input[type=text], textarea").forEach(function (input) {
        if (input.id) {
          keep.values[input.id] = input.value;
        }
      });
      panel.querySelectorAll("input[type=radio]:checked").forEach(function (radio) {
        keep.checked.push(radio.id);
      });
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var space = workspace();
    if (space && event.detail.target && (event.detail.target.id === "workspace" || !event.detail.target.isConnected)) {
      applyWidths(space);
      if (!boxRow() || !boxRow().querySelector("[autofocus]")) {
        focusTarget(lastTarget);
      }
    }
    if (keep !== null) {
      var panel = document.getElementById("review");
      Object.keys(keep.values).forEach(function (id) {
        var input = document.getElementById(id);
        if (input && panel.contains(input)) {
          input.value = keep.values[id];
        }
      });
      keep.checked.forEach(function (id) {
        var radio = document.getElementById(id);
        if (radio) {
          radio.checked = true;
        }
      });
      if (panel && keep.verb && !panel.querySelector(".decision-confirm:not([hidden])")) {
        openDecision(keep.verb);
      }
      keep = null;
    }
    markCurrent();
  });
  markCurrent();
})();

// Typing not yet sent asks before the page is left: a form filled in on its page without
// saving as it goes (a report of the performance cycle: form[data-unsaved-guard]), once
// something is typed (at once on a page shown again after a refused save); and a note typed
// on the review pages ([data-keep-typed]: a decision's note, a grade's, a comment, an
// answer, a batch's reason), while its text differs from what the page came with (or, with
// data-keep-typed="refused", a refused note shown again, while it is not empty). Read when
// the page is left, so a part swapped by htmx after a save counts as it now is. Sending a
// form that leaves the page is no leaving; a form htmx sends does not leave it.
(function () {
  var guarded = document.querySelectorAll("form[data-unsaved-guard]");
  var dirty = false;
  var sending = false;
  guarded.forEach(function (form) {
    // a page shown again after a refused save holds what was typed and not saved
    dirty = dirty || form.dataset.unsavedGuard === "unsaved";
    form.addEventListener("input", function () {
      dirty = true;
    });
    form.addEventListener("change", function () {
      dirty = true;
    });
  });
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) {
      sending = true; // htmx cancels the submit of a form it sends itself
    }
  });
  function typedNote() {
    return Array.prototype.some.call(
      document.querySelectorAll("[data-keep-typed]"),
      function (field) {
        var text = field.value.trim();
        if (!text) {
          return false;
        }
        return field.dataset.keepTyped === "refused" || field.value !== field.defaultValue;
      }
    );
  }
  window.addEventListener("beforeunload", function (event) {
    if (!sending && (dirty || typedNote())) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
