// Progressive enhancement only: every form works without JavaScript.
(function () {
  "use strict";
  // Move focus to the error summary so screen-reader users hear what went wrong.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("erreurs");
    if (summary) { summary.focus(); }
  });
  // Address autocomplete: fill the postcode and city fields from the chosen suggestion.
  // Choosing a <datalist> option fires "input" at once (Chromium, Firefox) and "change" on
  // leaving the field (Safari and older browsers): both are handled, filling is idempotent.
  function fillFromSuggestion(event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-vs-address]")) { return; }
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var option = Array.prototype.find.call(list.options, function (o) { return o.value === input.value; });
    if (!option) { return; }
    var form = input.form;
    if (!form) { return; }
    var postcode = form.querySelector("[data-vs-postcode]");
    var city = form.querySelector("[data-vs-city]");
    if (postcode && option.dataset.postcode) { postcode.value = option.dataset.postcode; }
    if (city && option.dataset.city) { city.value = option.dataset.city; }
  }
  // Print buttons: hidden without JavaScript (the browser's own print menu is there).
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vs-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  // A table wider than the screen scrolls inside its wrapper: keyboard users must be able to reach
  // and scroll it (WCAG 2.1.1), so a wrapper that scrolls becomes a named, focusable region, and
  // stops being one when it no longer scrolls. Wrappers that set their own tabindex are left alone.
  function scrollableTablesFocusable() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrapper"), function (wrapper) {
      var ours = wrapper.hasAttribute("data-vs-scrolls");
      if (wrapper.hasAttribute("tabindex") && !ours) { return; }
      if (wrapper.scrollWidth > wrapper.clientWidth) {
        var caption = wrapper.querySelector("caption");
        wrapper.setAttribute("data-vs-scrolls", "");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", caption && caption.textContent.trim() ? caption.textContent.trim() : "Tableau");
      } else if (ours) {
        ["data-vs-scrolls", "tabindex", "role", "aria-label"].forEach(function (name) { wrapper.removeAttribute(name); });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", scrollableTablesFocusable);
  document.addEventListener("htmx:afterSettle", scrollableTablesFocusable);
  window.addEventListener("resize", scrollableTablesFocusable);
  document.addEventListener("input", fillFromSuggestion);
  document.addEventListener("change", fillFromSuggestion);
  // Load shedding (core/shedding.py): htmx does not swap a 503, so the page and what was typed stay
  // as they are; say why nothing happened and when to try again.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var wait = xhr && xhr.status === 503 ? parseInt(xhr.getResponseHeader("Retry-After"), 10) : NaN;
    if (!(wait > 0)) { return; }
    var main = document.getElementById("contenu") || document.body;
    var alert = document.getElementById("alerte-affluence");
    if (!alert) {
      alert = document.createElement("p");
      alert.id = "alerte-affluence";
      alert.className = "message message-warning";
      alert.setAttribute("role", "alert");
      main.insertBefore(alert, main.firstChild);
    }
    alert.textContent = "Le service est très demandé en ce moment : rien n'a été enregistré, votre saisie est " +
      "conservée sur cette page. Réessayez dans " + wait + " secondes.";
  });

  // « Copier » beside a secret shown once (an API key, a webhook secret): the button appears only
  // when scripts run; without them the field stays selectable by hand.
  function copyField(button) {
    var field = document.getElementById(button.getAttribute("data-vs-copy"));
    var status = document.querySelector('[data-vs-copy-status="' + field.id + '"]');
    function done(ok) {
      if (status) { status.textContent = ok ? "Copiée." : "Copie impossible : sélectionnez le texte et copiez-le."; }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
      return;
    }
    field.focus();
    field.select();
    try { done(document.execCommand("copy")); } catch (error) { done(false); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vs-copy]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copyField(button); });
    });
  });
})();
