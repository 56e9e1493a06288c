"use strict";
// Comments without a page reload. Every comment form is a plain form that works
// without JavaScript; here Ctrl/Cmd+Enter sends it, its button is disabled while
// it is on its way (no double posts), and the answer — the paper page the server
// redirects to — replaces the discussion in place. A refused post keeps the text
// and shows the server's reason beside the button.
(function () {
  var SECTION = "[data-discussion]";

  function setBusy(form, busy) {
    if (busy) form.dataset.busy = "1";
    else delete form.dataset.busy;
    var button = form.querySelector("[data-comment-submit]");
    if (!button) return;
    button.disabled = busy;
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = "Sending…";
    } else if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
  }

  function showError(form, text) {
    var slot = form.querySelector("[data-comment-error]");
    if (!slot) {
      window.alert(text);
      return;
    }
    slot.textContent = text;
    slot.hidden = false;
  }

  function commentIds(root) {
    var ids = {};
    Array.prototype.forEach.call(root.querySelectorAll("article[id^='comment-']"), function (el) {
      ids[el.id] = true;
    });
    return ids;
  }

  function announce(doc) {
    // The server's own message ("Your comment is posted."), where its messages go.
    var source = doc.querySelector(".messages");
    var main = document.getElementById("main");
    if (!source || !main) return;
    var list = main.querySelector(".messages");
    if (list) list.replaceWith(document.importNode(source, true));
    else main.insertBefore(document.importNode(source, true), main.firstChild);
  }

  function reveal(section, id) {
    var target = id && section.querySelector("#" + id);
    if (!target) {
      section.querySelector("h2").setAttribute("tabindex", "-1");
      section.querySelector("h2").focus();
      return;
    }
    target.classList.add("is-new");
    window.setTimeout(function () { target.classList.remove("is-new"); }, 4000);
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center", behavior: "smooth" });
    if (history.replaceState) history.replaceState(null, "", "#" + id);
  }

  function send(form, section) {
    var before = commentIds(section);
    var edited = form.closest("article[id^='comment-']");
    var deleting = form.classList.contains("comment-confirm");
    setBusy(form, true);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          return { response: response, html: html };
        });
      })
      .then(function (answer) {
        var doc = new DOMParser().parseFromString(answer.html, "text/html");
        var fresh = doc.querySelector(SECTION);
        if (answer.response.ok && fresh) {
          var added = Object.keys(commentIds(fresh)).filter(function (id) { return !before[id]; });
          section.replaceWith(fresh);
          announce(doc);
          reveal(fresh, deleting ? null : added[0] || (edited && edited.id));
          return;
        }
        if (answer.response.ok && answer.response.redirected) {
          // Signed out meanwhile: the server sent the log-in page; go there.
          window.location.href = answer.response.url;
          return;
        }
        var reason = doc.querySelector("[data-comment-error-message]");
        setBusy(form, false);
        if (reason) showError(form, reason.textContent.trim());
        else if (answer.response.status === 429) showError(form, "That was a lot of comments in a short time. Wait a minute and try again.");
        else showError(form, "Something went wrong on our side; your text is still here. Try again in a moment.");
      })
      .catch(function () {
        setBusy(form, false);
        showError(form, "Could not reach the server. Check your connection and try again.");
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-comment-form")) return;
    if (form.dataset.busy) {
      event.preventDefault();
      return;
    }
    var section = form.closest(SECTION);
    if (!section || !window.fetch || !window.DOMParser) {
      // A plain submit (the page on its own, an old browser): just guard against a second click.
      setBusy(form, true);
      return;
    }
    event.preventDefault();
    send(form, section);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var field = event.target;
    if (!(field instanceof HTMLTextAreaElement) || !field.form || !field.form.hasAttribute("data-comment-form")) return;
    event.preventDefault();
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  });

  document.addEventListener("toggle", function (event) {
    // Opening Reply or Edit puts the cursor in its box, at the end of any text.
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open || !details.hasAttribute("data-comment-action")) return;
    var field = details.querySelector("textarea");
    if (!field) return;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }, true);
})();
