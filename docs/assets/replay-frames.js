// A replay page (tinygrad_edu.viz.replay_html) in a frame tells its height, at load and
// whenever its width changes; the frame takes exactly that height: nothing cut off, no empty
// band, and no jump while one steps through it (the page keeps its height for every step).
// Each frame is told the height of the window below the site's header ("replay-viewport"),
// so that its graph's box fits the window; and when a step of the replay moves the value it
// works on out of sight ("replay-active"), the window scrolls the frame, whole if it fits,
// into view.
(function () {
  "use strict";
  var MARGIN = 8;

  function frameOf(source) {
    return Array.prototype.filter.call(document.querySelectorAll("iframe"), function (frame) {
      return frame.contentWindow === source;
    })[0];
  }
  // The top of what a reader sees: below the site's header, if it stays on screen.
  function visibleTop() {
    var header = document.querySelector(".md-header");
    if (!header) return 0;
    var position = getComputedStyle(header).position;
    return position === "fixed" || position === "sticky" ?
      Math.max(0, header.getBoundingClientRect().bottom) : 0;
  }
  function room() { return Math.max(200, window.innerHeight - visibleTop() - 2 * MARGIN); }

  window.addEventListener("message", function (event) {
    var frame = frameOf(event.source);
    if (!frame || !event.data) return;
    var height = event.data["replay-height"];
    if (typeof height === "number" && height > 0) {
      var borders = frame.offsetHeight - frame.clientHeight;
      frame.style.height = Math.ceil(height) + borders + "px";
      return;
    }
    var active = event.data["replay-active"];
    if (active && typeof active.top === "number" && typeof active.bottom === "number") {
      var box = frame.getBoundingClientRect(), top = visibleTop() + MARGIN;
      var bottom = window.innerHeight - MARGIN;
      var inner = box.top + frame.clientTop;
      var lo = box.top, hi = box.bottom;  // the whole frame, if it fits
      if (hi - lo > bottom - top && typeof active.head === "number") {
        lo = inner + active.head;  // else from the buttons down to the value, if that fits
        hi = inner + active.bottom;
      }
      if (hi - lo > bottom - top) {  // else the value
        lo = inner + active.top;
        hi = inner + active.bottom;
      }
      if (lo < top) window.scrollBy(0, lo - top);
      else if (hi > bottom) window.scrollBy(0, Math.min(hi - bottom, lo - top));
    }
  });
  // A frame may have told its height before this script listened: ask each frame again,
  // now and when it has loaded; and tell each the room it has, now and on every resize.
  function ask(frame) {
    if (!frame.contentWindow) return;
    frame.contentWindow.postMessage({"replay-viewport": room()}, "*");
    frame.contentWindow.postMessage("replay-height?", "*");
  }
  document.querySelectorAll("iframe").forEach(function (frame) {
    ask(frame);
    frame.addEventListener("load", function () { ask(frame); });
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("iframe").forEach(ask);
  });
})();
