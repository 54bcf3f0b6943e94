/* Keyboard shortcuts and small progressive enhancements; every page works without it.
 *   /      focus the search box          c    create (the page's "new" link)
 *   j / k  next / previous row           o or Enter   open the selected row
 *   x      tick the selected row         a    take (assign to me) the selected row,
 *   ?      show the shortcuts                 or the ticket whose page this is
 * htmx (vendored in static/itsm/vendor) updates the queue's results in place.
 */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  var rows = [];
  var current = -1;

  function collectRows() {
    rows = Array.prototype.slice.call(document.querySelectorAll("[data-rows] tbody tr[data-href]"));
    current = -1;
  }

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("selected");
      rows[current].removeAttribute("aria-selected");
    }
    current = index;
    var row = rows[current];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }

  function selectedRow() {
    return current >= 0 ? rows[current] : null;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    fields.csrfmiddlewaretoken = csrfToken();
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function take() {
    var row = selectedRow();
    if (row && row.getAttribute("data-take")) {
      post(row.getAttribute("data-take"), { version: row.getAttribute("data-version") });
      return true;
    }
    var form = document.querySelector("form[data-shortcut-form='take']");
    if (form) { form.submit(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target)) return;
    switch (event.key) {
      case "/": {
        var search = document.querySelector("[data-shortcut='search']");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      }
      case "c": {
        var create = document.querySelector("[data-shortcut='create']");
        if (create) { event.preventDefault(); window.location.href = create.href; }
        break;
      }
      case "j": event.preventDefault(); select(current + 1); break;
      case "k": event.preventDefault(); select(current < 0 ? 0 : current - 1); break;
      case "o":
      case "Enter":
        if (current >= 0) { event.preventDefault(); window.location.href = rows[current].getAttribute("data-href"); }
        break;
      case "x": {
        var row = selectedRow();
        var box = row && row.querySelector("input[type=checkbox]");
        if (box) { event.preventDefault(); box.checked = !box.checked; }
        break;
      }
      case "a":
        if (take()) event.preventDefault();
        break;
      case "?": {
        var help = document.getElementById("kbd-help");
        if (help && typeof help.showModal === "function") { event.preventDefault(); help.showModal(); }
        break;
      }
    }
  });

  // Filters leave out what is empty, so the address says only what is chosen.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (name !== "queue" && String(params[name]).trim() === "") delete params[name];
    });
  });
  // New results, new rows; a poll's hint or a picker's suggestions keep the selection.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "queue-results") collectRows();
  });

  // A relative time ("3 hours ago", "in 2 hours") shows its moment on hover, in the
  // page's language.
  document.addEventListener("mouseover", function (event) {
    var time = event.target.closest && event.target.closest("time[datetime]");
    if (!time || time.title) return;
    var moment = new Date(time.getAttribute("datetime"));
    if (isNaN(moment)) return;
    try {
      time.title = moment.toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      time.title = moment.toLocaleString();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    collectRows();
    // Filters submit themselves when a select or checkbox changes.
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("select, input[type=checkbox]")) form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
    // The "?" link in the top bar opens the shortcut help.
    document.querySelectorAll("[data-open-help]").forEach(function (button) {
      button.addEventListener("click", function () {
        var help = document.getElementById("kbd-help");
        if (help && typeof help.showModal === "function") help.showModal();
      });
    });
    // A submit button that leaves for another page (the bulk bar's "Open a problem")
    // posts the form as a plain submit: htmx would swap the answer into the results.
    document.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-navigate]");
      if (!button || !button.form) return;
      event.preventDefault();
      var form = button.form, action = form.getAttribute("action");
      form.setAttribute("action", button.getAttribute("formaction"));
      HTMLFormElement.prototype.submit.call(form);
      form.setAttribute("action", action);
    }, true);
    // A confirmation for destructive actions, without inline handlers.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    // Open the <details> that holds a form with errors, and focus its first bad field.
    var invalid = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (invalid) {
      var details = invalid.closest("details");
      if (details) details.open = true;
      invalid.focus();
    }
    // A link to copy (the calendar feed): focusing it selects it whole.
    document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();
