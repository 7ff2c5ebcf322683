// Ticket page: check every 15 s whether new messages arrived, and offer to reload (the reply box is kept).
(function () {
  "use strict";
  var list = document.getElementById("conversation");
  var notice = document.getElementById("new-messages");
  if (!list || !notice || !window.fetch) { return; }
  var known = parseInt(list.getAttribute("data-count"), 10) || 0;
  var url = list.getAttribute("data-status-url");
  function check() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { return null; }
        return r.json();
      })
      .then(function (data) {
        if (data && data.messages > known) { notice.hidden = false; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  window.setInterval(check, 15000);
})();
