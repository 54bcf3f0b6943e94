// An order form's conditional fields: a field with data-shown-when="<name>" shows only
// while that field's answer is data-equals (JSON). The server decides the same way.
(function () {
  "use strict";
  function answerOf(form, name) {
    const inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    const first = inputs[0];
    if (first.closest("[hidden]")) return undefined;  // a hidden field has no answer
    if (first.type === "checkbox") {
      return Array.from(inputs).filter((i) => i.checked).map((i) => i.value);
    }
    if (first.type === "radio") {
      const chosen = Array.from(inputs).find((i) => i.checked);
      return chosen ? chosen.value : "";
    }
    if (first.tagName === "SELECT" && (first.value === "yes" || first.value === "no")
        && first.querySelector('option[value="yes"]') && first.options.length === 3) {
      return first.value === "yes";
    }
    return first.value;
  }
  function matches(given, wanted) {
    if (Array.isArray(given)) return given.includes(wanted);
    if (typeof wanted === "number") return Number(given) === wanted;
    return given === wanted;
  }
  function refresh(form) {
    form.querySelectorAll("[data-shown-when]").forEach((field) => {
      let wanted;
      try { wanted = JSON.parse(field.dataset.equals); } catch (e) { wanted = field.dataset.equals; }
      const shown = matches(answerOf(form, field.dataset.shownWhen), wanted);
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach((el) => { el.disabled = !shown; });
    });
  }
  document.querySelectorAll("[data-order-form]").forEach((form) => {
    form.addEventListener("change", () => refresh(form));
    refresh(form);
  });
})();
