// Load-shedding page (templates/shed.html, core/shedding.py): progressive enhancement only, the
// « Renvoyer » button and the « Réessayer » link work without JavaScript. Counts down the wait
// the server asked for (plus a little at random, so that people do not all come back at once),
// then sends the kept form again, or reopens the page; the person may stop it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var heading = document.getElementById("titre");
    if (heading) { heading.focus(); }
    var target = document.querySelector("[data-vs-retry-after]");
    var status = document.getElementById("compte-a-rebours");
    if (!target || !status) { return; }
    var seconds = parseInt(target.getAttribute("data-vs-retry-after"), 10);
    if (!(seconds > 0)) { return; }
    var left = seconds + Math.floor(Math.random() * Math.max(1, Math.floor(seconds / 2)));
    var isForm = target.tagName === "FORM";
    var stop = document.createElement("button");
    stop.type = "button";
    stop.className = "link-button";
    stop.textContent = isForm ? "Ne pas renvoyer automatiquement" : "Ne pas réessayer automatiquement";
    var text = document.createElement("span");
    status.appendChild(text);
    status.appendChild(document.createTextNode(" "));
    status.appendChild(stop);
    status.hidden = false;
    function show() {
      text.textContent = (isForm ? "Nouvel envoi automatique dans " : "Nouvel essai automatique dans ") + left + " s.";
    }
    show();
    var timer = window.setInterval(function () {
      left -= 1;
      if (left > 0) { show(); return; }
      window.clearInterval(timer);
      text.textContent = isForm ? "Envoi en cours…" : "Chargement…";
      if (isForm) { target.submit(); } else { window.location.assign(target.getAttribute("href")); }
    }, 1000);
    stop.addEventListener("click", function () {
      window.clearInterval(timer);
      text.textContent = isForm ? "Envoi automatique arrêté : utilisez le bouton « Renvoyer »." : "Essai automatique arrêté.";
      stop.remove();
      text.setAttribute("role", "status");
    });
  });
})();
