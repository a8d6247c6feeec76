// cc24 stock widget: one file, two roles.
//
// 1. On a dealer's own website, the snippet from the dashboard profile page:
//      <div id="cc24-bestand"></div>
//      <script src="https://CC24-HOST/static/js/embed.js" data-dealer="SLUG"
//              data-target="cc24-bestand" async></script>
//    inserts an iframe of CC24-HOST/embed/SLUG (optional data-lang="en",
//    data-title) and sets its height from the widget's messages — only messages
//    from the cc24 origin the script came from and from that very iframe count.
// 2. Inside the widget page (/embed/SLUG, <body data-cc24-embed>): reports the
//    content height to the embedding page whenever it changes.
(function () {
  'use strict';
  var TYPE = 'cc24:embed-height';
  var body = document.body;

  if (body && body.hasAttribute('data-cc24-embed')) {
    if (window.parent === window) return;
    var last = 0;
    var report = function () {
      // the body's own height: the document's scrollHeight never drops below the
      // iframe's current height, so a shorter page would never shrink it
      var h = Math.ceil(body.getBoundingClientRect().height);
      if (h === last) return;
      last = h;
      // the height is not secret; the parent checks who sent it
      window.parent.postMessage({ type: TYPE, dealer: body.getAttribute('data-cc24-embed'), height: h }, '*');
    };
    window.addEventListener('load', report);
    if (window.ResizeObserver) new ResizeObserver(report).observe(body);
    else window.addEventListener('resize', report);
    report();
    return;
  }

  var script = document.currentScript;
  if (!script || !script.src) return;
  var dealer = script.getAttribute('data-dealer') || '';
  if (!/^[a-z0-9-]{3,60}$/.test(dealer)) return;
  var origin;
  try { origin = new URL(script.src, window.location.href).origin; } catch (e) { return; }
  var lang = script.getAttribute('data-lang');
  var frame = document.createElement('iframe');
  frame.src = origin + '/embed/' + dealer + (lang === 'en' || lang === 'de' ? '?lang=' + lang : '');
  frame.title = script.getAttribute('data-title') || 'Fahrzeugbestand';
  frame.setAttribute('loading', 'lazy');
  frame.setAttribute('data-cc24-frame', dealer);
  frame.style.width = '100%';
  frame.style.border = '0';
  frame.style.display = 'block';
  frame.style.height = '640px';
  var targetId = script.getAttribute('data-target');
  var target = targetId ? document.getElementById(targetId) : null;
  if (target) target.appendChild(frame);
  else script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener('message', function (ev) {
    if (ev.origin !== origin || ev.source !== frame.contentWindow) return;
    var d = ev.data;
    if (!d || d.type !== TYPE || d.dealer !== dealer || typeof d.height !== 'number' || !isFinite(d.height)) return;
    frame.style.height = Math.max(160, Math.min(20000, Math.round(d.height))) + 'px';
  });
})();
