// A replay page (tinygrad_edu.viz.replay_html) in a frame tells its height, at load and
// whenever its width changes; the frame takes exactly that height: nothing cut off, no empty
// band, and no jump while one steps through it (the page keeps its height for every step).
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var height = event.data && event.data["replay-height"];
    if (typeof height !== "number" || !(height > 0)) return;
    document.querySelectorAll("iframe").forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        var borders = frame.offsetHeight - frame.clientHeight;
        frame.style.height = Math.ceil(height) + borders + "px";
      }
    });
  });
  // A frame may have told its height before this script listened: ask each frame again,
  // now and when it has loaded.
  function ask(frame) {
    if (frame.contentWindow) frame.contentWindow.postMessage("replay-height?", "*");
  }
  document.querySelectorAll("iframe").forEach(function (frame) {
    ask(frame);
    frame.addEventListener("load", function () { ask(frame); });
  });
})();
