// "Insert into reply": an article's text goes into the ticket's comment box.
(function () {
  if (window.kbInsertReady) return;
  window.kbInsertReady = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var box = document.querySelector("textarea[name=body]");
    if (!box) return;
    var text = button.getAttribute("data-kb-insert");
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
    box.focus();
    box.scrollIntoView({block: "center"});
  });
})();
