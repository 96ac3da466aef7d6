/* Hromada Access: stand-in for the one jQuery call folium's popups make — $(`<div>…</div>`)[0] — so maps need
   no jQuery download (they must work offline). Also handles $(function) and $(selector). Not jQuery. */
(function () {
  if (window.$) { return; }
  window.$ = function (arg) {
    if (typeof arg === "function") {
      if (document.readyState !== "loading") { arg(); } else { document.addEventListener("DOMContentLoaded", arg); }
      return [];
    }
    if (typeof arg === "string") {
      var text = arg.trim();
      if (text.charAt(0) === "<") {
        var template = document.createElement("template");
        template.innerHTML = text;
        return Array.prototype.slice.call(template.content.childNodes).filter(function (n) { return n.nodeType === 1; });
      }
      return Array.prototype.slice.call(document.querySelectorAll(text));
    }
    return arg ? [arg] : [];
  };
})();
