// Cualify console: live parts update over server-sent events; every page works without this script.
(function () {
  "use strict";
  var board = document.getElementById("live-board");
  if (!board || !window.EventSource) {
    return;
  }
  var source = new EventSource(board.getAttribute("data-stream"));
  source.addEventListener("board", function (event) {
    // The fragment is rendered by the server with the same component as the page; keep keyboard focus if it was inside.
    var focused = document.activeElement && board.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
    board.innerHTML = event.data;
    if (focused) {
      var again = board.querySelector('[aria-label="' + focused.replace(/"/g, '\\"') + '"]');
      if (again) { again.focus(); }
    }
  });
  source.addEventListener("ended", function () {
    source.close();
    window.location.assign(window.location.href);
  });
})();
