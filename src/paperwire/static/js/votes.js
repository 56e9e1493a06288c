"use strict";
// Upvotes without a page reload. Each upvote button is a plain form that works
// without JavaScript; here the submit is sent with fetch instead, the button
// changes at once and is set right (or put back, with a message) when the
// server answers with {"voted": bool, "upvotes": n}.
(function () {
  function compact(n) {
    // The same rounding as the compact_count template filter: 1234 → 1.2k.
    var sizes = [[1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < sizes.length; i++) {
      if (n >= sizes[i][0]) {
        var scaled = n / sizes[i][0];
        var text = scaled < 10 ? scaled.toFixed(1) : scaled.toFixed(0);
        return text.replace(/\.0$/, "") + sizes[i][1];
      }
    }
    return String(n);
  }

  function show(form, voted, upvotes) {
    var button = form.querySelector("[data-upvote-button]");
    var count = form.querySelector("[data-upvote-count]");
    var noun = form.querySelector("[data-upvote-noun]");
    var icon = form.querySelector("[data-upvote-icon]");
    form.dataset.upvotes = String(upvotes);
    var wanted = form.querySelector("[data-upvote-wanted]");
    if (wanted) wanted.value = voted ? "off" : "on";
    button.setAttribute("aria-pressed", voted ? "true" : "false");
    button.classList.toggle("is-voted", voted);
    button.title = voted
      ? "You upvoted this paper; press again to take your vote back"
      : "Upvote this paper";
    if (count) count.textContent = compact(upvotes);
    if (noun) noun.textContent = upvotes === 1 ? "upvote" : "upvotes";
    if (icon) icon.setAttribute("fill", voted ? "currentColor" : "none");
  }

  function say(text) {
    // The same place the server puts its messages, so a failure reads like one.
    var main = document.getElementById("main") || document.body;
    var list = main.querySelector(".messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      list.setAttribute("role", "status");
      main.insertBefore(list, main.firstChild);
    }
    var last = list.lastElementChild;
    if (!last || last.textContent !== text) {
      // The same reason once is enough, however often the button is pressed.
      var item = document.createElement("li");
      item.className = "message message--error";
      item.textContent = text;
      list.appendChild(item);
    }
    // A button far down a list would otherwise fail with no visible reason.
    if (list.getBoundingClientRect().top < 0) list.scrollIntoView({ block: "start" });
  }

  function otherForms(form) {
    // A paper can have more than one button on a page (a card and a sidebar).
    var action = form.getAttribute("action");
    return Array.prototype.filter.call(
      document.querySelectorAll("form[data-upvote]"),
      function (f) { return f.getAttribute("action") === action; }
    );
  }

  // Per paper (a form's action): a vote on its way, and the vote last asked for.
  var pending = {};

  function send(form, forms, known) {
    // Send the vote asked for; when it lands, the vote the user asked for last may
    // differ (they pressed again meanwhile): send that one too.
    var action = form.getAttribute("action");
    var body = new FormData(form);
    body.set("vote", pending[action] ? "on" : "off");
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 401) {
          // Signed out in another tab: let the server send them to log in.
          delete pending[action];
          HTMLFormElement.prototype.submit.call(form);
          return null;
        }
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var text = data.error ||
              (response.status === 429
                ? "That was a lot of votes at once. Please wait a minute and try again."
                : "Your vote could not be saved. Please try again.");
            throw new Error(text);
          }
          if (data.voted !== pending[action]) {
            send(form, forms, { voted: data.voted, upvotes: data.upvotes });
            return;
          }
          delete pending[action];
          forms.forEach(function (f) { show(f, data.voted, data.upvotes); });
        });
      })
      .catch(function (error) {
        delete pending[action];
        if (!isNaN(known.upvotes)) {
          forms.forEach(function (f) { show(f, known.voted, known.upvotes); });
        }
        say(error && error.message && error.name === "Error"
          ? error.message
          : "Your vote could not be saved: check your connection and try again.");
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upvote")) return;
    event.preventDefault();
    var button = form.querySelector("[data-upvote-button]");
    var wasVoted = button.getAttribute("aria-pressed") === "true";
    var before = Number(form.dataset.upvotes);
    var forms = otherForms(form);
    // The button shows at once what was asked for, however fast it is pressed.
    var action = form.getAttribute("action");
    var busy = action in pending;
    pending[action] = !wasVoted;
    if (!isNaN(before)) {
      forms.forEach(function (f) { show(f, !wasVoted, Math.max(before + (wasVoted ? -1 : 1), 0)); });
    }
    // A press while a vote is on its way is settled when that one lands.
    if (busy) return;
    send(form, forms, { voted: wasVoted, upvotes: before });
  });
})();
