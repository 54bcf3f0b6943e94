/* Keyboard shortcuts and small progressive enhancements. No dependencies.
 *   /      focus the search box          c    create (the page's "new" link)
 *   j / k  next / previous row           o or Enter   open the selected row
 *   ?      show the shortcuts
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

  function openSelected() {
    if (current >= 0 && rows[current]) window.location.href = rows[current].getAttribute("data-href");
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
        if (current >= 0) { event.preventDefault(); openSelected(); }
        break;
      case "?": {
        var help = document.getElementById("kbd-help");
        if (help && typeof help.showModal === "function") { event.preventDefault(); help.showModal(); }
        break;
      }
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
  });
})();
